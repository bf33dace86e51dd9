package wechat_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/domain"
)

// clock is a settable time source shared by the client and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClient returns a client of srv with srv's credentials; clk may be nil.
func newClient(t *testing.T, srv *wechattest.Server, clk *clock) *wechat.Client {
	t.Helper()
	appID, secret := srv.Credentials()
	cfg := wechat.Config{AppID: appID, Secret: secret, BaseURL: srv.URL}
	if clk != nil {
		cfg.Now = clk.Now
	}
	return wechat.New(cfg)
}

// wantCode fails unless err is a *domain.Error with code and, when reason is
// not "", that reason; it also checks the secret does not leak.
func wantCode(t *testing.T, err error, code, reason string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("code = %q, want %q (err: %v)", got, code, err)
	}
	if reason != "" && domain.ErrorReason(err) != reason {
		t.Fatalf("reason = %q, want %q (err: %v)", domain.ErrorReason(err), reason, err)
	}
	if strings.Contains(err.Error(), wechattest.DefaultSecret) {
		t.Fatalf("error leaks the secret: %v", err)
	}
}
