package mysql

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

type promotionRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	Name           string
	Kind           string
	StoreCodes     string // JSON array; "[]" = every store
	SKUs           string `gorm:"column:skus"`
	Categories     string
	Percent        decimal.Decimal
	Price          decimal.Decimal
	Quantity       int
	BundlePrice    decimal.Decimal
	BuyQuantity    int
	GetQuantity    int
	MinAmount      decimal.Decimal
	DiscountAmount decimal.Decimal
	StartsAt       utcTime
	EndsAt         utcTime
	Active         bool
	CreatedAt      utcTime
	UpdatedAt      utcTime
}

func (promotionRow) TableName() string { return "promotions" }

func promotionToRow(p *domain.Promotion) promotionRow {
	return promotionRow{ID: p.ID, Name: p.Name, Kind: string(p.Kind), StoreCodes: encodeList(p.StoreCodes),
		SKUs: encodeList(p.SKUs), Categories: encodeList(p.Categories), Percent: p.Percent, Price: p.Price,
		Quantity: p.Quantity, BundlePrice: p.BundlePrice, BuyQuantity: p.BuyQuantity, GetQuantity: p.GetQuantity,
		MinAmount: p.MinAmount, DiscountAmount: p.DiscountAmount, StartsAt: utcTime(p.StartsAt), EndsAt: utcTime(p.EndsAt),
		Active: p.Active, CreatedAt: utcTime(p.CreatedAt), UpdatedAt: utcTime(p.UpdatedAt)}
}

func (r promotionRow) toDomain() (*domain.Promotion, error) {
	p := &domain.Promotion{ID: r.ID, Name: r.Name, Kind: domain.PromotionKind(r.Kind), Percent: r.Percent, Price: r.Price,
		Quantity: r.Quantity, BundlePrice: r.BundlePrice, BuyQuantity: r.BuyQuantity, GetQuantity: r.GetQuantity,
		MinAmount: r.MinAmount, DiscountAmount: r.DiscountAmount, StartsAt: r.StartsAt.Time(), EndsAt: r.EndsAt.Time(),
		Active: r.Active, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
	var err error
	if p.StoreCodes, err = decodeList("promotion", r.ID, r.StoreCodes); err != nil {
		return nil, err
	}
	if p.SKUs, err = decodeList("promotion", r.ID, r.SKUs); err != nil {
		return nil, err
	}
	if p.Categories, err = decodeList("promotion", r.ID, r.Categories); err != nil {
		return nil, err
	}
	return p, nil
}

// encodeList stores a list field as a JSON array of strings, never null.
func encodeList(list []string) string {
	if len(list) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(list) // a []string always marshals
	return string(b)
}

// decodeList reads a list field back; a damaged value is an internal error
// naming the row, never a silently empty scope (which would mean "all").
func decodeList(what string, id int64, raw string) ([]string, error) {
	var out []string
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, &domain.Error{Code: domain.EINTERNAL, Message: "database error",
			Err: fmt.Errorf("%s %d: bad list column %q: %w", what, id, raw, err)}
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// inScopeLike is a LIKE pattern that finds a store code in a JSON list
// column; the exact check is done in Go afterwards.
func inScopeLike(storeCode string) string {
	return "%" + escapeLike(`"`+storeCode+`"`) + "%"
}

// PromotionRepo implements domain.PromotionRepository.
type PromotionRepo struct{ db *DB }

var _ domain.PromotionRepository = (*PromotionRepo)(nil)

// NewPromotionRepo returns the promotion repository on db.
func NewPromotionRepo(db *DB) *PromotionRepo { return &PromotionRepo{db: db} }

// CreatePromotion inserts p.
func (r *PromotionRepo) CreatePromotion(ctx context.Context, p *domain.Promotion) error {
	row := promotionToRow(p)
	return mapErr(r.db.conn(ctx).Create(&row).Error)
}

// PromotionByID loads one promotion.
func (r *PromotionRepo) PromotionByID(ctx context.Context, id int64) (*domain.Promotion, error) {
	return r.load(ctx, id, false)
}

func (r *PromotionRepo) load(ctx context.Context, id int64, lock bool) (*domain.Promotion, error) {
	q := r.db.conn(ctx).Where("id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row promotionRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "promotion_not_found", "no promotion %d", id)
		}
		return nil, mapErr(err)
	}
	return row.toDomain()
}

// ListPromotions pages through promotions by id.
func (r *PromotionRepo) ListPromotions(ctx context.Context, p domain.Page) ([]*domain.Promotion, error) {
	var rows []promotionRow
	if err := r.db.conn(ctx).Where("id > ?", p.After).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	return promotionsOf(rows)
}

func promotionsOf(rows []promotionRow) ([]*domain.Promotion, error) {
	out := make([]*domain.Promotion, len(rows))
	for i := range rows {
		p, err := rows[i].toDomain()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

// UpdatePromotion locks the promotion, lets fn change it and saves it.
func (r *PromotionRepo) UpdatePromotion(ctx context.Context, id int64, fn func(*domain.Promotion) error) (*domain.Promotion, error) {
	var out *domain.Promotion
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		p, err := r.load(ctx, id, true)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		row := promotionToRow(p)
		// A map, not the struct: gorm skips zero values in a struct.
		err = r.db.conn(ctx).Model(&promotionRow{}).Where("id = ?", p.ID).Updates(map[string]any{
			"name": row.Name, "kind": row.Kind, "store_codes": row.StoreCodes, "skus": row.SKUs, "categories": row.Categories,
			"percent": row.Percent, "price": row.Price, "quantity": row.Quantity, "bundle_price": row.BundlePrice,
			"buy_quantity": row.BuyQuantity, "get_quantity": row.GetQuantity, "min_amount": row.MinAmount,
			"discount_amount": row.DiscountAmount, "starts_at": row.StartsAt, "ends_at": row.EndsAt,
			"active": row.Active, "updated_at": row.UpdatedAt,
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = p
		return nil
	})
	return out, err
}

// PromotionsInForce reads the store's active promotions whose window holds
// now, oldest first. SQL narrows by switch, window and a LIKE on the store
// list; Promotion.Applies then decides exactly, so both engines agree.
func (r *PromotionRepo) PromotionsInForce(ctx context.Context, storeCode string, now time.Time) ([]*domain.Promotion, error) {
	var rows []promotionRow
	err := r.db.conn(ctx).
		Where("active = ? AND ends_at > ? AND starts_at <= ?", true, utcTime(now), utcTime(now)).
		Where("(store_codes = '[]' OR store_codes LIKE ? ESCAPE '!')", inScopeLike(storeCode)).
		Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, mapErr(err)
	}
	all, err := promotionsOf(rows)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, p := range all {
		if p.Applies(storeCode, now) {
			out = append(out, p)
		}
	}
	return out, nil
}
