package wechatpaytest_test

import (
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

// The fake lets in only requests signed the way WeChat Pay checks them, so
// an adapter that signs wrongly fails against it as it would in production.
func TestRequestSignatureIsChecked(t *testing.T) {
	f := newFake(t)
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other := func(s string) *string { return &s }
	uri := wechatpaytest.PathOutTradeNo + "SP0000001?mchid=" + f.keys.MchID
	cases := []struct {
		name   string
		change func(*signer)
		method string
		body   string
		ok     bool
	}{
		{"signed correctly (GET)", func(*signer) {}, "GET", "", true},
		{"signed correctly (POST)", func(*signer) {}, "POST", `{"mchid":"` + f.keys.MchID + `"}`, true},
		{"timestamp 300 s old", func(s *signer) { s.ts = s.ts.Add(-300 * time.Second) }, "GET", "", true},
		{"timestamp 301 s old", func(s *signer) { s.ts = s.ts.Add(-301 * time.Second) }, "GET", "", false},
		{"timestamp 301 s ahead", func(s *signer) { s.ts = s.ts.Add(301 * time.Second) }, "GET", "", false},
		{"another key", func(s *signer) { s.key = stranger }, "GET", "", false},
		{"body altered after signing", func(s *signer) { s.signedBody = other(`{"mchid":"x"}`) }, "POST", `{"mchid":"` + f.keys.MchID + `"}`, false},
		{"query not signed", func(s *signer) { s.signedURI = other(wechatpaytest.PathOutTradeNo + "SP0000001") }, "GET", "", false},
		{"wrong mchid", func(s *signer) { s.mchid = "1900000110" }, "GET", "", false},
		{"wrong serial", func(s *signer) { s.serial = strings.Repeat("A", 40) }, "GET", "", false},
		{"empty nonce", func(s *signer) { s.nonce = "" }, "GET", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sg := f.signer()
			c.change(&sg)
			u := uri
			if c.method == "POST" {
				u = wechatpaytest.PathOutTradeNo + "SP0000001/close"
			}
			a := do(t, sg.request(t, f.URL, c.method, u, c.body))
			if c.ok {
				// Authenticated: the order is unknown, which only a let-in request learns.
				if a.status != 404 || a.code() != "ORDER_NOT_EXIST" {
					t.Fatalf("want 404 ORDER_NOT_EXIST, got %d %s", a.status, a.body)
				}
				return
			}
			if a.status != 401 || a.code() != "SIGN_ERROR" {
				t.Fatalf("want 401 SIGN_ERROR, got %d %s", a.status, a.body)
			}
		})
	}
	if got, want := f.Requests(), 3; got != want {
		t.Fatalf("Requests() = %d, want %d (only authenticated ones)", got, want)
	}
}

func TestRequestWithoutAuthorizationIsRefused(t *testing.T) {
	f := newFake(t)
	for _, h := range []string{"", "Bearer abc", `WECHATPAY2-SHA256-RSA2048 mchid="` + f.keys.MchID + `"`} {
		req := f.signer().request(t, f.URL, "GET", wechatpaytest.PathOutTradeNo+"SP0000001?mchid="+f.keys.MchID, "")
		req.Header.Set("Authorization", h)
		if a := do(t, req); a.status != 401 || a.code() != "SIGN_ERROR" || a.header.Get("Request-ID") == "" {
			t.Errorf("Authorization %q: %d %s", h, a.status, a.body)
		}
	}
}

// Every 2xx is signed with the platform key, 204 included (over an empty
// body), so the SDK's validator accepts it; the check itself can fail.
func TestResponsesAreSigned(t *testing.T) {
	f := newFake(t)
	f.prepay(t, f.prepayBody("SP0000001", 100))
	q := f.query(t, "SP0000001")
	if q.status != 200 {
		t.Fatalf("query: %d %s", q.status, q.body)
	}
	f.verified(t, q)
	if q.header.Get("Request-ID") == "" || !strings.HasPrefix(q.header.Get("Content-Type"), "application/json") {
		t.Fatalf("headers: %v", q.header)
	}
	c := f.call(t, "POST", wechatpaytest.PathOutTradeNo+"SP0000001/close", map[string]string{"mchid": f.keys.MchID})
	if c.status != 204 || c.body != "" {
		t.Fatalf("close: %d %q", c.status, c.body)
	}
	f.verified(t, c)

	if err := verifySigned(f.keys, q.header, []byte(q.body+" "), f.now()); err == nil {
		t.Fatal("a changed body verified")
	}
	if err := verifySigned(f.keys, c.header, []byte(q.body), f.now()); err == nil {
		t.Fatal("the 204 signature verified over another body")
	}
	if err := verifySigned(f.keys, q.header, []byte(q.body), f.now().Add(6*time.Minute)); err == nil {
		t.Fatal("a stale signature verified")
	}
	// The clock the fake signs with is its own.
	f.advance(time.Hour)
	f.verified(t, f.query(t, "SP0000001"))
}

func TestKeysPEM(t *testing.T) {
	keys, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	if p := string(keys.MerchantKeyPEM()); !strings.HasPrefix(p, "-----BEGIN PRIVATE KEY-----\n") {
		t.Fatalf("merchant key PEM: %.40s", p)
	}
	if p := string(keys.PlatformPublicKeyPEM()); !strings.HasPrefix(p, "-----BEGIN PUBLIC KEY-----\n") {
		t.Fatalf("platform key PEM: %.40s", p)
	}
	if !strings.HasPrefix(keys.PlatformKeyID, "PUB_KEY_ID_") || len(keys.APIv3Key) != 32 || len(keys.MerchantSerial) != 40 {
		t.Fatalf("ids: %q %q %q", keys.PlatformKeyID, keys.APIv3Key, keys.MerchantSerial)
	}
}
