package domain

import (
	"context"
	"strings"
	"time"
)

// Shopper is a WeChat user of the mini-program, identified by (AppID,
// OpenID). UnionID links them to the brand's other WeChat apps when
// WeChat provides it. Member shoppers get member prices.
type Shopper struct {
	ID         int64
	AppID      string
	OpenID     string
	UnionID    string
	Member     bool
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// VisitSource says how a visit was opened.
type VisitSource string

const (
	VisitByStoreCode VisitSource = "store_code" // chosen in the app (staff-assisted, kiosks)
	VisitByScene     VisitSource = "scene"      // scanned the entry code at the door
	VisitByLocation  VisitSource = "location"   // reported a position inside the geofence
)

// Visit is a shopper's presence in a store: scanning requires one, so
// nobody fills a cart from home. It expires after a period of inactivity.
type Visit struct {
	ID         int64
	ShopperID  int64
	StoreID    int64
	StoreCode  string
	Source     VisitSource
	OpenedAt   time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// NewVisit opens a visit of store at now that lasts ttl without activity.
func NewVisit(id, shopperID int64, store *Store, source VisitSource, now time.Time, ttl time.Duration) *Visit {
	return &Visit{ID: id, ShopperID: shopperID, StoreID: store.ID, StoreCode: store.Code, Source: source,
		OpenedAt: now, LastSeenAt: now, ExpiresAt: now.Add(ttl)}
}

// Active reports whether the visit still allows scanning at now.
func (v *Visit) Active(now time.Time) bool { return v != nil && now.Before(v.ExpiresAt) }

// TouchDue reports whether activity at now should be written back: at most
// once a minute (once per tenth of the ttl when that is shorter), so a
// shopper scanning every few seconds does not rewrite the visit on every
// scan, while the expiry is never more than that early.
func (v *Visit) TouchDue(now time.Time, ttl time.Duration) bool {
	return now.Sub(v.LastSeenAt) >= min(ttl/10, time.Minute)
}

// Touch records activity at now: the visit then lasts ttl from now.
func (v *Visit) Touch(now time.Time, ttl time.Duration) {
	v.LastSeenAt, v.ExpiresAt = now, now.Add(ttl)
}

// ParseScene reads the scene of a store's entry code (the mini-program gets
// it, URL-encoded, as the launch query's scene). The scene is the store
// code, so it must look like one; it is matched upper case, like codes in
// URLs.
func ParseScene(scene string) (storeCode string, err error) {
	code := strings.ToUpper(strings.TrimSpace(scene))
	if !storeCodePattern.MatchString(code) {
		return "", Invalid("scene_invalid", FieldError{Field: "scene", Message: "is not the scene of a store entry code (a store code such as DEMO01)"})
	}
	return code, nil
}

// ShopperRepository persists shoppers.
type ShopperRepository interface {
	// UpsertShopper returns the shopper of (appID, openID), creating it
	// with s.ID when new. For a known shopper it records s.LastSeenAt and
	// a non-empty s.UnionID, and keeps everything else (id, member flag,
	// created_at).
	UpsertShopper(ctx context.Context, s *Shopper) (*Shopper, error)
	// ShopperByID loads a shopper, or ENOTFOUND shopper_not_found.
	ShopperByID(ctx context.Context, id int64) (*Shopper, error)
}

// VisitRepository persists store visits.
type VisitRepository interface {
	// OpenVisit records a new visit, or extends the shopper's visit of that
	// store still active at v.OpenedAt (to v.ExpiresAt, keeping its id and
	// source), and returns the visit as stored.
	OpenVisit(ctx context.Context, v *Visit) (*Visit, error)
	// ActiveVisit is the shopper's unexpired visit of the store at now (the
	// latest expiring one), or ENOTFOUND visit_not_found; the use case
	// turns that into ErrVisitRequired.
	ActiveVisit(ctx context.Context, shopperID, storeID int64, now time.Time) (*Visit, error)
	// TouchVisit records activity at now and pushes the expiry to
	// expiresAt, if the visit is still active at now; otherwise it is
	// ENOTFOUND visit_not_found.
	TouchVisit(ctx context.Context, visitID int64, now, expiresAt time.Time) error
}

// ErrVisitRequired is the answer to a scan without an active visit.
func ErrVisitRequired(store string) error {
	return Errorf(ECONFLICT, "visit_required", "open a visit of store %s first: scan the entry code at the door", store)
}
