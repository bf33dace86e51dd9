package wechattest

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// DevCodePrefix starts the codes accepted when dev codes are on: a code
// "dev:alice" logs in as openid "dev-alice".
const DevCodePrefix = "dev:"

// CodeTTL is how long a wx.login code stays valid, as on WeChat.
const CodeTTL = 5 * time.Minute

// identity is who a login code belongs to, and when the code was issued.
type identity struct {
	openID, unionID string
	issued          time.Time
}

type code2SessionAnswer struct {
	SessionKey string `json:"session_key"`
	OpenID     string `json:"openid"`
	UnionID    string `json:"unionid,omitempty"`
}

// AddCode registers a wx.login code for openid (unionid may be ""), issued
// now by the fake's clock (SetNow). Like a real code it works once (a
// second use answers 40163) and only for CodeTTL (then 40029).
func (s *Server) AddCode(code, openID, unionID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = identity{openID: openID, unionID: unionID, issued: s.now()}
	delete(s.used, code)
}

// handleCode2Session is GET /sns/jscode2session.
func (s *Server) handleCode2Session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	appID, secret := s.appID, s.secret
	s.mu.Unlock()
	switch {
	case q.Get("appid") == "":
		s.writeError(w, 41002, "")
		return
	case q.Get("appid") != appID:
		s.writeError(w, 40013, "")
		return
	case q.Get("secret") != secret:
		s.writeError(w, 40125, "")
		return
	case q.Get("js_code") == "":
		s.writeError(w, 41008, "")
		return
	case q.Get("grant_type") != "authorization_code":
		s.writeError(w, 40002, "")
		return
	}
	if code := s.injected(); code != 0 {
		s.writeError(w, code, "")
		return
	}
	code := q.Get("js_code")
	id, errcode := s.redeem(code)
	if errcode != 0 {
		s.writeError(w, errcode, "")
		return
	}
	writeJSON(w, code2SessionAnswer{SessionKey: sessionKey(appID, code), OpenID: id.openID, UnionID: id.unionID})
}

// redeem resolves code once: 40029 for an unknown or expired code, 40163
// for a used one.
func (s *Server) redeem(code string) (identity, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name, ok := strings.CutPrefix(code, DevCodePrefix); ok && s.devCodes {
		if !validDevName(name) {
			return identity{}, 40029
		}
		return identity{openID: "dev-" + name}, 0 // reusable: a dev logs in again and again
	}
	id, ok := s.codes[code]
	if !ok {
		return identity{}, 40029
	}
	if s.used[code] {
		return identity{}, 40163
	}
	if !s.now().Before(id.issued.Add(CodeTTL)) {
		return identity{}, 40029
	}
	s.used[code] = true
	return id, 0
}

func validDevName(name string) bool {
	if name == "" || len(name) > 32 {
		return false
	}
	for _, c := range name {
		if !(c == '-' || c == '_' || ('0' <= c && c <= '9') || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')) {
			return false
		}
	}
	return true
}

// sessionKey derives a stable 16-byte key per app and code, base64 like WeChat's.
func sessionKey(appID, code string) string {
	sum := sha256.Sum256([]byte("session_key\x00" + appID + "\x00" + code))
	return base64.StdEncoding.EncodeToString(sum[:16])
}
