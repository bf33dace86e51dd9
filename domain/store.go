package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Store is one supermarket of the chain. Its caps bound a shopper's basket so
// a runaway client or a joke cannot build a cart nobody could carry out.
type Store struct {
	ID        int64
	Code      string // chain-unique, e.g. DEMO01; used in URLs and entry codes
	Name      string
	TimeZone  string // IANA name; receipts and reports are shown in it
	Latitude  decimal.Decimal
	Longitude decimal.Decimal
	// RadiusM is the geofence radius in metres; 0 means "no geofence", so a
	// visit can only be opened with the store's entry code.
	RadiusM        int
	AuditRate      decimal.Decimal // 0..1: share of baskets picked for a recount
	MaxLines       int
	MaxLineQty     int
	MaxBasketTotal decimal.Decimal
	Active         bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Store defaults (DESIGN §4: caps 100 / 99 / ¥5000, audit 5%).
var (
	DefaultAuditRate      = decimal.RequireFromString("0.05")
	DefaultMaxBasketTotal = decimal.NewFromInt(5000)
)

const (
	DefaultMaxLines   = 100
	DefaultMaxLineQty = 99
	DefaultTimeZone   = "Asia/Shanghai"
)

var storeCodePattern = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_-]{1,15}$`)

// StorePatch carries the fields of a store to set; nil means "leave as is".
// Code is not here: it is printed on entry codes and cannot change.
type StorePatch struct {
	Name           *string
	TimeZone       *string
	Latitude       *decimal.Decimal
	Longitude      *decimal.Decimal
	RadiusM        *int
	AuditRate      *decimal.Decimal
	MaxLines       *int
	MaxLineQty     *int
	MaxBasketTotal *decimal.Decimal
	Active         *bool
}

// NewStore builds a store with the chain's defaults, applies the patch and
// validates the result.
func NewStore(id int64, code string, p StorePatch, now time.Time) (*Store, error) {
	s := &Store{
		ID: id, Code: strings.TrimSpace(code), TimeZone: DefaultTimeZone,
		AuditRate: DefaultAuditRate, MaxLines: DefaultMaxLines, MaxLineQty: DefaultMaxLineQty,
		MaxBasketTotal: DefaultMaxBasketTotal, Active: true, CreatedAt: now, UpdatedAt: now,
	}
	var fe Fields
	if !storeCodePattern.MatchString(s.Code) {
		fe.Add("code", "must be 2-16 characters of A-Z, 0-9, '_' or '-', starting with a letter or digit")
	}
	s.apply(p)
	checked := s.check()
	if p.Name == nil {
		// "is required" says it all; drop check's length complaint.
		checked = slices.DeleteFunc(checked, func(f FieldError) bool { return f.Field == "name" })
		fe.Add("name", "is required")
	}
	fe = append(fe, checked...)
	if err := fe.Err("store_invalid"); err != nil {
		return nil, err
	}
	return s, nil
}

// Update applies a patch, keeping the store unchanged when the result is invalid.
func (s *Store) Update(p StorePatch, now time.Time) error {
	next := *s
	next.apply(p)
	if err := Fields(next.check()).Err("store_invalid"); err != nil {
		return err
	}
	next.UpdatedAt = now
	*s = next
	return nil
}

func (s *Store) apply(p StorePatch) {
	if p.Name != nil {
		s.Name = strings.TrimSpace(*p.Name)
	}
	if p.TimeZone != nil {
		s.TimeZone = strings.TrimSpace(*p.TimeZone)
	}
	if p.Latitude != nil {
		s.Latitude = *p.Latitude
	}
	if p.Longitude != nil {
		s.Longitude = *p.Longitude
	}
	if p.RadiusM != nil {
		s.RadiusM = *p.RadiusM
	}
	if p.AuditRate != nil {
		s.AuditRate = *p.AuditRate
	}
	if p.MaxLines != nil {
		s.MaxLines = *p.MaxLines
	}
	if p.MaxLineQty != nil {
		s.MaxLineQty = *p.MaxLineQty
	}
	if p.MaxBasketTotal != nil {
		s.MaxBasketTotal = *p.MaxBasketTotal
	}
	if p.Active != nil {
		s.Active = *p.Active
	}
}

var (
	one        = decimal.NewFromInt(1)
	maxBasket  = decimal.NewFromInt(1_000_000)
	latLimit   = decimal.NewFromInt(90)
	lngLimit   = decimal.NewFromInt(180)
	maxRadiusM = 50_000
)

func (s *Store) check() Fields {
	var fe Fields
	if n := len([]rune(s.Name)); n < 1 || n > 100 {
		fe.Add("name", "must be 1-100 characters")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "" || s.TimeZone == "Local" {
		fe.Add("time_zone", "%q is not an IANA time zone such as Asia/Shanghai", s.TimeZone)
	}
	// Scales match the columns (DECIMAL(9,6), DECIMAL(5,4)): MariaDB would
	// round more decimals silently and SQLite keep them, so the engines
	// would disagree about what was stored.
	if s.Latitude.Abs().GreaterThan(latLimit) || !s.Latitude.Equal(s.Latitude.Round(6)) {
		fe.Add("latitude", "must be between -90 and 90, with at most 6 decimals")
	}
	if s.Longitude.Abs().GreaterThan(lngLimit) || !s.Longitude.Equal(s.Longitude.Round(6)) {
		fe.Add("longitude", "must be between -180 and 180, with at most 6 decimals")
	}
	if s.RadiusM < 0 || s.RadiusM > maxRadiusM {
		fe.Add("radius_m", "must be between 0 (no geofence) and %d metres", maxRadiusM)
	}
	if s.AuditRate.IsNegative() || s.AuditRate.GreaterThan(one) || !s.AuditRate.Equal(s.AuditRate.Round(4)) {
		fe.Add("audit_rate", "must be between 0 and 1, with at most 4 decimals")
	}
	if s.MaxLines < 1 || s.MaxLines > 1000 {
		fe.Add("max_lines", "must be between 1 and 1000")
	}
	if s.MaxLineQty < 1 || s.MaxLineQty > 999 {
		fe.Add("max_line_quantity", "must be between 1 and 999")
	}
	if !s.MaxBasketTotal.IsPositive() || s.MaxBasketTotal.GreaterThan(maxBasket) || !s.MaxBasketTotal.Equal(s.MaxBasketTotal.Round(2)) {
		fe.Add("max_basket_total", "must be a positive amount with at most 2 decimals, up to 1000000.00")
	}
	return fe
}

// Location returns the store's time zone; check() guarantees it loads.
func (s *Store) Location() *time.Location {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}
