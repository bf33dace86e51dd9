package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestParseDate(t *testing.T) {
	for _, s := range []string{"2026-01-01", "2024-02-29", "1969-12-31", "1900-03-01", "9999-12-31"} {
		d, ok := domain.ParseDate(s)
		if !ok || d.String() != s {
			t.Errorf("ParseDate(%q) = %v, %v; want it back", s, d, ok)
		}
	}
	for _, s := range []string{"", "2026-02-30", "2026-1-05", "20260105", "2026-01-05T00:00:00Z", "today"} {
		if d, ok := domain.ParseDate(s); ok {
			t.Errorf("ParseDate(%q) = %v, want refused", s, d)
		}
	}
	a, _ := domain.ParseDate("2024-02-28")
	if got := a.AddDays(2).String(); got != "2024-03-01" {
		t.Errorf("2024-02-28 + 2 days = %s, want 2024-03-01 (leap day between)", got)
	}
	b, _ := domain.ParseDate("2025-01-01")
	if n := a.DaysUntil(b); n != 308 {
		t.Errorf("days from 2024-02-28 to 2025-01-01 = %d, want 308", n)
	}
}

// Every local day starts at its own local midnight, whatever the zone's
// offset that day: the bounds are what the report queries bucket by.
func TestReportPeriodBounds(t *testing.T) {
	for _, tc := range []struct {
		name, zone, from, to string
		bounds               []string
	}{
		{"Shanghai is UTC+8 all year", "Asia/Shanghai", "2026-01-01", "2026-01-03",
			[]string{"2025-12-31T16:00:00Z", "2026-01-01T16:00:00Z", "2026-01-02T16:00:00Z", "2026-01-03T16:00:00Z"}},
		// DST starts 2026-03-08 at 02:00 EST: that day has 23 hours.
		{"New York, spring forward", "America/New_York", "2026-03-07", "2026-03-09",
			[]string{"2026-03-07T05:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "2026-03-10T04:00:00Z"}},
		// DST ends 2026-11-01 at 02:00 EDT: that day has 25 hours.
		{"New York, fall back", "America/New_York", "2026-11-01", "2026-11-02",
			[]string{"2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", "2026-11-03T05:00:00Z"}},
		// São Paulo's DST started at midnight (2018-11-04 00:00 -03 became
		// 01:00 -02): local midnight did not exist, the day began at the jump.
		{"Sao Paulo, midnight that never was", "America/Sao_Paulo", "2018-11-03", "2018-11-04",
			[]string{"2018-11-03T03:00:00Z", "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z"}},
		{"a single day", "UTC", "2026-05-20", "2026-05-20",
			[]string{"2026-05-20T00:00:00Z", "2026-05-21T00:00:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := domain.NewReportPeriod(tc.from, tc.to, mustZone(t, tc.zone), testNow)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range p.Bounds {
				if b.Location() != time.UTC {
					t.Errorf("bound %v is not in UTC", b)
				}
				got = append(got, b.Format(time.RFC3339))
			}
			if !slices.Equal(got, tc.bounds) {
				t.Errorf("bounds %v, want %v", got, tc.bounds)
			}
			var days []string
			for _, d := range p.Days() {
				days = append(days, d.String())
			}
			if len(days) != len(tc.bounds)-1 || days[0] != tc.from || days[len(days)-1] != tc.to {
				t.Errorf("days %v, want %s..%s, one per bucket", days, tc.from, tc.to)
			}
		})
	}
}

func TestReportPeriodDefaultsAndLimits(t *testing.T) {
	shanghai := mustZone(t, "Asia/Shanghai")
	// 16:30 UTC is already the next day in Shanghai.
	now := utc("2026-03-01T16:30:00Z")
	for _, tc := range []struct {
		name, from, to     string
		wantFrom, wantTo   string
		badFields          []string
		wantDays, wantSpan int
	}{
		{name: "both omitted: today, local", wantFrom: "2026-03-02", wantTo: "2026-03-02"},
		{name: "only from: that day", from: "2026-02-10", wantFrom: "2026-02-10", wantTo: "2026-02-10"},
		{name: "only to: that day", to: "2026-02-11", wantFrom: "2026-02-11", wantTo: "2026-02-11"},
		{name: "92 days is the most", from: "2026-01-01", to: "2026-04-02", wantFrom: "2026-01-01", wantTo: "2026-04-02"},
		{name: "93 days", from: "2026-01-01", to: "2026-04-03", badFields: []string{"to"}},
		{name: "from after to", from: "2026-02-02", to: "2026-02-01", badFields: []string{"to"}},
		{name: "bad dates", from: "2026-02-30", to: "yesterday", badFields: []string{"from", "to"}},
		{name: "bad from, good to", from: "2026/02/01", to: "2026-02-01", badFields: []string{"from"}},
		// Dates whose bounds the database cannot store (DATETIME ends in
		// 9999) are refused, not sent to it as a 500.
		{name: "year 0000 and 9999", from: "0000-01-01", to: "9999-12-31", badFields: []string{"from", "to"}},
		{name: "the last reportable day", from: "2999-12-31", wantFrom: "2999-12-31", wantTo: "2999-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := domain.NewReportPeriod(tc.from, tc.to, shanghai, now)
			if tc.badFields != nil {
				if got := fieldNames(t, err, "report_range_invalid"); !slices.Equal(got, tc.badFields) {
					t.Errorf("bad fields %v, want %v", got, tc.badFields)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.From.String() != tc.wantFrom || p.To.String() != tc.wantTo {
				t.Errorf("period %s..%s, want %s..%s", p.From, p.To, tc.wantFrom, tc.wantTo)
			}
			if len(p.Bounds) != len(p.Days())+1 {
				t.Errorf("%d bounds for %d days", len(p.Bounds), len(p.Days()))
			}
		})
	}
}

func TestSalesFiguresRatios(t *testing.T) {
	d := decimal.RequireFromString
	for _, tc := range []struct {
		name                                                     string
		f                                                        domain.SalesFigures
		net, basket, itemsPer, scansPer, unknown, audit, missing string
	}{
		{name: "nothing happened: zeros, not errors", f: domain.SalesFigures{},
			net: "0.00", basket: "0.00", itemsPer: "0.00", scansPer: "0.00", unknown: "0.0000", audit: "0.0000", missing: "0.0000"},
		{name: "thirds round half-up", f: domain.SalesFigures{Orders: 3, Revenue: d("10.00"), Refunds: d("1.50"), Items: 7,
			Scans: 3, UnknownScans: 2, ExitChecks: 3, Audits: 1, AuditsWithResult: 3, AuditsMissed: 1},
			net: "8.50", basket: "3.33", itemsPer: "2.33", scansPer: "1.00", unknown: "0.6667", audit: "0.3333", missing: "0.3333"},
		{name: "exact halves go up", f: domain.SalesFigures{Orders: 2, Revenue: d("0.05"), Items: 1, Scans: 16000, UnknownScans: 1,
			ExitChecks: 8, Audits: 1},
			net: "0.05", basket: "0.03", itemsPer: "0.50", scansPer: "8000.00", unknown: "0.0001", audit: "0.1250", missing: "0.0000"},
		{name: "refunds above sales: negative net", f: domain.SalesFigures{Refunds: d("12.30")},
			net: "-12.30", basket: "0.00", itemsPer: "0.00", scansPer: "0.00", unknown: "0.0000", audit: "0.0000", missing: "0.0000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range []struct {
				what   string
				got    decimal.Decimal
				places int32
				want   string
			}{
				{"net_revenue", tc.f.NetRevenue(), 2, tc.net},
				{"average_basket", tc.f.AverageBasket(), 2, tc.basket},
				{"items_per_order", tc.f.ItemsPerOrder(), 2, tc.itemsPer},
				{"scans_per_order", tc.f.ScansPerOrder(), 2, tc.scansPer},
				{"unknown_barcode_rate", tc.f.UnknownBarcodeRate(), 4, tc.unknown},
				{"audit_rate", tc.f.AuditRate(), 4, tc.audit},
				{"audit_miss_rate", tc.f.AuditMissRate(), 4, tc.missing},
			} {
				if s := c.got.StringFixed(c.places); s != c.want {
					t.Errorf("%s = %s, want %s", c.what, s, c.want)
				}
			}
		})
	}
}

func TestNewSalesReportFillsEveryDayAndTotals(t *testing.T) {
	d := decimal.RequireFromString
	p, err := domain.NewReportPeriod("2026-01-01", "2026-01-03", mustZone(t, "Asia/Shanghai"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	day1 := domain.SalesFigures{Orders: 2, Revenue: d("30.10"), Refunds: d("5.00"), Items: 5, Scans: 9, UnknownScans: 1,
		ExitChecks: 2, Audits: 1, AuditsWithResult: 1, AuditsMissed: 1}
	day3 := domain.SalesFigures{Orders: 1, Revenue: d("9.90"), Items: 1, Scans: 1, ExitChecks: 1}
	r := domain.NewSalesReport(&domain.Store{Code: "SH01"}, p, []domain.SalesFigures{day1, {}, day3})
	if r.StoreCode != "SH01" || r.TimeZone != "Asia/Shanghai" || r.From.String() != "2026-01-01" || r.To.String() != "2026-01-03" {
		t.Errorf("header %+v: want SH01 in the default zone, 2026-01-01..03", r)
	}
	if len(r.Days) != 3 || r.Days[1].Date.String() != "2026-01-02" || r.Days[1].SalesFigures != (domain.SalesFigures{}) {
		t.Fatalf("days %+v: want three, the quiet one zero", r.Days)
	}
	want := domain.SalesFigures{Orders: 3, Revenue: d("40.00"), Refunds: d("5.00"), Items: 6, Scans: 10, UnknownScans: 1,
		ExitChecks: 3, Audits: 1, AuditsWithResult: 1, AuditsMissed: 1}
	if got := r.Totals.AverageBasket().StringFixed(2); got != "13.33" {
		t.Errorf("total average basket %s, want 13.33 (40.00 / 3), from the totals, not an average of days", got)
	}
	if !r.Totals.Revenue.Equal(want.Revenue) || !r.Totals.Refunds.Equal(want.Refunds) {
		t.Errorf("money totals %s/%s, want %s/%s", r.Totals.Revenue, r.Totals.Refunds, want.Revenue, want.Refunds)
	}
	r.Totals.Revenue, r.Totals.Refunds, want.Revenue, want.Refunds = decimal.Zero, decimal.Zero, decimal.Zero, decimal.Zero
	if r.Totals != want {
		t.Errorf("totals %+v, want %+v", r.Totals, want)
	}
}
