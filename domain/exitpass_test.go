package domain_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

var passSecret = []byte("exit-pass-secret-0123456789abcdef")

func TestExitPassRoundTrip(t *testing.T) {
	paid := time.Date(2026, 5, 1, 8, 30, 15, 123456000, time.UTC)
	p := domain.SignExitPass(passSecret, "SP0000000042", paid.Add(30*time.Minute))
	if !p.ExpiresAt.Equal(time.Date(2026, 5, 1, 9, 0, 15, 0, time.UTC)) {
		t.Fatalf("expiry %s: want paid+30m cut to seconds", p.ExpiresAt)
	}
	parts := strings.Split(p.Payload, ".")
	if len(parts) != 3 || parts[0] != "SP0000000042" || parts[1] != "1777626015" || strings.ContainsAny(parts[2], "=+/") {
		t.Fatalf("payload %q: want order_no.unix.base64url-no-padding", p.Payload)
	}
	got, err := domain.VerifyExitPass(passSecret, p.Payload, paid.Add(29*time.Minute))
	if err != nil || got.OrderNo != p.OrderNo || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Fatalf("verify: %+v %v", got, err)
	}
	// The same input signs the same payload: the shopper's app may fetch
	// its pass again and show the same code.
	if again := domain.SignExitPass(passSecret, "SP0000000042", paid.Add(30*time.Minute)); again.Payload != p.Payload {
		t.Errorf("signing is not deterministic: %q vs %q", again.Payload, p.Payload)
	}
}

func TestExitPassRefusals(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	p := domain.SignExitPass(passSecret, "SP0000000042", now.Add(10*time.Minute))
	other := domain.SignExitPass(passSecret, "SP0000000043", now.Add(10*time.Minute))
	parts := strings.Split(p.Payload, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	flipped := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	later := parts[0] + "." + "1999999999" + "." + parts[2]
	cases := []struct {
		name, payload, reason string
		at                    time.Time
	}{
		{"one bit of the HMAC", flipped, "exit_pass_forged", now},
		{"expiry moved later", later, "exit_pass_forged", now},
		{"another order's HMAC", "SP0000000042." + parts[1] + "." + strings.Split(other.Payload, ".")[2], "exit_pass_forged", now},
		{"other secret", domain.SignExitPass([]byte("another-secret-0123456789abcdef!!"), "SP0000000042", now.Add(time.Hour)).Payload, "exit_pass_forged", now},
		{"garbage", "hello", "exit_pass_forged", now},
		{"empty", "", "exit_pass_forged", now},
		{"four parts", p.Payload + ".x", "exit_pass_forged", now},
		{"padded base64", p.Payload + "=", "exit_pass_forged", now},
		{"bad order number", "SP-42." + parts[1] + "." + parts[2], "exit_pass_forged", now},
		{"signed expiry passed", p.Payload, "exit_pass_expired", now.Add(10 * time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := domain.VerifyExitPass(passSecret, c.payload, c.at)
			if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != c.reason {
				t.Fatalf("err %v, want invalid/%s", err, c.reason)
			}
		})
	}
}

func TestExitPassFor(t *testing.T) {
	paid := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	order := func(s domain.OrderStatus) *domain.Order {
		return &domain.Order{OrderNo: "SP0000000042", Status: s, PaidAt: paid}
	}
	cases := []struct {
		status  domain.OrderStatus
		checked bool
		at      time.Time
		reason  string
	}{
		{domain.OrderPaid, false, paid.Add(time.Minute), ""},
		{domain.OrderPartiallyRefunded, false, paid.Add(time.Minute), ""},
		{domain.OrderPartiallyRefunded, true, paid.Add(time.Minute), "exit_pass_used"},
		{domain.OrderCompleted, true, paid.Add(time.Minute), "exit_pass_used"},
		{domain.OrderRefunded, false, paid.Add(time.Minute), "order_refunded"},
		{domain.OrderPendingPayment, false, paid, "order_not_paid"},
		{domain.OrderClosed, false, paid, "order_not_paid"},
		{domain.OrderPaid, false, paid.Add(30 * time.Minute), "exit_pass_expired"},
	}
	for _, c := range cases {
		p, err := domain.ExitPassFor(passSecret, order(c.status), 30*time.Minute, c.checked, c.at)
		if c.reason == "" {
			if err != nil || !p.ExpiresAt.Equal(paid.Add(30*time.Minute)) || p.Payload == "" {
				t.Errorf("%s: %+v %v, want a pass until paid+30m", c.status, p, err)
			}
			continue
		}
		if domain.ErrorCode(err) != domain.ECONFLICT || domain.ErrorReason(err) != c.reason {
			t.Errorf("%s checked=%v: %v, want conflict/%s", c.status, c.checked, err, c.reason)
		}
	}
}

func TestOrderComplete(t *testing.T) {
	now := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	o := &domain.Order{OrderNo: "SP1", Status: domain.OrderPaid}
	if err := o.Complete(now); err != nil || o.Status != domain.OrderCompleted || !o.UpdatedAt.Equal(now) {
		t.Fatalf("complete paid: %v %s", err, o.Status)
	}
	for _, s := range []domain.OrderStatus{domain.OrderCompleted, domain.OrderPendingPayment, domain.OrderPartiallyRefunded, domain.OrderRefunded, domain.OrderClosed} {
		o := &domain.Order{OrderNo: "SP1", Status: s}
		if err := o.Complete(now); domain.ErrorCode(err) != domain.ECONFLICT || o.Status != s {
			t.Errorf("complete %s: %v, status now %s", s, err, o.Status)
		}
	}
}

// The order number of a payload, for logs and the exit-check screen: the
// part before the first dot, when it is one; nothing without a dot.
func TestExitPassOrderNo(t *testing.T) {
	for payload, want := range map[string]string{
		"261126Wl0AsdajnMA0Rk.1795679781.c2ln": "261126Wl0AsdajnMA0Rk",
		"261126Wl0AsdajnMA0Rk.":                "261126Wl0AsdajnMA0Rk",
		"261126Wl0AsdajnMA0Rk":                 "",
		"not an order!.1795679781.c2ln":        "",
		"":                                     "",
	} {
		if got := domain.ExitPassOrderNo(payload); got != want {
			t.Errorf("ExitPassOrderNo(%q) = %q, want %q", payload, got, want)
		}
	}
}
