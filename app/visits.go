package app

import (
	"context"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// VisitRequest is how a shopper says which store they are in: its code, the
// scene of its entry code, or their position (with or without a code).
type VisitRequest struct {
	StoreCode string
	Scene     string
	Lat, Lng  *decimal.Decimal
}

// Visits opens store visits and checks them before cart changes.
type Visits struct {
	stores domain.StoreRepository
	visits domain.VisitRepository
	ids    IDs
	clock  Clock
	// ttl is how long a visit lasts without activity (VISIT_TTL).
	ttl time.Duration
}

// NewVisits wires the visit use cases; ttl is the inactivity expiry.
func NewVisits(stores domain.StoreRepository, visits domain.VisitRepository, ids IDs, clock Clock, ttl time.Duration) *Visits {
	return &Visits{stores: stores, visits: visits, ids: ids, clock: clock, ttl: ttl}
}

// Open opens (or extends) the shopper's visit of a store. A position must
// be inside the store's geofence; without a store code it picks the nearest
// store whose geofence holds it.
func (v *Visits) Open(ctx context.Context, shopper *domain.Shopper, req VisitRequest) (*domain.Visit, *domain.Store, error) {
	code, source, pos, err := req.parse()
	if err != nil {
		return nil, nil, err
	}
	var store *domain.Store
	if code == "" {
		store, err = v.storeAt(ctx, pos)
	} else {
		store, err = v.stores.StoreByCode(ctx, code)
	}
	if err != nil {
		return nil, nil, err
	}
	if !store.Active {
		return nil, nil, errStoreClosed(store)
	}
	if source == domain.VisitByLocation {
		if err := store.CheckPresence(pos); err != nil {
			return nil, nil, err
		}
	}
	visit, err := v.visits.OpenVisit(ctx, domain.NewVisit(v.ids.NewID(), shopper.ID, store, source, v.clock.Now(), v.ttl))
	if err != nil {
		return nil, nil, err
	}
	return visit, store, nil
}

// Require is the cart's gate: the shopper's active visit of the store and
// the store itself. Activity extends the visit (written at most once a
// minute, see Visit.TouchDue). No active visit is ECONFLICT visit_required;
// an unknown store ENOTFOUND, a closed one EINVALID store_closed.
func (v *Visits) Require(ctx context.Context, shopperID int64, storeCode string) (*domain.Visit, *domain.Store, error) {
	store, err := v.stores.StoreByCode(ctx, normStoreCode(storeCode))
	if err != nil {
		return nil, nil, err
	}
	if !store.Active {
		return nil, nil, errStoreClosed(store)
	}
	now := v.clock.Now()
	visit, err := v.visits.ActiveVisit(ctx, shopperID, store.ID, now)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, nil, domain.ErrVisitRequired(store.Code)
	}
	if err != nil {
		return nil, nil, err
	}
	if visit.TouchDue(now, v.ttl) {
		err := v.visits.TouchVisit(ctx, visit.ID, now, now.Add(v.ttl))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, nil, domain.ErrVisitRequired(store.Code) // expired a moment ago
		}
		if err != nil {
			return nil, nil, err
		}
		visit.Touch(now, v.ttl)
	}
	return visit, store, nil
}

func errStoreClosed(s *domain.Store) error {
	return domain.Errorf(domain.EINVALID, "store_closed", "store %s is closed for scan-and-go", s.Code)
}

func normStoreCode(code string) string { return strings.ToUpper(strings.TrimSpace(code)) }

// parse decides how the visit is opened. The scene comes alone: the entry
// code names the store. A position may come with a store code (that store
// is checked) or without (the nearest store is found).
func (r VisitRequest) parse() (string, domain.VisitSource, domain.Position, error) {
	code, scene := normStoreCode(r.StoreCode), strings.TrimSpace(r.Scene)
	located := r.Lat != nil || r.Lng != nil
	switch {
	case scene != "":
		if code != "" || located {
			return "", "", domain.Position{}, domain.Invalid("visit_invalid",
				domain.FieldError{Field: "scene", Message: "comes alone: the entry code already names the store"})
		}
		code, err := domain.ParseScene(scene)
		return code, domain.VisitByScene, domain.Position{}, err
	case located:
		pos, err := domain.NewPosition(r.Lat, r.Lng)
		return code, domain.VisitByLocation, pos, err
	case code != "":
		return code, domain.VisitByStoreCode, domain.Position{}, nil
	}
	return "", "", domain.Position{}, domain.Invalid("visit_invalid",
		domain.FieldError{Field: "store_code", Message: "send store_code, scene, or lat and lng"})
}

// storeAt is the nearest active store whose geofence holds pos. Stores are
// few (a chain has hundreds, not millions) and visits open once a trip, so
// reading them all beats a spatial index.
func (v *Visits) storeAt(ctx context.Context, pos domain.Position) (*domain.Store, error) {
	var best, nearest *domain.Store
	bestD, nearestD := 0.0, 0.0
	p := domain.Page{Limit: domain.MaxPageLimit}
	for {
		page, err := v.stores.ListStores(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, s := range page {
			if !s.Active || s.RadiusM <= 0 {
				continue
			}
			d := s.DistanceTo(pos)
			if nearest == nil || d < nearestD {
				nearest, nearestD = s, d
			}
			if d <= float64(s.RadiusM) && (best == nil || d < bestD) {
				best, bestD = s, d
			}
		}
		if len(page) < p.Limit {
			break
		}
		p.After = page[len(page)-1].ID
	}
	switch {
	case best != nil:
		return best, nil
	case nearest != nil:
		return nil, nearest.CheckPresence(pos) // outside_store, naming the nearest
	}
	return nil, domain.Errorf(domain.EINVALID, "geofence_disabled", "no store has a geofence: scan the entry code at the door")
}
