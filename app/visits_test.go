package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

type visitFixture struct {
	visits *app.Visits
	clock  *shClock
	alice  *domain.Shopper
	bob    *domain.Shopper
}

// newVisitFixture seeds DEMO01 (31.230416, 121.473701, 150 m) and adds
// NOGEO01 (no geofence), SHUT01 (inactive, at DEMO01's spot) and PUDONG1
// (about 2.6 km east of DEMO01, 300 m).
func newVisitFixture(t *testing.T, ttl time.Duration) *visitFixture {
	t.Helper()
	db := mysqltest.Open(t)
	ctx := context.Background()
	ids, _ := idgen.New(0, 0)
	clock := &shClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	if _, err := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(bcrypt.MinCost), ids, clock).SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	stores := mysql.NewStoreRepo(db)
	for _, s := range []struct {
		code, lat, lng string
		radius         int
		active         bool
	}{
		{"NOGEO01", "31.2", "121.4", 0, true},
		{"SHUT01", "31.230416", "121.473701", 500, false},
		{"PUDONG1", "31.230416", "121.501000", 300, true},
	} {
		name, lat, lng, radius, active := "Store "+s.code, decimal.RequireFromString(s.lat), decimal.RequireFromString(s.lng), s.radius, s.active
		st, err := domain.NewStore(ids.NewID(), s.code, domain.StorePatch{Name: &name, Latitude: &lat, Longitude: &lng, RadiusM: &radius, Active: &active}, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := stores.CreateStore(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	shoppers := mysql.NewShopperRepo(db)
	shopper := func(openID string) *domain.Shopper {
		s, err := shoppers.UpsertShopper(ctx, &domain.Shopper{ID: ids.NewID(), AppID: "wx1", OpenID: openID, CreatedAt: clock.Now(), LastSeenAt: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	return &visitFixture{visits: app.NewVisits(stores, mysql.NewVisitRepo(db), ids, clock, ttl), clock: clock,
		alice: shopper("oAlice"), bob: shopper("oBob")}
}

func dptr(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

func TestOpenVisit(t *testing.T) {
	f := newVisitFixture(t, 2*time.Hour)
	ctx := context.Background()
	for _, tc := range []struct {
		name          string
		req           app.VisitRequest
		store, source string
		code, reason  string
	}{
		{"by store code", app.VisitRequest{StoreCode: "demo01"}, "DEMO01", "store_code", "", ""},
		{"by scene", app.VisitRequest{Scene: "DEMO01"}, "DEMO01", "scene", "", ""},
		{"by location with code, ~50 m away", app.VisitRequest{StoreCode: "DEMO01", Lat: dptr("31.230866"), Lng: dptr("121.473701")}, "DEMO01", "location", "", ""},
		{"by location alone: the store around", app.VisitRequest{Lat: dptr("31.230416"), Lng: dptr("121.500000")}, "PUDONG1", "location", "", ""},
		{"by location with code, ~1 km away", app.VisitRequest{StoreCode: "DEMO01", Lat: dptr("31.239416"), Lng: dptr("121.473701")}, "", "", domain.EINVALID, "outside_store"},
		{"by location alone, nowhere", app.VisitRequest{Lat: dptr("30.0"), Lng: dptr("120.0")}, "", "", domain.EINVALID, "outside_store"},
		{"location at a store without geofence", app.VisitRequest{StoreCode: "NOGEO01", Lat: dptr("31.2"), Lng: dptr("121.4")}, "", "", domain.EINVALID, "geofence_disabled"},
		{"closed store", app.VisitRequest{StoreCode: "SHUT01"}, "", "", domain.EINVALID, "store_closed"},
		{"unknown store", app.VisitRequest{StoreCode: "NOPE01"}, "", "", domain.ENOTFOUND, "store_not_found"},
		{"unknown scene store", app.VisitRequest{Scene: "NOPE01"}, "", "", domain.ENOTFOUND, "store_not_found"},
		{"bad scene", app.VisitRequest{Scene: "a b"}, "", "", domain.EINVALID, "scene_invalid"},
		{"scene with a code", app.VisitRequest{Scene: "DEMO01", StoreCode: "DEMO01"}, "", "", domain.EINVALID, "visit_invalid"},
		{"nothing", app.VisitRequest{}, "", "", domain.EINVALID, "visit_invalid"},
		{"lat without lng", app.VisitRequest{StoreCode: "DEMO01", Lat: dptr("31.23")}, "", "", domain.EINVALID, "position_invalid"},
		{"lat out of range", app.VisitRequest{Lat: dptr("91"), Lng: dptr("121")}, "", "", domain.EINVALID, "position_invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, st, err := f.visits.Open(ctx, f.alice, tc.req)
			if tc.code != "" {
				wantShopperErr(t, err, tc.code, tc.reason)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.Code != tc.store || v.StoreCode != tc.store || v.StoreID != st.ID || v.ShopperID != f.alice.ID {
				t.Fatalf("visit %+v of store %s, want %s", v, st.Code, tc.store)
			}
			if v.Source != domain.VisitSource(tc.source) && v.StoreCode != "DEMO01" { // DEMO01's visit is reused
				t.Fatalf("source %s, want %s", v.Source, tc.source)
			}
			if want := f.clock.Now().Add(2 * time.Hour); !v.ExpiresAt.Equal(want) {
				t.Fatalf("expires %s, want %s", v.ExpiresAt, want)
			}
		})
	}
	_, _, err := f.visits.Open(ctx, f.alice, app.VisitRequest{StoreCode: "DEMO01", Lat: dptr("31.239416"), Lng: dptr("121.473701")})
	if !strings.Contains(err.Error(), "1001 m from store DEMO01") {
		t.Fatalf("the refusal should give the distance: %v", err)
	}
}

func TestRequireVisit(t *testing.T) {
	const ttl = 10 * time.Minute
	f := newVisitFixture(t, ttl)
	ctx := context.Background()

	_, _, err := f.visits.Require(ctx, f.alice.ID, "DEMO01")
	wantShopperErr(t, err, domain.ECONFLICT, "visit_required")
	opened, _, err := f.visits.Open(ctx, f.alice, app.VisitRequest{Scene: "DEMO01"})
	if err != nil {
		t.Fatal(err)
	}
	v, st, err := f.visits.Require(ctx, f.alice.ID, "demo01")
	if err != nil || v.ID != opened.ID || st.Code != "DEMO01" {
		t.Fatalf("require: %+v %v", v, err)
	}
	// Only Alice, only DEMO01.
	_, _, err = f.visits.Require(ctx, f.bob.ID, "DEMO01")
	wantShopperErr(t, err, domain.ECONFLICT, "visit_required")
	_, _, err = f.visits.Require(ctx, f.alice.ID, "PUDONG1")
	wantShopperErr(t, err, domain.ECONFLICT, "visit_required")
	_, _, err = f.visits.Require(ctx, f.alice.ID, "NOPE01")
	wantShopperErr(t, err, domain.ENOTFOUND, "store_not_found")

	// Activity keeps the visit alive past its first expiry...
	for range 3 {
		f.clock.Add(ttl - time.Minute)
		v, _, err := f.visits.Require(ctx, f.alice.ID, "DEMO01")
		if err != nil {
			t.Fatalf("active shopper lost the visit: %v", err)
		}
		if want := f.clock.Now().Add(ttl); !v.ExpiresAt.Equal(want) {
			t.Fatalf("expires %s, want %s", v.ExpiresAt, want)
		}
	}
	// ...and inactivity ends it.
	f.clock.Add(ttl)
	_, _, err = f.visits.Require(ctx, f.alice.ID, "DEMO01")
	wantShopperErr(t, err, domain.ECONFLICT, "visit_required")

	// A fresh visit after expiry is a new one.
	again, _, err := f.visits.Open(ctx, f.alice, app.VisitRequest{StoreCode: "DEMO01"})
	if err != nil || again.ID == opened.ID {
		t.Fatalf("reopen: %+v, %v; want a new visit", again, err)
	}
}

// Scans seconds apart do not rewrite the visit each time: the expiry moves
// once a minute at most (ttl/10 when shorter).
func TestRequireTouchesSparingly(t *testing.T) {
	f := newVisitFixture(t, 2*time.Hour)
	ctx := context.Background()
	opened, _, err := f.visits.Open(ctx, f.alice, app.VisitRequest{StoreCode: "DEMO01"})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(30 * time.Second)
	v, _, err := f.visits.Require(ctx, f.alice.ID, "DEMO01")
	if err != nil || !v.ExpiresAt.Equal(opened.ExpiresAt) {
		t.Fatalf("after 30 s: %+v, %v; want the expiry unchanged", v, err)
	}
	f.clock.Add(30 * time.Second)
	v, _, err = f.visits.Require(ctx, f.alice.ID, "DEMO01")
	if err != nil || !v.ExpiresAt.Equal(f.clock.Now().Add(2*time.Hour)) {
		t.Fatalf("after 60 s: %+v, %v; want the expiry moved", v, err)
	}
}
