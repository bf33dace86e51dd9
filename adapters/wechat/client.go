// Package wechat is scanpay's client of the WeChat mini-program server API:
// login (jscode2session), the access token (stable_token), store entry codes
// (getwxacodeunlimit) and subscribe messages. Every failure comes back as a
// *domain.Error, so use cases and jobs branch on codes, never on errcodes;
// the errcode is kept as the cause (*APIError) for logs.
//
// The app secret, the access token and session keys never appear in an
// error: network errors are stripped of the request URL's query.
package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// DefaultBaseURL is the real WeChat API host; tests and the embedded mode
// point BaseURL at wechattest instead.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Response size limits: a JSON answer is small; a code image is ~100 KB.
const (
	maxJSONBody  = 64 << 10
	maxImageBody = 4 << 20
)

// Config says which mini-program the client speaks for and how.
type Config struct {
	AppID, Secret string
	// BaseURL defaults to DefaultBaseURL.
	BaseURL string
	// HTTPClient defaults to a client with a 10 s timeout.
	HTTPClient *http.Client
	// Now is the clock used for token expiry; tests pin it. Defaults to time.Now.
	Now func() time.Time
	// EnvVersion is the mini-program version entry codes open: "release"
	// (default), "trial" or "develop". Only release pages can be checked by
	// WeChat, so check_path is sent only for release.
	EnvVersion string
}

// String masks the secret, so printing a Config at start-up is safe.
func (c Config) String() string {
	return fmt.Sprintf("wechat.Config{AppID:%q Secret:%s BaseURL:%q EnvVersion:%q}", c.AppID, mask(c.Secret), c.BaseURL, c.EnvVersion)
}

func mask(s string) string {
	if s == "" {
		return `""`
	}
	return "***"
}

// Client calls the WeChat server API for one app. It is safe for concurrent
// use; share one per process so the access token is fetched once.
type Client struct {
	appID, secret, base, envVersion string
	hc                              *http.Client
	now                             func() time.Time

	mu        sync.Mutex
	tok       string
	refreshAt time.Time
	inflight  *tokenCall
}

// New returns a client for cfg; it does no I/O.
func New(cfg Config) *Client {
	c := &Client{
		appID: cfg.AppID, secret: cfg.Secret, base: strings.TrimRight(cfg.BaseURL, "/"),
		envVersion: cfg.EnvVersion, hc: cfg.HTTPClient, now: cfg.Now,
	}
	if c.base == "" {
		c.base = DefaultBaseURL
	}
	if c.envVersion == "" {
		c.envVersion = "release"
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 10 * time.Second}
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// APIError is an errcode answer from WeChat. It is the cause (Err) of the
// *domain.Error a method returns, for logs and errors.As.
type APIError struct {
	API  string // e.g. "jscode2session"
	Code int
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wechat %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// errcodes shared by several APIs.
const (
	codeSystemBusy     = -1
	codeInvalidToken   = 40001 // invalid credential / not latest
	codeBadAccessToken = 40014 // invalid access_token
	codeTokenExpired   = 42001
	codeAPIQuota       = 45009 // daily or per-minute API quota reached
	codeUserQuota      = 45011 // per-user minute quota
)

// tokenRejected reports whether WeChat refused the access token itself.
func tokenRejected(code int) bool {
	return code == codeInvalidToken || code == codeBadAccessToken || code == codeTokenExpired
}

// commonError maps the errcodes every API shares; callers handle their own
// codes first.
func commonError(ae *APIError) error {
	switch {
	case ae.Code == codeAPIQuota || ae.Code == codeUserQuota:
		return &domain.Error{Code: domain.ETOOMANY, Reason: "wx_rate_limited",
			Message: "WeChat is rate limiting us, try again in a minute", RetryAfterSeconds: 60, Err: ae}
	case ae.Code == codeSystemBusy:
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: "wechat_unavailable",
			Message: "WeChat is busy, try again shortly", RetryAfterSeconds: 1, Err: ae}
	default:
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: "wechat_unavailable",
			Message: fmt.Sprintf("WeChat %s failed with errcode %d", ae.API, ae.Code), Err: ae}
	}
}

// apiResult is the errcode part every WeChat JSON answer may carry.
type apiResult struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// asError returns the answer's *APIError, or nil when errcode is 0.
func (r apiResult) asError(api string) *APIError {
	if r.ErrCode == 0 {
		return nil
	}
	msg := r.ErrMsg
	if len(msg) > 300 {
		msg = msg[:300]
	}
	return &APIError{API: api, Code: r.ErrCode, Msg: msg}
}

// get sends a GET with query q to path and returns the body of a 200 answer.
func (c *Client) get(ctx context.Context, api, path string, q url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+q.Encode(), nil)
	if err != nil {
		return nil, domain.Unavailable("wechat", redact(err))
	}
	_, body, err := c.send(req, api, maxJSONBody)
	return body, err
}

// post sends payload as JSON to path (query included) and returns the
// answer's media type and body.
func (c *Client) post(ctx context.Context, api, path string, payload []byte, limit int64) (string, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(payload))
	if err != nil {
		return "", nil, domain.Unavailable("wechat", redact(err))
	}
	req.Header.Set("Content-Type", "application/json")
	return c.send(req, api, limit)
}

// send does req; network failures, oversize bodies and non-200 statuses are
// EUNAVAILABLE (WeChat answers errors with 200 and an errcode).
func (c *Client) send(req *http.Request, api string, limit int64) (string, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", nil, domain.Unavailable("wechat", redact(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return "", nil, domain.Unavailable("wechat", redact(err))
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, domain.Unavailable("wechat", fmt.Errorf("wechat %s: HTTP %d", api, resp.StatusCode))
	}
	if int64(len(body)) > limit {
		return "", nil, domain.Unavailable("wechat", fmt.Errorf("wechat %s: answer over %d bytes", api, limit))
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	return mt, body, nil
}

// decode parses a JSON answer into v; a broken answer is EUNAVAILABLE and
// does not quote the body (it may hold a session key).
func decode(api string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return domain.Unavailable("wechat", fmt.Errorf("wechat %s: answer is not JSON (%d bytes)", api, len(body)))
	}
	return nil
}

// redact drops the query of the URL a net/http error quotes: it carries the
// secret (jscode2session) or the access token.
func redact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u := ue.URL
	if i := strings.IndexByte(u, '?'); i >= 0 {
		u = u[:i]
	}
	return &url.Error{Op: ue.Op, URL: u, Err: ue.Err}
}
