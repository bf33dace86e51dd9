package wechattest_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
)

// Registered codes behave like WeChat's: valid for five minutes by the
// fake's clock, and once.
func TestCodesExpireAndWorkOnce(t *testing.T) {
	s := wechattest.NewTest(t)
	var mu sync.Mutex
	clk := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	s.SetNow(func() time.Time { mu.Lock(); defer mu.Unlock(); return clk })
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clk = clk.Add(d) }
	login := func(code string) string {
		t.Helper()
		q := url.Values{"appid": {wechattest.DefaultAppID}, "secret": {wechattest.DefaultSecret},
			"js_code": {code}, "grant_type": {"authorization_code"}}
		_, _, body := call(t, "GET", s.URL+wechattest.PathCode2Session+"?"+q.Encode(), "")
		return body
	}

	s.AddCode("fresh", "oFresh", "")
	s.AddCode("late", "oLate", "")
	advance(wechattest.CodeTTL - time.Second)
	if body := login("fresh"); !strings.Contains(body, `"openid":"oFresh"`) {
		t.Fatalf("a code 4m59s old: %s", body)
	}
	if body := login("fresh"); !strings.HasPrefix(body, `{"errcode":40163,`) {
		t.Fatalf("a used code: %s", body)
	}
	advance(time.Second)
	if body := login("late"); !strings.HasPrefix(body, `{"errcode":40029,"errmsg":"invalid code, rid: `) {
		t.Fatalf("a code 5 minutes old: %s", body)
	}
	// Registering a code again issues it anew.
	s.AddCode("late", "oLate", "")
	if body := login("late"); !strings.Contains(body, `"openid":"oLate"`) {
		t.Fatalf("a re-issued code: %s", body)
	}
	// Dev codes are made up on the spot: they never expire.
	s.SetDevCodes(true)
	advance(time.Hour)
	if body := login("dev:bob"); !strings.Contains(body, `"openid":"dev-bob"`) {
		t.Fatalf("dev code: %s", body)
	}
}
