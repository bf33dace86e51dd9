package mysql

import (
	"context"
	"errors"
	"time"
	"unicode/utf8"

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
	ProcessAt    *utcTime
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
	_ app.Outbox       = (*OutboxRepo)(nil)
	_ app.OutboxStore  = (*OutboxRepo)(nil)
	_ app.OutboxPurger = (*OutboxRepo)(nil)
)

// NewOutboxRepo returns the outbox on db.
func NewOutboxRepo(db *DB, ids app.IDs, clk app.Clock) *OutboxRepo {
	return &OutboxRepo{db: db, ids: ids, clk: clk}
}

// errNoTx guards the outbox's one rule: a row written outside the change's
// transaction could survive a rollback of that change.
var errNoTx = errors.New("outbox: Add called outside a transaction")

// Add writes m in the ctx's transaction and marks the transaction so that
// its commit kicks the relay. A message that fails app.Message.Validate is
// refused (EINVALID, outbox_message_invalid) and nothing is written.
func (r *OutboxRepo) Add(ctx context.Context, m app.Message) (int64, error) {
	if err := m.Validate(); err != nil {
		return 0, err
	}
	st, ok := ctx.Value(txKey{}).(*txState)
	if !ok {
		return 0, errNoTx
	}
	row := outboxRow{ID: r.ids.NewID(), TaskType: m.Type, Queue: m.Queue, Payload: string(m.Payload), CreatedAt: utcTime(r.clk.Now())}
	if !m.ProcessAt.IsZero() {
		at := utcTime(m.ProcessAt)
		row.ProcessAt = &at
	}
	if err := st.tx.Create(&row).Error; err != nil {
		return 0, mapErr(err)
	}
	st.wroteOutbox = true
	return row.ID, nil
}

// Claim leases up to limit unsent, unparked rows (attempts below
// app.OutboxMaxAttempts) whose lease is free or expired, counting an attempt
// on each. The lease is taken with one conditional UPDATE, so of two relays
// racing for a row exactly one gets it; the final SELECT returns only the
// rows won.
func (r *OutboxRepo) Claim(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]app.OutboxRow, error) {
	db := r.db.conn(ctx)
	nowMs := now.UnixMilli()
	var ids []int64
	err := db.Model(&outboxRow{}).Where("sent_at IS NULL AND lease_until_ms < ? AND attempts < ?", nowMs, app.OutboxMaxAttempts).
		Order("id").Limit(limit).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return nil, mapErr(err)
	}
	err = db.Model(&outboxRow{}).Where("id IN ? AND sent_at IS NULL AND lease_until_ms < ? AND attempts < ?", ids, nowMs, app.OutboxMaxAttempts).
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
		m := app.Message{Type: row.TaskType, Queue: row.Queue, Payload: []byte(row.Payload)}
		if row.ProcessAt != nil {
			m.ProcessAt = time.Time(*row.ProcessAt)
		}
		out[i] = app.OutboxRow{ID: row.ID, Attempts: row.Attempts, Message: m}
	}
	return out, nil
}

// MarkSent records that the row's task is queued.
func (r *OutboxRepo) MarkSent(ctx context.Context, id int64, now time.Time) error {
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"sent_at": utcTime(now), "lease_owner": "", "lease_until_ms": 0}).Error)
}

// MarkSentMany marks rows sent in one statement (a relay batch).
func (r *OutboxRepo) MarkSentMany(ctx context.Context, ids []int64, now time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id IN ?", ids).
		Updates(map[string]any{"sent_at": utcTime(now), "lease_owner": "", "lease_until_ms": 0}).Error)
}

// Release frees a row leased by owner and notes the failure; the attempt
// Claim counted stays counted.
func (r *OutboxRepo) Release(ctx context.Context, id int64, owner, reason string) error {
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id = ? AND lease_owner = ? AND sent_at IS NULL", id, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until_ms": 0, "last_error": lastError(reason)}).Error)
}

// Unclaim frees rows leased by owner and takes back the attempt Claim
// counted, for rows that were not tried or failed only because the queue
// was down.
func (r *OutboxRepo) Unclaim(ctx context.Context, owner string, ids []int64, reason string) error {
	if len(ids) == 0 {
		return nil
	}
	return mapErr(r.db.conn(ctx).Model(&outboxRow{}).Where("id IN ? AND lease_owner = ? AND sent_at IS NULL", ids, owner).
		Updates(map[string]any{"lease_owner": "", "lease_until_ms": 0, "last_error": lastError(reason),
			"attempts": gorm.Expr("CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END")}).Error)
}

// lastError cuts reason to the last_error column's 500 bytes, on a rune
// boundary, so MariaDB stores it as it is given.
func lastError(reason string) string {
	if len(reason) <= 500 {
		return reason
	}
	cut := 500
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut]
}

// OutboxBacklog counts unsent rows, parked ones included, for metrics and
// tests.
func (r *OutboxRepo) OutboxBacklog(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Model(&outboxRow{}).Where("sent_at IS NULL").Count(&n).Error
	return n, mapErr(err)
}

// ParkedCount counts unsent rows that Claim no longer hands out because
// they reached app.OutboxMaxAttempts (a row on its last attempt right now
// counts already).
func (r *OutboxRepo) ParkedCount(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.conn(ctx).Model(&outboxRow{}).Where("sent_at IS NULL AND attempts >= ?", app.OutboxMaxAttempts).Count(&n).Error
	return n, mapErr(err)
}

// PurgeSent deletes rows sent before olderThan, batch rows per statement
// (ids selected first, then deleted by id, which both engines do alike and
// which holds locks only briefly), until none is left or ctx ends. It
// returns how many rows it deleted. Unsent rows, parked ones included, are
// never deleted.
func (r *OutboxRepo) PurgeSent(ctx context.Context, olderThan time.Time, batch int) (int64, error) {
	if batch < 1 {
		batch = 1000
	}
	db := r.db.conn(ctx)
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var ids []int64
		err := db.Model(&outboxRow{}).Where("sent_at IS NOT NULL AND sent_at < ?", utcTime(olderThan)).
			Order("sent_at").Limit(batch).Pluck("id", &ids).Error
		if err != nil {
			return total, mapErr(err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := db.Where("id IN ? AND sent_at IS NOT NULL", ids).Delete(&outboxRow{})
		if res.Error != nil {
			return total, mapErr(res.Error)
		}
		total += res.RowsAffected
		if len(ids) < batch {
			return total, nil
		}
	}
}
