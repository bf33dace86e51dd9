package app_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// "abc" and "ABC" are one SKU on both engines (MariaDB's collation ignores
// case, SQLite's does not): it is kept and looked up in upper case.
func TestSKUIsCaseInsensitiveOnBothEngines(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newCatalogFixture(t, db, "0")
		ctx := context.Background()
		ids, _ := idgen.New(11, 0)
		catalog := app.NewCatalog(db, mysql.NewProductRepo(db), ids, app.SystemClock{})
		name, unit, tax := "Tea", domain.UnitEach, decimal.RequireFromString("0.13")
		p, err := catalog.Create(ctx, f.admin, app.NewProductInput{SKU: " tea-1 ", Patch: domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}})
		if err != nil || p.SKU != "TEA-1" {
			t.Fatalf("create: %+v %v", p, err)
		}
		if _, err := catalog.Create(ctx, f.admin, app.NewProductInput{SKU: "TEA-1", Patch: domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}}); domain.ErrorReason(err) != "sku_taken" {
			t.Fatalf("same SKU in another case: %v, want sku_taken", err)
		}
		if got, err := catalog.Get(ctx, f.admin, "Tea-1"); err != nil || got.ID != p.ID {
			t.Fatalf("lookup in another case: %+v %v", got, err)
		}
	})
}
