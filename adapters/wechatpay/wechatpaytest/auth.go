package wechatpaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// AuthScheme is the Authorization scheme of WeChat Pay v3 requests.
const AuthScheme = "WECHATPAY2-SHA256-RSA2048"

// MaxClockSkew is how far a request's signed timestamp may be from the
// fake's clock, as on WeChat Pay.
const MaxClockSkew = 300 * time.Second

// parseAuthorization splits `WECHATPAY2-SHA256-RSA2048 k="v",k="v",...` into
// its parameters, in any order, values quoted or not.
func parseAuthorization(header string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(header), AuthScheme)
	if !ok || (rest != "" && rest[0] != ' ') {
		return nil, fmt.Errorf("authorization scheme is not %s", AuthScheme)
	}
	params := map[string]string{}
	for rest = strings.TrimLeft(rest, " ,"); rest != ""; rest = strings.TrimLeft(rest, " ,") {
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return nil, errors.New("malformed authorization parameters")
		}
		key := strings.TrimSpace(rest[:eq])
		rest = strings.TrimLeft(rest[eq+1:], " ")
		var val string
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return nil, errors.New("unterminated quoted value in authorization")
			}
			val, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexByte(rest, ',')
			if end < 0 {
				end = len(rest)
			}
			val, rest = strings.TrimSpace(rest[:end]), rest[end:]
		}
		if _, dup := params[key]; dup {
			return nil, fmt.Errorf("authorization parameter %s repeated", key)
		}
		params[key] = val
	}
	return params, nil
}

// requestMessage is what a merchant signs for one request.
func requestMessage(method, pathWithQuery, timestamp, nonce string, body []byte) string {
	return method + "\n" + pathWithQuery + "\n" + timestamp + "\n" + nonce + "\n" + string(body) + "\n"
}

// authenticate checks the request's Authorization: the merchant id and
// certificate serial of s.keys, a timestamp within MaxClockSkew, and a
// signature by the merchant key over method, path with query, timestamp,
// nonce and body.
func (s *Server) authenticate(r *http.Request, body []byte) error {
	p, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return err
	}
	for _, k := range []string{"mchid", "nonce_str", "signature", "timestamp", "serial_no"} {
		if p[k] == "" {
			return fmt.Errorf("authorization lacks %s", k)
		}
	}
	if p["mchid"] != s.keys.MchID {
		return fmt.Errorf("mchid %q is not this merchant", p["mchid"])
	}
	if p["serial_no"] != s.keys.MerchantSerial {
		return fmt.Errorf("serial_no %q is not the merchant certificate", p["serial_no"])
	}
	ts, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil {
		return errors.New("timestamp is not unix seconds")
	}
	if d := s.clock().Sub(time.Unix(ts, 0)); d > MaxClockSkew || d < -MaxClockSkew {
		return fmt.Errorf("timestamp %d is %s away from now", ts, d)
	}
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	msg := requestMessage(r.Method, uri, p["timestamp"], p["nonce_str"], body)
	return verifySHA256(&s.keys.MerchantKey.PublicKey, msg, p["signature"])
}

// signHeaders returns the four Wechatpay-* headers over body, signed by key
// at ts, as WeChat Pay puts them on responses and notifications.
func signHeaders(keyID string, sign func(string) (string, error), ts time.Time, body []byte) (http.Header, error) {
	h := http.Header{}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	nonce := strings.ToUpper(randHex(16))
	sig, err := sign(stamp + "\n" + nonce + "\n" + string(body) + "\n")
	if err != nil {
		return nil, err
	}
	h.Set("Wechatpay-Serial", keyID)
	h.Set("Wechatpay-Timestamp", stamp)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Signature", sig)
	h.Set("Wechatpay-Signature-Type", AuthScheme)
	return h, nil
}

// writeSigned answers a 2xx: body (none for 204) signed with the platform
// key at the fake's clock, plus a Request-ID.
func (s *Server) writeSigned(w http.ResponseWriter, status int, body []byte) {
	h, err := signHeaders(s.keys.PlatformKeyID, func(m string) (string, error) {
		return signSHA256(s.keys.PlatformKey, m)
	}, s.clock(), body)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "SYSTEM_ERROR", err.Error())
		return
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Request-ID", requestID())
	if len(body) > 0 {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeSignedJSON answers 200 with v as JSON, signed.
func (s *Server) writeSignedJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "SYSTEM_ERROR", err.Error())
		return
	}
	s.writeSigned(w, http.StatusOK, b)
}

// apiError is WeChat Pay's error body.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// writeError answers an error as WeChat Pay does: the status, a JSON
// {"code","message"} body and a Request-ID, unsigned.
func writeError(w http.ResponseWriter, status int, code, message string) {
	b, _ := json.Marshal(apiError{Code: code, Message: message})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Request-ID", requestID())
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func requestID() string { return strings.ToUpper(randHex(20)) }
