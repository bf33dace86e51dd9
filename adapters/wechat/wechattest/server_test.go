package wechattest_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
)

// call does one raw request and returns status, Content-Type and body.
func call(t *testing.T, method, u, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func tokenBody(appID, secret string, force bool) string {
	b, _ := json.Marshal(map[string]any{"grant_type": "client_credential", "appid": appID, "secret": secret, "force_refresh": force})
	return string(b)
}

func getToken(t *testing.T, s *wechattest.Server, force bool) (string, int) {
	t.Helper()
	status, _, body := call(t, "POST", s.URL+wechattest.PathStableToken, tokenBody(wechattest.DefaultAppID, wechattest.DefaultSecret, force))
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &ans); status != 200 || err != nil || ans.AccessToken == "" {
		t.Fatalf("stable_token: %d %s", status, body)
	}
	return ans.AccessToken, ans.ExpiresIn
}

// TestErrorBodiesAsWeChatSendsThem pins the exact bytes: 200 OK,
// application/json, {"errcode":N,"errmsg":"text rid: ..."} with no newline.
func TestErrorBodiesAsWeChatSendsThem(t *testing.T) {
	s := wechattest.NewTest(t)
	for _, tc := range []struct {
		method, path, body, want string
	}{
		{"POST", wechattest.PathStableToken, tokenBody("wx-other", wechattest.DefaultSecret, false),
			`{"errcode":40013,"errmsg":"invalid appid rid: 5ca9fa4e-00000001-9e3779b1"}`},
		{"POST", wechattest.PathStableToken, tokenBody(wechattest.DefaultAppID, "nope", false),
			`{"errcode":40125,"errmsg":"invalid appsecret rid: 5ca9fa4e-00000002-3c6ef362"}`},
		{"GET", wechattest.PathStableToken, "",
			`{"errcode":43002,"errmsg":"require POST method rid: 5ca9fa4e-00000003-daa66d13"}`},
		{"POST", wechattest.PathWxacodeUnlimit, `{"scene":"S001"}`,
			`{"errcode":41001,"errmsg":"access_token missing rid: 5ca9fa4e-00000004-78dde6c4"}`},
	} {
		status, ct, body := call(t, tc.method, s.URL+tc.path, tc.body)
		if status != 200 || ct != "application/json; encoding=utf-8" || body != tc.want {
			t.Errorf("%s %s: %d %q %s\nwant 200 application/json %s", tc.method, tc.path, status, ct, body, tc.want)
		}
	}
	if n := s.Requests(wechattest.PathStableToken); n != 3 {
		t.Errorf("stable_token requests = %d, want 3", n)
	}
	if n := s.Requests(wechattest.PathWxacodeUnlimit); n != 1 {
		t.Errorf("wxacode requests = %d, want 1", n)
	}
}

func TestStableTokenModes(t *testing.T) {
	s := wechattest.NewTest(t)
	var mu sync.Mutex
	clk := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return clk })
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clk = clk.Add(d) }
	first, exp := getToken(t, s, false)
	if exp != 7200 || len(first) < 100 {
		t.Fatalf("token %q expires_in %d", first, exp)
	}
	advance(time.Hour)
	if again, exp := getToken(t, s, false); again != first || exp != 3600 {
		t.Fatalf("normal mode: %q (%d s), want the same token with 3600 s left", again, exp)
	}
	advance(56 * time.Minute) // 4 min left: the normal mode renews
	renewed, _ := getToken(t, s, false)
	if renewed == first {
		t.Fatal("normal mode did not renew in the last 5 minutes")
	}
	if !tokenWorks(t, s, first) { // the old one lives until its expiry
		t.Fatal("old token refused before its expiry")
	}
	forced, _ := getToken(t, s, true)
	if forced == renewed || tokenWorks(t, s, renewed) || !tokenWorks(t, s, forced) || s.ForcedRefreshes() != 1 {
		t.Fatal("force_refresh must issue a new token and invalidate the current one")
	}
	advance(2 * time.Hour)
	status, _, body := call(t, "POST", s.URL+wechattest.PathWxacodeUnlimit+"?access_token="+forced, `{"scene":"S001"}`)
	if status != 200 || !strings.HasPrefix(body, `{"errcode":42001,"errmsg":"access_token expired rid: `) {
		t.Fatalf("expired token: %d %s", status, body)
	}
}

func tokenWorks(t *testing.T, s *wechattest.Server, tok string) bool {
	t.Helper()
	_, ct, _ := call(t, "POST", s.URL+wechattest.PathWxacodeUnlimit+"?access_token="+url.QueryEscape(tok), `{"scene":"S001"}`)
	return ct == "image/png"
}

func TestCode2SessionVectors(t *testing.T) {
	s := wechattest.NewTest(t)
	s.AddCode("081abcDEF", "oUser1", "uUnion1")
	q := url.Values{"appid": {wechattest.DefaultAppID}, "secret": {wechattest.DefaultSecret},
		"js_code": {"081abcDEF"}, "grant_type": {"authorization_code"}}
	u := s.URL + wechattest.PathCode2Session + "?" + q.Encode()
	if _, _, body := call(t, "GET", u, ""); body != `{"session_key":"n+b0Wz/5LWSRmyOlzykw7Q==","openid":"oUser1","unionid":"uUnion1"}` {
		t.Fatalf("first use: %s", body)
	}
	if _, _, body := call(t, "GET", u, ""); body != `{"errcode":40163,"errmsg":"code been used, rid: 5ca9fa4e-00000001-9e3779b1"}` {
		t.Fatalf("second use: %s", body)
	}
	q.Set("js_code", "dev:alice")
	if _, _, body := call(t, "GET", s.URL+wechattest.PathCode2Session+"?"+q.Encode(), ""); !strings.HasPrefix(body, `{"errcode":40029,"errmsg":"invalid code, rid: `) {
		t.Fatalf("dev code while off: %s", body)
	}
	s.SetDevCodes(true)
	if _, _, body := call(t, "GET", s.URL+wechattest.PathCode2Session+"?"+q.Encode(), ""); !strings.Contains(body, `"openid":"dev-alice"`) || strings.Contains(body, "unionid") {
		t.Fatalf("dev code: %s", body)
	}
}

func TestWxacodeValidation(t *testing.T) {
	s := wechattest.NewTest(t)
	tok, _ := getToken(t, s, false)
	for body, errcode := range map[string]string{
		`{"scene":"` + strings.Repeat("a", 33) + `"}`: "40169",
		`{"scene":"a b"}`:                      "40129",
		`{"scene":"S1","page":"/pages/index"}`: "41030",
		`{"scene":"S1","width":100}`:           "40097",
		`{"scene":"S1","env_version":"beta"}`:  "40097",
		`not json`:                             "47001",
	} {
		_, ct, got := call(t, "POST", s.URL+wechattest.PathWxacodeUnlimit+"?access_token="+tok, body)
		if !strings.HasPrefix(ct, "application/json") || !strings.HasPrefix(got, `{"errcode":`+errcode+`,`) {
			t.Errorf("%s: %s %s, want errcode %s", body, ct, got, errcode)
		}
	}
	s.FailNext(45009)
	if _, _, got := call(t, "POST", s.URL+wechattest.PathWxacodeUnlimit+"?access_token="+tok, `{"scene":"S1"}`); !strings.HasPrefix(got, `{"errcode":45009,`) {
		t.Errorf("FailNext: %s", got)
	}
	s.FailNextHTTP(503)
	if status, _, _ := call(t, "POST", s.URL+wechattest.PathWxacodeUnlimit+"?access_token="+tok, `{"scene":"S1"}`); status != 503 {
		t.Errorf("FailNextHTTP: status %d", status)
	}
}

func TestCodeImage(t *testing.T) {
	a, err := wechattest.CodeImage("S001", "pages/store/index", 280)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := wechattest.CodeImage("S001", "pages/store/index", 280)
	other, _ := wechattest.CodeImage("S002", "pages/store/index", 280)
	if !bytes.Equal(a, again) || bytes.Equal(a, other) {
		t.Fatal("the image must be a function of scene and page")
	}
	img, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b != image.Rect(0, 0, 280, 280) {
		t.Fatalf("bounds %v", b)
	}
	// margin 280/12 = 23; the top-left marker's outer ring starts there.
	green := color.RGBAModel.Convert(color.RGBA{R: 0x07, G: 0xc1, B: 0x60, A: 0xff})
	if got := color.RGBAModel.Convert(img.At(23, 23)); got != green {
		t.Fatalf("marker pixel %v, want %v", got, green)
	}
	if got := color.RGBAModel.Convert(img.At(0, 0)); got != color.RGBAModel.Convert(color.White) {
		t.Fatalf("margin pixel %v, want white", got)
	}
}

func TestSubscribeVectors(t *testing.T) {
	s := wechattest.NewTest(t)
	tok, _ := getToken(t, s, false)
	u := s.URL + wechattest.PathSubscribeSend + "?access_token=" + tok
	msg := `{"touser":"oUser1","template_id":"T1","data":{"thing1":{"value":"hi"}},"miniprogram_state":"formal","lang":"zh_CN"}`
	if _, _, body := call(t, "POST", u, msg); body != `{"errcode":0,"errmsg":"ok"}` {
		t.Fatalf("send: %s", body)
	}
	s.RefuseFor("oUser1")
	if _, _, body := call(t, "POST", u, msg); !strings.HasPrefix(body, `{"errcode":43101,"errmsg":"user refuse to accept the msg rid: `) {
		t.Fatalf("refused: %s", body)
	}
	if got := s.Messages(); len(got) != 1 || got[0].Data["thing1"] != "hi" || got[0].Lang != "zh_CN" {
		t.Fatalf("messages %+v", got)
	}
}

func TestStartOnRefusesNonLoopback(t *testing.T) {
	if _, err := wechattest.StartOn("0.0.0.0:0"); err == nil {
		t.Fatal("a non-loopback address was accepted")
	}
	s, err := wechattest.StartOn("localhost:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
