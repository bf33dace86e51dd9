package app

import (
	"context"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// ShopperAuthDeps are what shopper login needs.
type ShopperAuthDeps struct {
	Shoppers domain.ShopperRepository
	// MiniProgram is WeChat; nil when it is not configured, and logins then
	// answer 503 wechat_not_configured.
	MiniProgram MiniProgram
	// AppID is the mini-program's appid: openids are per app, so a shopper
	// is (AppID, openid).
	AppID   string
	Tokens  ShopperTokens
	Limiter RateLimiter
	IDs     IDs
	Clock   Clock
	// LoginPerIP bounds logins per client IP per LoginWindow. Codes are
	// single-use, so this is not about guessing: it keeps one client from
	// spending the app's jscode2session quota. Many shoppers share a
	// store's Wi-Fi or a carrier's NAT, so it is far above the staff limit.
	LoginPerIP  int
	LoginWindow time.Duration
	// DevCodes lets "dev:<name>" codes through; only the embedded WeChat
	// stand-in accepts them, so only embedded mode turns this on.
	DevCodes bool
	// CacheTTL lets Authenticate reuse a loaded shopper this long (0: no
	// cache): every scan authenticates, and a member flag set by staff may
	// take that long to show.
	CacheTTL time.Duration
}

// ShopperSession is a successful mini-program login.
type ShopperSession struct {
	Token     string
	ExpiresAt time.Time
	Shopper   *domain.Shopper
}

// ShopperAuth logs shoppers in with WeChat and turns shopper tokens back
// into shoppers.
type ShopperAuth struct {
	d     ShopperAuthDeps
	cache *ttlCache[int64, *domain.Shopper]
}

// NewShopperAuth wires shopper login.
func NewShopperAuth(d ShopperAuthDeps) *ShopperAuth {
	return &ShopperAuth{d: d, cache: newTTLCache[int64, *domain.Shopper](d.CacheTTL)}
}

const (
	maxLoginCodeLen = 128
	devCodePrefix   = "dev:"
)

var errCodeInvalid = domain.Errorf(domain.EUNAUTHORIZED, "code_invalid",
	"the WeChat login code is invalid, expired or already used; call wx.login again")

// Login exchanges a wx.login code for a shopper token: WeChat says whose
// code it is (jscode2session), the shopper is created on first login, and
// the token carries the shopper id. Codes are single-use: a retry needs a
// new wx.login.
func (a *ShopperAuth) Login(ctx context.Context, code, clientIP string) (*ShopperSession, error) {
	code = strings.TrimSpace(code)
	if err := checkLoginCode(code); err != nil {
		return nil, err
	}
	if strings.HasPrefix(code, devCodePrefix) && !a.d.DevCodes {
		return nil, errCodeInvalid // WeChat would refuse it too; no need to ask
	}
	dec, err := a.d.Limiter.Hit(ctx, "mp-login:ip:"+clientIP, a.d.LoginPerIP, a.d.LoginWindow)
	if err != nil {
		return nil, err
	}
	if !dec.Allowed {
		return nil, tooMany("mp_login_rate_limited_ip", dec.RetryAfter)
	}
	if a.d.MiniProgram == nil {
		return nil, domain.Errorf(domain.EUNAVAILABLE, "wechat_not_configured", "WeChat is not configured (WECHAT_APPID, WECHAT_SECRET)")
	}
	openID, unionID, err := a.d.MiniProgram.Code2Session(ctx, code)
	if err != nil {
		return nil, err
	}
	now := a.d.Clock.Now()
	sh, err := a.d.Shoppers.UpsertShopper(ctx, &domain.Shopper{ID: a.d.IDs.NewID(), AppID: a.d.AppID,
		OpenID: openID, UnionID: unionID, CreatedAt: now, LastSeenAt: now})
	if err != nil {
		return nil, err
	}
	token, exp, err := a.d.Tokens.IssueShopper(sh.ID, now)
	if err != nil {
		return nil, err
	}
	return &ShopperSession{Token: token, ExpiresAt: exp, Shopper: sh}, nil
}

// checkLoginCode refuses what cannot be a wx.login code before WeChat is
// asked: 1-128 visible ASCII characters.
func checkLoginCode(code string) error {
	var fe domain.Fields
	switch {
	case code == "":
		fe.Add("code", "is required: the code from wx.login")
	case len(code) > maxLoginCodeLen:
		fe.Add("code", "must be at most %d characters", maxLoginCodeLen)
	default:
		for i := 0; i < len(code); i++ {
			if code[i] <= ' ' || code[i] > '~' {
				fe.Add("code", "must be visible ASCII characters")
				break
			}
		}
	}
	return fe.Err("login_invalid")
}

// Authenticate verifies a shopper token and loads its shopper, so the
// member flag is current on every request.
func (a *ShopperAuth) Authenticate(ctx context.Context, token string) (*domain.Shopper, error) {
	claims, err := a.d.Tokens.VerifyShopper(token, a.d.Clock.Now())
	if err != nil {
		return nil, err
	}
	sh, err := a.cache.get(claims.ShopperID, a.d.Clock.Now(), func() (*domain.Shopper, error) {
		return a.d.Shoppers.ShopperByID(ctx, claims.ShopperID)
	})
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "token_invalid", "the token's shopper no longer exists")
	}
	if err != nil {
		return nil, err
	}
	cp := *sh
	return &cp, nil
}
