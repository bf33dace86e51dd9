package mysql

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// OrderRepo implements domain.OrderRepository: orders and their frozen
// lines.
type OrderRepo struct{ db *DB }

var _ domain.OrderRepository = (*OrderRepo)(nil)

// NewOrderRepo returns the order repository on db; orders carry their own
// ids, so it needs no id source.
func NewOrderRepo(db *DB) *OrderRepo { return &OrderRepo{db: db} }

var errOrderNotFound = domain.Errorf(domain.ENOTFOUND, "order_not_found", "no such order")

// CreateOrder inserts the order and its lines in one transaction (the
// caller's, when there is one). The unique indexes decide races: a second
// checkout under the same key is ECONFLICT idempotency_key_used, so the
// caller can find the first order and answer with it.
func (r *OrderRepo) CreateOrder(ctx context.Context, o *domain.Order) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		row := orderToRow(o)
		db := r.db.conn(ctx)
		if err := db.Create(&row).Error; err != nil {
			return orderInsertErr(err, o)
		}
		if len(o.Lines) == 0 {
			return nil
		}
		lines := make([]orderLineRow, len(o.Lines))
		for i, l := range o.Lines {
			lines[i] = orderLineToRow(o.ID, l)
		}
		return mapErr(db.Create(&lines).Error)
	})
}

// orderInsertErr names the unique index an order insert hit: MySQL names
// the index (ux_orders_idempotency), SQLite its columns
// (orders.idempotency_key); both contain the same words.
func orderInsertErr(err error, o *domain.Order) error {
	if !isDuplicate(err) {
		return mapErr(err)
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "idempotency"):
		return &domain.Error{Code: domain.ECONFLICT, Reason: "idempotency_key_used",
			Message: "this checkout key was already used for another order", Err: err}
	case strings.Contains(msg, "order_no"):
		return &domain.Error{Code: domain.ECONFLICT, Reason: "order_no_taken",
			Message: "order number " + o.OrderNo + " is already taken", Err: err}
	}
	return mapErr(err)
}

// OrderByNo reads an order with its lines.
func (r *OrderRepo) OrderByNo(ctx context.Context, orderNo string) (*domain.Order, error) {
	return r.load(ctx, r.db.conn(ctx).Where("order_no = ?", orderNo), false)
}

// OrderByIdempotencyKey finds the order a shopper's checkout key made, so
// a replayed checkout answers with the order instead of making another.
func (r *OrderRepo) OrderByIdempotencyKey(ctx context.Context, shopperID int64, key string) (*domain.Order, error) {
	return r.load(ctx, r.db.conn(ctx).Where("shopper_id = ? AND idempotency_key = ?", shopperID, key), false)
}

// load reads one order and then its lines. With lock, the order row is
// locked first, so the plain read of the lines that follows takes the
// transaction's snapshot after the lock (MariaDB REPEATABLE READ).
func (r *OrderRepo) load(ctx context.Context, q *gorm.DB, lock bool) (*domain.Order, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row orderRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errOrderNotFound
		}
		return nil, mapErr(err)
	}
	o := row.toDomain()
	byOrder, err := r.lines(ctx, []int64{o.ID})
	if err != nil {
		return nil, err
	}
	o.Lines = byOrder[o.ID]
	return o, nil
}

// lines reads the lines of several orders in one query, grouped by order.
func (r *OrderRepo) lines(ctx context.Context, orderIDs []int64) (map[int64][]*domain.OrderLine, error) {
	var rows []orderLineRow
	if err := r.db.conn(ctx).Where("order_id IN ?", orderIDs).Order("order_id, id").Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make(map[int64][]*domain.OrderLine, len(orderIDs))
	for _, row := range rows {
		l, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out[row.OrderID] = append(out[row.OrderID], l)
	}
	return out, nil
}

// UpdateOrder locks the order row by its number (an existing row: a
// record lock, no gap lock), runs fn and saves the header on the
// condition that the status is still the one read. Under the lock the
// condition always holds; it is there so that a caller that bypassed the
// lock cannot move an order out of a state it was not read in. A header
// fn left as it was is not written (MySQL would report 0 rows changed).
func (r *OrderRepo) UpdateOrder(ctx context.Context, orderNo string, fn func(*domain.Order) error) (*domain.Order, error) {
	var out *domain.Order
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		o, err := r.load(ctx, r.db.conn(ctx).Where("order_no = ?", orderNo), true)
		if err != nil {
			return err
		}
		readStatus, readKey := o.Status, orderHeaderKey(o)
		if err := fn(o); err != nil {
			return err
		}
		out = o
		if orderHeaderKey(o) == readKey {
			return nil
		}
		res := r.db.conn(ctx).Model(&orderRow{}).Where("id = ? AND status = ?", o.ID, string(readStatus)).
			Updates(orderHeader(o))
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Errorf(domain.ECONFLICT, "order_state_changed", "order %s changed meanwhile", orderNo)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListOrders pages through orders newest first, with their lines read in
// one more query for the whole page. The filters match the indexes
// (shopper_id, status, id) and (store_id, status, id).
func (r *OrderRepo) ListOrders(ctx context.Context, f domain.OrderFilter, p domain.Page) ([]*domain.Order, error) {
	out := []*domain.Order{}
	if f.StoreIDs != nil && len(f.StoreIDs) == 0 {
		return out, nil // a staff member of no store sees nothing, not everything
	}
	q := r.db.conn(ctx)
	if f.ShopperID != 0 {
		q = q.Where("shopper_id = ?", f.ShopperID)
	}
	if f.StoreIDs != nil {
		q = q.Where("store_id IN ?", f.StoreIDs)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var rows []orderRow
	if err := q.Order("id DESC").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	byOrder, err := r.lines(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		o := rows[i].toDomain()
		o.Lines = byOrder[o.ID]
		out = append(out, o)
	}
	return out, nil
}

// PendingOrders lists orders still waiting for payment for the sweeps
// that ask WeChat Pay about them and close expired ones, by id. Each
// window has an index: (status, created_at), (status, expires_at) and
// (status, prepay_expires_at).
// It reads no lines: the sweeps need only the headers.
func (r *OrderRepo) PendingOrders(ctx context.Context, q domain.PendingQuery) ([]*domain.Order, error) {
	db := r.db.conn(ctx).Where("status = ?", string(domain.OrderPendingPayment))
	if !q.CreatedFrom.IsZero() {
		db = db.Where("created_at >= ?", utcTime(q.CreatedFrom))
	}
	if !q.CreatedTo.IsZero() {
		db = db.Where("created_at < ?", utcTime(q.CreatedTo))
	}
	if !q.ExpiredBefore.IsZero() {
		db = db.Where("expires_at < ?", utcTime(q.ExpiredBefore))
	}
	if q.WithPrepay {
		db = db.Where("prepay_id <> ''")
	}
	if !q.PrepayValidFrom.IsZero() {
		db = db.Where("prepay_expires_at >= ?", utcTime(q.PrepayValidFrom))
	}
	if !q.PrepayValidTo.IsZero() {
		db = db.Where("prepay_expires_at < ?", utcTime(q.PrepayValidTo))
	}
	if q.AfterID > 0 {
		db = db.Where("id > ?", q.AfterID)
	}
	var rows []orderRow
	if err := db.Order("id").Limit(q.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Order, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}
