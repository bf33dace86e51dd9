// Package wechatpaytest is a stand-in for WeChat Pay API v3, for tests and
// the embedded dev mode. It speaks the real wire protocol — RSA-SHA256
// signed requests (checked), signed responses and notifications, AES-256-GCM
// encrypted notification resources — so the real adapter and its SDK run
// unchanged against it, and it is written from the protocol alone (standard
// library only) so that it checks the adapter independently.
//
// It serves JSAPI prepay, query and close of transactions, and domestic
// refunds (create, query). Tests drive the payer's side with Pay, MarkPaid
// and the Notification builders. A Server is safe for concurrent use and
// does not depend on package testing; it listens on loopback only.
package wechatpaytest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Paths the fake serves, as on api.mch.weixin.qq.com.
const (
	PathJSAPI       = "/v3/pay/transactions/jsapi"
	PathOutTradeNo  = "/v3/pay/transactions/out-trade-no/" // + {out_trade_no}[/close]
	PathRefunds     = "/v3/refund/domestic/refunds"        // POST; GET + "/{out_refund_no}"
	maxRequestBytes = 1 << 20
)

// cst is the +08:00 zone WeChat Pay writes its times in.
var cst = time.FixedZone("CST", 8*3600)

// Server is a running fake WeChat Pay for one merchant (its Keys).
type Server struct {
	// URL is the base URL (http://127.0.0.1:port) that the SDK's transport
	// rewrites api.mch.weixin.qq.com to.
	URL string

	keys *Keys
	hs   *http.Server

	mu         sync.Mutex
	now        func() time.Time
	orders     map[string]*order
	refunds    map[string]*Refund
	fails      []failRule
	requests   int
	refundMode string
	seq        int
}

// failRule is one FailNext call not used up yet.
type failRule struct {
	prefix    string
	n, status int
	code      string
}

// Start runs a fake for keys on a random loopback port.
func Start(keys *Keys) (*Server, error) {
	if keys == nil || keys.MerchantKey == nil || keys.PlatformKey == nil {
		return nil, errors.New("wechatpaytest: incomplete keys")
	}
	if len(keys.APIv3Key) != 32 {
		return nil, fmt.Errorf("wechatpaytest: APIv3 key is %d bytes, want 32", len(keys.APIv3Key))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("wechatpaytest: listen: %w", err)
	}
	s := &Server{
		URL: "http://" + ln.Addr().String(), keys: keys, now: time.Now,
		orders: map[string]*order{}, refunds: map[string]*Refund{}, refundMode: RefundSuccess,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathJSAPI, s.handlePrepay)
	mux.HandleFunc("GET "+PathOutTradeNo+"{no}", s.handleQuery)
	mux.HandleFunc("POST "+PathOutTradeNo+"{no}/close", s.handleClose)
	mux.HandleFunc("POST "+PathRefunds, s.handleRefund)
	mux.HandleFunc("GET "+PathRefunds+"/{no}", s.handleRefundQuery)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "no such API: "+r.Method+" "+r.URL.Path)
	})
	s.hs = &http.Server{Handler: s.gate(mux), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.hs.Serve(ln) }()
	return s, nil
}

// Close stops the fake at once (listener and connections), as when WeChat
// Pay is unreachable.
func (s *Server) Close() error {
	if err := s.hs.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Keys returns the key set the fake was started with, so the embedded mode
// can configure the adapter from the running fake.
func (s *Server) Keys() *Keys { return s.keys }

// SetNow replaces the fake's clock: the timestamps it signs, the request
// timestamp window, time_expire and success/create times all follow it.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// clock returns the current time by the fake's clock.
func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// FailNext makes the next n authenticated requests whose path starts with
// pathPrefix answer status with {"code":code,"message":...}, unsigned like
// WeChat Pay's error responses (e.g. 500 SYSTEM_ERROR, 429
// FREQUENCY_LIMITED), so tests can exercise retries and outages. The
// requests still count in Requests. Calls queue up; the first matching rule
// is used.
func (s *Server) FailNext(pathPrefix string, n, status int, code string) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failRule{prefix: pathPrefix, n: n, status: status, code: code})
}

// Requests is how many authenticated API requests the fake has served, so
// tests can tell that a result was reused rather than fetched again.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// gate authenticates every request (401 SIGN_ERROR otherwise), counts it and
// applies FailNext before routing. The body is read once here and put back
// for the handler.
func (s *Server) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
		if err != nil {
			writeError(w, http.StatusBadRequest, "PARAM_ERROR", "cannot read body")
			return
		}
		if len(body) > maxRequestBytes {
			writeError(w, http.StatusRequestEntityTooLarge, "PARAM_ERROR", "body too large")
			return
		}
		if err := s.authenticate(r, body); err != nil {
			writeError(w, http.StatusUnauthorized, "SIGN_ERROR", "签名错误: "+err.Error())
			return
		}
		s.mu.Lock()
		s.requests++
		var fail *failRule
		for i := range s.fails {
			if strings.HasPrefix(r.URL.Path, s.fails[i].prefix) {
				f := s.fails[i]
				fail = &f
				if s.fails[i].n--; s.fails[i].n == 0 {
					s.fails = append(s.fails[:i], s.fails[i+1:]...)
				}
				break
			}
		}
		s.mu.Unlock()
		if fail != nil {
			writeError(w, fail.status, fail.code, "injected failure (wechatpaytest.FailNext)")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}
