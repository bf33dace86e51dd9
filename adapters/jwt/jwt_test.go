package jwt_test

import (
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/domain"
)

const secret = "0123456789abcdef0123456789abcdef"

var now = time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

func TestIssueThenVerify(t *testing.T) {
	tokens := jwt.New(secret, time.Hour)
	tok, exp, err := tokens.IssueStaff(42, now)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(time.Hour)) {
		t.Fatalf("expires %s, want %s", exp, now.Add(time.Hour))
	}
	claims, err := tokens.VerifyStaff(tok, now.Add(59*time.Minute))
	if err != nil || claims.StaffID != 42 || !claims.ExpiresAt.Equal(exp) {
		t.Fatalf("claims %+v err %v", claims, err)
	}
}

// sign builds a token by hand, to try what an attacker could send.
func sign(t *testing.T, method gojwt.SigningMethod, key any, claims gojwt.MapClaims) string {
	t.Helper()
	s, err := gojwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefuses(t *testing.T) {
	tokens := jwt.New(secret, time.Hour)
	valid := gojwt.MapClaims{"iss": "scanpay", "aud": "scanpay-staff", "sub": "42", "exp": now.Add(time.Hour).Unix()}
	with := func(k string, v any) gojwt.MapClaims {
		c := gojwt.MapClaims{}
		for key, val := range valid {
			c[key] = val
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	good, _, _ := tokens.IssueStaff(42, now)
	parts := strings.Split(good, ".")
	cases := map[string]struct {
		token  string
		reason string
	}{
		"expired":           {sign(t, gojwt.SigningMethodHS256, []byte(secret), with("exp", now.Add(-time.Second).Unix())), "token_expired"},
		"no expiry":         {sign(t, gojwt.SigningMethodHS256, []byte(secret), with("exp", nil)), "token_invalid"},
		"other secret":      {sign(t, gojwt.SigningMethodHS256, []byte("another-secret-another-secret-xx"), valid), "token_invalid"},
		"shopper audience":  {sign(t, gojwt.SigningMethodHS256, []byte(secret), with("aud", "scanpay-shopper")), "token_invalid"},
		"other issuer":      {sign(t, gojwt.SigningMethodHS256, []byte(secret), with("iss", "evil")), "token_invalid"},
		"HS512 not allowed": {sign(t, gojwt.SigningMethodHS512, []byte(secret), valid), "token_invalid"},
		"alg none":          {sign(t, gojwt.SigningMethodNone, gojwt.UnsafeAllowNoneSignatureType, valid), "token_invalid"},
		"bad subject":       {sign(t, gojwt.SigningMethodHS256, []byte(secret), with("sub", "x42")), "token_invalid"},
		"tampered payload":  {parts[0] + "." + strings.TrimRight(parts[1], "=") + "A." + parts[2], "token_invalid"},
		"garbage":           {"not-a-token", "token_invalid"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := tokens.VerifyStaff(c.token, now)
			if domain.ErrorCode(err) != domain.EUNAUTHORIZED || domain.ErrorReason(err) != c.reason {
				t.Fatalf("err = %v, want unauthorized/%s", err, c.reason)
			}
		})
	}
}
