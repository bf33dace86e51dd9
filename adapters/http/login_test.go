package http_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLoginAnswersTokenStaffAndExpiry(t *testing.T) {
	api := newTestAPI(t)
	var sess struct {
		Token     string    `json:"token"`
		ExpiresAt string    `json:"expires_at"`
		Staff     staffJSON `json:"staff"`
	}
	api.mustDo(t, 201, "POST", "/v1/admin/sessions", map[string]string{"username": " Manager1", "password": "scanpay-demo"}, "", &sess)
	exp, err := time.Parse(time.RFC3339, sess.ExpiresAt)
	if err != nil || exp.Location() != time.UTC || time.Until(exp) < testTokenTTL-time.Minute || time.Until(exp) > testTokenTTL {
		t.Errorf("expires_at %q, want RFC 3339 UTC about %s ahead", sess.ExpiresAt, testTokenTTL)
	}
	if sess.Token == "" || sess.Staff.Username != "manager1" || sess.Staff.Role != "manager" ||
		!slices.Equal(sess.Staff.StoreCodes, []string{"DEMO01"}) {
		t.Errorf("session %+v", sess)
	}
	var me staffJSON
	api.mustDo(t, 200, "GET", "/v1/admin/me", nil, sess.Token, &me)
	if me.ID != sess.Staff.ID {
		t.Errorf("/me is %s, the login said %s", me.ID, sess.Staff.ID)
	}
}

func TestWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	api := newTestAPI(t)
	r1, b1 := api.loginResp(t, "admin", "not-the-password")
	r2, b2 := api.loginResp(t, "no-such-user", "not-the-password")
	p1 := wantProblem(t, r1, b1, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	p2 := wantProblem(t, r2, b2, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	p1.RequestID, p2.RequestID = "", ""
	if p1.Type != p2.Type || p1.Title != p2.Title || p1.Detail != p2.Detail || len(p1.Fields) != 0 || len(p2.Fields) != 0 {
		t.Errorf("answers differ:\n wrong password %+v\n unknown user   %+v", p1, p2)
	}
	var k1, k2 map[string]any
	_ = json.Unmarshal(b1, &k1)
	_ = json.Unmarshal(b2, &k2)
	if a, b := slices.Sorted(maps.Keys(k1)), slices.Sorted(maps.Keys(k2)); !slices.Equal(a, b) {
		t.Errorf("JSON keys differ: %q vs %q", a, b)
	}
	if r1.Header.Get("WWW-Authenticate") != r2.Header.Get("WWW-Authenticate") || r1.Header.Get("Set-Cookie") != "" {
		t.Errorf("headers differ or a cookie was set on a failed login")
	}
}

// retryAfter reads a 429's Retry-After, which must be whole seconds > 0.
func retryAfter(t *testing.T, resp *http.Response, max int) int {
	t.Helper()
	n, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || n < 1 || n > max {
		t.Errorf("Retry-After %q, want whole seconds in 1..%d", resp.Header.Get("Retry-After"), max)
	}
	return n
}

func TestLoginRateLimitPerUsername(t *testing.T) {
	const perUser = 3
	api := newTestAPI(t, withLimits(1000, perUser))
	for i := range perUser {
		// The username's case does not dodge the count.
		user := []string{"admin", "ADMIN", " Admin "}[i]
		resp, body := api.loginResp(t, user, "guess-"+strconv.Itoa(i))
		wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	}
	// Now even the right password is refused until the window ends.
	resp, body := api.loginResp(t, "admin", "scanpay-demo")
	wantProblem(t, resp, body, http.StatusTooManyRequests, "rate_limited", "login_rate_limited_user")
	retryAfter(t, resp, 60)
	if resp.Header.Get("Set-Cookie") != "" {
		t.Error("a refused login set a cookie")
	}
	// Other accounts are not affected.
	api.login(t, "manager1", "scanpay-demo")
}

func TestSuccessfulLoginsDoNotCountAgainstTheUsername(t *testing.T) {
	api := newTestAPI(t, withLimits(1000, 2))
	for range 5 {
		api.login(t, "clerk1", "scanpay-demo")
	}
	resp, body := api.loginResp(t, "clerk1", "wrong-one")
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	api.login(t, "clerk1", "scanpay-demo")
}

func TestLoginRateLimitPerIP(t *testing.T) {
	const perIP = 3
	api := newTestAPI(t, withLimits(perIP, 1000))
	token := api.login(t, "admin", "scanpay-demo")
	for _, user := range []string{"manager1", "nobody-here"} {
		api.loginResp(t, user, "whatever-it-is")
	}
	// Every attempt counts per IP, successful or not, and for any username.
	resp, body := api.loginResp(t, "clerk1", "scanpay-demo")
	wantProblem(t, resp, body, http.StatusTooManyRequests, "rate_limited", "login_rate_limited_ip")
	retryAfter(t, resp, 60)
	// The limit is on logging in, not on using a token.
	api.mustDo(t, 200, "GET", "/v1/admin/stores", nil, token, nil)
}

func TestTwoAPIProcessesShareLoginLimits(t *testing.T) {
	t.Run("per username", func(t *testing.T) {
		a := newTestAPI(t, withLimits(1000, 3))
		b := newTestAPI(t, withLimits(1000, 3), sharing(a))
		a.loginResp(t, "manager1", "guess-1")
		b.loginResp(t, "manager1", "guess-2")
		a.loginResp(t, "manager1", "guess-3")
		for name, api := range map[string]*testAPI{"a": a, "b": b} {
			resp, body := api.loginResp(t, "manager1", "scanpay-demo")
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Errorf("process %s let manager1 in after 3 failures spread over two processes: %d %s", name, resp.StatusCode, body)
			}
		}
		// A token from one process opens the other: same secret, same database.
		token := a.login(t, "admin", "scanpay-demo")
		b.mustDo(t, 200, "GET", "/v1/admin/me", nil, token, nil)
	})
	t.Run("per IP", func(t *testing.T) {
		a := newTestAPI(t, withLimits(4, 1000))
		b := newTestAPI(t, withLimits(4, 1000), sharing(a))
		a.login(t, "admin", "scanpay-demo")
		b.login(t, "admin", "scanpay-demo")
		a.login(t, "clerk1", "scanpay-demo")
		b.login(t, "clerk1", "scanpay-demo")
		resp, body := a.loginResp(t, "manager1", "scanpay-demo")
		wantProblem(t, resp, body, http.StatusTooManyRequests, "rate_limited", "login_rate_limited_ip")
		resp, body = b.loginResp(t, "manager1", "scanpay-demo")
		wantProblem(t, resp, body, http.StatusTooManyRequests, "rate_limited", "login_rate_limited_ip")
	})
}

func TestPasswordsAreNeverLogged(t *testing.T) {
	api := newTestAPI(t, withLimits(1000, 2))
	secrets := []string{"scanpay-demo", "Wr0ng-Pa55-zz9", "Creat3d-Pa55-qq7", "Chang3d-Pa55-ww8", "0nly-Pa55-xx1", "Typ0-Pa55-rr4"}
	admin := api.login(t, "admin", "scanpay-demo")
	api.loginResp(t, "admin", "Wr0ng-Pa55-zz9")
	api.loginResp(t, "ghost-user", "Wr0ng-Pa55-zz9")
	api.loginResp(t, "admin", "Wr0ng-Pa55-zz9") // now over the username limit: 429
	api.do(t, "POST", "/v1/admin/sessions", map[string]string{"password": "0nly-Pa55-xx1"}, "")
	api.do(t, "POST", "/v1/admin/sessions", `{"username":"admin","password":"Typ0-Pa55-rr4","extra":1}`, "")
	api.do(t, "POST", "/v1/admin/sessions", `{"username":"admin","password":"Typ0-Pa55-rr4"`, "")
	var st staffJSON
	api.mustDo(t, 201, "POST", "/v1/admin/staff", map[string]any{"username": "logged", "password": "Creat3d-Pa55-qq7",
		"role": "clerk", "store_codes": []string{"DEMO01"}}, admin, &st)
	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+st.ID, map[string]any{"password": "Chang3d-Pa55-ww8"}, admin, nil)
	api.login(t, "logged", "Chang3d-Pa55-ww8")

	logs := api.Logs.String()
	if n := strings.Count(logs, `"route":"/v1/admin/sessions"`); n < 7 {
		t.Fatalf("the log capture saw %d login requests, want 7 or more:\n%s", n, logs)
	}
	for _, pw := range secrets {
		if strings.Contains(logs, pw) {
			t.Errorf("the log shows password %q:\n%s", pw, logs)
		}
	}
	if strings.Contains(logs, "$2a$") || strings.Contains(logs, admin) {
		t.Errorf("the log shows a password hash or a token:\n%s", logs)
	}
}

// TestParallelGuessesStayWithinTheUsernameLimit fires guesses at one
// account at once: no more than PerUsername of them may reach the password
// check. A check-then-count limiter let 13-18 of 30 through with a limit of
// 3; the count must happen atomically before the password is checked.
func TestParallelGuessesStayWithinTheUsernameLimit(t *testing.T) {
	const perUser, attempts = 3, 30
	api := newTestAPI(t, withLimits(1000, perUser))
	statuses := make(chan int, attempts)
	var wg sync.WaitGroup
	for range attempts {
		wg.Go(func() {
			resp, _ := api.loginResp(t, "admin", "wrong-guess")
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	checked := 0
	for s := range statuses {
		if s == http.StatusUnauthorized {
			checked++
		} else if s != http.StatusTooManyRequests {
			t.Errorf("status %d, want 401 or 429", s)
		}
	}
	if checked > perUser {
		t.Errorf("%d of %d parallel guesses were checked, want at most %d", checked, attempts, perUser)
	}
}
