package mysql

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm/clause"
)

type shopperMessageRow struct {
	ID        int64 `gorm:"primaryKey;autoIncrement:false"`
	OrderID   int64
	ShopperID int64
	Kind      string
	Status    string
	Errcode   int
	Detail    string
	Attempts  int
	CreatedAt utcTime
	UpdatedAt utcTime
}

func (shopperMessageRow) TableName() string { return "shopper_messages" }

func (r shopperMessageRow) toDomain() *domain.ShopperMessage {
	return &domain.ShopperMessage{ID: r.ID, OrderID: r.OrderID, ShopperID: r.ShopperID, Kind: domain.MessageKind(r.Kind),
		Status: domain.MessageStatus(r.Status), ErrCode: r.Errcode, Detail: r.Detail, Attempts: r.Attempts,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time()}
}

var errMessageNotFound = domain.Errorf(domain.ENOTFOUND, "message_not_found", "no such message")

// MessageRepo implements domain.MessageRepository on shopper_messages,
// whose unique (order_id, kind) makes a message once per order and kind.
type MessageRepo struct{ db *DB }

var _ domain.MessageRepository = (*MessageRepo)(nil)

// NewMessageRepo returns the message repository on db.
func NewMessageRepo(db *DB) *MessageRepo { return &MessageRepo{db: db} }

// UpdateMessage inserts fresh unless its (order, kind) is there already,
// then locks the row and lets fn change it. Insert first, lock second: two
// runs racing on a new message both end on the one row, one after the
// other.
func (r *MessageRepo) UpdateMessage(ctx context.Context, fresh *domain.ShopperMessage, fn func(*domain.ShopperMessage) error) (*domain.ShopperMessage, error) {
	var out *domain.ShopperMessage
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		ins := shopperMessageRow{ID: fresh.ID, OrderID: fresh.OrderID, ShopperID: fresh.ShopperID, Kind: string(fresh.Kind),
			Status: string(fresh.Status), Errcode: fresh.ErrCode, Detail: cutRunes(fresh.Detail, 500), Attempts: fresh.Attempts,
			CreatedAt: utcTime(fresh.CreatedAt), UpdatedAt: utcTime(fresh.UpdatedAt)}
		if err := r.db.conn(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&ins).Error; err != nil && !isDuplicate(err) {
			return mapErr(err)
		}
		var row shopperMessageRow
		err := r.db.conn(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("order_id = ? AND kind = ?", fresh.OrderID, string(fresh.Kind)).Take(&row).Error
		if err != nil {
			return mapErr(err)
		}
		m := row.toDomain()
		if err := fn(m); err != nil {
			return err
		}
		// A map, not the struct: gorm skips zero values in a struct.
		err = r.db.conn(ctx).Model(&shopperMessageRow{}).Where("id = ?", m.ID).Updates(map[string]any{
			"status": string(m.Status), "errcode": m.ErrCode, "detail": cutRunes(m.Detail, 500),
			"attempts": m.Attempts, "updated_at": utcTime(m.UpdatedAt),
		}).Error
		if err != nil {
			return mapErr(err)
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// MessageOf reads the message of an order and kind.
func (r *MessageRepo) MessageOf(ctx context.Context, orderID int64, kind domain.MessageKind) (*domain.ShopperMessage, error) {
	var row shopperMessageRow
	if err := r.db.conn(ctx).Where("order_id = ? AND kind = ?", orderID, string(kind)).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, errMessageNotFound
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}
