package http_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/internal/netfault"
)

// wantUnavailable checks a prompt 503 problem naming the dependency, with a
// Retry-After, never a 500 or a hang.
func wantUnavailable(t *testing.T, api *testAPI, method, path string, body any, token, reason string) {
	t.Helper()
	start := time.Now()
	resp, out := api.do(t, method, path, body, token)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("%s %s took %s with a dependency down", method, path, took)
	}
	wantProblem(t, resp, out, http.StatusServiceUnavailable, "unavailable", reason)
	if resp.Header.Get("Retry-After") == "" {
		t.Errorf("%s %s: 503 without Retry-After", method, path)
	}
}

func wantReadiness(t *testing.T, api *testAPI, status int, down string) {
	t.Helper()
	var r readiness
	api.mustDo(t, status, "GET", "/readyz", nil, "", &r)
	for name, state := range r.Checks {
		if isDown := strings.HasPrefix(state, "down"); isDown != (name == down) {
			t.Errorf("readyz check %s = %q (want only %q down)", name, state, down)
		}
	}
}

func TestDatabaseClosedIs503(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	if err := api.DB.Close(); err != nil {
		t.Fatal(err)
	}
	wantUnavailable(t, api, "POST", "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "", "database_unavailable")
	wantUnavailable(t, api, "GET", "/v1/admin/stores", nil, admin, "database_unavailable")
	wantUnavailable(t, api, "GET", "/v1/admin/stores/DEMO01", nil, admin, "database_unavailable")
	wantReadiness(t, api, http.StatusServiceUnavailable, "database")
	api.mustDo(t, 200, "GET", "/healthz", nil, "", nil)
	if logs := api.Logs.String(); !strings.Contains(logs, `"level":"ERROR"`) || !strings.Contains(logs, "database is closed") {
		t.Errorf("the 503s were not logged as errors with their cause:\n%s", logs)
	}
}

func TestRedisClosedIs503ForLoginOnly(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	if err := api.Redis.Close(); err != nil {
		t.Fatal(err)
	}
	wantUnavailable(t, api, "POST", "/v1/admin/sessions", map[string]string{"username": "admin", "password": "scanpay-demo"}, "", "redis_unavailable")
	// Tokens are checked without Redis, so staff already logged in work on.
	api.mustDo(t, 200, "GET", "/v1/admin/stores", nil, admin, nil)
	wantReadiness(t, api, http.StatusServiceUnavailable, "redis")
}

// TestRecoversWhenDependenciesReturn cuts the server's connections to
// MariaDB and Redis (internal/netfault) and restores them: the same server answers 503 while
// they are away and serves again once they are back, with no restart.
func TestRecoversWhenDependenciesReturn(t *testing.T) {
	var dbProxy, redisProxy *netfault.Proxy
	api := newTestAPI(t, via(func(api *testAPI) {
		redisProxy = netfault.New(t, api.RedisAddr)
		// Options as wire.go sets them, so the outage costs what it costs there.
		api.Redis = goredis.NewClient(&goredis.Options{Addr: redisProxy.Addr(), DB: api.RedisDB})
		t.Cleanup(func() { _ = api.Redis.Close() })
		if api.DB.Dialect != mysql.DialectMySQL {
			return // an embedded SQLite file cannot go away
		}
		var name string
		if err := api.DB.SQL().QueryRow("SELECT DATABASE()").Scan(&name); err != nil {
			t.Fatal(err)
		}
		cfg, err := gomysql.ParseDSN(mysqltest.ServerDSN())
		if err != nil {
			t.Fatal(err)
		}
		dbProxy = netfault.New(t, cfg.Addr)
		cfg.Addr, cfg.DBName = dbProxy.Addr(), name
		db, err := mysql.Open(context.Background(), mysql.Options{DSN: cfg.FormatDSN(), MaxOpenConns: 4, MaxIdleConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close() })
		api.DB = db
	}))
	login := map[string]string{"username": "admin", "password": "scanpay-demo"}
	admin := api.login(t, "admin", "scanpay-demo")

	redisProxy.SetDown(true)
	wantUnavailable(t, api, "POST", "/v1/admin/sessions", login, "", "redis_unavailable")
	wantReadiness(t, api, http.StatusServiceUnavailable, "redis")
	redisProxy.SetDown(false)
	eventually(t, api, "POST", "/v1/admin/sessions", login, "", http.StatusCreated)
	eventually(t, api, "GET", "/readyz", nil, "", http.StatusOK)

	if dbProxy == nil {
		t.Log("database is SQLite: database outage part skipped")
		return
	}
	dbProxy.SetDown(true)
	wantUnavailable(t, api, "GET", "/v1/admin/stores", nil, admin, "database_unavailable")
	wantUnavailable(t, api, "POST", "/v1/admin/sessions", login, "", "database_unavailable")
	wantReadiness(t, api, http.StatusServiceUnavailable, "database")
	dbProxy.SetDown(false)
	eventually(t, api, "GET", "/v1/admin/stores", nil, admin, http.StatusOK)
	eventually(t, api, "POST", "/v1/admin/sessions", login, "", http.StatusCreated)
	eventually(t, api, "GET", "/readyz", nil, "", http.StatusOK)
}

// eventually retries a request for a few seconds until it gets want; a
// pooled connection broken by the outage may cost one more 503.
func eventually(t *testing.T, api *testAPI, method, path string, body any, token string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, out := api.do(t, method, path, body, token)
		if resp.StatusCode == want {
			return
		}
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s %s after the outage: %d %s, want %d (or 503 while reconnecting)", method, path, resp.StatusCode, out, want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s still %d %s 5s after the dependency returned", method, path, resp.StatusCode, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
