package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// Stores is what staff do with stores: admins create and change them, staff
// read the stores they work in.
type Stores struct {
	tx     Tx
	stores domain.StoreRepository
	ids    IDs
	clock  Clock
	mp     MiniProgram
	// entryPage is the mini-program page a store's entry code opens.
	entryPage string
}

// NewStores wires the store use cases. mp may be nil when WeChat is not
// configured; entry codes then answer unavailable.
func NewStores(tx Tx, stores domain.StoreRepository, ids IDs, clock Clock, mp MiniProgram, entryPage string) *Stores {
	return &Stores{tx: tx, stores: stores, ids: ids, clock: clock, mp: mp, entryPage: entryPage}
}

// EntryCode is the store's mini-program code for the entrance poster:
// scanning it opens the app with the store code as scene, which opens a
// store visit (manager).
func (s *Stores) EntryCode(ctx context.Context, actor *domain.Staff, code string, width int) ([]byte, string, error) {
	if err := actor.Authorize(domain.RoleManager, code); err != nil {
		return nil, "", err
	}
	st, err := s.stores.StoreByCode(ctx, code)
	if err != nil {
		return nil, "", err
	}
	if s.mp == nil {
		return nil, "", domain.Errorf(domain.EUNAVAILABLE, "wechat_not_configured", "WeChat is not configured (WECHAT_APPID, WECHAT_SECRET)")
	}
	return s.mp.EntryCode(ctx, st.Code, s.entryPage, width)
}

// Create adds a store (admins only); a taken code is ECONFLICT.
func (s *Stores) Create(ctx context.Context, actor *domain.Staff, code string, p domain.StorePatch) (*domain.Store, error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return nil, err
	}
	st, err := domain.NewStore(s.ids.NewID(), code, p, s.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := s.stores.CreateStore(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}

// Get returns a store the actor works in. For other stores it answers
// forbidden, not not-found: store codes are not secret among staff.
func (s *Stores) Get(ctx context.Context, actor *domain.Staff, code string) (*domain.Store, error) {
	if err := actor.Authorize(domain.RoleClerk, code); err != nil {
		return nil, err
	}
	return s.stores.StoreByCode(ctx, code)
}

// List pages through stores: all of them for admins, the assigned ones for
// everybody else.
func (s *Stores) List(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.Store], error) {
	if err := actor.Authorize(domain.RoleClerk, ""); err != nil {
		return PageResult[*domain.Store]{}, err
	}
	return fetchPage(p, func(st *domain.Store) int64 { return st.ID }, func(p domain.Page) ([]*domain.Store, error) {
		if actor.Role == domain.RoleAdmin {
			return s.stores.ListStores(ctx, p)
		}
		return s.assigned(ctx, actor, p)
	})
}

// assigned pages through the actor's own stores (a short list) in id order.
func (s *Stores) assigned(ctx context.Context, actor *domain.Staff, p domain.Page) ([]*domain.Store, error) {
	var out []*domain.Store
	for _, code := range actor.StoreCodes {
		st, err := s.stores.StoreByCode(ctx, code)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if st.ID > p.After {
			out = append(out, st)
		}
	}
	sortByID(out)
	if len(out) > p.Limit {
		out = out[:p.Limit]
	}
	return out, nil
}

// Update changes a store (admins only), with the row locked.
func (s *Stores) Update(ctx context.Context, actor *domain.Staff, code string, p domain.StorePatch) (*domain.Store, error) {
	if err := actor.Authorize(domain.RoleAdmin, code); err != nil {
		return nil, err
	}
	var out *domain.Store
	err := s.tx.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.stores.UpdateStore(ctx, code, func(st *domain.Store) error { return st.Update(p, s.clock.Now()) })
		return err
	})
	return out, err
}
