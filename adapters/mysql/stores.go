package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm/clause"
)

type storeRow struct {
	ID             int64 `gorm:"primaryKey;autoIncrement:false"`
	Code           string
	Name           string
	TimeZone       string
	Latitude       decimal.Decimal
	Longitude      decimal.Decimal
	RadiusM        int
	AuditRate      decimal.Decimal
	MaxLines       int
	MaxLineQty     int
	MaxBasketTotal decimal.Decimal
	Active         bool
	CreatedAt      utcTime
	UpdatedAt      utcTime
}

func (storeRow) TableName() string { return "stores" }

func storeToRow(s *domain.Store) storeRow {
	return storeRow{ID: s.ID, Code: s.Code, Name: s.Name, TimeZone: s.TimeZone,
		Latitude: s.Latitude, Longitude: s.Longitude, RadiusM: s.RadiusM, AuditRate: s.AuditRate,
		MaxLines: s.MaxLines, MaxLineQty: s.MaxLineQty, MaxBasketTotal: s.MaxBasketTotal,
		Active: s.Active, CreatedAt: utcTime(s.CreatedAt), UpdatedAt: utcTime(s.UpdatedAt)}
}

func (r storeRow) toDomain() *domain.Store {
	return &domain.Store{ID: r.ID, Code: r.Code, Name: r.Name, TimeZone: r.TimeZone,
		Latitude: r.Latitude, Longitude: r.Longitude, RadiusM: r.RadiusM, AuditRate: r.AuditRate,
		MaxLines: r.MaxLines, MaxLineQty: r.MaxLineQty, MaxBasketTotal: r.MaxBasketTotal,
		Active: r.Active, CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

// StoreRepo implements domain.StoreRepository.
type StoreRepo struct{ db *DB }

var _ domain.StoreRepository = (*StoreRepo)(nil)

// NewStoreRepo returns the store repository on db.
func NewStoreRepo(db *DB) *StoreRepo { return &StoreRepo{db: db} }

// CreateStore inserts s; a taken code is ECONFLICT store_code_taken.
func (r *StoreRepo) CreateStore(ctx context.Context, s *domain.Store) error {
	row := storeToRow(s)
	if err := r.db.conn(ctx).Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Errorf(domain.ECONFLICT, "store_code_taken", "store code %s is already used", s.Code)
		}
		return mapErr(err)
	}
	return nil
}

// StoreByCode loads one store.
func (r *StoreRepo) StoreByCode(ctx context.Context, code string) (*domain.Store, error) {
	return r.load(ctx, code, false)
}

func (r *StoreRepo) load(ctx context.Context, code string, lock bool) (*domain.Store, error) {
	var row storeRow
	q := r.db.conn(ctx).Where("code = ?", code)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "store_not_found", "no store %s", code)
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// ListStores pages through stores by id.
func (r *StoreRepo) ListStores(ctx context.Context, p domain.Page) ([]*domain.Store, error) {
	var rows []storeRow
	if err := r.db.conn(ctx).Where("id > ?", p.After).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.Store, len(rows))
	for i := range rows {
		out[i] = rows[i].toDomain()
	}
	return out, nil
}

// UpdateStore locks the store row, lets fn change it and saves the result,
// in its own transaction or the caller's.
func (r *StoreRepo) UpdateStore(ctx context.Context, code string, fn func(*domain.Store) error) (*domain.Store, error) {
	var out *domain.Store
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		s, err := r.load(ctx, code, true)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
		// A map, not the row struct: gorm would replace updated_at with its
		// own clock and skip zero values (radius 0, active false) in a struct.
		err = r.db.conn(ctx).Model(&storeRow{}).Where("id = ?", s.ID).Updates(map[string]any{
			"name": s.Name, "time_zone": s.TimeZone, "latitude": s.Latitude, "longitude": s.Longitude,
			"radius_m": s.RadiusM, "audit_rate": s.AuditRate, "max_lines": s.MaxLines, "max_line_qty": s.MaxLineQty,
			"max_basket_total": s.MaxBasketTotal, "active": s.Active, "updated_at": utcTime(s.UpdatedAt),
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = s
		return nil
	})
	return out, err
}
