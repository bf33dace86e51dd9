package wechatpaytest

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// NotifyTimeout bounds one notification delivery, as WeChat Pay gives the
// merchant 5 s to answer.
const NotifyTimeout = 5 * time.Second

// SignTestPrefix starts the signature of WeChat Pay's signature probes,
// which receivers must reject.
const SignTestPrefix = "WECHATPAY/SIGNTEST/"

// Notification is one signed notification, ready to be sent as often and
// whenever a test likes (duplicates, out of order, after a query).
type Notification struct {
	// Header holds Content-Type and the Wechatpay-* signature headers.
	Header http.Header
	Body   []byte
}

// Request is n as a POST to url, the way WeChat Pay sends it, for handlers
// tested without a network (fiber's app.Test). It panics on a malformed
// url, a mistake in the test itself.
func (n *Notification) Request(url string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(n.Body))
	if err != nil {
		panic(fmt.Sprintf("wechatpaytest: notification request: %v", err))
	}
	req.Header = n.Header.Clone()
	return req
}

var notifyClient = &http.Client{
	Timeout:   NotifyTimeout,
	Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 16, IdleConnTimeout: 30 * time.Second},
}

// Send delivers n to url and returns the receiver's status and body (err on
// transport errors or after NotifyTimeout).
func Send(url string, n *Notification) (status int, respBody []byte, err error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(n.Body))
	if err != nil {
		return 0, nil, fmt.Errorf("wechatpaytest: notify %s: %w", url, err)
	}
	req.Header = n.Header.Clone()
	resp, err := notifyClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("wechatpaytest: notify %s: %w", url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	respBody, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, respBody, err
}

// NotifyOption changes a notification, to test how the receiver meets
// probes, forgeries, replays and wrong amounts.
type NotifyOption func(*notifyOpts)

type notifyOpts struct {
	signTest, badSignature, tamperCipher, tamperBody bool
	timestamp                                        time.Time
	eventID                                          string
	amount                                           *int64
}

// WithSignTest makes the notification a signature probe: Wechatpay-Signature
// is SignTestPrefix + random base64, which must fail verification.
func WithSignTest() NotifyOption { return func(o *notifyOpts) { o.signTest = true } }

// WithBadSignature signs the notification with a key other than the
// platform key, as a forger would.
func WithBadSignature() NotifyOption { return func(o *notifyOpts) { o.badSignature = true } }

// WithTimestamp signs the notification with Wechatpay-Timestamp t (e.g. ten
// minutes old: a replay), the signature itself being valid.
func WithTimestamp(t time.Time) NotifyOption { return func(o *notifyOpts) { o.timestamp = t } }

// WithTamperedCiphertext flips a ciphertext byte before the envelope is
// signed: the signature verifies but decryption (the GCM tag) fails.
func WithTamperedCiphertext() NotifyOption { return func(o *notifyOpts) { o.tamperCipher = true } }

// WithTamperedBody changes the body (the event id) after signing, so the
// signature no longer matches it.
func WithTamperedBody() NotifyOption { return func(o *notifyOpts) { o.tamperBody = true } }

// WithEventID sets the notification id, to send "the same" event twice or
// distinct events about one order.
func WithEventID(id string) NotifyOption { return func(o *notifyOpts) { o.eventID = id } }

// WithPayerTotal reports fen as the amount in the resource, validly signed
// and encrypted, to test that the receiver checks amounts: for a transaction
// both amount.total and amount.payer_total, for a refund amount.refund and
// amount.payer_refund.
func WithPayerTotal(fen int64) NotifyOption { return func(o *notifyOpts) { o.amount = &fen } }

// Notification builds a TRANSACTION.SUCCESS notification of the order's
// current state; its resource decrypts to exactly what a query returns.
func (s *Server) Notification(outTradeNo string, opts ...NotifyOption) (*Notification, error) {
	o, ok := s.Order(outTradeNo)
	if !ok {
		return nil, fmt.Errorf("wechatpaytest: no order %q", outTradeNo)
	}
	no := applyOpts(opts)
	var amounts *[2]int64
	if no.amount != nil {
		amounts = &[2]int64{*no.amount, *no.amount}
	}
	plain, err := json.Marshal(transactionOf(o, amounts))
	if err != nil {
		return nil, err
	}
	return s.notification("TRANSACTION.SUCCESS", "支付成功", "transaction", plain, no)
}

// refundEvents maps a settled refund status to its event type and summary.
var refundEvents = map[string][2]string{
	RefundSuccess:  {"REFUND.SUCCESS", "退款成功"},
	RefundAbnormal: {"REFUND.ABNORMAL", "退款异常"},
	RefundClosed:   {"REFUND.CLOSED", "退款关闭"},
}

// RefundNotification builds the notification of a refund's current status:
// REFUND.SUCCESS, REFUND.ABNORMAL or REFUND.CLOSED (none while PROCESSING,
// as WeChat Pay sends none).
func (s *Server) RefundNotification(outRefundNo string, opts ...NotifyOption) (*Notification, error) {
	s.mu.Lock()
	rf, ok := s.refunds[outRefundNo]
	var res refundResource
	if ok {
		o := s.orders[rf.OutTradeNo]
		res = refundResource{
			MchID: o.MchID, OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID,
			OutRefundNo: rf.OutRefundNo, RefundID: rf.RefundID, RefundStatus: rf.Status,
			UserReceivedAccount: receivedAccount, Amount: refundAmountOf(*rf, o.PayerTotal, false),
		}
		if !rf.SuccessTime.IsZero() {
			res.SuccessTime = wireTime(rf.SuccessTime)
		}
	}
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("wechatpaytest: no refund %q", outRefundNo)
	}
	event, known := refundEvents[res.RefundStatus]
	if !known {
		return nil, fmt.Errorf("wechatpaytest: refund %q is %s: no notification", outRefundNo, res.RefundStatus)
	}
	no := applyOpts(opts)
	if no.amount != nil {
		res.Amount.Refund, res.Amount.PayerRefund = *no.amount, *no.amount
	}
	plain, err := json.Marshal(res)
	if err != nil {
		return nil, err
	}
	return s.notification(event[0], event[1], "refund", plain, no)
}

func applyOpts(opts []NotifyOption) notifyOpts {
	var no notifyOpts
	for _, opt := range opts {
		opt(&no)
	}
	return no
}

type envelope struct {
	ID           string   `json:"id"`
	CreateTime   string   `json:"create_time"`
	ResourceType string   `json:"resource_type"`
	EventType    string   `json:"event_type"`
	Summary      string   `json:"summary"`
	Resource     resource `json:"resource"`
}

type resource struct {
	OriginalType   string `json:"original_type"`
	Algorithm      string `json:"algorithm"`
	Ciphertext     string `json:"ciphertext"`
	AssociatedData string `json:"associated_data"`
	Nonce          string `json:"nonce"`
}

// notification encrypts plain into an envelope and signs it, applying no.
func (s *Server) notification(event, summary, originalType string, plain []byte, no notifyOpts) (*Notification, error) {
	now := s.clock()
	nonce := randAlnum(12)
	ct, err := sealResource(s.keys.APIv3Key, nonce, originalType, plain)
	if err != nil {
		return nil, err
	}
	if no.tamperCipher {
		raw, _ := base64.StdEncoding.DecodeString(ct)
		raw[len(raw)/2] ^= 0x01
		ct = base64.StdEncoding.EncodeToString(raw)
	}
	env := envelope{
		ID: no.eventID, CreateTime: wireTime(now), ResourceType: "encrypt-resource",
		EventType: event, Summary: summary,
		Resource: resource{OriginalType: originalType, Algorithm: "AEAD_AES_256_GCM",
			Ciphertext: ct, AssociatedData: originalType, Nonce: nonce},
	}
	if env.ID == "" {
		env.ID = randUUID()
	}
	body, err := json.Marshal(env)
	if err != nil {
		return nil, err
	}
	ts := now
	if !no.timestamp.IsZero() {
		ts = no.timestamp
	}
	key := s.keys.PlatformKey
	if no.badSignature {
		if key, err = strangerKey(); err != nil {
			return nil, err
		}
	}
	h, err := signHeaders(s.keys.PlatformKeyID, func(m string) (string, error) { return signSHA256(key, m) }, ts, body)
	if err != nil {
		return nil, err
	}
	h.Set("Content-Type", "application/json")
	if no.signTest {
		junk := make([]byte, 256)
		_, _ = rand.Read(junk)
		h.Set("Wechatpay-Signature", SignTestPrefix+base64.StdEncoding.EncodeToString(junk))
	}
	if no.tamperBody {
		env.ID += "-x"
		if body, err = json.Marshal(env); err != nil {
			return nil, err
		}
	}
	return &Notification{Header: h, Body: body}, nil
}

// strangerKey is an RSA key nobody trusts, made once per process.
var strangerKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(rand.Reader, 2048)
})
