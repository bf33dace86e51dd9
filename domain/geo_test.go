package domain_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

func TestDistanceMeters(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		lat1, lng1, lat2, lng2 float64
		min, max               float64
	}{
		{"same point", 31.230416, 121.473701, 31.230416, 121.473701, 0, 0},
		// The square's centre to the Bund at Nanjing East Road: about 1.9 km
		// as the crow flies (the 1.2 km often quoted is the pedestrian street
		// from the square's edge).
		{"People's Square to the Bund", 31.230416, 121.473701, 31.240018, 121.490317, 1850, 1950},
		{"Nanjing East Road, Xizang Road to the Bund", 31.236700, 121.477800, 31.240018, 121.490317, 1150, 1300},
		{"London to Paris", 51.5074, -0.1278, 48.8566, 2.3522, 343_000, 344_500},
		{"one degree of latitude", 0, 0, 1, 0, 111_100, 111_300},
		{"one degree of longitude at the equator", 0, 10, 0, 11, 111_100, 111_300},
		{"one degree of longitude at 60° is half", 60, 10, 60, 11, 55_550, 55_700},
		{"across the antimeridian", 0, 179.5, 0, -179.5, 111_100, 111_300},
		{"Shanghai to Beijing", 31.2304, 121.4737, 39.9042, 116.4074, 1_060_000, 1_075_000},
		{"antipodes: half the circumference", 0, 0, 0, 180, 20_015_000, 20_016_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := domain.DistanceMeters(tc.lat1, tc.lng1, tc.lat2, tc.lng2)
			back := domain.DistanceMeters(tc.lat2, tc.lng2, tc.lat1, tc.lng1)
			if d < tc.min || d > tc.max || math.Abs(d-back) > 1e-6 {
				t.Fatalf("distance %.1f m (back %.1f m), want %.0f-%.0f m", d, back, tc.min, tc.max)
			}
		})
	}
}

func TestCheckPresence(t *testing.T) {
	radius := 150
	lat, lng := decimal.RequireFromString("31.230416"), decimal.RequireFromString("121.473701")
	name := "Demo"
	st, err := domain.NewStore(1, "DEMO01", domain.StorePatch{Name: &name, Latitude: &lat, Longitude: &lng, RadiusM: &radius}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pos := func(la, ln string) domain.Position {
		t.Helper()
		a, b := decimal.RequireFromString(la), decimal.RequireFromString(ln)
		p, err := domain.NewPosition(&a, &b)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// 0.00045° of latitude is about 50 m; 0.009° about 1 km.
	for _, tc := range []struct {
		name     string
		p        domain.Position
		radius   int
		reason   string
		distance string
	}{
		{"at the door", pos("31.230416", "121.473701"), 150, "", ""},
		{"50 m north", pos("31.230866", "121.473701"), 150, "", ""},
		{"1 km north", pos("31.239416", "121.473701"), 150, "outside_store", "you are 1001 m from store DEMO01"},
		{"no geofence", pos("31.230416", "121.473701"), 0, "geofence_disabled", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := *st
			s.RadiusM = tc.radius
			err := s.CheckPresence(tc.p)
			if domain.ErrorReason(err) != tc.reason || (err != nil && domain.ErrorCode(err) != domain.EINVALID) {
				t.Fatalf("err = %v, want reason %q", err, tc.reason)
			}
			if tc.distance != "" && (err == nil || !strings.Contains(err.Error(), tc.distance)) {
				t.Fatalf("err = %v, want it to say %q", err, tc.distance)
			}
		})
	}
}

func TestNewPosition(t *testing.T) {
	d := func(s string) *decimal.Decimal { v := decimal.RequireFromString(s); return &v }
	for _, tc := range []struct {
		lat, lng *decimal.Decimal
		fields   int
	}{
		{d("31.2"), d("121.4"), 0},
		{d("-90"), d("180"), 0},
		{d("90.000001"), d("0"), 1},
		{d("0"), d("-180.5"), 1},
		{nil, d("1"), 1},
		{d("1"), nil, 1},
		{nil, nil, 2},
	} {
		_, err := domain.NewPosition(tc.lat, tc.lng)
		var got int
		if e, ok := err.(*domain.Error); ok {
			got = len(e.Fields)
			if e.Reason != "position_invalid" {
				t.Errorf("reason %q", e.Reason)
			}
		}
		if got != tc.fields {
			t.Errorf("NewPosition(%v, %v): %d bad fields (%v), want %d", tc.lat, tc.lng, got, err, tc.fields)
		}
	}
}

func TestParseScene(t *testing.T) {
	for scene, want := range map[string]string{"DEMO01": "DEMO01", " demo01 ": "DEMO01", "S_2-B": "S_2-B"} {
		if got, err := domain.ParseScene(scene); err != nil || got != want {
			t.Errorf("ParseScene(%q) = %q, %v; want %q", scene, got, err, want)
		}
	}
	for _, scene := range []string{"", "D", "DEMO01?x=1", "店01", "A23456789012345678", "-DEMO"} {
		if _, err := domain.ParseScene(scene); domain.ErrorReason(err) != "scene_invalid" {
			t.Errorf("ParseScene(%q) err = %v, want scene_invalid", scene, err)
		}
	}
}

func TestVisitTouch(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	st := &domain.Store{ID: 7, Code: "DEMO01"}
	v := domain.NewVisit(1, 2, st, domain.VisitByScene, now, 2*time.Hour)
	if !v.Active(now) || !v.Active(now.Add(2*time.Hour-time.Nanosecond)) || v.Active(now.Add(2*time.Hour)) {
		t.Fatal("a visit is active for exactly its ttl")
	}
	if v.TouchDue(now.Add(59*time.Second), 2*time.Hour) || !v.TouchDue(now.Add(time.Minute), 2*time.Hour) {
		t.Fatal("touches are due once a minute with a 2 h ttl")
	}
	if !v.TouchDue(now.Add(100*time.Millisecond), time.Second) {
		t.Fatal("with a 1 s ttl a touch is due after a tenth of it")
	}
	v.Touch(now.Add(time.Hour), 2*time.Hour)
	if !v.ExpiresAt.Equal(now.Add(3*time.Hour)) || !v.LastSeenAt.Equal(now.Add(time.Hour)) {
		t.Fatalf("after touch: %+v", v)
	}
	var none *domain.Visit
	if none.Active(now) {
		t.Fatal("no visit is not active")
	}
}
