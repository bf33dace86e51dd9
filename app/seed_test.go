package app_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// The demo seed runs at every embedded start, so a second run must create
// nothing and leave what staff changed alone.
func TestSeedDemoIsIdempotent(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ids, _ := idgen.New(0, 0)
		stores, staff := mysql.NewStoreRepo(db), mysql.NewStaffRepo(db)
		seeder := app.NewSeeder(db, stores, staff, bcrypt.New(bcrypt.MinCost), ids, app.SystemClock{})
		ctx := context.Background()
		n, err := seeder.SeedDemo(ctx)
		if err != nil || n != 4 {
			t.Fatalf("first seed created %d (err %v), want store + 3 staff", n, err)
		}
		renamed := "Renamed by staff"
		_, err = stores.UpdateStore(ctx, app.DemoStoreCode, func(s *domain.Store) error {
			return s.Update(domain.StorePatch{Name: &renamed}, s.UpdatedAt)
		})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := seeder.SeedDemo(ctx); err != nil || n != 0 {
			t.Fatalf("second seed created %d (err %v), want 0", n, err)
		}
		st, err := stores.StoreByCode(ctx, app.DemoStoreCode)
		if err != nil || st.Name != renamed {
			t.Fatalf("seed overwrote the store: %+v %v", st, err)
		}
		for _, u := range []string{"admin", "manager1", "clerk1"} {
			s, err := staff.StaffByUsername(ctx, u)
			if err != nil || len(s.StoreCodes) != 1 || s.StoreCodes[0] != app.DemoStoreCode {
				t.Fatalf("%s: %+v %v", u, s, err)
			}
		}
	})
}
