package app

import (
	"context"
	"slices"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// Promotions is what staff do with promotions (DESIGN §4 "Pricing").
//
// Who may do what, here and for coupons: managers and admins only. A
// promotion's store_codes are its scope, and a manager may create or change
// only promotions whose scope is a subset of their own stores, before and
// after the change: one that covers every store (empty store_codes) or any
// store of another manager needs an admin, because it changes prices where
// that manager has no say. Managers see (get, list) the promotions that
// apply in at least one of their stores, chain-wide ones included; others
// are 403 store_not_assigned, as for stores.
type Promotions struct {
	tx     Tx
	repo   domain.PromotionRepository
	stores domain.StoreRepository
	ids    IDs
	clock  Clock
}

// NewPromotions wires the promotion use cases.
func NewPromotions(tx Tx, repo domain.PromotionRepository, stores domain.StoreRepository, ids IDs, clock Clock) *Promotions {
	return &Promotions{tx: tx, repo: repo, stores: stores, ids: ids, clock: clock}
}

// Create adds a promotion in the actor's scope; it is active unless the
// input says not.
func (u *Promotions) Create(ctx context.Context, actor *domain.Staff, in domain.PromotionInput) (*domain.Promotion, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	in.StartsAt, in.EndsAt = dbTime(in.StartsAt), dbTime(in.EndsAt)
	p, err := domain.NewPromotion(u.ids.NewID(), in, u.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := authorizeScope(actor, p.StoreCodes); err != nil {
		return nil, err
	}
	if err := checkStoresExist(ctx, u.stores, p.StoreCodes); err != nil {
		return nil, err
	}
	if err := u.repo.CreatePromotion(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// Get returns one promotion the actor may see.
func (u *Promotions) Get(ctx context.Context, actor *domain.Staff, id int64) (*domain.Promotion, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	p, err := u.repo.PromotionByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := authorizeView(actor, p.StoreCodes); err != nil {
		return nil, err
	}
	return p, nil
}

// List pages through the promotions the actor may see, by id: all of them
// for admins.
func (u *Promotions) List(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.Promotion], error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return PageResult[*domain.Promotion]{}, err
	}
	return fetchVisible(p, func(p *domain.Promotion) int64 { return p.ID },
		func(p *domain.Promotion) bool { return authorizeView(actor, p.StoreCodes) == nil },
		func(p domain.Page) ([]*domain.Promotion, error) { return u.repo.ListPromotions(ctx, p) })
}

// Update changes a promotion with its row locked: its window, its switch,
// its scope or its parameters, never its kind. The actor must be allowed
// the promotion's scope before and after the change.
func (u *Promotions) Update(ctx context.Context, actor *domain.Staff, id int64, in domain.PromotionInput) (*domain.Promotion, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	in.StartsAt, in.EndsAt = dbTime(in.StartsAt), dbTime(in.EndsAt)
	var out *domain.Promotion
	err := u.tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = u.repo.UpdatePromotion(ctx, id, func(p *domain.Promotion) error {
			if err := authorizeScope(actor, p.StoreCodes); err != nil {
				return err
			}
			if err := p.Update(in, u.clock.Now()); err != nil {
				return err
			}
			if err := authorizeScope(actor, p.StoreCodes); err != nil {
				return err
			}
			if in.StoreCodes == nil {
				return nil
			}
			return checkStoresExist(ctx, u.stores, p.StoreCodes)
		})
		return err
	})
	return out, err
}

// authorizeScope says whether the actor may create or change a promotion
// or coupon of these stores (see Promotions).
func authorizeScope(actor *domain.Staff, storeCodes []string) error {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return err
	}
	if actor.Role == domain.RoleAdmin {
		return nil
	}
	if len(storeCodes) == 0 {
		return domain.Errorf(domain.EFORBIDDEN, "all_stores_needs_admin",
			"only an admin may set up a promotion or coupon for every store; list your stores in store_codes")
	}
	for _, code := range storeCodes {
		if !actor.CanAccessStore(code) {
			return domain.Errorf(domain.EFORBIDDEN, "store_not_assigned", "you are not assigned to store %s", code)
		}
	}
	return nil
}

// authorizeView says whether the actor may see a promotion or coupon of
// these stores: it applies in one of theirs, or in every store.
func authorizeView(actor *domain.Staff, storeCodes []string) error {
	if actor.Role == domain.RoleAdmin || len(storeCodes) == 0 || slices.ContainsFunc(storeCodes, actor.CanAccessStore) {
		return nil
	}
	return domain.Errorf(domain.EFORBIDDEN, "store_not_assigned", "this applies only in stores you are not assigned to (%s)", storeCodes[0])
}

// checkStoresExist refuses a scope naming stores that do not exist: a
// typo would make a promotion or coupon that never applies.
func checkStoresExist(ctx context.Context, stores domain.StoreRepository, codes []string) error {
	var fe domain.Fields
	for _, c := range codes {
		if _, err := stores.StoreByCode(ctx, c); err != nil {
			if domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
			fe.Add("store_codes", "no store %s", c)
		}
	}
	return fe.Err("store_unknown")
}

// visibleBatch is how many rows fetchVisible reads at a time.
const visibleBatch = 200

// fetchVisible is fetchPage over a list the actor sees only part of: it
// reads on until the page is full or the list ends, so a manager's pages
// are full pages and the cursor stays an id.
func fetchVisible[T any](p domain.Page, id func(T) int64, visible func(T) bool, load func(domain.Page) ([]T, error)) (PageResult[T], error) {
	return fetchPage(p, id, func(p domain.Page) ([]T, error) {
		var out []T
		after := p.After
		for len(out) < p.Limit {
			batch, err := load(domain.Page{Limit: visibleBatch, After: after})
			if err != nil {
				return nil, err
			}
			for _, it := range batch {
				if visible(it) {
					out = append(out, it)
				}
			}
			if len(batch) < visibleBatch {
				break
			}
			after = id(batch[len(batch)-1])
		}
		if len(out) > p.Limit {
			out = out[:p.Limit]
		}
		return out, nil
	})
}

// dbTime is a time as the database keeps it (UTC, microseconds), so what
// a create or update answers is what a later read shows.
func dbTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Truncate(time.Microsecond)
	return &u
}
