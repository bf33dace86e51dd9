package wechatpay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func TestParseTransactionNotification(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	const no = "SP20250301000901"
	mustPrepay(t, c, no, "12.34")
	if err := srv.MarkPaid(no, 1200); err != nil {
		t.Fatal(err)
	}
	n, err := srv.Notification(no, wechatpaytest.WithEventID("EV-1"))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Clone(n.Body)

	got, err := c.ParseNotification(context.Background(), n.Header, n.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "EV-1" || got.EventType != app.EventTransactionSuccess || got.CreateTime.IsZero() || got.Refund != nil {
		t.Fatalf("notification = %+v", got)
	}
	tx := got.Transaction
	if tx == nil || tx.OutTradeNo != no || tx.TradeState != app.TradeSuccess || tx.TransactionID == "" || tx.MchID != testMchID {
		t.Fatalf("transaction = %+v", tx)
	}
	if !tx.Total.Equal(yuan("12.34")) || !tx.PayerTotal.Equal(yuan("12.00")) {
		t.Fatalf("amounts = %s / %s, want 12.34 / 12.00", tx.Total, tx.PayerTotal)
	}
	var resource map[string]any
	if err := json.Unmarshal(got.Resource, &resource); err != nil || resource["out_trade_no"] != no {
		t.Fatalf("resource = %s (%v)", got.Resource, err)
	}
	if !bytes.Equal(n.Body, body) {
		t.Fatal("the caller's body was changed")
	}
}

func TestParseNotificationRejectsForgeries(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	const no = "SP20250301001001"
	mustPaid(t, srv, c, no, "9.90")

	tests := []struct {
		name   string
		opt    wechatpaytest.NotifyOption
		reason string
	}{
		{"signature probe", wechatpaytest.WithSignTest(), wechatpay.ReasonSignatureProbe},
		{"bad signature", wechatpaytest.WithBadSignature(), wechatpay.ReasonNotVerified},
		{"tampered body", wechatpaytest.WithTamperedBody(), wechatpay.ReasonNotVerified},
		{"tampered ciphertext", wechatpaytest.WithTamperedCiphertext(), wechatpay.ReasonNotVerified},
		{"ten minutes old", wechatpaytest.WithTimestamp(time.Now().Add(-10 * time.Minute)), wechatpay.ReasonTimestampSkew},
		{"ten minutes ahead", wechatpaytest.WithTimestamp(time.Now().Add(10 * time.Minute)), wechatpay.ReasonTimestampSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := srv.Notification(no, tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.ParseNotification(context.Background(), n.Header, n.Body)
			if got != nil {
				t.Fatalf("a forged notification was returned: %+v", got)
			}
			wantCode(t, err, domain.EUNAUTHORIZED, tt.reason)
		})
	}

	t.Run("missing headers", func(t *testing.T) {
		n, err := srv.Notification(no)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial"} {
			hdr := n.Header.Clone()
			hdr.Del(h)
			_, err := c.ParseNotification(context.Background(), hdr, n.Body)
			wantCode(t, err, domain.EUNAUTHORIZED, "")
		}
	})

	t.Run("another merchant's keys", func(t *testing.T) {
		n, err := srv.Notification(no)
		if err != nil {
			t.Fatal(err)
		}
		other := newClient(t, srv, func(cfg *wechatpay.Config) { cfg.APIv3Key = "0123456789abcdef0123456789abcdef" })
		_, err = other.ParseNotification(context.Background(), n.Header, n.Body)
		wantCode(t, err, domain.EUNAUTHORIZED, wechatpay.ReasonNotVerified)
	})
}

func TestParseRefundNotification(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	const no, rno = "SP20250301001101", "RF20250301001101"
	mustPaid(t, srv, c, no, "30.00")
	if _, err := c.Refund(context.Background(), refundReq(no, rno, "12.50", "30.00")); err != nil {
		t.Fatal(err)
	}
	n, err := srv.RefundNotification(rno)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.ParseNotification(context.Background(), n.Header, n.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got.EventType != app.EventRefundSuccess || got.Transaction != nil {
		t.Fatalf("notification = %+v", got)
	}
	r := got.Refund
	if r == nil || r.OutTradeNo != no || r.OutRefundNo != rno || r.RefundID == "" || r.Status != app.RefundSuccess {
		t.Fatalf("refund = %+v", r)
	}
	if !r.Amount.Equal(yuan("12.50")) || r.SuccessTime.IsZero() {
		t.Fatalf("refund = %+v, want 12.50 and a success time", r)
	}

	if err := srv.SetRefundStatus(rno, wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	if n, err = srv.RefundNotification(rno); err != nil {
		t.Fatal(err)
	}
	got, err = c.ParseNotification(context.Background(), n.Header, n.Body)
	if err != nil || got.EventType != app.EventRefundAbnormal || got.Refund.Status != app.RefundAbnormal {
		t.Fatalf("abnormal = %+v, %v", got, err)
	}
}

// TestPayDeliversVerifiableNotification runs the whole loop: the fake pays
// and POSTs the notification to our notify_url, where the adapter verifies
// it from the raw header and body, as the webhook does.
func TestPayDeliversVerifiableNotification(t *testing.T) {
	srv := startFake(t)
	var c *wechatpay.Client
	got := make(chan *app.PaymentNotification, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n, err := c.ParseNotification(r.Context(), r.Header, body)
		if err != nil {
			http.Error(w, `{"code":"FAIL","message":"bad notification"}`, http.StatusUnauthorized)
			return
		}
		got <- n
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	c = newClient(t, srv, func(cfg *wechatpay.Config) { cfg.NotifyURL = hook.URL })

	const no = "SP20250301001201"
	mustPrepay(t, c, no, "66.60")
	status, err := srv.Pay(no)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("Pay = %d, %v; want 204", status, err)
	}
	n := <-got
	if n.Transaction.OutTradeNo != no || !n.Transaction.PayerTotal.Equal(yuan("66.60")) {
		t.Fatalf("transaction = %+v", n.Transaction)
	}
}
