package wechatpaytest_test

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

const (
	testAppID = "wxd678efh567hg6787"
	testMchID = "1900000109"
)

// Key generation is slow; the tests share one key set, each its own server.
var sharedKeys = sync.OnceValues(func() (*wechatpaytest.Keys, error) {
	return wechatpaytest.GenerateKeys(testAppID, testMchID)
})

// fake is a server under test with a settable clock.
type fake struct {
	*wechatpaytest.Server
	keys *wechatpaytest.Keys
	mu   sync.Mutex
	at   time.Time
}

func newFake(t *testing.T) *fake {
	t.Helper()
	keys, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	s, err := wechatpaytest.Start(keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	f := &fake{Server: s, keys: keys, at: time.Now().Truncate(time.Second)}
	s.SetNow(f.now)
	return f
}

func (f *fake) now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.at }

func (f *fake) advance(d time.Duration) { f.mu.Lock(); defer f.mu.Unlock(); f.at = f.at.Add(d) }

// signer is what a merchant puts in Authorization; tests change fields to
// make bad requests.
type signer struct {
	key                  *rsa.PrivateKey
	mchid, serial, nonce string
	ts                   time.Time
	signedBody           *string // sign this instead of the body sent
	signedURI            *string // sign this instead of the request URI
}

func (f *fake) signer() signer {
	return signer{key: f.keys.MerchantKey, mchid: f.keys.MchID, serial: f.keys.MerchantSerial,
		nonce: "593BEC0C930BF1AFEB40B4A08C8FB242", ts: f.now()}
}

// request builds a request to the fake signed as sg says: the message is
// METHOD\nURI\nTS\nNONCE\nBODY\n, signed RSA-SHA256 PKCS#1 v1.5.
func (sg signer) request(t *testing.T, base, method, uri, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, base+uri, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	signedURI, signedBody := req.URL.RequestURI(), body
	if sg.signedURI != nil {
		signedURI = *sg.signedURI
	}
	if sg.signedBody != nil {
		signedBody = *sg.signedBody
	}
	ts := strconv.FormatInt(sg.ts.Unix(), 10)
	sum := sha256.Sum256([]byte(method + "\n" + signedURI + "\n" + ts + "\n" + sg.nonce + "\n" + signedBody + "\n"))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sg.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", fmt.Sprintf(
		`WECHATPAY2-SHA256-RSA2048 mchid="%s",nonce_str="%s",signature="%s",timestamp="%s",serial_no="%s"`,
		sg.mchid, sg.nonce, base64.StdEncoding.EncodeToString(sig), ts, sg.serial))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

type answer struct {
	status int
	header http.Header
	body   string
}

// code is the error code of an error answer.
func (a answer) code() string {
	var e struct{ Code string }
	_ = json.Unmarshal([]byte(a.body), &e)
	return e.Code
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// call sends a correctly signed request; body is JSON-encoded unless it is
// nil or already a string.
func (f *fake) call(t *testing.T, method, uri string, body any) answer {
	t.Helper()
	var s string
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		s = string(j)
	}
	return do(t, f.signer().request(t, f.URL, method, uri, s))
}

// verified fails the test unless a is a 2xx signed by the platform key
// within five minutes of the fake's clock.
func (f *fake) verified(t *testing.T, a answer) {
	t.Helper()
	if err := verifySigned(f.keys, a.header, []byte(a.body), f.now()); err != nil {
		t.Fatalf("status %d %s: %v", a.status, a.body, err)
	}
}

// verifySigned checks the Wechatpay-* headers over body as a client must.
func verifySigned(keys *wechatpaytest.Keys, h http.Header, body []byte, now time.Time) error {
	if h.Get("Wechatpay-Serial") != keys.PlatformKeyID {
		return fmt.Errorf("Wechatpay-Serial %q", h.Get("Wechatpay-Serial"))
	}
	ts, err := strconv.ParseInt(h.Get("Wechatpay-Timestamp"), 10, 64)
	if err != nil {
		return fmt.Errorf("Wechatpay-Timestamp %q", h.Get("Wechatpay-Timestamp"))
	}
	if d := now.Sub(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("Wechatpay-Timestamp %d is %s off", ts, d)
	}
	if h.Get("Wechatpay-Nonce") == "" {
		return fmt.Errorf("no Wechatpay-Nonce")
	}
	sig, err := base64.StdEncoding.DecodeString(h.Get("Wechatpay-Signature"))
	if err != nil {
		return fmt.Errorf("Wechatpay-Signature not base64")
	}
	sum := sha256.Sum256([]byte(h.Get("Wechatpay-Timestamp") + "\n" + h.Get("Wechatpay-Nonce") + "\n" + string(body) + "\n"))
	return rsa.VerifyPKCS1v15(&keys.PlatformKey.PublicKey, crypto.SHA256, sum[:], sig)
}

// prepayBody is a valid JSAPI prepay for outTradeNo of total fen.
func (f *fake) prepayBody(outTradeNo string, total int64) map[string]any {
	return map[string]any{
		"appid": f.keys.AppID, "mchid": f.keys.MchID, "description": "扫码购-门店1",
		"out_trade_no": outTradeNo, "notify_url": "https://example.invalid/notify",
		"time_expire": f.now().Add(15 * time.Minute).Format(time.RFC3339),
		"amount":      map[string]any{"total": total, "currency": "CNY"},
		"payer":       map[string]any{"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
	}
}

// prepay places an order and returns its prepay_id.
func (f *fake) prepay(t *testing.T, body map[string]any) string {
	t.Helper()
	a := f.call(t, "POST", wechatpaytest.PathJSAPI, body)
	if a.status != 200 {
		t.Fatalf("prepay: %d %s", a.status, a.body)
	}
	f.verified(t, a)
	var r struct {
		PrepayID string `json:"prepay_id"`
	}
	if err := json.Unmarshal([]byte(a.body), &r); err != nil || r.PrepayID == "" {
		t.Fatalf("prepay answer %s: %v", a.body, err)
	}
	return r.PrepayID
}

// query is GET out-trade-no/{no}?mchid=.
func (f *fake) query(t *testing.T, no string) answer {
	t.Helper()
	return f.call(t, "GET", wechatpaytest.PathOutTradeNo+url.PathEscape(no)+"?mchid="+f.keys.MchID, nil)
}

// parallel sends n requests (built here, on the test goroutine) at once and
// returns the answers in order.
func parallel(t *testing.T, n int, build func() *http.Request) []answer {
	t.Helper()
	reqs := make([]*http.Request, n)
	for i := range reqs {
		reqs[i] = build()
	}
	answers, errs := make([]answer, n), make([]error, n)
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = resp.Body.Close() }()
			b, err := io.ReadAll(resp.Body)
			answers[i], errs[i] = answer{resp.StatusCode, resp.Header, string(b)}, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return answers
}
