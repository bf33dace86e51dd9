package domain

import (
	"context"
	"fmt"
	"time"
)

// MessageKind names a subscribe message scanpay sends about an order; an
// order gets at most one of each kind.
type MessageKind string

// MessagePaymentSuccess tells the shopper their payment went through.
const MessagePaymentSuccess MessageKind = "payment_success"

// MessageStatus is where a shopper message is. sent, refused, failed and
// skipped are final: a rerun of the job sends nothing more.
type MessageStatus string

const (
	// MessagePending: not sent yet; after a failed attempt it waits for
	// the job's retry.
	MessagePending MessageStatus = "pending"
	// MessageSending: a run claimed it and is talking to WeChat now.
	MessageSending MessageStatus = "sending"
	// MessageSent: WeChat accepted it.
	MessageSent MessageStatus = "sent"
	// MessageRefused: the shopper has not accepted the template (WeChat
	// errcode 43101); sending again would be refused again.
	MessageRefused MessageStatus = "refused"
	// MessageFailed: given up, because WeChat refused a value (bad
	// template, openid, data) or stayed unavailable for MaxMessageAttempts.
	MessageFailed MessageStatus = "failed"
	// MessageSkipped: nothing to send with (no template configured).
	MessageSkipped MessageStatus = "skipped"
)

// MaxMessageAttempts bounds the sends of one message: after this many
// attempts failed for want of WeChat, it is failed for good, whatever the
// job queue's own retry limit.
const MaxMessageAttempts = 5

// ShopperMessage is one subscribe message to a shopper about an order and
// what became of it. Its status moves by the methods below only.
type ShopperMessage struct {
	ID        int64
	OrderID   int64
	ShopperID int64
	Kind      MessageKind
	Status    MessageStatus
	ErrCode   int    // WeChat's errcode of the last failure, 0 if none
	Detail    string // why it failed or was skipped
	Attempts  int    // sends tried
	CreatedAt time.Time
	UpdatedAt time.Time
}

// NewShopperMessage is a message not tried yet.
func NewShopperMessage(id, orderID, shopperID int64, kind MessageKind, now time.Time) *ShopperMessage {
	return &ShopperMessage{ID: id, OrderID: orderID, ShopperID: shopperID, Kind: kind, Status: MessagePending,
		CreatedAt: now, UpdatedAt: now}
}

// Settled reports whether the message reached a final status.
func (m *ShopperMessage) Settled() bool {
	switch m.Status {
	case MessageSent, MessageRefused, MessageFailed, MessageSkipped:
		return true
	}
	return false
}

// ErrMessageSettled answers a run for a message already sent, refused,
// failed or skipped: there is nothing left to do.
func ErrMessageSettled(m *ShopperMessage) error {
	return Errorf(ECONFLICT, "message_settled", "message %s of order %d is already %s", m.Kind, m.OrderID, m.Status)
}

// Begin claims the message for one send at now. A settled message is
// ErrMessageSettled. A message another run claimed less than lease ago is
// ECONFLICT message_in_flight: that run is sending it. An older claim is
// taken over (its run died mid-send), unless that claim was the last
// allowed attempt: then the message is failed instead (check Settled).
func (m *ShopperMessage) Begin(now time.Time, lease time.Duration) error {
	switch {
	case m.Settled():
		return ErrMessageSettled(m)
	case m.Status == MessageSending && now.Before(m.UpdatedAt.Add(lease)):
		return Errorf(ECONFLICT, "message_in_flight", "message %s of order %d is being sent", m.Kind, m.OrderID)
	}
	if m.Attempts >= MaxMessageAttempts {
		// The run that made the last allowed send died in it: taking it
		// over would be one send too many. The message is given up; the
		// caller sees it settled and sends nothing.
		m.MarkFailed(m.ErrCode, fmt.Sprintf("given up after %d attempts (the last one stopped mid-send)", m.Attempts), now)
		return nil
	}
	m.Status, m.Attempts, m.UpdatedAt = MessageSending, m.Attempts+1, now
	return nil
}

// MarkSent records that WeChat accepted the message.
func (m *ShopperMessage) MarkSent(now time.Time) {
	m.Status, m.ErrCode, m.Detail, m.UpdatedAt = MessageSent, 0, "", now
}

// MarkRefused records that the shopper has not accepted the template.
func (m *ShopperMessage) MarkRefused(errcode int, detail string, now time.Time) {
	m.Status, m.ErrCode, m.Detail, m.UpdatedAt = MessageRefused, errcode, detail, now
}

// MarkFailed gives the message up.
func (m *ShopperMessage) MarkFailed(errcode int, detail string, now time.Time) {
	m.Status, m.ErrCode, m.Detail, m.UpdatedAt = MessageFailed, errcode, detail, now
}

// MarkSkipped records that there was nothing to send it with.
func (m *ShopperMessage) MarkSkipped(detail string, now time.Time) {
	m.Status, m.Detail, m.UpdatedAt = MessageSkipped, detail, now
}

// MarkRetry records an attempt that failed for want of WeChat. It returns
// true when that was the last attempt allowed: the message is then
// failed; otherwise it waits, pending, for the next try.
func (m *ShopperMessage) MarkRetry(errcode int, detail string, now time.Time) (gaveUp bool) {
	if m.Attempts >= MaxMessageAttempts {
		m.MarkFailed(errcode, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, detail), now)
		return true
	}
	m.Status, m.ErrCode, m.Detail, m.UpdatedAt = MessagePending, errcode, detail, now
	return false
}

// MessageRepository persists shopper messages, one per (order, kind).
type MessageRepository interface {
	// UpdateMessage locks the message of (fresh.OrderID, fresh.Kind),
	// inserting fresh first when there is none, runs fn on it and saves
	// it, in one transaction (the caller's or its own). fn's error rolls
	// back and is returned.
	UpdateMessage(ctx context.Context, fresh *ShopperMessage, fn func(*ShopperMessage) error) (*ShopperMessage, error)
	// MessageOf reads the message of (orderID, kind), or ENOTFOUND
	// message_not_found.
	MessageOf(ctx context.Context, orderID int64, kind MessageKind) (*ShopperMessage, error)
}
