package mysql

import (
	"context"
	"errors"
	"time"

	"github.com/scanpay/scanpay/app"
	"gorm.io/gorm"
)

type outboxRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement:false"`
	TaskType     string
	Queue        string
	Payload      string
	CreatedAt    utcTime
	SentAt       *utcTime
	LeaseOwner   string
	LeaseUntilMs int64
	Attempts     int
	LastError    string
}

func (outboxRow) TableName() string { return "outbox" }

// OutboxRepo is the outbox table: use cases add rows inside their
// transaction, the relay claims and marks them.
type OutboxRepo struct {
	db  *DB
	ids app.IDs
	clk app.Clock
}

var (
	_ app.Outbox      = (*OutboxRepo)(nil)
	_ app.OutboxStore = (*OutboxRepo)(nil)
)

// NewOutboxRepo returns the outbox on db.
func NewOutboxRepo(db *DB, ids app.IDs, clk app.Clock) *OutboxRepo {
	return &OutboxRepo{db: db, ids: ids, clk: clk}
}

// errNoTx guards the outbox's one rule: a row written outside the change's
// transaction could survive a rollback of that change.
var errNoTx = errors.New("outbox: Add called outside a transaction")

// Add writes m in the ctx's transaction and marks the transaction so that
// its commit kicks the relay.
func (r *OutboxRepo) Add(ctx context.Context, m app.Message) (int64, error) {
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return 0, errNoTx
	}
	row := outboxRow{ID: r.ids.NewID(), TaskType: m.Type, Queue: m.Queue, Payload: string(m.Payload), CreatedAt: utcTime(r.clk.Now())}
	if err := st.tx.Create(&row).Error; err != nil {
		return 0, mapErr(err)
	}
	st.wroteOutbox = true
	return row.ID, nil
}

// Claim leases up to limit unsent rows whose lease is free or expired. The
// lease is taken with one conditional UPDATE, so of two relays racing for a
// row exactly one gets it; the final SELECT returns only the rows won.
func (r *OutboxRepo) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]app.OutboxRow, error) {
	db := r.db.conn(ctx)
	nowMs := now.UnixMilli()
	var ids []int64
	err := db.Model(&outboxRow{}).Where("sent_at IS NULL AND lease_until_ms < ?", nowMs).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, mapErr(err)
	}
	err = db.Model(&outboxRow{}).Where("id IN ? AND sent_at IS NULL AND lease_until_ms < ?", ids, nowMs).
		Updates(map[string]any{"lease_owner": owner, "lease_until_ms": now.Add(lease).UnixMilli(),
			"attempts": gorm.Expr("attempts + 1")}).Error
	if err != nil {
		return nil, mapErr(err)
	}
	var rows []outboxRow
	err = db.Where("id IN ? AND lease_owner = ? AND sent_at IS NULL", ids, owner).Order("id").Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]app.OutboxRow, len(rows))
	for i, row := range rows {
		out[i] = app.OutboxRow{ID: row.ID, Message: app.Message{Type: row.TaskType, Queue: row.Queue, Payload: []byte(row.Payload)}}
	}
	return out, nil
}

// MarkSent records that the row's task is queued.
func (r *OutboxRepo) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": utcTime(now), "lease_owner": "", "lease_until_ms": 0}).Error)
}

// Release frees a row leased by owner and notes the failure.
func (r *OutboxRepo) Release(ctx context.Context, id int64, owner, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id = ? AND lease_owner = ? AND sent_at IS NULL", id, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until_ms": 0, "last_error": reason}).Error)
}

// OutboxBacklog counts unsent rows, for metrics and tests.
func (r *OutboxRepo) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Model(&outboxRow{}).Where("sent_at IS NULL").Count(&n).Error
	return n, mapErr(err)
}
