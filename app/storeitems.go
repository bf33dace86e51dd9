package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// StoreItems is what a store sells at what price. Managers set prices for
// their stores; clerks may read them.
type StoreItems struct {
	tx       Tx
	stores   domain.StoreRepository
	products domain.ProductRepository
	items    domain.StoreItemRepository
	clock    Clock
}

// NewStoreItems wires the store item use cases.
func NewStoreItems(tx Tx, stores domain.StoreRepository, products domain.ProductRepository, items domain.StoreItemRepository, clock Clock) *StoreItems {
	return &StoreItems{tx: tx, stores: stores, products: products, items: items, clock: clock}
}

// Put creates or replaces a store's item for a product (manager).
func (s *StoreItems) Put(ctx context.Context, actor *domain.Staff, storeCode, sku string, in domain.StoreItemInput) (*domain.StoreItem, error) {
	if err := actor.Authorize(domain.RoleManager, storeCode); err != nil {
		return nil, err
	}
	var out *domain.StoreItem
	err := s.tx.WithinTx(ctx, func(ctx context.Context) error {
		store, err := s.stores.StoreByCode(ctx, storeCode)
		if err != nil {
			return err
		}
		p, err := s.products.ProductBySKU(ctx, sku)
		if err != nil {
			return err
		}
		it, err := domain.NewStoreItem(store.ID, store.Code, p, in, s.clock.Now())
		if err != nil {
			return err
		}
		if err := s.items.PutStoreItem(ctx, it); err != nil {
			return err
		}
		out = it
		return nil
	})
	return out, err
}

// Get returns one item of a store.
func (s *StoreItems) Get(ctx context.Context, actor *domain.Staff, storeCode, sku string) (*domain.StoreItem, error) {
	store, p, err := s.resolve(ctx, actor, storeCode, sku)
	if err != nil {
		return nil, err
	}
	it, err := s.items.StoreItem(ctx, store.ID, p.ID)
	if err != nil {
		return nil, err
	}
	it.StoreCode = store.Code
	return it, nil
}

// List pages through a store's items (clerk).
func (s *StoreItems) List(ctx context.Context, actor *domain.Staff, storeCode string, p domain.Page) (PageResult[*domain.StoreItem], error) {
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return PageResult[*domain.StoreItem]{}, err
	}
	store, err := s.stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return PageResult[*domain.StoreItem]{}, err
	}
	return fetchPage(p, func(it *domain.StoreItem) int64 { return it.Product.ID }, func(p domain.Page) ([]*domain.StoreItem, error) {
		items, err := s.items.ListStoreItems(ctx, store.ID, p)
		for _, it := range items {
			it.StoreCode = store.Code
		}
		return items, err
	})
}

// resolve checks the actor may read the store and loads store and product.
func (s *StoreItems) resolve(ctx context.Context, actor *domain.Staff, storeCode, sku string) (*domain.Store, *domain.Product, error) {
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return nil, nil, err
	}
	store, err := s.stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return nil, nil, err
	}
	p, err := s.products.ProductBySKU(ctx, sku)
	if err != nil {
		return nil, nil, err
	}
	return store, p, nil
}
