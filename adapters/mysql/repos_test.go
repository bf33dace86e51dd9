package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// repoIDs hands out 1, 2, 3 ... so tests know every id in advance.
type repoIDs struct{ n atomic.Int64 }

func (c *repoIDs) NewID() int64 { return c.n.Add(1) }

// repoClock is a clock that never moves.
type repoClock struct{ t time.Time }

func (c repoClock) Now() time.Time { return c.t }

// repoNow has nanoseconds and a non-UTC zone on purpose: the repositories
// must store UTC at microsecond precision.
var repoNow = time.Date(2025, 3, 4, 13, 6, 7, 123456789, time.FixedZone("CST", 8*3600))

var errBoom = errors.New("boom")

func rptr[T any](v T) *T { return &v }

func rdec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

func newStore(t *testing.T, id int64, code string) *domain.Store {
	t.Helper()
	s, err := domain.NewStore(id, code, domain.StorePatch{Name: rptr("Store " + code)}, repoNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func createStore(t *testing.T, repo *mysql.StoreRepo, id int64, code string) *domain.Store {
	t.Helper()
	s := newStore(t, id, code)
	if err := repo.CreateStore(context.Background(), s); err != nil {
		t.Fatalf("CreateStore %s: %v", code, err)
	}
	return s
}

func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if domain.ErrorCode(err) != code || domain.ErrorReason(err) != reason {
		t.Fatalf("error = %v, want %s/%s", err, code, reason)
	}
}

// sameTime checks a time read back from the database: UTC, equal to want
// cut to the microsecond.
func sameTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	want = want.Truncate(time.Microsecond)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s = %s (%s), want %s in UTC", what, got, got.Location(), want.UTC())
	}
}

// sameStore compares every field, decimals by value, times at microseconds.
func sameStore(t *testing.T, got, want *domain.Store) {
	t.Helper()
	type flat struct {
		ID                 int64
		Code, Name, TZ     string
		Radius, Lines, Qty int
		Active             bool
	}
	f := func(s *domain.Store) flat {
		return flat{s.ID, s.Code, s.Name, s.TimeZone, s.RadiusM, s.MaxLines, s.MaxLineQty, s.Active}
	}
	if g, w := f(got), f(want); g != w {
		t.Errorf("store fields:\n got %+v\nwant %+v", g, w)
	}
	for _, d := range []struct {
		name      string
		got, want decimal.Decimal
	}{
		{"latitude", got.Latitude, want.Latitude}, {"longitude", got.Longitude, want.Longitude},
		{"audit_rate", got.AuditRate, want.AuditRate}, {"max_basket_total", got.MaxBasketTotal, want.MaxBasketTotal},
	} {
		if !d.got.Equal(d.want) {
			t.Errorf("%s = %s, want %s", d.name, d.got, d.want)
		}
	}
	sameTime(t, "created_at", got.CreatedAt, want.CreatedAt)
	sameTime(t, "updated_at", got.UpdatedAt, want.UpdatedAt)
}

func TestStoreRepoCreateGetList(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		var created []*domain.Store
		for i := 1; i <= 5; i++ {
			created = append(created, createStore(t, repo, int64(i*10), fmt.Sprintf("S%02d", i)))
		}
		got, err := repo.StoreByCode(ctx, "S03")
		if err != nil {
			t.Fatal(err)
		}
		sameStore(t, got, created[2])

		var pages [][]int64
		after := int64(0)
		for range 4 {
			page, err := repo.ListStores(ctx, domain.Page{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, s := range page {
				ids = append(ids, s.ID)
				after = s.ID
			}
			pages = append(pages, ids)
		}
		want := [][]int64{{10, 20}, {30, 40}, {50}, nil}
		if !reflect.DeepEqual(pages, want) {
			t.Fatalf("pages = %v, want %v", pages, want)
		}
		all, err := repo.ListStores(ctx, domain.Page{Limit: 200})
		if err != nil || len(all) != 5 {
			t.Fatalf("list all: %d stores, %v", len(all), err)
		}
		for i, s := range all {
			sameStore(t, s, created[i])
		}
	})
}

func TestStoreRepoErrors(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		createStore(t, repo, 1, "DEMO01")

		err := repo.CreateStore(ctx, newStore(t, 2, "DEMO01"))
		wantCode(t, err, domain.ECONFLICT, "store_code_taken")

		_, err = repo.StoreByCode(ctx, "NOPE01")
		wantCode(t, err, domain.ENOTFOUND, "store_not_found")

		_, err = repo.UpdateStore(ctx, "NOPE01", func(*domain.Store) error { t.Error("fn called"); return nil })
		wantCode(t, err, domain.ENOTFOUND, "store_not_found")

		if all, _ := repo.ListStores(ctx, domain.Page{Limit: 10}); len(all) != 1 {
			t.Fatalf("%d stores after a rejected duplicate, want 1", len(all))
		}
	})
}

func TestStoreRepoUpdatePersistsEveryField(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		orig := createStore(t, repo, 1, "DEMO01")
		later := repoNow.Add(90*time.Minute + 987654321*time.Nanosecond)

		var returned *domain.Store
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			var err error
			returned, err = repo.UpdateStore(ctx, "DEMO01", func(s *domain.Store) error {
				return s.Update(domain.StorePatch{
					Name: rptr("Sydney CBD"), TimeZone: rptr("Australia/Sydney"),
					Latitude: rdec("-33.868820"), Longitude: rdec("151.209296"), RadiusM: rptr(250),
					AuditRate: rdec("0.0725"), MaxLines: rptr(42), MaxLineQty: rptr(7),
					MaxBasketTotal: rdec("1234.56"), Active: rptr(false),
				}, later)
			})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := *orig
		want.Name, want.TimeZone, want.RadiusM = "Sydney CBD", "Australia/Sydney", 250
		want.Latitude, want.Longitude = *rdec("-33.86882"), *rdec("151.209296")
		want.AuditRate, want.MaxBasketTotal = *rdec("0.0725"), *rdec("1234.56")
		want.MaxLines, want.MaxLineQty, want.Active, want.UpdatedAt = 42, 7, false, later
		got, err := repo.StoreByCode(ctx, "DEMO01")
		if err != nil {
			t.Fatal(err)
		}
		sameStore(t, got, &want)
		if returned == nil || returned.Name != "Sydney CBD" || !returned.MaxBasketTotal.Equal(want.MaxBasketTotal) {
			t.Errorf("UpdateStore returned %+v", returned)
		}

		// Zero values are values too: no geofence, latitude 0, active again.
		_, err = repo.UpdateStore(ctx, "DEMO01", func(s *domain.Store) error {
			return s.Update(domain.StorePatch{RadiusM: rptr(0), Latitude: rdec("0"), AuditRate: rdec("0"), Active: rptr(true)}, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		want.RadiusM, want.Latitude, want.AuditRate, want.Active = 0, decimal.Zero, decimal.Zero, true
		if got, err = repo.StoreByCode(ctx, "DEMO01"); err != nil {
			t.Fatal(err)
		}
		sameStore(t, got, &want)
	})
}

func TestStoreRepoUpdateFnErrorLeavesRow(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		orig := createStore(t, repo, 1, "DEMO01")
		change := func(s *domain.Store) error {
			s.Name, s.MaxLines = "changed", 1
			return errBoom
		}
		if _, err := repo.UpdateStore(ctx, "DEMO01", change); !errors.Is(err, errBoom) {
			t.Fatalf("UpdateStore outside tx = %v, want errBoom", err)
		}
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			_, err := repo.UpdateStore(ctx, "DEMO01", change)
			return err
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("UpdateStore inside tx = %v, want errBoom", err)
		}
		_, err = repo.UpdateStore(ctx, "DEMO01", func(s *domain.Store) error {
			return s.Update(domain.StorePatch{AuditRate: rdec("1.5"), Name: rptr("x")}, repoNow.Add(time.Hour))
		})
		wantCode(t, err, domain.EINVALID, "store_invalid")
		got, err := repo.StoreByCode(ctx, "DEMO01")
		if err != nil {
			t.Fatal(err)
		}
		sameStore(t, got, orig)
	})
}
