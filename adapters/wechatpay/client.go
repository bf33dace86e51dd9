// Package wechatpay is scanpay's WeChat Pay API v3 adapter (app.PaymentGateway)
// over the official SDK, github.com/wechatpay-apiv3/wechatpay-go. It speaks
// the WeChat Pay public key mode (key id PUB_KEY_ID_...), so it needs no
// certificate download at start-up, and every failure comes back as a
// *domain.Error with the SDK's error kept as the cause.
//
// Amounts cross the port as decimal yuan and are converted to integer fen
// here, exactly, once (money.go). Requests are signed by the SDK; the host is
// swapped by the transport (transport.go) only when BaseURL points at a fake.
package wechatpay

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/notify"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

var _ app.PaymentGateway = (*Client)(nil)

// chinaTime is +08:00: WeChat Pay reads and writes times with that offset,
// and time_expire in another offset is refused.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Config holds the merchant's credentials and where WeChat Pay calls back.
type Config struct {
	AppID          string // the mini-program paying
	MchID          string // merchant id
	MerchantSerial string // serial number of the merchant API certificate
	MerchantKey    *rsa.PrivateKey
	PublicKeyID    string         // PUB_KEY_ID_..., names PublicKey in Wechatpay-Serial
	PublicKey      *rsa.PublicKey // WeChat Pay public key: verifies answers and notifications
	APIv3Key       string         // 32 bytes; decrypts notification resources
	NotifyURL      string         // payment notifications
	// RefundNotifyURL is optional: empty uses the one set in the merchant platform.
	RefundNotifyURL string
	// BaseURL is empty for the real host; tests and the embedded mode point
	// it at wechatpaytest (scheme://host:port, no path).
	BaseURL string
	// Timeout bounds each call; zero means DefaultTimeout.
	Timeout time.Duration
}

// String masks the keys, so printing a Config at start-up is safe.
func (c Config) String() string {
	return fmt.Sprintf("wechatpay.Config{AppID:%q MchID:%q MerchantSerial:%q MerchantKey:%s PublicKeyID:%q APIv3Key:%s NotifyURL:%q RefundNotifyURL:%q BaseURL:%q Timeout:%s}",
		c.AppID, c.MchID, c.MerchantSerial, maskSet(c.MerchantKey != nil), c.PublicKeyID,
		maskSet(c.APIv3Key != ""), c.NotifyURL, c.RefundNotifyURL, c.BaseURL, c.Timeout)
}

func maskSet(set bool) string {
	if set {
		return "***"
	}
	return "<unset>"
}

// Client is the PaymentGateway. It is safe for concurrent use; build one per
// process.
type Client struct {
	appID, mchID, notifyURL, refundNotifyURL string

	api     *core.Client
	jsapi   jsapi.JsapiApiService
	refunds refunddomestic.RefundsApiService
	notify  *notify.Handler
	now     func() time.Time
}

// New checks cfg and builds the SDK client; it does no I/O, so a service can
// start while WeChat Pay is unreachable.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	hc, err := newHTTPClient(cfg.BaseURL, cfg.Timeout)
	if err != nil {
		return nil, err
	}
	api, err := core.NewClient(context.Background(),
		option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.MerchantSerial, cfg.MerchantKey, cfg.PublicKeyID, cfg.PublicKey),
		option.WithHTTPClient(hc),
	)
	if err != nil {
		return nil, fmt.Errorf("wechatpay: %w", err)
	}
	nh, err := notify.NewRSANotifyHandler(cfg.APIv3Key, verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PublicKeyID, *cfg.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("wechatpay: notification handler: %w", err)
	}
	return &Client{
		appID: cfg.AppID, mchID: cfg.MchID, notifyURL: cfg.NotifyURL, refundNotifyURL: cfg.RefundNotifyURL,
		api: api, jsapi: jsapi.JsapiApiService{Client: api}, refunds: refunddomestic.RefundsApiService{Client: api},
		notify: nh, now: time.Now,
	}, nil
}

// validate reports every missing setting at once: a half-configured gateway
// would only fail at the first payment, in front of a shopper.
func (c Config) validate() error {
	var missing []error
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, errors.New(what))
		}
	}
	need(c.AppID != "", "AppID is empty")
	need(c.MchID != "", "MchID is empty")
	need(c.MerchantSerial != "", "MerchantSerial is empty")
	need(c.MerchantKey != nil, "MerchantKey is missing")
	need(c.PublicKeyID != "", "PublicKeyID is empty")
	need(c.PublicKey != nil, "PublicKey is missing")
	need(len(c.APIv3Key) == 32, "APIv3Key must be 32 bytes")
	need(c.NotifyURL != "", "NotifyURL is empty")
	if err := errors.Join(missing...); err != nil {
		return fmt.Errorf("wechatpay: config: %w", err)
	}
	return nil
}

// Prepay creates the JSAPI order and signs the wx.requestPayment parameters
// (the SDK's PrepayWithRequestPayment). Everything checkable is checked
// before the call, so a bad amount never reaches WeChat Pay.
func (c *Client) Prepay(ctx context.Context, req app.PrepayRequest) (*app.Prepay, error) {
	var f domain.Fields
	checkOutTradeNo(&f, req.OutTradeNo)
	if n := utf8.RuneCountInString(req.Description); n == 0 || n > 127 {
		f.Add("description", "must be 1 to 127 characters")
	}
	if req.PayerOpenID == "" {
		f.Add("payer_openid", "is required")
	}
	if utf8.RuneCountInString(req.Attach) > 128 {
		f.Add("attach", "must be at most 128 characters")
	}
	if err := f.Err("prepay_invalid"); err != nil {
		return nil, err
	}
	fen, err := toFen("amount", req.Amount)
	if err != nil {
		return nil, err
	}
	pr := jsapi.PrepayRequest{
		Appid:       core.String(c.appID),
		Mchid:       core.String(c.mchID),
		Description: core.String(req.Description),
		OutTradeNo:  core.String(req.OutTradeNo),
		NotifyUrl:   core.String(c.notifyURL),
		Amount:      &jsapi.Amount{Total: core.Int64(fen), Currency: core.String(Currency)},
		Payer:       &jsapi.Payer{Openid: core.String(req.PayerOpenID)},
	}
	if !req.ExpiresAt.IsZero() {
		// encoding/json writes a time.Time as RFC 3339 in its own offset,
		// with fractional seconds when there are any: pin both.
		t := req.ExpiresAt.Truncate(time.Second).In(chinaTime)
		pr.TimeExpire = &t
	}
	if req.Attach != "" {
		pr.Attach = core.String(req.Attach)
	}
	resp, result, err := c.jsapi.PrepayWithRequestPayment(ctx, pr)
	closeResult(result)
	if err != nil {
		return nil, mapError("prepay", err)
	}
	if resp.PrepayId == nil || *resp.PrepayId == "" {
		return nil, domain.Unavailable("wechatpay", errors.New("wechatpay prepay: answer has no prepay_id"))
	}
	return &app.Prepay{
		PrepayID: *resp.PrepayId,
		Params: app.PaymentParams{
			AppID: deref(resp.Appid), TimeStamp: deref(resp.TimeStamp), NonceStr: deref(resp.NonceStr),
			Package: deref(resp.Package), SignType: deref(resp.SignType), PaySign: deref(resp.PaySign),
		},
	}, nil
}

// SignPayment signs fresh wx.requestPayment parameters for a prepay_id we
// already hold, exactly as the SDK's PrepayWithRequestPayment does
// (RSA-SHA256 over appId\ntimeStamp\nnonceStr\npackage\n with the merchant
// key), so a shopper can retry paying without a second prepay.
func (c *Client) SignPayment(prepayID string) (app.PaymentParams, error) {
	if prepayID == "" {
		return app.PaymentParams{}, domain.Invalid("prepay_invalid", domain.FieldError{Field: "prepay_id", Message: "is required"})
	}
	nonce, err := utils.GenerateNonce()
	if err != nil {
		return app.PaymentParams{}, &domain.Error{Code: domain.EINTERNAL, Reason: "sign_failed", Message: "cannot make a nonce", Err: err}
	}
	p := app.PaymentParams{
		AppID: c.appID, TimeStamp: strconv.FormatInt(c.now().Unix(), 10), NonceStr: nonce,
		Package: "prepay_id=" + prepayID, SignType: "RSA",
	}
	sig, err := c.api.Sign(context.Background(), p.AppID+"\n"+p.TimeStamp+"\n"+p.NonceStr+"\n"+p.Package+"\n")
	if err != nil {
		return app.PaymentParams{}, &domain.Error{Code: domain.EINTERNAL, Reason: "sign_failed", Message: "cannot sign the payment", Err: err}
	}
	p.PaySign = sig.Signature
	return p, nil
}

// QueryPayment asks WeChat Pay for an order; the reconcile job feeds the
// answer into the same idempotent "apply payment" as a notification.
func (c *Client) QueryPayment(ctx context.Context, outTradeNo string) (*app.PaymentResult, error) {
	var f domain.Fields
	checkOutTradeNo(&f, outTradeNo)
	if err := f.Err("query_invalid"); err != nil {
		return nil, err
	}
	tx, result, err := c.jsapi.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.mchID),
	})
	closeResult(result)
	if err != nil {
		return nil, mapError("query", err)
	}
	return transactionResult(tx)
}

// ClosePayment closes an unpaid order so it can no longer be paid (basket
// abandoned or expired). Closing twice succeeds: the goal is reached.
func (c *Client) ClosePayment(ctx context.Context, outTradeNo string) error {
	var f domain.Fields
	checkOutTradeNo(&f, outTradeNo)
	if err := f.Err("close_invalid"); err != nil {
		return err
	}
	result, err := c.jsapi.CloseOrder(ctx, jsapi.CloseOrderRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.mchID),
	})
	closeResult(result)
	if core.IsAPIError(err, codeOrderClosed) {
		return nil
	}
	return mapError("close", err)
}

// transactionResult converts the SDK's transaction (query answer or
// TRANSACTION.* resource) to the port's type, amounts in yuan.
func transactionResult(tx *payments.Transaction) (*app.PaymentResult, error) {
	r := &app.PaymentResult{
		AppID: deref(tx.Appid), MchID: deref(tx.Mchid), OutTradeNo: deref(tx.OutTradeNo),
		TransactionID: deref(tx.TransactionId), TradeState: deref(tx.TradeState),
		Total: fromFen(0), PayerTotal: fromFen(0),
	}
	if a := tx.Amount; a != nil {
		r.Total, r.PayerTotal, r.Currency = fenPtr(a.Total), fenPtr(a.PayerTotal), deref(a.Currency)
	}
	if tx.Payer != nil {
		r.PayerOpenID = deref(tx.Payer.Openid)
	}
	if s := deref(tx.SuccessTime); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, domain.Unavailable("wechatpay", fmt.Errorf("wechatpay: success_time %q: %w", s, err))
		}
		r.SuccessTime = t
	}
	return r, nil
}

// checkOutTradeNo applies WeChat Pay's rule (6 to 32 of 0-9 A-Z a-z _ - | *)
// locally, so a bad number is a field error rather than a PARAM_ERROR, and
// nothing odd is ever put into a request path.
func checkOutTradeNo(f *domain.Fields, s string) {
	if len(s) < 6 || len(s) > 32 || !onlyChars(s, "_-|*") {
		f.Add("out_trade_no", "must be 6 to 32 letters, digits, _, -, | or *")
	}
}

// onlyChars reports whether s is ASCII letters, digits and extra only.
func onlyChars(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
		for j := 0; !ok && j < len(extra); j++ {
			ok = b == extra[j]
		}
		if !ok {
			return false
		}
	}
	return true
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
