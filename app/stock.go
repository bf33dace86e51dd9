package app

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// TaskLowStock is the task that records a low-stock alert. Its name and
// payload live here, not in jobs/, because this use case writes the outbox
// row and app cannot import jobs (jobs calls app).
const TaskLowStock = "stock:low_alert"

// LowStockTask is the payload of TaskLowStock.
type LowStockTask struct {
	MovementID   int64           `json:"movement_id"`
	StoreID      int64           `json:"store_id"`
	ProductID    int64           `json:"product_id"`
	OnHand       decimal.Decimal `json:"on_hand"`
	ReorderPoint decimal.Decimal `json:"reorder_point"`
}

// Stock keeps book stock: staff movements, sales, levels and alerts.
type Stock struct {
	tx     Tx
	stores domain.StoreRepository
	items  domain.StoreItemRepository
	prods  domain.ProductRepository
	stock  domain.StockRepository
	outbox Outbox
	ids    IDs
	clock  Clock
}

// NewStock wires the stock use cases.
func NewStock(tx Tx, stores domain.StoreRepository, prods domain.ProductRepository, items domain.StoreItemRepository,
	stock domain.StockRepository, outbox Outbox, ids IDs, clock Clock) *Stock {
	return &Stock{tx: tx, stores: stores, prods: prods, items: items, stock: stock, outbox: outbox, ids: ids, clock: clock}
}

// MovementResult is a recorded movement and the level it left.
type MovementResult struct {
	Movement *domain.StockMovement
	Level    domain.StockLevel
}

// Record posts a staff movement: receive, adjust or count (clerk).
func (s *Stock) Record(ctx context.Context, actor *domain.Staff, storeCode, sku string, kind domain.MovementKind, qty decimal.Decimal, reason string) (*MovementResult, error) {
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return nil, err
	}
	if !slices.Contains(domain.StaffMovementKinds, kind) {
		return nil, domain.Invalid("movement_invalid", domain.FieldError{Field: "kind", Message: "must be receive, adjust or count"})
	}
	store, err := s.stores.StoreByCode(ctx, storeCode)
	if err != nil {
		return nil, err
	}
	p, err := s.prods.ProductBySKU(ctx, sku)
	if err != nil {
		return nil, err
	}
	m, err := domain.NewStockMovement(s.ids.NewID(), kind, p.Unit, qty, reason, s.clock.Now())
	if err != nil {
		return nil, err
	}
	m.StoreID, m.ProductID, m.StaffID = store.ID, p.ID, actor.ID
	return s.apply(ctx, m)
}

// Sell books a sale: never refused for book stock, since the goods are in
// the shopper's hand; a level below zero flags the item for recount.
func (s *Stock) Sell(ctx context.Context, storeID, productID int64, unit domain.Unit, qty decimal.Decimal, ref string) (*MovementResult, error) {
	m, err := domain.NewStockMovement(s.ids.NewID(), domain.MoveSale, unit, qty, "", s.clock.Now())
	if err != nil {
		return nil, err
	}
	m.StoreID, m.ProductID, m.Ref = storeID, productID, ref
	return s.apply(ctx, m)
}

// apply changes the level and, when the movement takes the item below its
// reorder point, queues one alert in the same transaction.
func (s *Stock) apply(ctx context.Context, m *domain.StockMovement) (*MovementResult, error) {
	var res *MovementResult
	err := s.tx.WithinTx(ctx, func(ctx context.Context) error {
		if _, err := s.items.StoreItem(ctx, m.StoreID, m.ProductID); err != nil {
			if domain.ErrorCode(err) == domain.ENOTFOUND {
				return domain.Errorf(domain.ENOTFOUND, "store_item_not_found", "the product is not sold in this store; give it a store price first")
			}
			return err
		}
		before, after, err := s.stock.ApplyMovement(ctx, m)
		if err != nil {
			return err
		}
		if domain.CrossedBelow(before.OnHand, after.OnHand, after.ReorderPoint) {
			payload, _ := json.Marshal(LowStockTask{MovementID: m.ID, StoreID: m.StoreID, ProductID: m.ProductID,
				OnHand: after.OnHand, ReorderPoint: after.ReorderPoint})
			if _, err := s.outbox.Add(ctx, Message{Type: TaskLowStock, Queue: QueueLow, Payload: payload}); err != nil {
				return err
			}
		}
		res = &MovementResult{Movement: m, Level: after}
		return nil
	})
	return res, err
}

// RecordLowStock is the job behind TaskLowStock: it stores the alert for
// the stock report. Running it twice stores one alert.
func (s *Stock) RecordLowStock(ctx context.Context, t LowStockTask) error {
	return s.stock.RecordLowStock(ctx, domain.LowStockAlert{ID: s.ids.NewID(), StoreID: t.StoreID, ProductID: t.ProductID,
		OnHand: t.OnHand, ReorderPoint: t.ReorderPoint, MovementID: t.MovementID, CreatedAt: s.clock.Now()})
}

// Levels pages through a store's stock, optionally only items below their
// reorder point (clerk).
func (s *Stock) Levels(ctx context.Context, actor *domain.Staff, storeCode string, belowReorder bool, p domain.Page) (PageResult[domain.StockLevel], error) {
	store, err := s.readable(ctx, actor, storeCode)
	if err != nil {
		return PageResult[domain.StockLevel]{}, err
	}
	return fetchPage(p, func(l domain.StockLevel) int64 { return l.ProductID }, func(p domain.Page) ([]domain.StockLevel, error) {
		return s.stock.StockLevels(ctx, store.ID, belowReorder, p)
	})
}

// Alerts pages through a store's low-stock alerts (clerk).
func (s *Stock) Alerts(ctx context.Context, actor *domain.Staff, storeCode string, p domain.Page) (PageResult[domain.LowStockAlert], error) {
	store, err := s.readable(ctx, actor, storeCode)
	if err != nil {
		return PageResult[domain.LowStockAlert]{}, err
	}
	return fetchPage(p, func(a domain.LowStockAlert) int64 { return a.ID }, func(p domain.Page) ([]domain.LowStockAlert, error) {
		return s.stock.LowStockAlerts(ctx, store.ID, p)
	})
}

// Movements pages through one item's ledger (clerk).
func (s *Stock) Movements(ctx context.Context, actor *domain.Staff, storeCode, sku string, p domain.Page) (PageResult[*domain.StockMovement], error) {
	store, err := s.readable(ctx, actor, storeCode)
	if err != nil {
		return PageResult[*domain.StockMovement]{}, err
	}
	prod, err := s.prods.ProductBySKU(ctx, sku)
	if err != nil {
		return PageResult[*domain.StockMovement]{}, err
	}
	return fetchPage(p, func(m *domain.StockMovement) int64 { return m.ID }, func(p domain.Page) ([]*domain.StockMovement, error) {
		return s.stock.Movements(ctx, store.ID, prod.ID, p)
	})
}

func (s *Stock) readable(ctx context.Context, actor *domain.Staff, storeCode string) (*domain.Store, error) {
	if err := actor.Authorize(domain.RoleClerk, storeCode); err != nil {
		return nil, err
	}
	return s.stores.StoreByCode(ctx, storeCode)
}
