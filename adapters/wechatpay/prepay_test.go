package wechatpay_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func TestPrepayReturnsSignedRequestPayment(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	req := prepayReq("SP20250301000001", "12.34")
	req.Attach = "store=7"

	p, err := c.Prepay(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if p.PrepayID == "" || p.Params.Package != "prepay_id="+p.PrepayID {
		t.Fatalf("prepay = %+v", p)
	}
	verifyPaySign(t, p.Params)

	o, ok := srv.Order(req.OutTradeNo)
	if !ok {
		t.Fatal("the fake has no order")
	}
	if o.Total != 1234 || o.Currency != "CNY" {
		t.Errorf("total = %d %s, want 1234 fen CNY", o.Total, o.Currency)
	}
	if o.PrepayID != p.PrepayID || o.NotifyURL != notifyURL || o.AppID != testAppID || o.MchID != testMchID {
		t.Errorf("order = %+v", o)
	}
	if o.Description != req.Description || o.PayerOpenID != req.PayerOpenID || o.Attach != "store=7" {
		t.Errorf("order = %+v", o)
	}
	// time_expire went out as RFC 3339 in +08:00, whole seconds.
	if !o.TimeExpire.Equal(req.ExpiresAt.Truncate(time.Second)) {
		t.Errorf("time_expire = %s, want %s", o.TimeExpire, req.ExpiresAt)
	}
	if _, off := o.TimeExpire.Zone(); off != 8*3600 {
		t.Errorf("time_expire offset = %d s, want +08:00", off)
	}
}

func TestPrepayIsIdempotentForSameParameters(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	req := prepayReq("SP20250301000002", "8.80")

	first, err := c.Prepay(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Prepay(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if again.PrepayID != first.PrepayID {
		t.Fatalf("prepay ids %q then %q, want the same", first.PrepayID, again.PrepayID)
	}
	verifyPaySign(t, again.Params)

	req.Amount = yuan("8.81")
	_, err = c.Prepay(context.Background(), req)
	wantCode(t, err, domain.ECONFLICT, wechatpay.ReasonOutTradeNoUsed)
}

func TestPrepayAfterPaymentIsOrderPaid(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	mustPaid(t, srv, c, "SP20250301000003", "1.00")
	_, err := c.Prepay(context.Background(), prepayReq("SP20250301000003", "1.00"))
	wantCode(t, err, domain.ECONFLICT, wechatpay.ReasonOrderPaid)
}

func TestPrepayRefusesBadRequestsWithoutCalling(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	tests := []struct {
		name string
		edit func(*app.PrepayRequest)
	}{
		{"tenth of a fen", func(r *app.PrepayRequest) { r.Amount = yuan("0.001") }},
		{"zero", func(r *app.PrepayRequest) { r.Amount = yuan("0") }},
		{"negative", func(r *app.PrepayRequest) { r.Amount = yuan("-5.00") }},
		{"short out_trade_no", func(r *app.PrepayRequest) { r.OutTradeNo = "SP1" }},
		{"odd out_trade_no", func(r *app.PrepayRequest) { r.OutTradeNo = "SP/../2025030100" }},
		{"no description", func(r *app.PrepayRequest) { r.Description = "" }},
		{"no payer", func(r *app.PrepayRequest) { r.PayerOpenID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := prepayReq("SP20250301000004", "12.34")
			tt.edit(&req)
			before := srv.Requests()
			_, err := c.Prepay(context.Background(), req)
			wantCode(t, err, domain.EINVALID, "")
			if n := srv.Requests() - before; n != 0 {
				t.Fatalf("%d requests sent, want none", n)
			}
		})
	}
}

func TestSignPaymentSignsFreshParameters(t *testing.T) {
	srv := startFake(t)
	c := newClient(t, srv)
	p := mustPrepay(t, c, "SP20250301000005", "3.50")
	before := srv.Requests()

	again, err := c.SignPayment(p.PrepayID)
	if err != nil {
		t.Fatal(err)
	}
	verifyPaySign(t, again)
	if again.Package != "prepay_id="+p.PrepayID {
		t.Errorf("package = %q", again.Package)
	}
	if again.NonceStr == p.Params.NonceStr {
		t.Error("the nonce was reused")
	}
	if srv.Requests() != before {
		t.Error("SignPayment called WeChat Pay")
	}
	_, err = c.SignPayment("")
	wantCode(t, err, domain.EINVALID, "")
}

func TestNewChecksConfig(t *testing.T) {
	srv := startFake(t)
	good := config(t, srv)
	tests := []struct {
		name string
		edit func(*wechatpay.Config)
	}{
		{"no app id", func(c *wechatpay.Config) { c.AppID = "" }},
		{"no merchant key", func(c *wechatpay.Config) { c.MerchantKey = nil }},
		{"no public key", func(c *wechatpay.Config) { c.PublicKey = nil }},
		{"short APIv3 key", func(c *wechatpay.Config) { c.APIv3Key = "short" }},
		{"no notify url", func(c *wechatpay.Config) { c.NotifyURL = "" }},
		{"base url with path", func(c *wechatpay.Config) { c.BaseURL = srv.URL + "/v3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			if _, err := wechatpay.New(cfg); err == nil {
				t.Fatal("New accepted a bad config")
			}
		})
	}
	if s := good.String(); strings.Contains(s, good.APIv3Key) {
		t.Errorf("Config.String leaks the APIv3 key: %s", s)
	}
}

func TestParseKeyPEMRefusesGarbage(t *testing.T) {
	if _, err := wechatpay.ParsePrivateKeyPEM([]byte("not a key")); err == nil {
		t.Error("ParsePrivateKeyPEM accepted garbage")
	}
	if _, err := wechatpay.ParsePublicKeyPEM(keys(t).MerchantKeyPEM()); err == nil {
		t.Error("ParsePublicKeyPEM accepted a private key")
	}
	k, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wechatpay.ParsePrivateKeyPEM(pkcs1PEM(k)); err != nil {
		t.Errorf("PKCS#1 key refused: %v", err)
	}
}

func pkcs1PEM(k *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}
