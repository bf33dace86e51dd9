package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// shClock is a clock the test moves.
type shClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *shClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *shClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

// shLimiter allows limit hits per key, forever.
type shLimiter struct {
	mu   sync.Mutex
	hits map[string]int
}

func (l *shLimiter) Hit(_ context.Context, key string, limit int, _ time.Duration) (app.RateDecision, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.hits == nil {
		l.hits = map[string]int{}
	}
	l.hits[key]++
	if l.hits[key] > limit {
		return app.RateDecision{RetryAfter: 30 * time.Second}, nil
	}
	return app.RateDecision{Allowed: true, Remaining: limit - l.hits[key]}, nil
}

func (l *shLimiter) Reset(_ context.Context, key string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.hits, key)
	return nil
}

type shopperFixture struct {
	auth   *app.ShopperAuth
	wechat *wechattest.Server
	clock  *shClock
	db     *mysql.DB
}

func newShopperFixture(t *testing.T, devCodes bool, perIP int) *shopperFixture {
	t.Helper()
	db := mysqltest.Open(t)
	srv := wechattest.NewTest(t)
	clock := &shClock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv.SetNow(clock.Now)
	appID, secret := srv.Credentials()
	ids, _ := idgen.New(0, 0)
	auth := app.NewShopperAuth(app.ShopperAuthDeps{
		Shoppers: mysql.NewShopperRepo(db), AppID: appID, Tokens: jwt.NewShopperTokens("shopper-secret-0123456789abcdef-xyz", 2*time.Hour),
		MiniProgram: wechat.New(wechat.Config{AppID: appID, Secret: secret, BaseURL: srv.URL}),
		Limiter:     &shLimiter{}, IDs: ids, Clock: clock, LoginPerIP: perIP, LoginWindow: time.Minute, DevCodes: devCodes,
	})
	return &shopperFixture{auth: auth, wechat: srv, clock: clock, db: db}
}

func TestShopperLogin(t *testing.T) {
	f := newShopperFixture(t, false, 100)
	ctx := context.Background()
	f.wechat.AddCode("code-1", "oAlice", "uAlice")
	sess, err := f.auth.Login(ctx, " code-1 ", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if sess.Token == "" || sess.Shopper.OpenID != "oAlice" || sess.Shopper.UnionID != "uAlice" || sess.Shopper.AppID != wechattest.DefaultAppID {
		t.Fatalf("session %+v shopper %+v", sess, sess.Shopper)
	}
	if want := f.clock.Now().Add(2 * time.Hour); !sess.ExpiresAt.Equal(want) {
		t.Fatalf("expires %s, want %s", sess.ExpiresAt, want)
	}
	got, err := f.auth.Authenticate(ctx, sess.Token)
	if err != nil || got.ID != sess.Shopper.ID {
		t.Fatalf("authenticate: %+v, %v", got, err)
	}

	// The next login of the same WeChat user is the same shopper.
	f.wechat.AddCode("code-2", "oAlice", "")
	again, err := f.auth.Login(ctx, "code-2", "10.0.0.1")
	if err != nil || again.Shopper.ID != sess.Shopper.ID || again.Shopper.UnionID != "uAlice" {
		t.Fatalf("second login %+v, %v", again.Shopper, err)
	}

	// Used, unknown and expired codes.
	_, err = f.auth.Login(ctx, "code-1", "10.0.0.1")
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "code_invalid")
	_, err = f.auth.Login(ctx, "never-issued", "10.0.0.1")
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "code_invalid")
	f.wechat.AddCode("code-3", "oBob", "")
	f.clock.Add(wechattest.CodeTTL)
	_, err = f.auth.Login(ctx, "code-3", "10.0.0.1")
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "code_invalid")

	// The token expires with its ttl; a staff token is foreign.
	f.clock.Add(2 * time.Hour)
	_, err = f.auth.Authenticate(ctx, sess.Token)
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "token_expired")
	staff, _, _ := jwt.New("shopper-secret-0123456789abcdef-xyz", time.Hour).IssueStaff(sess.Shopper.ID, f.clock.Now())
	_, err = f.auth.Authenticate(ctx, staff)
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "token_invalid")
}

func TestShopperLoginRefusesEarly(t *testing.T) {
	f := newShopperFixture(t, false, 2)
	ctx := context.Background()
	for _, code := range []string{"", "   ", string(make([]byte, 129)), "with space", "中文"} {
		_, err := f.auth.Login(ctx, code, "10.0.0.2")
		wantShopperErr(t, err, domain.EINVALID, "login_invalid")
	}
	// Dev codes are refused without asking WeChat unless turned on.
	f.wechat.SetDevCodes(true)
	_, err := f.auth.Login(ctx, "dev:alice", "10.0.0.2")
	wantShopperErr(t, err, domain.EUNAUTHORIZED, "code_invalid")
	if n := f.wechat.Requests(wechattest.PathCode2Session); n != 0 {
		t.Fatalf("%d requests reached WeChat", n)
	}
	// The per-IP limit counts before WeChat is asked.
	for range 2 {
		_, err = f.auth.Login(ctx, "nope", "10.0.0.3")
		wantShopperErr(t, err, domain.EUNAUTHORIZED, "code_invalid")
	}
	_, err = f.auth.Login(ctx, "nope", "10.0.0.3")
	wantShopperErr(t, err, domain.ETOOMANY, "mp_login_rate_limited_ip")
	if n := f.wechat.Requests(wechattest.PathCode2Session); n != 2 {
		t.Fatalf("%d requests reached WeChat, want 2", n)
	}
}

func TestShopperDevLogin(t *testing.T) {
	f := newShopperFixture(t, true, 100)
	f.wechat.SetDevCodes(true)
	ctx := context.Background()
	a, err := f.auth.Login(ctx, "dev:alice", "10.0.0.4")
	if err != nil || a.Shopper.OpenID != "dev-alice" {
		t.Fatalf("dev login: %+v, %v", a, err)
	}
	b, err := f.auth.Login(ctx, "dev:alice", "10.0.0.4")
	if err != nil || b.Shopper.ID != a.Shopper.ID {
		t.Fatalf("dev login again: %+v, %v; want the same shopper", b, err)
	}
}

func TestShopperLoginWithoutWeChat(t *testing.T) {
	ids, _ := idgen.New(0, 0)
	auth := app.NewShopperAuth(app.ShopperAuthDeps{Limiter: &shLimiter{}, IDs: ids, Clock: app.SystemClock{}, LoginPerIP: 10})
	_, err := auth.Login(context.Background(), "code", "10.0.0.5")
	wantShopperErr(t, err, domain.EUNAVAILABLE, "wechat_not_configured")
}

func wantShopperErr(t *testing.T, err error, code, reason string) {
	t.Helper()
	if domain.ErrorCode(err) != code || domain.ErrorReason(err) != reason {
		t.Fatalf("err = %v, want %s/%s", err, code, reason)
	}
}
