package wechatpay_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/scanpay/scanpay/adapters/wechatpay"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

const (
	testAppID = "wx1234567890abcdef"
	testMchID = "1900000109"
	notifyURL = "https://shop.example.com/v1/webhooks/wechatpay/transactions"
	refundURL = "https://shop.example.com/v1/webhooks/wechatpay/refunds"
)

// RSA key generation is slow under -race; one key set serves every test,
// each with its own fake server (and so its own orders).
var sharedKeys = sync.OnceValues(func() (*wechatpaytest.Keys, error) {
	return wechatpaytest.GenerateKeys(testAppID, testMchID)
})

func keys(t *testing.T) *wechatpaytest.Keys {
	t.Helper()
	k, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// startFake runs a fake WeChat Pay for the shared keys, closed at cleanup.
func startFake(t *testing.T) *wechatpaytest.Server {
	t.Helper()
	srv, err := wechatpaytest.Start(keys(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// config is the adapter's configuration for srv, keys loaded from PEM as in
// production.
func config(t *testing.T, srv *wechatpaytest.Server) wechatpay.Config {
	t.Helper()
	k := keys(t)
	mk, err := wechatpay.ParsePrivateKeyPEM(k.MerchantKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	pk, err := wechatpay.ParsePublicKeyPEM(k.PlatformPublicKeyPEM())
	if err != nil {
		t.Fatal(err)
	}
	return wechatpay.Config{
		AppID: k.AppID, MchID: k.MchID, MerchantSerial: k.MerchantSerial, MerchantKey: mk,
		PublicKeyID: k.PlatformKeyID, PublicKey: pk, APIv3Key: k.APIv3Key,
		NotifyURL: notifyURL, RefundNotifyURL: refundURL, BaseURL: srv.URL, Timeout: 5 * time.Second,
	}
}

// newClient returns an adapter talking to srv; edit may change its config.
func newClient(t *testing.T, srv *wechatpaytest.Server, edit ...func(*wechatpay.Config)) *wechatpay.Client {
	t.Helper()
	cfg := config(t, srv)
	for _, e := range edit {
		e(&cfg)
	}
	c, err := wechatpay.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func yuan(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// prepayReq is a valid JSAPI order for amount.
func prepayReq(outTradeNo, amount string) app.PrepayRequest {
	return app.PrepayRequest{
		OutTradeNo: outTradeNo, Description: "扫码购-测试门店", Amount: yuan(amount),
		PayerOpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", ExpiresAt: time.Now().Add(15 * time.Minute),
	}
}

// mustPrepay creates an order or fails the test.
func mustPrepay(t *testing.T, c *wechatpay.Client, outTradeNo, amount string) *app.Prepay {
	t.Helper()
	p, err := c.Prepay(context.Background(), prepayReq(outTradeNo, amount))
	if err != nil {
		t.Fatalf("Prepay(%s, %s): %v", outTradeNo, amount, err)
	}
	return p
}

// mustPaid creates an order and has the payer pay it in full, silently.
func mustPaid(t *testing.T, srv *wechatpaytest.Server, c *wechatpay.Client, outTradeNo, amount string) {
	t.Helper()
	mustPrepay(t, c, outTradeNo, amount)
	if err := srv.MarkPaid(outTradeNo, -1); err != nil {
		t.Fatal(err)
	}
}

// verifyPaySign checks p the way the WeChat client does: RSA-SHA256 with the
// merchant public key over appId\ntimeStamp\nnonceStr\npackage\n.
func verifyPaySign(t *testing.T, p app.PaymentParams) {
	t.Helper()
	if p.AppID != testAppID || p.SignType != "RSA" || p.NonceStr == "" || p.TimeStamp == "" {
		t.Fatalf("params = %+v", p)
	}
	sig, err := base64.StdEncoding.DecodeString(p.PaySign)
	if err != nil {
		t.Fatalf("paySign is not base64: %v", err)
	}
	sum := sha256.Sum256([]byte(p.AppID + "\n" + p.TimeStamp + "\n" + p.NonceStr + "\n" + p.Package + "\n"))
	if err := rsa.VerifyPKCS1v15(&keys(t).MerchantKey.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("paySign does not verify: %v", err)
	}
}

// wantCode fails unless err is a *domain.Error with code and, when reason is
// not "", that reason.
func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("code = %q, want %q (err: %v)", got, code, err)
	}
	if reason != "" && domain.ErrorReason(err) != reason {
		t.Fatalf("reason = %q, want %q (err: %v)", domain.ErrorReason(err), reason, err)
	}
}
