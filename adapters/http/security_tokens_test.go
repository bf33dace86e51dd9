package http_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
)

// TestSecurityTokens: every kind of bad bearer token is 401 problem+json
// on a representative set of staff and shopper routes (reads and writes,
// with and without ids), and the refused writes change no row.
func TestSecurityTokens(t *testing.T) {
	api := newTestAPI(t)
	staff := api.login(t, "manager1", "scanpay-demo")
	shopperTok := api.shopperInStore(t, "oTokens01")
	ord := api.placeOrder(t, shopperTok)
	line := api.scanLine(t, shopperTok, waterEAN)

	now := time.Now()
	staffClaims := func(over gojwt.MapClaims) gojwt.MapClaims {
		c := gojwt.MapClaims{"iss": "scanpay", "aud": "scanpay-staff", "sub": subjectOf(t, staff),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	shopperClaims := func(over gojwt.MapClaims) gojwt.MapClaims {
		c := gojwt.MapClaims{"iss": "scanpay", "aud": "scanpay-shopper", "sub": subjectOf(t, shopperTok),
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		for k, v := range over {
			c[k] = v
		}
		return c
	}
	hs256 := func(secret string, c gojwt.MapClaims) string {
		s, err := gojwt.NewWithClaims(gojwt.SigningMethodHS256, c).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	none := func(c gojwt.MapClaims) string {
		s, err := gojwt.NewWithClaims(gojwt.SigningMethodNone, c).SignedString(gojwt.UnsafeAllowNoneSignatureType)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// Hand-made good tokens first: the bad ones below differ from these in
	// one thing only, so each 401 is about that thing.
	api.mustDo(t, http.StatusOK, "GET", "/v1/admin/me", nil, hs256(testJWTSecret, staffClaims(nil)), nil)
	api.mustDo(t, http.StatusOK, "GET", "/v1/mp/orders", nil, hs256(testJWTSecret, shopperClaims(nil)), nil)

	type badToken struct {
		name, header string // header is the whole Authorization value
	}
	tokensFor := func(good string, claims func(gojwt.MapClaims) gojwt.MapClaims, otherKind string) []badToken {
		parts := strings.Split(good, ".")
		sig := []byte(parts[2])
		sig[len(sig)/2] ^= 0x01 // still base64url, no longer the MAC
		return []badToken{
			{"tampered signature", "Bearer " + parts[0] + "." + parts[1] + "." + string(sig)},
			{"tampered payload", "Bearer " + parts[0] + "." + parts[1][:len(parts[1])-2] + "AA." + parts[2]},
			{"alg none", "Bearer " + none(claims(nil))},
			{"alg none, signature kept", "Bearer " + strings.TrimSuffix(none(claims(nil)), ".") + "." + parts[2]},
			{"HS256 with another secret", "Bearer " + hs256("another-secret-0123456789abcdef-xyz", claims(nil))},
			{"expired", "Bearer " + hs256(testJWTSecret, claims(gojwt.MapClaims{"iat": now.Add(-2 * time.Hour).Unix(), "exp": now.Add(-time.Minute).Unix()}))},
			{"not yet valid", "Bearer " + hs256(testJWTSecret, claims(gojwt.MapClaims{"nbf": now.Add(time.Hour).Unix()}))},
			{"no expiry", "Bearer " + hs256(testJWTSecret, claims(gojwt.MapClaims{"exp": nil}))},
			{"other issuer", "Bearer " + hs256(testJWTSecret, claims(gojwt.MapClaims{"iss": "evil"}))},
			{"other kind of token", "Bearer " + otherKind},
			{"garbage", "Bearer not.a.token"},
			{"empty bearer", "Bearer "},
			{"missing Bearer scheme", good},
			{"Basic scheme", "Basic YWRtaW46c2NhbnBheS1kZW1v"},
			{"no header", ""},
		}
	}
	routes := []struct {
		method, path string
		body         any
		staff        bool
	}{
		{"GET", "/v1/admin/me", nil, true},
		{"GET", "/v1/admin/orders/" + ord.OrderNo, nil, true},
		{"PATCH", "/v1/admin/products/DRK-COLA-330", map[string]any{"name": "Hacked"}, true},
		{"PUT", "/v1/admin/stores/DEMO01/items/DRK-COLA-330", map[string]any{"price": "0.01"}, true},
		{"POST", "/v1/admin/stores/DEMO01/stock-movements", map[string]any{"sku": "DRK-COLA-330", "kind": "receive", "quantity": "5", "reason": "x"}, true},
		{"GET", "/v1/mp/orders/" + ord.OrderNo, nil, false},
		{"POST", "/v1/mp/orders/" + ord.OrderNo + "/cancel", nil, false},
		{"POST", cartPath + "/scans", map[string]any{"barcode": colaEAN}, false},
		{"PATCH", cartPath + "/lines/" + line, map[string]any{"quantity": 9}, false},
		{"GET", "/v1/mp/coupons", nil, false},
	}
	staffBad := tokensFor(staff, staffClaims, shopperTok)
	shopperBad := tokensFor(shopperTok, shopperClaims, staff)
	before := dbFingerprint(t, api)
	for _, r := range routes {
		bad := shopperBad
		if r.staff {
			bad = staffBad
		}
		for _, tok := range bad {
			t.Run(r.method+" "+r.path+" "+tok.name, func(t *testing.T) {
				resp, body := api.do(t, r.method, r.path, r.body, "", "Authorization", tok.header)
				wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "")
				if strings.Contains(string(body), testJWTSecret) {
					t.Errorf("the answer shows the secret: %s", body)
				}
			})
		}
	}
	unchanged(t, api, before, "requests with bad tokens")
}

// subjectOf reads the subject of a token we issued (no verification: the
// test only copies it into hand-made tokens).
func subjectOf(t *testing.T, token string) string {
	t.Helper()
	var c gojwt.RegisteredClaims
	if _, _, err := gojwt.NewParser().ParseUnverified(token, &c); err != nil || c.Subject == "" {
		t.Fatalf("token %q: %v", token, err)
	}
	return c.Subject
}
