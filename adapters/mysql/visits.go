package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

type visitRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	ShopperID  int64
	StoreID    int64
	Source     string
	OpenedAt   utcTime
	LastSeenAt utcTime
	ExpiresAt  utcTime
}

func (visitRow) TableName() string { return "store_visits" }

// visitWithCode is a visit row joined with its store's code.
type visitWithCode struct {
	ID, ShopperID, StoreID          int64
	Source, StoreCode               string
	OpenedAt, LastSeenAt, ExpiresAt utcTime
}

func (r visitWithCode) toDomain() *domain.Visit {
	return &domain.Visit{ID: r.ID, ShopperID: r.ShopperID, StoreID: r.StoreID, StoreCode: r.StoreCode,
		Source: domain.VisitSource(r.Source), OpenedAt: r.OpenedAt.Time(), LastSeenAt: r.LastSeenAt.Time(),
		ExpiresAt: r.ExpiresAt.Time()}
}

// VisitRepo implements domain.VisitRepository.
type VisitRepo struct{ db *DB }

var _ domain.VisitRepository = (*VisitRepo)(nil)

// NewVisitRepo returns the visit repository on db.
func NewVisitRepo(db *DB) *VisitRepo { return &VisitRepo{db: db} }

// OpenVisit extends the shopper's visit of the store that is active at
// v.OpenedAt, or inserts v. Two opens racing may both insert: harmless,
// as ActiveVisit takes the latest expiring one.
func (r *VisitRepo) OpenVisit(ctx context.Context, v *domain.Visit) (*domain.Visit, error) {
	cur, err := r.ActiveVisit(ctx, v.ShopperID, v.StoreID, v.OpenedAt)
	switch {
	case err == nil:
		if cur.LastSeenAt.Equal(micro(v.OpenedAt).Time()) && cur.ExpiresAt.Equal(micro(v.ExpiresAt).Time()) {
			return cur, nil // opened again in the same microsecond: nothing to write
		}
		err := r.TouchVisit(ctx, cur.ID, v.OpenedAt, v.ExpiresAt)
		if err == nil {
			cur.LastSeenAt, cur.ExpiresAt = micro(v.OpenedAt).Time(), micro(v.ExpiresAt).Time()
			return cur, nil
		}
		if domain.ErrorCode(err) != domain.ENOTFOUND {
			return nil, err
		}
		// It expired in between: open a new one.
	case domain.ErrorCode(err) != domain.ENOTFOUND:
		return nil, err
	}
	row := visitRow{ID: v.ID, ShopperID: v.ShopperID, StoreID: v.StoreID, Source: string(v.Source),
		OpenedAt: micro(v.OpenedAt), LastSeenAt: micro(v.LastSeenAt), ExpiresAt: micro(v.ExpiresAt)}
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		return nil, mapErr(err)
	}
	out := *v
	out.OpenedAt, out.LastSeenAt, out.ExpiresAt = row.OpenedAt.Time(), row.LastSeenAt.Time(), row.ExpiresAt.Time()
	if out.StoreCode == "" {
		var code string
		if err := r.db.conn(ctx).Table("stores").Select("code").Where("id = ?", v.StoreID).Scan(&code).Error; err != nil {
			return nil, mapErr(err)
		}
		out.StoreCode = code
	}
	return &out, nil
}

// ActiveVisit is one indexed lookup on (shopper_id, store_id, expires_at),
// joined to the store for its code.
func (r *VisitRepo) ActiveVisit(ctx context.Context, shopperID, storeID int64, now time.Time) (*domain.Visit, error) {
	var rows []visitWithCode
	err := r.db.conn(ctx).Table("store_visits AS v").
		Select("v.id, v.shopper_id, v.store_id, v.source, v.opened_at, v.last_seen_at, v.expires_at, s.code AS store_code").
		Joins("JOIN stores s ON s.id = v.store_id").
		Where("v.shopper_id = ? AND v.store_id = ? AND v.expires_at > ?", shopperID, storeID, utcTime(now)).
		Order("v.expires_at DESC").Limit(1).Scan(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	if len(rows) == 0 {
		return nil, errVisitNotFound
	}
	return rows[0].toDomain(), nil
}

var errVisitNotFound = domain.Errorf(domain.ENOTFOUND, "visit_not_found", "no active visit")

// TouchVisit sets last_seen_at and expires_at, conditionally on the visit
// still being active, so a touch never revives an expired visit. now must
// differ from the stored last_seen_at: MySQL counts only changed rows.
func (r *VisitRepo) TouchVisit(ctx context.Context, visitID int64, now, expiresAt time.Time) error {
	res := r.db.conn(ctx).Model(&visitRow{}).
		Where("id = ? AND expires_at > ?", visitID, utcTime(now)).
		Updates(map[string]any{"last_seen_at": utcTime(now), "expires_at": utcTime(expiresAt)})
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return errVisitNotFound
	}
	return nil
}
