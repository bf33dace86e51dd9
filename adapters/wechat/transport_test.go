package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

func TestServerDownIsUnavailable(t *testing.T) {
	srv, err := wechattest.Start()
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, srv, nil)
	if err := srv.Close(); err != nil { // the port is closed now
		t.Fatal(err)
	}
	ctx := context.Background()
	_, err = c.Login(ctx, "some-code")
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	if strings.Contains(err.Error(), "secret=") || strings.Contains(err.Error(), "some-code") {
		t.Fatalf("network error quotes the query: %v", err)
	}
	_, err = c.AccessToken(ctx)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	_, _, err = c.EntryCode(ctx, "S001", "", 0)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	wantCode(t, c.SendSubscribeMessage(ctx, receipt("oAlice")), domain.EUNAVAILABLE, "wechat_unavailable")
}

func TestHTTP5xxIsUnavailable(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	ctx := context.Background()
	srv.AddCode("c1", "o1", "")

	srv.FailNextHTTP(http.StatusInternalServerError)
	_, err := c.Login(ctx, "c1")
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")

	srv.FailNextHTTP(http.StatusBadGateway) // hits stable_token
	_, _, err = c.EntryCode(ctx, "S001", "", 0)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")

	if _, _, err := c.EntryCode(ctx, "S001", "", 0); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	srv.FailNextHTTP(http.StatusServiceUnavailable) // hits the code request itself
	_, _, err = c.EntryCode(ctx, "S001", "", 0)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
}

func TestDeadlineIsRespected(t *testing.T) {
	srv := wechattest.NewTest(t)
	srv.SetLatency(2 * time.Second)
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := c.Login(ctx, "c1")
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > time.Second {
		t.Fatalf("err %v after %v", err, time.Since(began))
	}
}

// TestOddAnswers covers answers WeChat should not send: a broken JSON body,
// a 200 that is neither image nor errcode, a 404 from a wrong BaseURL.
func TestOddAnswers(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case wechattest.PathStableToken:
			_, _ = w.Write([]byte(`{"access_token":"tok","expires_in":7200}`))
		case wechattest.PathCode2Session:
			_, _ = w.Write([]byte(`{"openid":"o1","session_key":"KEY`)) // cut short
		case wechattest.PathWxacodeUnlimit:
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(hs.Close)
	c := wechat.New(wechat.Config{AppID: "wx1", Secret: "s", BaseURL: hs.URL})
	ctx := context.Background()
	_, err := c.Login(ctx, "c1")
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	if strings.Contains(err.Error(), "KEY") {
		t.Fatalf("error quotes the body: %v", err)
	}
	_, _, err = c.EntryCode(ctx, "S001", "", 0)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	wantCode(t, c.SendSubscribeMessage(ctx, receipt("o1")), domain.EUNAVAILABLE, "wechat_unavailable")
}

func TestImageLabelledOddlyIsSniffed(t *testing.T) {
	img, err := wechattest.CodeImage("S001", "", 280)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == wechattest.PathStableToken {
			_, _ = w.Write([]byte(`{"access_token":"tok","expires_in":7200}`))
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(img)
	}))
	t.Cleanup(hs.Close)
	c := wechat.New(wechat.Config{AppID: "wx1", Secret: "s", BaseURL: hs.URL})
	got, ct, err := c.EntryCode(context.Background(), "S001", "", 0)
	if err != nil || ct != "image/png" || len(got) != len(img) {
		t.Fatalf("got %s (%d bytes), %v", ct, len(got), err)
	}
}
