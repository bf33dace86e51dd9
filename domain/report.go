package domain

import (
	"context"
	"time"

	"github.com/shopspring/decimal"
)

// MaxReportDays bounds a sales report: a quarter is what a manager
// compares, and every day is one bucket in each report query.
const MaxReportDays = 92

// Date is a calendar day as a store's staff mean it: no zone of its own,
// read in the store's time zone. days counts from 1970-01-01, so ranges
// and steps are plain integer arithmetic.
type Date struct{ days int64 }

const (
	dateLayout = "2006-01-02"
	secsPerDay = 24 * 60 * 60
)

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, bool) {
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, false
	}
	return DateOf(t, time.UTC), true
}

// DateOf is the local date of instant t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	// Midnight UTC: every UTC day is 86400 s, so the division is exact,
	// before 1970 too.
	return Date{days: time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secsPerDay}
}

// AddDays is the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date { return Date{days: d.days + int64(n)} }

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.days < o.days }

// DaysUntil is how many days o is after d (negative when before).
func (d Date) DaysUntil(o Date) int { return int(o.days - d.days) }

// String is YYYY-MM-DD.
func (d Date) String() string { return d.utcMidnight().Format(dateLayout) }

func (d Date) utcMidnight() time.Time { return time.Unix(d.days*secsPerDay, 0).UTC() }

// StartIn is the first instant of the day in loc, in UTC. Where DST
// starts at midnight (clocks jump from 23:59:59 to 01:00), local midnight
// does not exist and time.Date may answer an hour early, inside the
// previous day; the day then starts at the jump, which ends that zone.
func (d Date) StartIn(loc *time.Location) time.Time {
	y, m, day := d.utcMidnight().Date()
	t := time.Date(y, m, day, 0, 0, 0, 0, loc)
	if DateOf(t, loc).Before(d) {
		_, end := t.ZoneBounds()
		t = end
	}
	return t.UTC()
}

// ReportPeriod is the local days a report covers and where they start.
type ReportPeriod struct {
	From, To Date
	// Bounds are the UTC instants at which each day starts, plus the end
	// of the last day: day i is [Bounds[i], Bounds[i+1]). Days are not
	// all 24 h long where the zone has DST.
	Bounds []time.Time
}

// Days lists the period's dates in order.
func (p ReportPeriod) Days() []Date {
	out := make([]Date, 0, p.From.DaysUntil(p.To)+1)
	for d := p.From; !p.To.Before(d); d = d.AddDays(1) {
		out = append(out, d)
	}
	return out
}

// Reports cover dates in [minReportDate, maxReportDate]: a year like 0000
// or 9999 parses, but its day bounds are not times the database can store
// (DATETIME ends at 9999-12-31), and no sale of this system is that old.
const (
	minReportDate = "2000-01-01"
	maxReportDate = "2999-12-31"
)

func reportable(d Date) bool {
	lo, _ := ParseDate(minReportDate)
	hi, _ := ParseDate(maxReportDate)
	return !d.Before(lo) && !hi.Before(d)
}

// NewReportPeriod checks a report's from/to (YYYY-MM-DD, inclusive, at
// most MaxReportDays days). An empty one takes the other's value, and both
// empty mean today in loc, so a bare request answers "how is today going".
func NewReportPeriod(from, to string, loc *time.Location, now time.Time) (ReportPeriod, error) {
	var fe Fields
	f, fOK := ParseDate(from)
	t, tOK := ParseDate(to)
	if from != "" && !fOK {
		fe.Add("from", "must be a date YYYY-MM-DD")
	} else if from != "" && !reportable(f) {
		fe.Add("from", "must be between %s and %s", minReportDate, maxReportDate)
	}
	if to != "" && !tOK {
		fe.Add("to", "must be a date YYYY-MM-DD")
	} else if to != "" && !reportable(t) {
		fe.Add("to", "must be between %s and %s", minReportDate, maxReportDate)
	}
	if err := fe.Err("report_range_invalid"); err != nil {
		return ReportPeriod{}, err
	}
	switch {
	case from == "" && to == "":
		f = DateOf(now, loc)
		t = f
	case from == "":
		f = t
	case to == "":
		t = f
	}
	if t.Before(f) {
		fe.Add("to", "must not be before from (%s)", f)
	} else if n := f.DaysUntil(t) + 1; n > MaxReportDays {
		fe.Add("to", "the range is %d days; at most %d days per report", n, MaxReportDays)
	}
	if err := fe.Err("report_range_invalid"); err != nil {
		return ReportPeriod{}, err
	}
	p := ReportPeriod{From: f, To: t}
	for d := f; !t.AddDays(1).Before(d); d = d.AddDays(1) {
		p.Bounds = append(p.Bounds, d.StartIn(loc))
	}
	return p, nil
}

// SalesFigures are the counts and sums of one day or of a whole period,
// as the repository adds them up (definitions in docs/reports.md). The
// ratios are methods so a day and the totals are derived the same way.
type SalesFigures struct {
	Orders           int64           // paid sales whose paid_at falls in the day
	Revenue          decimal.Decimal // Σ total of those orders
	Refunds          decimal.Decimal // Σ refunds created in the day, not closed, not paid-after-close
	Items            int64           // Σ line quantities of those orders, a weighed line as 1
	Scans            int64           // scan events, any result
	UnknownScans     int64           // scan events with result unknown
	ExitChecks       int64           // exit checks made in the day
	Audits           int64           // of those, verdict audit
	AuditsWithResult int64           // of those audits, with a result recorded
	AuditsMissed     int64           // of those with a result, something found unscanned
}

// Add sums two days' figures.
func (f SalesFigures) Add(o SalesFigures) SalesFigures {
	return SalesFigures{
		Orders: f.Orders + o.Orders, Revenue: f.Revenue.Add(o.Revenue), Refunds: f.Refunds.Add(o.Refunds),
		Items: f.Items + o.Items, Scans: f.Scans + o.Scans, UnknownScans: f.UnknownScans + o.UnknownScans,
		ExitChecks: f.ExitChecks + o.ExitChecks, Audits: f.Audits + o.Audits,
		AuditsWithResult: f.AuditsWithResult + o.AuditsWithResult, AuditsMissed: f.AuditsMissed + o.AuditsMissed,
	}
}

// Decimal places of the report's derived figures: money and per-order
// averages to the fen, rates (shares of 1) to a hundredth of a percent.
const (
	moneyPlaces = 2
	ratePlaces  = 4
)

// NetRevenue is revenue less refunds; negative on a day with more refunds
// than sales.
func (f SalesFigures) NetRevenue() decimal.Decimal { return f.Revenue.Sub(f.Refunds) }

// AverageBasket is revenue per order; 0.00 without orders.
func (f SalesFigures) AverageBasket() decimal.Decimal {
	return ratio(f.Revenue, decimal.NewFromInt(f.Orders), moneyPlaces)
}

// ItemsPerOrder is the basket size; 0.00 without orders.
func (f SalesFigures) ItemsPerOrder() decimal.Decimal {
	return ratio(decimal.NewFromInt(f.Items), decimal.NewFromInt(f.Orders), moneyPlaces)
}

// ScansPerOrder counts every scan, including those of baskets never paid,
// against paid orders; 0.00 without orders.
func (f SalesFigures) ScansPerOrder() decimal.Decimal {
	return ratio(decimal.NewFromInt(f.Scans), decimal.NewFromInt(f.Orders), moneyPlaces)
}

// UnknownBarcodeRate is the share of scans that matched no product;
// 0.0000 without scans.
func (f SalesFigures) UnknownBarcodeRate() decimal.Decimal {
	return ratio(decimal.NewFromInt(f.UnknownScans), decimal.NewFromInt(f.Scans), ratePlaces)
}

// AuditRate is the share of exit checks picked for a recount; 0.0000
// without exit checks.
func (f SalesFigures) AuditRate() decimal.Decimal {
	return ratio(decimal.NewFromInt(f.Audits), decimal.NewFromInt(f.ExitChecks), ratePlaces)
}

// AuditMissRate is the share of finished audits that found something
// unscanned. Audits without a result yet are left out, not counted as
// clean; 0.0000 when no audit has a result.
func (f SalesFigures) AuditMissRate() decimal.Decimal {
	return ratio(decimal.NewFromInt(f.AuditsMissed), decimal.NewFromInt(f.AuditsWithResult), ratePlaces)
}

// ratio is n/d rounded half-up to places; 0 when d is 0, so an empty day
// reads as zeros rather than failing the whole report.
func ratio(n, d decimal.Decimal, places int32) decimal.Decimal {
	if d.IsZero() {
		return decimal.Zero
	}
	return n.DivRound(d, places)
}

// SalesDay is one local day of a report.
type SalesDay struct {
	Date Date
	SalesFigures
}

// SalesReport is a store's sales per local day over a period, with the
// period's totals, for its managers.
type SalesReport struct {
	StoreCode string
	TimeZone  string
	From, To  Date
	Days      []SalesDay // one per day of the period, days without activity too
	Totals    SalesFigures
}

// ReportZone is the time zone a store's days are counted in: its own, or
// the chain's default (Asia/Shanghai) for a store that has none set.
func ReportZone(s *Store) (string, *time.Location) {
	name := s.TimeZone
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Store.check refuses zones that do not load; this is a store
		// written around it, and UTC beats failing every report.
		return "UTC", time.UTC
	}
	return name, loc
}

// NewSalesReport lays the repository's per-day figures onto the period's
// days and adds them up.
func NewSalesReport(store *Store, p ReportPeriod, perDay []SalesFigures) *SalesReport {
	tz, _ := ReportZone(store)
	r := &SalesReport{StoreCode: store.Code, TimeZone: tz, From: p.From, To: p.To}
	for i, d := range p.Days() {
		var f SalesFigures
		if i < len(perDay) {
			f = perDay[i]
		}
		r.Days = append(r.Days, SalesDay{Date: d, SalesFigures: f})
		r.Totals = r.Totals.Add(f)
	}
	return r
}

// ReportRepository adds up what the sales report shows, in the database,
// on indexed (store, time) columns.
type ReportRepository interface {
	// SalesByDay sums a store's figures per day. bounds are consecutive
	// day starts plus the end of the last day (ReportPeriod.Bounds); the
	// answer has len(bounds)-1 entries, entry i for [bounds[i],
	// bounds[i+1]), zero where nothing happened.
	SalesByDay(ctx context.Context, storeID int64, bounds []time.Time) ([]SalesFigures, error)
}
