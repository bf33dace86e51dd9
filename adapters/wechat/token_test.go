package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	_ "image/png"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

func TestAccessTokenIsCachedAndReused(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	ctx := context.Background()
	first, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		tok, err := c.AccessToken(ctx)
		if err != nil || tok != first {
			t.Fatalf("call %d: token %q, %v; want the cached %q", i, tok, err, first)
		}
	}
	if n := srv.Requests(wechattest.PathStableToken); n != 1 {
		t.Fatalf("stable_token requests = %d, want 1", n)
	}
}

func TestAccessTokenRefreshedFiveMinutesBeforeExpiry(t *testing.T) {
	srv := wechattest.NewTest(t)
	clk := newClock()
	srv.SetNow(clk.Now)
	c := newClient(t, srv, clk)
	ctx := context.Background()
	first, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(7200*time.Second - 6*time.Minute) // 6 min left: still ours
	if tok, _ := c.AccessToken(ctx); tok != first || srv.Requests(wechattest.PathStableToken) != 1 {
		t.Fatalf("with 6 min left the token was refreshed (requests %d)", srv.Requests(wechattest.PathStableToken))
	}
	clk.Add(2 * time.Minute) // 4 min left: ask again; WeChat hands out a new one
	second, err := c.AccessToken(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if second == first || srv.Requests(wechattest.PathStableToken) != 2 {
		t.Fatalf("with 4 min left: token changed %v, requests %d; want a new token from a second request",
			second != first, srv.Requests(wechattest.PathStableToken))
	}
	if srv.ForcedRefreshes() != 0 {
		t.Fatalf("a routine refresh used force_refresh")
	}
}

func TestAccessTokenOneRefresherForFiftyCallers(t *testing.T) {
	srv := wechattest.NewTest(t)
	srv.SetLatency(100 * time.Millisecond) // all 50 arrive while the request is out
	c := newClient(t, srv, nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	tokens := make([]string, 50)
	errs := make([]error, 50)
	for i := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			tokens[i], errs[i] = c.AccessToken(context.Background())
		}()
	}
	close(start)
	wg.Wait()
	for i := range tokens {
		if errs[i] != nil || tokens[i] != tokens[0] || tokens[i] == "" {
			t.Fatalf("caller %d: %q, %v; want %q", i, tokens[i], errs[i], tokens[0])
		}
	}
	if n := srv.Requests(wechattest.PathStableToken); n != 1 {
		t.Fatalf("stable_token requests = %d, want exactly 1", n)
	}
}

func TestAccessTokenWaiterHonoursItsDeadline(t *testing.T) {
	srv := wechattest.NewTest(t)
	srv.SetLatency(300 * time.Millisecond)
	c := newClient(t, srv, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	began := time.Now()
	_, err := c.AccessToken(ctx)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > 200*time.Millisecond {
		t.Fatalf("err %v after %v; want a prompt deadline error", err, time.Since(began))
	}
	// The request the impatient caller started still completes and is shared.
	if _, err := c.AccessToken(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(wechattest.PathStableToken); n != 1 {
		t.Fatalf("stable_token requests = %d, want 1", n)
	}
}

func TestInvalidatedTokenIsForceRefreshedOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(*wechattest.Server)
	}{
		{"invalid 40001", (*wechattest.Server).InvalidateTokens},
		{"expired 42001", (*wechattest.Server).ExpireTokens},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := wechattest.NewTest(t)
			c := newClient(t, srv, nil)
			ctx := context.Background()
			old, err := c.AccessToken(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tc.spoil(srv)
			img, ct, err := c.EntryCode(ctx, "S001", "pages/store/index", 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := image.DecodeConfig(bytes.NewReader(img)); err != nil || ct != "image/png" {
				t.Fatalf("image %s: %v", ct, err)
			}
			if srv.Requests(wechattest.PathStableToken) != 2 || srv.ForcedRefreshes() != 1 || srv.Requests(wechattest.PathWxacodeUnlimit) != 2 {
				t.Fatalf("stable_token %d (forced %d), wxacode %d; want 2 (1), 2",
					srv.Requests(wechattest.PathStableToken), srv.ForcedRefreshes(), srv.Requests(wechattest.PathWxacodeUnlimit))
			}
			if tok, _ := c.AccessToken(ctx); tok == old || tok != srv.CurrentToken() {
				t.Fatalf("client kept the refused token")
			}
		})
	}
}

func TestInvalidatedTokenConcurrentCallersForceOnlyOnce(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.AccessToken(ctx); err != nil {
		t.Fatal(err)
	}
	srv.InvalidateTokens()
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := c.EntryCode(ctx, "S001", "", 0)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.ForcedRefreshes(); n != 1 {
		t.Fatalf("forced refreshes = %d, want 1 (force_refresh is limited to 20 a day)", n)
	}
}

func TestTokenRefusedTwiceIsUnavailableAfterOneRetry(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil)
	srv.FailNext(40001)
	srv.FailNext(40001)
	_, _, err := c.EntryCode(context.Background(), "S001", "", 0)
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	if n := srv.Requests(wechattest.PathWxacodeUnlimit); n != 2 {
		t.Fatalf("wxacode requests = %d, want 2 (one retry)", n)
	}
}

func TestWrongSecretIsUnavailableWithoutLeakingIt(t *testing.T) {
	srv := wechattest.NewTest(t)
	c := newClient(t, srv, nil) // holds DefaultSecret
	srv.SetCredentials(wechattest.DefaultAppID, "another-secret")
	_, err := c.AccessToken(context.Background())
	wantCode(t, err, domain.EUNAVAILABLE, "wechat_unavailable")
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40125 {
		t.Fatalf("cause = %v, want errcode 40125", err)
	}
}
