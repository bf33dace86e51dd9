package domain

import (
	"context"
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

// Active reports whether the visit still allows scanning at now.
func (v *Visit) Active(now time.Time) bool { return v != nil && now.Before(v.ExpiresAt) }

// ShopperRepository persists shoppers.
type ShopperRepository interface {
	// UpsertShopper returns the shopper of (appID, openID), creating it
	// with id when new and keeping a non-empty unionID.
	UpsertShopper(ctx context.Context, s *Shopper) (*Shopper, error)
	ShopperByID(ctx context.Context, id int64) (*Shopper, error)
}

// VisitRepository persists store visits.
type VisitRepository interface {
	// OpenVisit records a new visit (or extends the shopper's active one
	// in that store) and returns it.
	OpenVisit(ctx context.Context, v *Visit) (*Visit, error)
	// ActiveVisit is the shopper's unexpired visit of the store, or
	// ECONFLICT visit_required.
	ActiveVisit(ctx context.Context, shopperID, storeID int64, now time.Time) (*Visit, error)
	// TouchVisit pushes the expiry of an active visit to expiresAt.
	TouchVisit(ctx context.Context, visitID int64, now, expiresAt time.Time) error
}

// ErrVisitRequired is the answer to a scan without an active visit.
func ErrVisitRequired(store string) error {
	return Errorf(ECONFLICT, "visit_required", "open a visit of store %s first: scan the entry code at the door", store)
}
