package mysql

import (
	"context"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type couponRow struct {
	ID              int64 `gorm:"primaryKey;autoIncrement:false"`
	Code            string
	Name            string
	Kind            string
	Amount          decimal.Decimal
	Percent         decimal.Decimal
	MaxDiscount     *decimal.Decimal
	MinSpend        decimal.Decimal
	StoreCodes      string // JSON array; "[]" = every store
	StartsAt        utcTime
	EndsAt          utcTime
	PerShopperLimit int
	TotalLimit      int
	Active          bool
	Granted         bool
	CreatedAt       utcTime
	UpdatedAt       utcTime
}

func (couponRow) TableName() string { return "coupons" }

type couponGrantRow struct {
	CouponID  int64 `gorm:"primaryKey;autoIncrement:false"`
	ShopperID int64 `gorm:"primaryKey;autoIncrement:false"`
	GrantedAt utcTime
}

func (couponGrantRow) TableName() string { return "coupon_grants" }

func couponToRow(c *domain.Coupon) couponRow {
	return couponRow{ID: c.ID, Code: c.Code, Name: c.Name, Kind: string(c.Kind), Amount: c.Amount, Percent: c.Percent,
		MaxDiscount: c.MaxDiscount, MinSpend: c.MinSpend, StoreCodes: encodeList(c.StoreCodes),
		StartsAt: utcTime(c.StartsAt), EndsAt: utcTime(c.EndsAt), PerShopperLimit: c.PerShopperLimit, TotalLimit: c.TotalLimit,
		Active: c.Active, Granted: c.Granted, CreatedAt: utcTime(c.CreatedAt), UpdatedAt: utcTime(c.UpdatedAt)}
}

func (r couponRow) toDomain() (*domain.Coupon, error) {
	stores, err := decodeList("coupon", r.ID, r.StoreCodes)
	if err != nil {
		return nil, err
	}
	return &domain.Coupon{ID: r.ID, Code: r.Code, Name: r.Name, Kind: domain.CouponKind(r.Kind), Amount: r.Amount,
		Percent: r.Percent, MaxDiscount: r.MaxDiscount, MinSpend: r.MinSpend, StoreCodes: stores,
		StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time(), PerShopperLimit: r.PerShopperLimit, TotalLimit: r.TotalLimit,
		Active: r.Active, Granted: r.Granted, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}, nil
}

func couponsOf(rows []couponRow) ([]*domain.Coupon, error) {
	out := make([]*domain.Coupon, len(rows))
	for i := range rows {
		c, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// CouponRepo implements domain.CouponRepository.
type CouponRepo struct{ db *DB }

var _ domain.CouponRepository = (*CouponRepo)(nil)

// NewCouponRepo returns the coupon repository on db.
func NewCouponRepo(db *DB) *CouponRepo { return &CouponRepo{db: db} }

// CreateCoupon inserts c; a taken code is ECONFLICT coupon_code_taken.
func (r *CouponRepo) CreateCoupon(ctx context.Context, c *domain.Coupon) error {
	row := couponToRow(c)
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Errorf(domain.ECONFLICT, "coupon_code_taken", "coupon code %s is already used", c.Code)
		}
		return mapErr(err)
	}
	return nil
}

// CouponByCode loads a coupon by its stored (upper-case) code.
func (r *CouponRepo) CouponByCode(ctx context.Context, code string) (*domain.Coupon, error) {
	return r.load(ctx, r.db.conn(ctx).Where("code = ?", code), false)
}

// CouponByID loads a coupon by id.
func (r *CouponRepo) CouponByID(ctx context.Context, id int64) (*domain.Coupon, error) {
	return r.load(ctx, r.db.conn(ctx).Where("id = ?", id), false)
}

func (r *CouponRepo) load(_ context.Context, q *gorm.DB, lock bool) (*domain.Coupon, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row couponRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "coupon_not_found", "no such coupon")
		}
		return nil, mapErr(err)
	}
	return row.toDomain()
}

// ListCoupons pages through coupons by id.
func (r *CouponRepo) ListCoupons(ctx context.Context, p domain.Page) ([]*domain.Coupon, error) {
	var rows []couponRow
	if err := r.db.conn(ctx).Where("id > ?", p.After).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	return couponsOf(rows)
}

// UpdateCoupon locks the coupon, lets fn change it and saves it. The code
// and the id never change.
func (r *CouponRepo) UpdateCoupon(ctx context.Context, code string, fn func(*domain.Coupon) error) (*domain.Coupon, error) {
	var out *domain.Coupon
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		c, err := r.load(ctx, r.db.conn(ctx).Where("code = ?", code), true)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		row := couponToRow(c)
		// A map, not the struct: gorm skips zero values and nil pointers in
		// a struct, and max_discount must be able to go back to NULL.
		err = r.db.conn(ctx).Model(&couponRow{}).Where("id = ?", c.ID).Updates(map[string]any{
			"name": row.Name, "kind": row.Kind, "amount": row.Amount, "percent": row.Percent,
			"max_discount": row.MaxDiscount, "min_spend": row.MinSpend, "store_codes": row.StoreCodes,
			"starts_at": row.StartsAt, "ends_at": row.EndsAt, "per_shopper_limit": row.PerShopperLimit,
			"total_limit": row.TotalLimit, "active": row.Active, "granted": row.Granted, "updated_at": row.UpdatedAt,
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = c
		return nil
	})
	return out, err
}

// GrantCoupon records that the shopper may use the coupon; granting twice
// keeps the first grant.
func (r *CouponRepo) GrantCoupon(ctx context.Context, couponID, shopperID int64, now time.Time) error {
	row := couponGrantRow{CouponID: couponID, ShopperID: shopperID, GrantedAt: utcTime(now)}
	err := r.db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	if err != nil && !isDuplicate(err) {
		return mapErr(err)
	}
	return nil
}

// Usage counts the coupon's held and redeemed uses, and looks up the grant,
// in one query. The uses of everyone are counted only for a coupon with a
// total limit: it is priced on every scan of a cart that has it, and a
// code such as WELCOME5 gathers uses without end.
func (r *CouponRepo) Usage(ctx context.Context, couponID, shopperID int64) (domain.CouponUsage, error) {
	var res struct {
		ByShopper int64
		Total     int64
		Granted   int64
	}
	live := []string{string(domain.RedemptionHeld), string(domain.RedemptionRedeemed)}
	err := r.db.conn(ctx).Raw(`SELECT
		(SELECT COUNT(*) FROM coupon_redemptions WHERE coupon_id = ? AND status IN ? AND shopper_id = ?) AS by_shopper,
		CASE WHEN (SELECT total_limit FROM coupons WHERE id = ?) > 0
			THEN (SELECT COUNT(*) FROM coupon_redemptions WHERE coupon_id = ? AND status IN ?) ELSE 0 END AS total,
		(SELECT COUNT(*) FROM coupon_grants WHERE coupon_id = ? AND shopper_id = ?) AS granted`,
		couponID, live, shopperID, couponID, couponID, live, couponID, shopperID).Scan(&res).Error
	if err != nil {
		return domain.CouponUsage{}, mapErr(err)
	}
	return domain.CouponUsage{UsedByShopper: int(res.ByShopper), UsedTotal: int(res.Total), Granted: res.Granted > 0}, nil
}

// ShopperCoupons pages through the coupons granted to a shopper, by id.
func (r *CouponRepo) ShopperCoupons(ctx context.Context, shopperID int64, p domain.Page) ([]*domain.Coupon, error) {
	var rows []couponRow
	err := r.db.conn(ctx).Where("id IN (SELECT coupon_id FROM coupon_grants WHERE shopper_id = ?) AND id > ?", shopperID, p.After).
		Order("id").Limit(p.Limit).Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	return couponsOf(rows)
}
