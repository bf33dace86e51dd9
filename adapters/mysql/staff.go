package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm/clause"
)

type staffRow struct {
	ID                int64 `gorm:"primaryKey;autoIncrement:false"`
	Username          string
	DisplayName       string
	Role              string
	PasswordHash      string
	PasswordChangedAt *utcTime
	Active            bool
	CreatedAt         utcTime
	UpdatedAt         utcTime
}

func (staffRow) TableName() string { return "staff" }

type staffStoreRow struct {
	StaffID   int64  `gorm:"primaryKey;autoIncrement:false"`
	StoreCode string `gorm:"primaryKey"`
}

func (staffStoreRow) TableName() string { return "staff_stores" }

// StaffRepo implements domain.StaffRepository.
type StaffRepo struct{ db *DB }

var _ domain.StaffRepository = (*StaffRepo)(nil)

// NewStaffRepo returns the staff repository on db.
func NewStaffRepo(db *DB) *StaffRepo { return &StaffRepo{db: db} }

// CreateStaff inserts a staff member with their stores, in one transaction.
func (r *StaffRepo) CreateStaff(ctx context.Context, s *domain.Staff) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		row := staffRow{ID: s.ID, Username: s.Username, DisplayName: s.DisplayName, Role: string(s.Role),
			PasswordHash: s.PasswordHash, PasswordChangedAt: optTime(s.PasswordChangedAt), Active: s.Active, CreatedAt: utcTime(s.CreatedAt), UpdatedAt: utcTime(s.UpdatedAt)}
		if err := r.db.conn(ctx).Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return domain.Errorf(domain.ECONFLICT, "username_taken", "username %s is already used", s.Username)
			}
			return mapErr(err)
		}
		return r.saveStores(ctx, s)
	})
}

func (r *StaffRepo) saveStores(ctx context.Context, s *domain.Staff) error {
	db := r.db.conn(ctx)
	if err := db.Where("staff_id = ?", s.ID).Delete(&staffStoreRow{}).Error; err != nil {
		return mapErr(err)
	}
	if len(s.StoreCodes) == 0 {
		return nil
	}
	rows := make([]staffStoreRow, len(s.StoreCodes))
	for i, c := range s.StoreCodes {
		rows[i] = staffStoreRow{StaffID: s.ID, StoreCode: c}
	}
	return mapErr(db.Create(&rows).Error)
}

// StaffByID loads one staff member with their stores.
func (r *StaffRepo) StaffByID(ctx context.Context, id int64) (*domain.Staff, error) {
	return r.loadOne(ctx, "id = ?", id, false)
}

// StaffByUsername loads one staff member by login name.
func (r *StaffRepo) StaffByUsername(ctx context.Context, username string) (*domain.Staff, error) {
	return r.loadOne(ctx, "username = ?", username, false)
}

func (r *StaffRepo) loadOne(ctx context.Context, where string, arg any, lock bool) (*domain.Staff, error) {
	var row staffRow
	q := r.db.conn(ctx).Where(where, arg)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "staff_not_found", "no such staff member")
		}
		return nil, mapErr(err)
	}
	out, err := r.withStores(ctx, []staffRow{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// withStores loads the store assignments of rows in one query.
func (r *StaffRepo) withStores(ctx context.Context, rows []staffRow) ([]*domain.Staff, error) {
	out := make([]*domain.Staff, len(rows))
	byID := make(map[int64]*domain.Staff, len(rows))
	ids := make([]int64, len(rows))
	for i, row := range rows {
		out[i] = &domain.Staff{ID: row.ID, Username: row.Username, DisplayName: row.DisplayName,
			Role: domain.Role(row.Role), PasswordHash: row.PasswordHash, Active: row.Active,
			CreatedAt: row.CreatedAt.Time(), UpdatedAt: row.UpdatedAt.Time(), StoreCodes: []string{}}
		if row.PasswordChangedAt != nil {
			out[i].PasswordChangedAt = row.PasswordChangedAt.Time()
		}
		byID[row.ID] = out[i]
		ids[i] = row.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var links []staffStoreRow
	if err := r.db.conn(ctx).Where("staff_id IN ?", ids).Order("store_code").Find(&links).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, l := range links {
		s := byID[l.StaffID]
		s.StoreCodes = append(s.StoreCodes, l.StoreCode)
	}
	return out, nil
}

// ListStaff pages through staff by id.
func (r *StaffRepo) ListStaff(ctx context.Context, p domain.Page) ([]*domain.Staff, error) {
	var rows []staffRow
	if err := r.db.conn(ctx).Where("id > ?", p.After).Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	return r.withStores(ctx, rows)
}

// UpdateStaff locks the row, lets fn change the staff member and saves it
// with their stores, all in one transaction.
func (r *StaffRepo) UpdateStaff(ctx context.Context, id int64, fn func(*domain.Staff) error) (*domain.Staff, error) {
	var out *domain.Staff
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		s, err := r.loadOne(ctx, "id = ?", id, true)
		if err != nil {
			return err
		}
		if err := fn(s); err != nil {
			return err
		}
		err = r.db.conn(ctx).Model(&staffRow{}).Where("id = ?", id).Updates(map[string]any{
			"display_name": s.DisplayName, "role": string(s.Role), "password_hash": s.PasswordHash,
			"password_changed_at": optTime(s.PasswordChangedAt),
			"active":              s.Active, "updated_at": utcTime(s.UpdatedAt),
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = s
		return r.saveStores(ctx, s)
	})
	return out, err
}
