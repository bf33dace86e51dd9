// Package wechattest is a fake WeChat mini-program server API speaking the
// real protocol (stable_token, jscode2session, getwxacodeunlimit,
// subscribe/send): errors are 200 OK with a JSON {errcode, errmsg} body, as
// WeChat sends them. Tests use it through the real adapters/wechat client;
// the embedded mode runs it in-process on loopback so the whole flow works
// offline.
package wechattest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Default credentials of a fresh server; SetCredentials changes them.
const (
	DefaultAppID  = "wx5ca9fa4e00000001"
	DefaultSecret = "5ca9fa4e5ec7e7000000000000000001"
)

// Paths the fake serves, as on api.weixin.qq.com.
const (
	PathStableToken     = "/cgi-bin/stable_token"
	PathCode2Session    = "/sns/jscode2session"
	PathWxacodeUnlimit  = "/wxa/getwxacodeunlimit"
	PathSubscribeSend   = "/cgi-bin/message/subscribe/send"
	defaultTokenTTL     = 7200 * time.Second
	stableRenewalWindow = 5 * time.Minute
)

// Server is a running fake. Its knobs are safe to turn while it serves.
type Server struct {
	// URL is the base URL to give wechat.Config.BaseURL, e.g. http://127.0.0.1:PORT.
	URL string

	hs *http.Server
	ln net.Listener

	mu       sync.Mutex
	appID    string
	secret   string
	devCodes bool
	ttl      time.Duration
	now      func() time.Time
	seq      int            // for rids
	counts   map[string]int // requests per path
	forced   int            // stable_token calls with force_refresh
	tokens   map[string]*token
	current  string
	codes    map[string]identity
	used     map[string]bool
	refused  map[string]bool
	messages []Message
	codeReqs []CodeRequest
	failCode []int // errcodes for the next API requests (not stable_token)
	failHTTP []int // HTTP statuses for the next requests of any path
	latency  time.Duration
}

// Start runs a fake on a random loopback port.
func Start() (*Server, error) { return StartOn("127.0.0.1:0") }

// StartOn runs a fake on addr, which must be a loopback address: the fake
// hands out identities to anyone who asks and must never face a network.
func StartOn(addr string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("wechattest: address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("wechattest: address %q is not loopback", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("wechattest: listen: %w", err)
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), ln: ln,
		appID: DefaultAppID, secret: DefaultSecret, ttl: defaultTokenTTL, now: time.Now,
		counts: map[string]int{}, tokens: map[string]*token{}, codes: map[string]identity{},
		used: map[string]bool{}, refused: map[string]bool{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(PathStableToken, s.handleStableToken)
	mux.HandleFunc(PathCode2Session, s.handleCode2Session)
	mux.HandleFunc(PathWxacodeUnlimit, s.handleWxacode)
	mux.HandleFunc(PathSubscribeSend, s.handleSubscribe)
	s.hs = &http.Server{Handler: s.intercept(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// NewTest starts a fake for one test and closes it when the test ends.
func NewTest(t testing.TB) *Server {
	t.Helper()
	s, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// Close stops the fake at once: the listener and every connection close,
// as when WeChat is unreachable.
func (s *Server) Close() error {
	if err := s.hs.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Credentials returns the appid and secret the fake accepts.
func (s *Server) Credentials() (appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appID, s.secret
}

// SetCredentials changes the appid and secret the fake accepts, e.g. to the
// configured WECHAT_APPID in the embedded mode.
func (s *Server) SetCredentials(appID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appID, s.secret = appID, secret
}

// SetDevCodes makes jscode2session accept "dev:<name>" codes as openid
// "dev-<name>" (DESIGN §6, the embedded mode's dev login).
func (s *Server) SetDevCodes(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.devCodes = on
}

// SetTokenTTL sets the lifetime of tokens issued from now on (default 7200 s).
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ttl = d
}

// SetNow replaces the fake's clock, which decides token expiry.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// Requests returns how many requests reached path (one of the Path* constants).
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[path]
}

// FailNext makes the next API request (jscode2session, getwxacodeunlimit or
// subscribe/send; not stable_token) answer errcode. Calls queue up.
func (s *Server) FailNext(errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode = append(s.failCode, errcode)
}

// FailNextHTTP makes the next request of any path answer a bare HTTP status,
// as a broken proxy or an outage would.
func (s *Server) FailNextHTTP(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failHTTP = append(s.failHTTP, status)
}

// SetLatency delays every answer by d, to let tests pile up concurrent
// callers or run out a caller's deadline.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// intercept counts requests and applies SetLatency and FailNextHTTP before
// routing.
func (s *Server) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[r.URL.Path]++
		status, latency := 0, s.latency
		if len(s.failHTTP) > 0 {
			status, s.failHTTP = s.failHTTP[0], s.failHTTP[1:]
		}
		s.mu.Unlock()
		if latency > 0 {
			select {
			case <-time.After(latency):
			case <-r.Context().Done():
				return
			}
		}
		if status != 0 {
			http.Error(w, http.StatusText(status), status)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// injected pops an errcode queued by FailNext; 0 when none is queued.
func (s *Server) injected() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failCode) == 0 {
		return 0
	}
	code := s.failCode[0]
	s.failCode = s.failCode[1:]
	return code
}

// errmsgs are WeChat's texts for the errcodes the fake sends; WeChat appends
// " rid: ..." to each.
var errmsgs = map[int]string{
	-1:    "system error",
	40001: "invalid credential, access_token is invalid or not latest, could get access_token by getStableAccessToken, more details at https://mmbizurl.cn/s/JtxxFh33r",
	40002: "invalid grant_type",
	40003: "invalid openid",
	40013: "invalid appid",
	40014: "invalid access_token",
	40029: "invalid code,",
	40037: "invalid template_id",
	40097: "invalid args",
	40125: "invalid appsecret",
	40129: "invalid scene",
	40163: "code been used,",
	40169: "invalid length for scene, or the data is not json string",
	40226: "code blocked",
	41001: "access_token missing",
	41002: "appid missing",
	41008: "missing code",
	41030: "invalid page",
	42001: "access_token expired",
	43002: "require POST method",
	43101: "user refuse to accept the msg",
	45009: "reach max api daily quota limit",
	45011: "api minute-quota reach limit mustslower retry next minute",
	47001: "data format error",
	47003: "argument invalid!",
}

type errorBody struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// writeError answers errcode the way WeChat does: 200 OK, application/json,
// {"errcode":N,"errmsg":"text rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"}. detail, if
// any, follows the text as WeChat's hints do.
func (s *Server) writeError(w http.ResponseWriter, errcode int, detail string) {
	msg, ok := errmsgs[errcode]
	if !ok {
		msg = "unknown error"
	}
	if detail != "" {
		msg += " " + detail
	}
	s.mu.Lock()
	s.seq++
	rid := fmt.Sprintf("%08x-%08x-%08x", 0x5ca9fa4e, s.seq, uint32(s.seq)*2654435761)
	s.mu.Unlock()
	writeJSON(w, errorBody{ErrCode: errcode, ErrMsg: msg + " rid: " + rid})
}

// writeJSON answers v as compact JSON without a trailing newline.
func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_, _ = w.Write(b)
}

// decodeBody reads a JSON POST body into v, answering WeChat's errors for a
// wrong method (43002) or a body that is not JSON (47001).
func (s *Server) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if r.Method != http.MethodPost {
		s.writeError(w, 43002, "")
		return false
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		s.writeError(w, 47001, "")
		return false
	}
	return true
}
