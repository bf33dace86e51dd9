package wechatpay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"testing"

	"github.com/wechatpay-apiv3/wechatpay-go/core"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func TestQueryPaymentFollowsThePayer(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	const no = "SP20250301000101"
	mustPrepay(t, c, no, "12.34")

	r, err := c.QueryPayment(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	if r.TradeState != app.TradeNotPay || !r.Total.Equal(yuan("12.34")) || !r.PayerTotal.IsZero() || !r.SuccessTime.IsZero() {
		t.Fatalf("unpaid = %+v", r)
	}

	// The payer paid less than the total (a coupon): both amounts come back.
	if err := srv.MarkPaid(no, 1200); err != nil {
		t.Fatal(err)
	}
	r, err = c.QueryPayment(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	if r.TradeState != app.TradeSuccess || r.OutTradeNo != no || r.TransactionID == "" || r.SuccessTime.IsZero() {
		t.Fatalf("paid = %+v", r)
	}
	if !r.Total.Equal(yuan("12.34")) || !r.PayerTotal.Equal(yuan("12.00")) || r.Currency != "CNY" {
		t.Fatalf("amounts = %s / %s %s, want 12.34 / 12.00 CNY", r.Total, r.PayerTotal, r.Currency)
	}
	if r.AppID != testAppID || r.MchID != testMchID || r.PayerOpenID != prepayReq(no, "1").PayerOpenID {
		t.Fatalf("paid = %+v", r)
	}
}

func TestQueryUnknownPaymentIsNotFound(t *testing.T) {
	c := newClient(t, startFake(t))
	_, err := c.QueryPayment(context.Background(), "SP20250301999999")
	wantCode(t, err, domain.ENOTFOUND, wechatpay.ReasonPaymentNotFound)
	var ae *core.APIError
	if !errors.As(err, &ae) || ae.Code != "ORDER_NOT_EXIST" {
		t.Fatalf("cause = %v, want the SDK's *core.APIError", err)
	}
}

func TestClosePayment(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	ctx := context.Background()

	const open = "SP20250301000201"
	mustPrepay(t, c, open, "5.00")
	if err := c.ClosePayment(ctx, open); err != nil {
		t.Fatal(err)
	}
	if o, _ := srv.Order(open); o.TradeState != app.TradeClosed {
		t.Fatalf("trade state = %s, want CLOSED", o.TradeState)
	}
	if err := c.ClosePayment(ctx, open); err != nil {
		t.Fatalf("closing a closed order: %v", err)
	}
	_, err := c.Prepay(ctx, prepayReq(open, "5.00"))
	wantCode(t, err, domain.ECONFLICT, wechatpay.ReasonOrderClosed)

	const paid = "SP20250301000202"
	mustPaid(t, srv, c, paid, "5.00")
	wantCode(t, c.ClosePayment(ctx, paid), domain.ECONFLICT, wechatpay.ReasonOrderPaid)

	wantCode(t, c.ClosePayment(ctx, "SP20250301999999"), domain.ENOTFOUND, wechatpay.ReasonPaymentNotFound)
}

func TestAPIErrorsMapToDomainCodes(t *testing.T) {
	tests := []struct {
		status       int
		code         string
		want, reason string
	}{
		{500, "SYSTEM_ERROR", domain.EUNAVAILABLE, ""},
		{502, "", domain.EUNAVAILABLE, ""},
		{429, "FREQUENCY_LIMITED", domain.EUNAVAILABLE, ""},
		{403, "BANKERROR", domain.EUNAVAILABLE, ""},
		{400, "PARAM_ERROR", domain.EINVALID, wechatpay.ReasonRejected},
		{401, "SIGN_ERROR", domain.EINVALID, wechatpay.ReasonRejected},
		{403, "NOT_ENOUGH", domain.ECONFLICT, wechatpay.ReasonRefundNotEnough},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %s", tt.status, tt.code), func(t *testing.T) {
			srv := startFake(t)
			c := newClient(t, srv)
			srv.FailNext("/v3/pay/transactions/out-trade-no/", 1, tt.status, tt.code)
			_, err := c.QueryPayment(context.Background(), "SP20250301000301")
			wantCode(t, err, tt.want, tt.reason)
			var ae *core.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status {
				t.Fatalf("cause = %v, want the SDK's *core.APIError", err)
			}
		})
	}
}

func TestUntrustedAnswersAreUnavailable(t *testing.T) {
	srv := startFake(t)
	const no = "SP20250301000401"
	mustPrepay(t, newClient(t, srv), no, "1.00")

	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*wechatpay.Config)
	}{
		{"other public key", func(c *wechatpay.Config) { c.PublicKey = &stranger.PublicKey }},
		{"other public key id", func(c *wechatpay.Config) { c.PublicKeyID = "PUB_KEY_ID_0000000000000000000000000000" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, srv, tt.edit)
			r, err := c.QueryPayment(context.Background(), no)
			if r != nil {
				t.Fatalf("an unverified answer was returned: %+v", r)
			}
			wantCode(t, err, domain.EUNAVAILABLE, "")
			var ae *core.APIError
			if errors.As(err, &ae) {
				t.Fatalf("a verification failure looks like an API error: %v", err)
			}
		})
	}
}

func TestNetworkFailureIsUnavailable(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	_ = srv.Close()
	_, err := c.QueryPayment(context.Background(), "SP20250301000501")
	wantCode(t, err, domain.EUNAVAILABLE, "")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = c.Prepay(ctx, prepayReq("SP20250301000502", "1.00"))
	wantCode(t, err, domain.EUNAVAILABLE, "")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled kept as the cause", err)
	}
}
