package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// The scan path's one-query lookup tells the three cases apart.
func TestItemByGTIN(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		store := createStore(t, mysql.NewStoreRepo(db), 1, "GT01")
		name, unit, tax := "Cola", domain.UnitEach, decimal.RequireFromString("0.13")
		sold, err := domain.NewProduct(10, "COLA", domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}, []string{"4006381333931"}, now)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := domain.NewProduct(11, "TEA", domain.ProductPatch{Name: &name, Unit: &unit, TaxRate: &tax}, []string{"5449000000996"}, now)
		products, items := mysql.NewProductRepo(db), mysql.NewStoreItemRepo(db)
		for _, p := range []*domain.Product{sold, other} {
			if err := products.CreateProduct(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		it, _ := domain.NewStoreItem(store.ID, store.Code, sold, domain.StoreItemInput{Price: decimal.RequireFromString("3.50"), Active: true}, now)
		if err := items.PutStoreItem(ctx, it); err != nil {
			t.Fatal(err)
		}
		got, err := items.ItemByGTIN(ctx, store.ID, "04006381333931")
		if err != nil || got.Product.SKU != "COLA" || !got.Price.Equal(decimal.RequireFromString("3.50")) || !got.Active {
			t.Fatalf("sold item: %+v %v", got, err)
		}
		got, err = items.ItemByGTIN(ctx, store.ID, "05449000000996")
		if domain.ErrorReason(err) != "store_item_not_found" || got == nil || got.Product.SKU != "TEA" {
			t.Fatalf("not sold here: %+v %v", got, err)
		}
		if _, err := items.ItemByGTIN(ctx, store.ID, "00000000000000"); domain.ErrorReason(err) != "barcode_unknown" {
			t.Fatalf("unknown: %v", err)
		}
	})
}
