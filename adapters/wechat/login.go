package wechat

import (
	"context"
	"fmt"
	"net/url"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

const pathCode2Session = "/sns/jscode2session"

var _ app.MiniProgram = (*Client)(nil)

// jscode2session errcodes.
const (
	codeInvalidCode = 40029
	codeCodeUsed    = 40163
	codeRiskyUser   = 40226
)

// Session is who a login code belongs to. SessionKey decrypts data the
// mini-program signs; it stays on the server and never goes to the client.
type Session struct {
	OpenID     string
	UnionID    string // empty unless the app is bound to an open-platform account
	SessionKey string
}

// String leaves the session key out, so a logged Session leaks nothing.
func (s Session) String() string {
	return fmt.Sprintf("wechat.Session{OpenID:%q UnionID:%q SessionKey:%s}", s.OpenID, s.UnionID, mask(s.SessionKey))
}

// GoString is String, so %#v is as safe as %v.
func (s Session) GoString() string { return s.String() }

type code2SessionAnswer struct {
	apiResult
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid"`
	SessionKey string `json:"session_key"`
}

// Code2Session is app.MiniProgram's login: Login without the session key,
// so the key never reaches the use cases, let alone a client.
func (c *Client) Code2Session(ctx context.Context, code string) (openID, unionID string, err error) {
	s, err := c.Login(ctx, code)
	if err != nil {
		return "", "", err
	}
	return s.OpenID, s.UnionID, nil
}

// Login exchanges a wx.login code for the shopper's identity and session
// key (jscode2session). A bad, used or expired code is EUNAUTHORIZED
// code_invalid, the per-user rate limit ETOOMANY wx_rate_limited, a user
// WeChat blocks as risky EFORBIDDEN wx_risky_user, and anything on WeChat's
// side EUNAVAILABLE.
func (c *Client) Login(ctx context.Context, code string) (Session, error) {
	const api = "jscode2session"
	if code == "" || len(code) > 256 {
		return Session{}, domain.Errorf(domain.EUNAUTHORIZED, "code_invalid", "the WeChat login code is missing or malformed")
	}
	q := url.Values{"appid": {c.appID}, "secret": {c.secret}, "js_code": {code}, "grant_type": {"authorization_code"}}
	body, err := c.get(ctx, api, pathCode2Session, q)
	if err != nil {
		return Session{}, err
	}
	var ans code2SessionAnswer
	if err := decode(api, body, &ans); err != nil {
		return Session{}, err
	}
	if ae := ans.asError(api); ae != nil {
		return Session{}, loginError(ae)
	}
	if ans.OpenID == "" {
		return Session{}, domain.Unavailable("wechat", fmt.Errorf("wechat %s: answer without openid", api))
	}
	return Session{OpenID: ans.OpenID, UnionID: ans.UnionID, SessionKey: ans.SessionKey}, nil
}

func loginError(ae *APIError) error {
	switch ae.Code {
	case codeInvalidCode, codeCodeUsed:
		return &domain.Error{Code: domain.EUNAUTHORIZED, Reason: "code_invalid",
			Message: "the WeChat login code is invalid, expired or already used; call wx.login again", Err: ae}
	case codeRiskyUser:
		return &domain.Error{Code: domain.EFORBIDDEN, Reason: "wx_risky_user",
			Message: "WeChat blocked this login as risky", Err: ae}
	}
	return commonError(ae)
}
