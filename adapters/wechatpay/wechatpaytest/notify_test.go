package wechatpaytest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

type envelope struct {
	ID, Summary  string
	CreateTime   string `json:"create_time"`
	ResourceType string `json:"resource_type"`
	EventType    string `json:"event_type"`
	Resource     struct {
		OriginalType   string `json:"original_type"`
		Algorithm      string
		Ciphertext     string
		AssociatedData string `json:"associated_data"`
		Nonce          string
	}
}

// open parses a notification body and decrypts its resource.
func open(t *testing.T, keys *wechatpaytest.Keys, body []byte) (envelope, []byte, error) {
	t.Helper()
	var e envelope
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("envelope %s: %v", body, err)
	}
	plain, err := wechatpaytest.OpenResource(keys.APIv3Key, e.Resource.Nonce, e.Resource.AssociatedData, e.Resource.Ciphertext)
	return e, plain, err
}

// receiver records notifications and answers status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []*wechatpaytest.Notification
	status int
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, &wechatpaytest.Notification{Header: r.Header.Clone(), Body: b})
		rc.mu.Unlock()
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []*wechatpaytest.Notification {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]*wechatpaytest.Notification(nil), rc.got...)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Pay delivers one signed TRANSACTION.SUCCESS whose resource decrypts to
// exactly what a query answers.
func TestPayNotifies(t *testing.T) {
	f := newFake(t)
	rc := newReceiver(t, http.StatusNoContent)
	b := f.prepayBody("SP20261126020", 990)
	b["notify_url"], b["attach"] = rc.URL+"/v1/webhooks/wechatpay", "store=1"
	f.prepay(t, b)
	if status, err := f.Pay("SP20261126020"); err != nil || status != 204 {
		t.Fatalf("Pay: %d, %v", status, err)
	}
	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("%d notifications", len(got))
	}
	n := got[0]
	if err := verifySigned(f.keys, n.Header, n.Body, f.now()); err != nil {
		t.Fatal(err)
	}
	if ct := n.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	e, plain, err := open(t, f.keys, n.Body)
	if err != nil {
		t.Fatal(err)
	}
	if !uuidRE.MatchString(e.ID) || e.EventType != "TRANSACTION.SUCCESS" || e.ResourceType != "encrypt-resource" ||
		e.Summary != "支付成功" || !strings.HasSuffix(e.CreateTime, "+08:00") || e.Resource.Algorithm != "AEAD_AES_256_GCM" ||
		e.Resource.OriginalType != "transaction" || e.Resource.AssociatedData != "transaction" || len(e.Resource.Nonce) != 12 {
		t.Fatalf("envelope: %s", n.Body)
	}
	if q := f.query(t, "SP20261126020"); string(plain) != q.body {
		t.Fatalf("resource\n%s\nquery\n%s", plain, q.body)
	}
	if v := decodeTx(t, answer{200, nil, string(plain)}); v.TradeState != "SUCCESS" || *v.Amount.PayerTotal != 990 {
		t.Fatalf("resource: %s", plain)
	}

	// Paying again only re-sends; the receiver's answer comes back.
	rc.mu.Lock()
	rc.status = 500
	rc.mu.Unlock()
	first, _ := f.Order("SP20261126020")
	if status, err := f.Pay("SP20261126020"); err != nil || status != 500 {
		t.Fatalf("Pay again: %d, %v", status, err)
	}
	if again, _ := f.Order("SP20261126020"); again != first || len(rc.received()) != 2 {
		t.Fatalf("paid twice: %+v / %+v", again, first)
	}
	if _, err := f.Pay("SP_NO_SUCH"); err == nil {
		t.Fatal("paid an unknown order")
	}
	rc.Close()
	if _, err := f.Pay("SP20261126020"); err == nil {
		t.Fatal("no transport error from a closed receiver")
	}
}

// Each option breaks what it says and nothing else.
func TestNotificationOptions(t *testing.T) {
	f := newFake(t)
	f.paidOrder(t, "SP20261126021", 700)
	old := f.now().Add(-10 * time.Minute)
	cases := []struct {
		name               string
		opt                wechatpaytest.NotifyOption
		verifies, decrypts bool
		check              func(*testing.T, *wechatpaytest.Notification, envelope, []byte)
	}{
		{"none", nil, true, true, nil},
		{"sign test", wechatpaytest.WithSignTest(), false, true, func(t *testing.T, n *wechatpaytest.Notification, _ envelope, _ []byte) {
			if !strings.HasPrefix(n.Header.Get("Wechatpay-Signature"), "WECHATPAY/SIGNTEST/") {
				t.Fatalf("signature %q", n.Header.Get("Wechatpay-Signature"))
			}
		}},
		{"bad signature", wechatpaytest.WithBadSignature(), false, true, nil},
		{"old timestamp", wechatpaytest.WithTimestamp(old), false, true, func(t *testing.T, n *wechatpaytest.Notification, _ envelope, _ []byte) {
			if err := verifySigned(f.keys, n.Header, n.Body, old); err != nil {
				t.Fatalf("not validly signed at the old time: %v", err)
			}
		}},
		{"tampered ciphertext", wechatpaytest.WithTamperedCiphertext(), true, false, nil},
		{"tampered body", wechatpaytest.WithTamperedBody(), false, true, nil},
		{"event id", wechatpaytest.WithEventID("EV-1"), true, true, func(t *testing.T, _ *wechatpaytest.Notification, e envelope, _ []byte) {
			if e.ID != "EV-1" {
				t.Fatalf("id %q", e.ID)
			}
		}},
		{"payer total", wechatpaytest.WithPayerTotal(1), true, true, func(t *testing.T, _ *wechatpaytest.Notification, _ envelope, plain []byte) {
			if v := decodeTx(t, answer{200, nil, string(plain)}); v.Amount.Total != 1 || *v.Amount.PayerTotal != 1 {
				t.Fatalf("resource %s", plain)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var opts []wechatpaytest.NotifyOption
			if c.opt != nil {
				opts = append(opts, c.opt)
			}
			n, err := f.Notification("SP20261126021", opts...)
			if err != nil {
				t.Fatal(err)
			}
			if err := verifySigned(f.keys, n.Header, n.Body, f.now()); (err == nil) != c.verifies {
				t.Fatalf("verification: %v, want ok=%v", err, c.verifies)
			}
			e, plain, err := open(t, f.keys, n.Body)
			if (err == nil) != c.decrypts {
				t.Fatalf("decryption: %v, want ok=%v", err, c.decrypts)
			}
			if c.check != nil {
				c.check(t, n, e, plain)
			}
		})
	}
}

func TestRefundNotifications(t *testing.T) {
	f := newFake(t)
	rc := newReceiver(t, http.StatusOK)
	f.paidOrder(t, "SP20261126022", 1000)
	b := refundBody("SP20261126022", "RF1", 250, 1000)
	b["notify_url"] = rc.URL
	if a, _ := f.refund(t, b); a.status != 200 {
		t.Fatalf("refund: %d %s", a.status, a.body)
	}
	if len(rc.received()) != 0 {
		t.Fatal("notified before NotifyRefund")
	}
	if status, err := f.NotifyRefund("RF1"); err != nil || status != 200 {
		t.Fatalf("NotifyRefund: %d, %v", status, err)
	}
	n := rc.received()[0]
	if err := verifySigned(f.keys, n.Header, n.Body, f.now()); err != nil {
		t.Fatal(err)
	}
	e, plain, err := open(t, f.keys, n.Body)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		MchID         string `json:"mchid"`
		OutTradeNo    string `json:"out_trade_no"`
		TransactionID string `json:"transaction_id"`
		OutRefundNo   string `json:"out_refund_no"`
		RefundID      string `json:"refund_id"`
		RefundStatus  string `json:"refund_status"`
		SuccessTime   string `json:"success_time"`
		Account       string `json:"user_received_account"`
		Amount        struct {
			Total, Refund int64
			PayerTotal    int64 `json:"payer_total"`
			PayerRefund   int64 `json:"payer_refund"`
		}
	}
	if err := json.Unmarshal(plain, &r); err != nil {
		t.Fatal(err)
	}
	rf, _ := f.Refund("RF1")
	o, _ := f.Order("SP20261126022")
	if e.EventType != "REFUND.SUCCESS" || e.Resource.OriginalType != "refund" || e.Resource.AssociatedData != "refund" ||
		r.MchID != f.keys.MchID || r.OutTradeNo != o.OutTradeNo || r.TransactionID != o.TransactionID || r.RefundID != rf.RefundID ||
		r.RefundStatus != "SUCCESS" || r.SuccessTime == "" || r.Account == "" || r.Amount.Refund != 250 || r.Amount.Total != 1000 ||
		r.Amount.PayerTotal != 1000 || r.Amount.PayerRefund != 250 {
		t.Fatalf("refund notification %s: %s", n.Body, plain)
	}

	if err := f.SetRefundStatus("RF1", wechatpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	n2, err := f.RefundNotification("RF1", wechatpaytest.WithPayerTotal(999))
	if err != nil {
		t.Fatal(err)
	}
	e, plain, err = open(t, f.keys, n2.Body)
	if err != nil || e.EventType != "REFUND.ABNORMAL" || !strings.Contains(string(plain), `"refund":999`) {
		t.Fatalf("abnormal: %s %s %v", n2.Body, plain, err)
	}
	req := n2.Request(rc.URL + "/hook")
	if req.Method != "POST" || req.Header.Get("Wechatpay-Signature") != n2.Header.Get("Wechatpay-Signature") {
		t.Fatalf("Request: %v", req)
	}
	if rb, _ := io.ReadAll(req.Body); string(rb) != string(n2.Body) {
		t.Fatal("Request body differs")
	}

	noURL := refundBody("SP20261126022", "RF2", 1, 1000)
	delete(noURL, "notify_url")
	f.refund(t, noURL)
	if _, err := f.NotifyRefund("RF2"); err == nil {
		t.Fatal("notified a refund without notify_url")
	}
}
