package app

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/domain"
)

// PrepayValidity is how long WeChat Pay honours a prepay_id (2 h); a
// prepay is reused for a little less, so wx.requestPayment never gets
// one that dies while the payment sheet is open.
const PrepayValidity = 2*time.Hour - 10*time.Minute

// minPayWindow is the least time an order must have left to start paying:
// WeChat Pay raises a time_expire closer than a minute to a minute, which
// would let a payment land after our expiry.
const minPayWindow = time.Minute

// StartPayment returns the wx.requestPayment parameters for one of the
// shopper's unpaid orders. The prepay is made once and reused while valid,
// so tapping "pay" twice opens the same payment, never a second one.
func (o *Orders) StartPayment(ctx context.Context, shopper *domain.Shopper, orderNo string) (PaymentParams, error) {
	ord, err := o.Mine(ctx, shopper, orderNo)
	if err != nil {
		return PaymentParams{}, err
	}
	now := o.d.Clock.Now()
	if err := ord.Payable(now); err != nil {
		return PaymentParams{}, err
	}
	if ord.ExpiresAt.Sub(now) < minPayWindow {
		return PaymentParams{}, domain.Errorf(domain.ECONFLICT, "order_expiring",
			"order %s expires in less than a minute; check out again", ord.OrderNo)
	}
	if ord.PrepayID != "" && now.Before(ord.PrepayExpiresAt) {
		return o.d.Gateway.SignPayment(ord.PrepayID)
	}
	desc, err := o.paymentDescription(ctx, ord)
	if err != nil {
		return PaymentParams{}, err
	}
	prepay, err := o.d.Gateway.Prepay(ctx, PrepayRequest{OutTradeNo: ord.OrderNo, Description: desc,
		Amount: ord.Total, PayerOpenID: shopper.OpenID, ExpiresAt: ord.ExpiresAt})
	switch domain.ErrorReason(err) {
	case "":
	case "order_paid":
		// Paid, and we had not heard: take the payment in now.
		if err := o.syncPayment(ctx, ord.OrderNo); err != nil {
			return PaymentParams{}, err
		}
		return PaymentParams{}, domain.Errorf(domain.ECONFLICT, "order_paid", "order %s is already paid", ord.OrderNo)
	default:
		return PaymentParams{}, err
	}
	// A notification may have made the order paid while we asked: then
	// the prepay is not kept and the shopper is told it is paid.
	_, err = o.d.Orders.UpdateOrder(ctx, ord.OrderNo, func(locked *domain.Order) error {
		if err := locked.Payable(o.d.Clock.Now()); err != nil {
			return err
		}
		return locked.SetPrepay(prepay.PrepayID, now.Add(PrepayValidity), o.d.Clock.Now())
	})
	if err != nil {
		return PaymentParams{}, err
	}
	return prepay.Params, nil
}

// paymentDescription is what the payer sees on the payment sheet and in
// their WeChat bill: the store's name and the order number.
func (o *Orders) paymentDescription(ctx context.Context, ord *domain.Order) (string, error) {
	st, err := o.d.Stores.StoreByCode(ctx, ord.StoreCode)
	if err != nil {
		return "", err
	}
	name := st.Name
	// WeChat Pay takes at most 127 characters.
	if utf8.RuneCountInString(name) > 90 {
		name = string([]rune(name)[:90])
	}
	return name + " " + ord.OrderNo, nil
}

// syncPayment asks WeChat Pay for the order and applies what it says.
func (o *Orders) syncPayment(ctx context.Context, orderNo string) error {
	res, err := o.d.Gateway.QueryPayment(ctx, orderNo)
	if err != nil {
		return err
	}
	return o.ApplyPayment(ctx, res, SourceQuery)
}
