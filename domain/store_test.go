package domain_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

var testNow = time.Date(2025, 6, 1, 8, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func dec(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

// fieldNames returns the distinct field names of a validation error, sorted,
// after checking it is an EINVALID *domain.Error with the given reason.
func fieldNames(t *testing.T, err error, reason string) []string {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *domain.Error", err, err)
	}
	if de.Code != domain.EINVALID || de.Reason != reason {
		t.Fatalf("code/reason = %s/%s, want %s/%s", de.Code, de.Reason, domain.EINVALID, reason)
	}
	var names []string
	for _, f := range de.Fields {
		if f.Message == "" {
			t.Errorf("field %s has an empty message", f.Field)
		}
		names = append(names, f.Field)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func TestNewStoreAppliesDefaults(t *testing.T) {
	s, err := domain.NewStore(7, " DEMO01 ", domain.StorePatch{Name: ptr("  Demo store ")}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if s.ID != 7 || s.Code != "DEMO01" || s.Name != "Demo store" {
		t.Errorf("id/code/name = %d/%q/%q", s.ID, s.Code, s.Name)
	}
	if s.TimeZone != "Asia/Shanghai" || s.Location().String() != "Asia/Shanghai" {
		t.Errorf("time zone = %q (location %s), want Asia/Shanghai", s.TimeZone, s.Location())
	}
	if !s.AuditRate.Equal(decimal.RequireFromString("0.05")) {
		t.Errorf("audit rate = %s, want 0.05", s.AuditRate)
	}
	if s.MaxLines != 100 || s.MaxLineQty != 99 || !s.MaxBasketTotal.Equal(decimal.NewFromInt(5000)) {
		t.Errorf("caps = %d/%d/%s, want 100/99/5000", s.MaxLines, s.MaxLineQty, s.MaxBasketTotal)
	}
	if s.RadiusM != 0 || !s.Latitude.IsZero() || !s.Longitude.IsZero() {
		t.Errorf("geofence = %s,%s r=%d, want none", s.Latitude, s.Longitude, s.RadiusM)
	}
	if !s.Active || !s.CreatedAt.Equal(testNow) || !s.UpdatedAt.Equal(testNow) {
		t.Errorf("active/created/updated = %v/%s/%s", s.Active, s.CreatedAt, s.UpdatedAt)
	}
}

func TestNewStoreAcceptsBoundaries(t *testing.T) {
	tests := []struct {
		name string
		code string
		p    domain.StorePatch
	}{
		{"two-char code", "A1", domain.StorePatch{}},
		{"16-char code with _ and -", "A-B_C0123456789X", domain.StorePatch{}},
		{"lat/lng max", "S1", domain.StorePatch{Latitude: dec("90"), Longitude: dec("180")}},
		{"lat/lng min", "S1", domain.StorePatch{Latitude: dec("-90"), Longitude: dec("-180")}},
		{"radius 0", "S1", domain.StorePatch{RadiusM: ptr(0)}},
		{"radius 50000", "S1", domain.StorePatch{RadiusM: ptr(50000)}},
		{"audit 0", "S1", domain.StorePatch{AuditRate: dec("0")}},
		{"audit 1", "S1", domain.StorePatch{AuditRate: dec("1")}},
		{"lines 1 qty 1", "S1", domain.StorePatch{MaxLines: ptr(1), MaxLineQty: ptr(1)}},
		{"lines 1000 qty 999", "S1", domain.StorePatch{MaxLines: ptr(1000), MaxLineQty: ptr(999)}},
		{"basket 0.01", "S1", domain.StorePatch{MaxBasketTotal: dec("0.01")}},
		{"basket 1000000.00", "S1", domain.StorePatch{MaxBasketTotal: dec("1000000.00")}},
		{"time zone UTC", "S1", domain.StorePatch{TimeZone: ptr("UTC")}},
		{"time zone Europe/Berlin", "S1", domain.StorePatch{TimeZone: ptr(" Europe/Berlin ")}},
		{"100-rune name", "S1", domain.StorePatch{Name: ptr(strings.Repeat("店", 100))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Name == nil {
				tt.p.Name = ptr("Store")
			}
			if _, err := domain.NewStore(1, tt.code, tt.p, testNow); err != nil {
				t.Fatalf("NewStore: %v", err)
			}
		})
	}
}

func TestNewStoreReportsEachBadField(t *testing.T) {
	tests := []struct {
		name  string
		code  string
		p     domain.StorePatch
		field string
	}{
		{"lower-case code", "demo01", domain.StorePatch{}, "code"},
		{"one-char code", "D", domain.StorePatch{}, "code"},
		{"code starts with dash", "-DEMO", domain.StorePatch{}, "code"},
		{"17-char code", "ABCDEFGHIJKLMNOPQ", domain.StorePatch{}, "code"},
		{"code with space", "DEMO 01", domain.StorePatch{}, "code"},
		{"empty code", "", domain.StorePatch{}, "code"},
		{"missing name", "S1", domain.StorePatch{Name: nil}, "name"},
		{"blank name", "S1", domain.StorePatch{Name: ptr("   ")}, "name"},
		{"101-rune name", "S1", domain.StorePatch{Name: ptr(strings.Repeat("n", 101))}, "name"},
		{"unknown time zone", "S1", domain.StorePatch{TimeZone: ptr("Mars/Olympus")}, "time_zone"},
		{"Local time zone", "S1", domain.StorePatch{TimeZone: ptr("Local")}, "time_zone"},
		{"empty time zone", "S1", domain.StorePatch{TimeZone: ptr("")}, "time_zone"},
		{"lat 91", "S1", domain.StorePatch{Latitude: dec("91")}, "latitude"},
		{"lat -90.000001", "S1", domain.StorePatch{Latitude: dec("-90.000001")}, "latitude"},
		{"lng -181", "S1", domain.StorePatch{Longitude: dec("-181")}, "longitude"},
		{"radius -1", "S1", domain.StorePatch{RadiusM: ptr(-1)}, "radius_m"},
		{"radius 50001", "S1", domain.StorePatch{RadiusM: ptr(50001)}, "radius_m"},
		{"audit -0.1", "S1", domain.StorePatch{AuditRate: dec("-0.1")}, "audit_rate"},
		{"audit 1.01", "S1", domain.StorePatch{AuditRate: dec("1.01")}, "audit_rate"},
		{"max_lines 0", "S1", domain.StorePatch{MaxLines: ptr(0)}, "max_lines"},
		{"max_lines 1001", "S1", domain.StorePatch{MaxLines: ptr(1001)}, "max_lines"},
		{"max_line_quantity 0", "S1", domain.StorePatch{MaxLineQty: ptr(0)}, "max_line_quantity"},
		{"max_line_quantity 1000", "S1", domain.StorePatch{MaxLineQty: ptr(1000)}, "max_line_quantity"},
		{"basket 0", "S1", domain.StorePatch{MaxBasketTotal: dec("0")}, "max_basket_total"},
		{"basket negative", "S1", domain.StorePatch{MaxBasketTotal: dec("-5")}, "max_basket_total"},
		{"basket 1.234", "S1", domain.StorePatch{MaxBasketTotal: dec("1.234")}, "max_basket_total"},
		{"basket 1000000.01", "S1", domain.StorePatch{MaxBasketTotal: dec("1000000.01")}, "max_basket_total"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.p.Name == nil && tt.field != "name" {
				tt.p.Name = ptr("Store")
			}
			s, err := domain.NewStore(1, tt.code, tt.p, testNow)
			if err == nil {
				t.Fatalf("NewStore accepted it: %+v", s)
			}
			if s != nil {
				t.Errorf("NewStore returned a store with its error")
			}
			if got := fieldNames(t, err, "store_invalid"); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields = %v, want [%s]", got, tt.field)
			}
		})
	}
}

func TestNewStoreListsAllBadFieldsAtOnce(t *testing.T) {
	_, err := domain.NewStore(1, "bad code", domain.StorePatch{
		TimeZone:       ptr("Local"),
		Latitude:       dec("91"),
		Longitude:      dec("-181"),
		RadiusM:        ptr(-1),
		AuditRate:      dec("1.01"),
		MaxLines:       ptr(0),
		MaxLineQty:     ptr(1000),
		MaxBasketTotal: dec("1.234"),
	}, testNow)
	want := []string{"audit_rate", "code", "latitude", "longitude", "max_basket_total",
		"max_line_quantity", "max_lines", "name", "radius_m", "time_zone"}
	if got := fieldNames(t, err, "store_invalid"); !slices.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}
}

func validStore(t *testing.T) *domain.Store {
	t.Helper()
	s, err := domain.NewStore(1, "DEMO01", domain.StorePatch{Name: ptr("Demo"), Latitude: dec("31.2304"),
		Longitude: dec("121.4737"), RadiusM: ptr(200)}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStoreUpdateInvalidPatchLeavesStoreUnchanged(t *testing.T) {
	patches := map[string]domain.StorePatch{
		"bad audit rate":        {AuditRate: dec("2")},
		"good name, bad tz":     {Name: ptr("New name"), TimeZone: ptr("Nowhere/Town")},
		"blank name":            {Name: ptr(" ")},
		"good caps, bad basket": {MaxLines: ptr(5), MaxBasketTotal: dec("0.001")},
	}
	for name, p := range patches {
		t.Run(name, func(t *testing.T) {
			s := validStore(t)
			before := *s
			err := s.Update(p, testNow.Add(time.Hour))
			if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != "store_invalid" {
				t.Fatalf("Update error = %v, want invalid store_invalid", err)
			}
			if !reflect.DeepEqual(*s, before) {
				t.Fatalf("store changed by a rejected patch:\n got %+v\nwant %+v", *s, before)
			}
		})
	}
}

func TestStoreUpdateValidPatch(t *testing.T) {
	s := validStore(t)
	later := testNow.Add(time.Hour)
	err := s.Update(domain.StorePatch{Name: ptr(" Renamed "), AuditRate: dec("0.1"), Active: ptr(false)}, later)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "Renamed" || !s.AuditRate.Equal(decimal.RequireFromString("0.1")) || s.Active {
		t.Errorf("after update: name %q audit %s active %v", s.Name, s.AuditRate, s.Active)
	}
	if !s.UpdatedAt.Equal(later) || !s.CreatedAt.Equal(testNow) {
		t.Errorf("created/updated = %s/%s, want %s/%s", s.CreatedAt, s.UpdatedAt, testNow, later)
	}
	if s.Code != "DEMO01" || s.RadiusM != 200 || s.MaxLines != 100 {
		t.Errorf("fields outside the patch changed: %+v", s)
	}
}

// A missing name is reported once, as required, not also as too short.
func TestNewStoreMissingNameReportedOnce(t *testing.T) {
	_, err := domain.NewStore(1, "AB01", domain.StorePatch{}, time.Now())
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("err = %v", err)
	}
	var names []string
	for _, f := range de.Fields {
		if f.Field == "name" {
			names = append(names, f.Message)
		}
	}
	if len(names) != 1 || names[0] != "is required" {
		t.Fatalf("name errors = %q, want exactly [is required]", names)
	}
}

// More decimals than the columns hold are refused, so both engines store
// exactly what was accepted.
func TestStoreDecimalScales(t *testing.T) {
	name := "S"
	for field, patch := range map[string]domain.StorePatch{
		"latitude":   {Name: &name, Latitude: ptrDec("31.1234567")},
		"longitude":  {Name: &name, Longitude: ptrDec("121.1234567")},
		"audit_rate": {Name: &name, AuditRate: ptrDec("0.12345")},
	} {
		_, err := domain.NewStore(1, "AB01", patch, time.Now())
		var de *domain.Error
		if !errors.As(err, &de) || len(de.Fields) != 1 || de.Fields[0].Field != field {
			t.Errorf("%s with too many decimals: %v", field, err)
		}
	}
	if _, err := domain.NewStore(1, "AB01", domain.StorePatch{Name: &name, Latitude: ptrDec("31.123456"), AuditRate: ptrDec("0.1234")}, time.Now()); err != nil {
		t.Errorf("the columns' own scale refused: %v", err)
	}
}

func ptrDec(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }
