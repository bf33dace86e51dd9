package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// SubscribeMessage is one subscribe message: Data maps the template's keys
// ("thing4", "amount2" ...) to their values.
type SubscribeMessage struct {
	ToOpenID   string
	TemplateID string
	Page       string
	Data       map[string]string
}

// SubscribeSender sends WeChat subscribe messages (adapters/wechat).
//
// Errors: ECONFLICT wx_subscription_refused when the shopper has not
// accepted the template (errcode 43101); EINVALID for a bad openid,
// template or value; EUNAVAILABLE (or ETOOMANY) when WeChat is down or
// busy. An error carrying WeChat's errcode has a WeChatErrCode() int
// method somewhere in its chain.
type SubscribeSender interface {
	SendSubscribe(ctx context.Context, m SubscribeMessage) error
}

// errcodeOf digs WeChat's errcode out of err, 0 when it has none (a
// network failure, a 5xx).
func errcodeOf(err error) int {
	var coded interface{ WeChatErrCode() int }
	if errors.As(err, &coded) {
		return coded.WeChatErrCode()
	}
	return 0
}

// codeUserRefused is WeChat's errcode for a template the shopper has not
// accepted, recorded with a refusal even when the sender does not say it.
const codeUserRefused = 43101

// messageLease is how long a run's claim on a message keeps other runs off
// it: longer than one send can take (token fetch and send, 10 s each), so
// only a run that died mid-send loses it.
const messageLease = time.Minute

// MessageDeps are what the shopper messages need.
type MessageDeps struct {
	Orders   domain.OrderRepository
	Shoppers domain.ShopperRepository
	Stores   domain.StoreRepository
	Messages domain.MessageRepository
	// Sender is nil when there is no WeChat client: messages are skipped.
	Sender SubscribeSender
	// PaymentTemplate is the template id of the payment message
	// (WECHAT_TEMPLATE_PAYMENT_SUCCESS); "" skips the message.
	PaymentTemplate string
	// OrderPage is the mini-program page the message opens, given
	// ?order_no= (WECHAT_ORDER_PAGE); "" opens none.
	OrderPage string
	Clock     Clock
	IDs       IDs
	Log       *slog.Logger
}

// Messages sends shoppers WeChat subscribe messages about their orders,
// each at most once however often its job runs.
type Messages struct{ d MessageDeps }

// NewMessages wires the shopper messages.
func NewMessages(d MessageDeps) *Messages {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Messages{d: d}
}

// SendPaymentSuccess is the job behind TaskMessagePaymentSuccess: it tells
// the shopper their order is paid. A message already settled is not sent
// again. The shopper not accepting the template, or WeChat refusing a
// value, settles it (refused, failed) and the job succeeds: a retry would
// be refused the same. WeChat being unavailable returns the error so the
// job is retried with backoff, up to domain.MaxMessageAttempts sends; the
// last failure settles it failed and the job succeeds.
func (ms *Messages) SendPaymentSuccess(ctx context.Context, t OrderTask) error {
	ord, err := ms.d.Orders.OrderByNo(ctx, t.OrderNo)
	if err != nil {
		return err
	}
	if ord.PaidAt.IsZero() {
		return domain.Errorf(domain.EINVALID, "order_not_paid", "order %s is not paid; no payment message", ord.OrderNo)
	}
	fresh := domain.NewShopperMessage(ms.d.IDs.NewID(), ord.ID, ord.ShopperID, domain.MessagePaymentSuccess, ms.d.Clock.Now())
	if ms.d.PaymentTemplate == "" || ms.d.Sender == nil {
		why := "no payment template configured (WECHAT_TEMPLATE_PAYMENT_SUCCESS)"
		if ms.d.Sender == nil {
			why = "no WeChat client configured (WECHAT_APPID)"
		}
		return ms.settle(ctx, fresh, func(m *domain.ShopperMessage, now time.Time) { m.MarkSkipped(why, now) })
	}
	shopper, err := ms.d.Shoppers.ShopperByID(ctx, ord.ShopperID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return ms.settle(ctx, fresh, func(m *domain.ShopperMessage, now time.Time) {
			m.MarkFailed(0, "the order's shopper does not exist", now)
		})
	} else if err != nil {
		return err
	}
	store, err := ms.d.Stores.StoreByCode(ctx, ord.StoreCode)
	if err != nil {
		return err
	}
	msg := SubscribeMessage{ToOpenID: shopper.OpenID, TemplateID: ms.d.PaymentTemplate,
		Page: ms.orderPage(ord.OrderNo), Data: PaymentMessageData(ord, store)}
	claimed, err := ms.d.Messages.UpdateMessage(ctx, fresh, func(m *domain.ShopperMessage) error {
		return m.Begin(ms.d.Clock.Now(), messageLease)
	})
	if err != nil {
		return ms.notClaimed(ord.OrderNo, err)
	}
	if claimed.Settled() {
		ms.d.Log.Warn("payment message given up", "order_no", ord.OrderNo, "attempts", claimed.Attempts, "detail", claimed.Detail)
		return nil // its last allowed send died mid-way: no more sends
	}
	return ms.finish(ctx, fresh, ord.OrderNo, claimed.Attempts, ms.d.Sender.SendSubscribe(ctx, msg))
}

// notClaimed is what a run does when it could not claim the message: a
// settled one is done (nil). One another run is sending is retried later
// (EUNAVAILABLE), so a run that died mid-send is taken over once its claim
// is old, not dropped.
func (ms *Messages) notClaimed(orderNo string, err error) error {
	switch domain.ErrorReason(err) {
	case "message_settled":
		ms.d.Log.Debug("payment message already settled", "order_no", orderNo)
		return nil
	case "message_in_flight":
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: "message_in_flight",
			Message: "another run is sending this message; try again later", Err: err}
	}
	return err
}

// finish records what became of one send, made under the claim of attempt
// number claim, and says what the job returns. A run that outlived its
// lease may find the message taken over by another run: it then records
// only a successful send, and leaves a failure to the run that holds the
// message now (or has settled it), so it never undoes what that run
// recorded nor has the job send it again.
func (ms *Messages) finish(ctx context.Context, fresh *domain.ShopperMessage, orderNo string, claim int, sendErr error) error {
	code, detail := errcodeOf(sendErr), ""
	if sendErr != nil {
		detail = sendErr.Error()
	}
	var retry, superseded bool
	m, err := ms.d.Messages.UpdateMessage(ctx, fresh, func(m *domain.ShopperMessage) error {
		now := ms.d.Clock.Now()
		owned := m.Status == domain.MessageSending && m.Attempts == claim
		switch {
		case m.Settled(), !owned && sendErr != nil:
			superseded = true // another run's record stands
		case sendErr == nil:
			m.MarkSent(now)
		case domain.ErrorReason(sendErr) == "wx_subscription_refused":
			m.MarkRefused(orDefault(code, codeUserRefused), detail, now)
		case domain.ErrorCode(sendErr) == domain.EINVALID:
			m.MarkFailed(code, detail, now)
		default:
			retry = !m.MarkRetry(code, detail, now)
		}
		return nil
	})
	if err != nil {
		// Sent or not, the outcome is unknown to the table: the claim
		// runs out and a retry sends again (at least once, not exactly).
		return err
	}
	log := ms.d.Log.With("order_no", orderNo, "status", m.Status, "attempts", m.Attempts, "errcode", m.ErrCode)
	switch {
	case superseded:
		log.Warn("payment message taken over by another run; its outcome stands", "err", sendErr)
	case retry:
		log.Warn("payment message not sent; will retry", "err", sendErr)
		return fmt.Errorf("payment message of order %s, attempt %d: %w", orderNo, m.Attempts, sendErr)
	case m.Status == domain.MessageSent:
		log.Info("payment message sent")
	default:
		log.Warn("payment message not sent; giving up", "detail", m.Detail)
	}
	return nil
}

// settle gives a message that is not settled yet its final status without
// sending it; a settled one stays as it is.
func (ms *Messages) settle(ctx context.Context, fresh *domain.ShopperMessage, mark func(*domain.ShopperMessage, time.Time)) error {
	m, err := ms.d.Messages.UpdateMessage(ctx, fresh, func(m *domain.ShopperMessage) error {
		if m.Settled() {
			return domain.ErrMessageSettled(m)
		}
		mark(m, ms.d.Clock.Now())
		return nil
	})
	if domain.ErrorReason(err) == "message_settled" {
		return nil
	}
	if err != nil {
		return err
	}
	ms.d.Log.Debug("payment message not sent", "order_id", m.OrderID, "status", m.Status, "detail", m.Detail)
	return nil
}

// orderPage is the page the message opens: the order's detail page.
func (ms *Messages) orderPage(orderNo string) string {
	if ms.d.OrderPage == "" {
		return ""
	}
	return ms.d.OrderPage + "?order_no=" + orderNo
}

// orDefault is a unless it is 0, else b.
func orDefault(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
