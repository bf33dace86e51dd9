package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
)

type shopperRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	AppID      string
	OpenID     string
	UnionID    string
	Member     bool
	CreatedAt  utcTime
	LastSeenAt utcTime
}

func (shopperRow) TableName() string { return "shoppers" }

func (r shopperRow) toDomain() *domain.Shopper {
	return &domain.Shopper{ID: r.ID, AppID: r.AppID, OpenID: r.OpenID, UnionID: r.UnionID, Member: r.Member,
		CreatedAt: r.CreatedAt.Time(), LastSeenAt: r.LastSeenAt.Time()}
}

// ShopperRepo implements domain.ShopperRepository.
type ShopperRepo struct{ db *DB }

var _ domain.ShopperRepository = (*ShopperRepo)(nil)

// NewShopperRepo returns the shopper repository on db.
func NewShopperRepo(db *DB) *ShopperRepo { return &ShopperRepo{db: db} }

// UpsertShopper finds the shopper of (AppID, OpenID) and records the login
// on it, or inserts s. Most logins are returning shoppers, so it reads
// first; two first logins racing meet at the unique index, and the loser
// reads the winner's row. Plain statements, no engine-specific upsert, so
// MariaDB and SQLite behave alike.
func (r *ShopperRepo) UpsertShopper(ctx context.Context, s *domain.Shopper) (*domain.Shopper, error) {
	found, err := r.seen(ctx, s)
	if err != nil || found != nil {
		return found, err
	}
	row := shopperRow{ID: s.ID, AppID: s.AppID, OpenID: s.OpenID, UnionID: s.UnionID, Member: s.Member,
		CreatedAt: micro(s.CreatedAt), LastSeenAt: micro(s.LastSeenAt)}
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		if !isDuplicate(err) {
			return nil, mapErr(err)
		}
		found, err := r.seen(ctx, s)
		if err == nil && found == nil {
			err = &domain.Error{Code: domain.EINTERNAL, Message: "shopper vanished after a duplicate insert"}
		}
		return found, err
	}
	return row.toDomain(), nil
}

// seen loads the shopper of s's (AppID, OpenID) and records s.LastSeenAt and
// a new non-empty UnionID on it; nil when there is none yet.
func (r *ShopperRepo) seen(ctx context.Context, s *domain.Shopper) (*domain.Shopper, error) {
	var rows []shopperRow
	if err := r.db.conn(ctx).Where("app_id = ? AND open_id = ?", s.AppID, s.OpenID).Limit(1).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	row := rows[0]
	row.LastSeenAt = micro(s.LastSeenAt)
	set := map[string]any{"last_seen_at": row.LastSeenAt}
	if s.UnionID != "" && s.UnionID != row.UnionID {
		set["union_id"] = s.UnionID
		row.UnionID = s.UnionID
	}
	if err := r.db.conn(ctx).Model(&shopperRow{}).Where("id = ?", row.ID).Updates(set).Error; err != nil {
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// ShopperByID loads one shopper.
func (r *ShopperRepo) ShopperByID(ctx context.Context, id int64) (*domain.Shopper, error) {
	var row shopperRow
	if err := r.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "shopper_not_found", "no such shopper")
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// micro is t as the DATETIME(6) column gives it back: UTC, microseconds.
func micro(t time.Time) utcTime { return utcTime(t.UTC().Truncate(time.Microsecond)) }
