package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"
)

// token is one issued access token.
type token struct {
	expires     time.Time
	expired     bool // ExpireTokens: answers 42001 before its time
	invalidated bool // force refresh or InvalidateTokens: answers 40001
}

type stableTokenRequest struct {
	GrantType    string `json:"grant_type"`
	AppID        string `json:"appid"`
	Secret       string `json:"secret"`
	ForceRefresh bool   `json:"force_refresh"`
}

type stableTokenAnswer struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
}

// handleStableToken is POST /cgi-bin/stable_token. Like WeChat, the normal
// mode hands back the current token while it has more than 5 minutes left
// and a new one after; force_refresh invalidates the current token at once.
func (s *Server) handleStableToken(w http.ResponseWriter, r *http.Request) {
	var req stableTokenRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	s.mu.Lock()
	appID, secret := s.appID, s.secret
	s.mu.Unlock()
	switch {
	case req.AppID == "":
		s.writeError(w, 41002, "")
		return
	case req.AppID != appID:
		s.writeError(w, 40013, "")
		return
	case req.Secret != secret:
		s.writeError(w, 40125, "")
		return
	case req.GrantType != "client_credential":
		s.writeError(w, 40002, "")
		return
	}

	s.mu.Lock()
	now := s.now()
	if req.ForceRefresh {
		s.forced++
		if cur := s.tokens[s.current]; cur != nil {
			cur.invalidated = true
		}
	}
	cur := s.tokens[s.current]
	if cur == nil || cur.expired || cur.invalidated || cur.expires.Sub(now) <= stableRenewalWindow {
		s.current = newToken()
		cur = &token{expires: now.Add(s.ttl)}
		s.tokens[s.current] = cur
	}
	ans := stableTokenAnswer{AccessToken: s.current, ExpiresIn: int(cur.expires.Sub(now) / time.Second)}
	s.mu.Unlock()
	writeJSON(w, ans)
}

// checkToken answers WeChat's error and returns false unless the request
// carries a live access token: none is 41001, an unknown or invalidated one
// 40001, an expired one 42001.
func (s *Server) checkToken(w http.ResponseWriter, r *http.Request) bool {
	tok := r.URL.Query().Get("access_token")
	if tok == "" {
		s.writeError(w, 41001, "")
		return false
	}
	s.mu.Lock()
	t, now := s.tokens[tok], s.now()
	code := 0
	switch {
	case t == nil || t.invalidated:
		code = 40001
	case t.expired || !now.Before(t.expires):
		code = 42001
	}
	s.mu.Unlock()
	if code != 0 {
		s.writeError(w, code, "")
		return false
	}
	return true
}

// ExpireTokens makes every token issued so far expired (42001); the next
// stable_token call, in either mode, issues a new one.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.expired = true
	}
}

// InvalidateTokens makes every token issued so far invalid (40001), as when
// another server force-refreshed the app's token; the next stable_token call
// issues a new one.
func (s *Server) InvalidateTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tokens {
		t.invalidated = true
	}
}

// ForcedRefreshes returns how many stable_token calls asked force_refresh.
func (s *Server) ForcedRefreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forced
}

// CurrentToken returns the token stable_token would hand out now, or "".
func (s *Server) CurrentToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current
}

// newToken returns a random token shaped like WeChat's (digits, letters,
// '_' and '-', well over 100 characters).
func newToken() string {
	b := make([]byte, 64)
	_, _ = rand.Read(b)
	return "90_" + hex.EncodeToString(b)
}
