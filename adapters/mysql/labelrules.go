package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm/clause"
)

type labelRuleRow struct {
	ID              int64 `gorm:"primaryKey;autoIncrement:false"`
	StoreID         int64
	Name            string
	Prefix          string
	Length          int
	PLUStart        int `gorm:"column:plu_start"`
	PLULength       int `gorm:"column:plu_length"`
	PriceStart      int
	PriceLength     int
	WeightStart     int
	WeightLength    int
	PriceCheckDigit bool
	CheckDigit      bool
	CreatedAt       utcTime
}

func (labelRuleRow) TableName() string { return "label_rules" }

// LabelRuleRepo implements domain.LabelRuleRepository.
type LabelRuleRepo struct{ db *DB }

var _ domain.LabelRuleRepository = (*LabelRuleRepo)(nil)

// NewLabelRuleRepo returns the label rule repository on db.
func NewLabelRuleRepo(db *DB) *LabelRuleRepo { return &LabelRuleRepo{db: db} }

// CreateLabelRule locks the store row, lets check judge the store's rules
// and inserts r, all in one transaction.
func (r *LabelRuleRepo) CreateLabelRule(ctx context.Context, storeID int64, rule *domain.LabelRule, check func([]*domain.LabelRule) error) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		var lock []storeRow
		if err := r.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Select("id").Where("id = ?", storeID).Find(&lock).Error; err != nil {
			return mapErr(err)
		}
		existing, err := r.LabelRules(ctx, storeID)
		if err != nil {
			return err
		}
		for _, e := range existing {
			e.StoreCode = rule.StoreCode
		}
		if err := check(existing); err != nil {
			return err
		}
		row := labelRuleRow{ID: rule.ID, StoreID: storeID, Name: rule.Name, Prefix: rule.Prefix, Length: rule.Length,
			PLUStart: rule.PLUStart, PLULength: rule.PLULength, PriceStart: rule.PriceStart, PriceLength: rule.PriceLength,
			WeightStart: rule.WeightStart, WeightLength: rule.WeightLength, PriceCheckDigit: rule.PriceCheckDigit,
			CheckDigit: rule.CheckDigit, CreatedAt: utcTime(rule.CreatedAt)}
		return mapErr(r.db.conn(ctx).Create(&row).Error)
	})
}

// LabelRules returns all of a store's rules (a handful), oldest first.
func (r *LabelRuleRepo) LabelRules(ctx context.Context, storeID int64) ([]*domain.LabelRule, error) {
	var rows []labelRuleRow
	if err := r.db.conn(ctx).Where("store_id = ?", storeID).Order("id").Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.LabelRule, len(rows))
	for i, row := range rows {
		out[i] = &domain.LabelRule{ID: row.ID, Name: row.Name, Prefix: row.Prefix, Length: row.Length,
			PLUStart: row.PLUStart, PLULength: row.PLULength, PriceStart: row.PriceStart, PriceLength: row.PriceLength,
			WeightStart: row.WeightStart, WeightLength: row.WeightLength, PriceCheckDigit: row.PriceCheckDigit,
			CheckDigit: row.CheckDigit, CreatedAt: row.CreatedAt.Time()}
	}
	return out, nil
}

// DeleteLabelRule removes one of the store's rules.
func (r *LabelRuleRepo) DeleteLabelRule(ctx context.Context, storeID, id int64) error {
	res := r.db.conn(ctx).Where("store_id = ? AND id = ?", storeID, id).Delete(&labelRuleRow{})
	if res.Error != nil {
		return mapErr(res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ENOTFOUND, "label_rule_not_found", "this store has no such label rule")
	}
	return nil
}
