package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/adapters/bcrypt"
	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	redisadapter "github.com/scanpay/scanpay/adapters/redis"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/docs"
)

const (
	testJWTSecret = "test-secret-0123456789abcdef-0123456789"
	testTokenTTL  = time.Hour
	// problemType is the media type of every error answer (RFC 9457).
	problemType = "application/problem+json"
)

// testAPI is a Server wired like main wires it, on a fresh database and a
// Redis key space of the test's own, with the demo seed applied.
type testAPI struct {
	Srv       *httpapi.Server
	DB        *mysql.DB
	Redis     *goredis.Client
	RedisAddr string
	RedisDB   int
	// Logs holds what the server logged, as JSON lines.
	Logs *syncBuffer
	// Imports runs catalog import jobs, which tests call directly.
	Imports *app.Imports
	// WeChat is the fake WeChat server the entry codes come from.
	WeChat    *wechattest.Server
	*orderKit // checkout, payments and the fake WeChat Pay (orders_harness_test.go)
	*exitKit  // exit passes and checks, their clock (exitchecks_harness_test.go)
}

// miniProgram starts the fake WeChat server and the real client on it.
func (a *testAPI) miniProgram(t testing.TB) *wechat.Client {
	a.WeChat = wechattest.NewTest(t)
	appID, secret := a.WeChat.Credentials()
	return wechat.New(wechat.Config{AppID: appID, Secret: secret, BaseURL: a.WeChat.URL})
}

// harness collects the knobs a test may turn before the server is built.
type harness struct {
	limits  app.LoginLimits
	scan    app.ScanLimits
	opts    httpapi.Options
	checks  func(api *testAPI) []httpapi.Check
	queues  func(api *testAPI) http.Handler
	shareOf *testAPI
	node    int
	// via, when set, swaps the database and Redis the server uses after
	// the seed, e.g. for connections through a proxy a test can cut.
	via    func(api *testAPI)
	devPay func(ctx context.Context, orderNo string) error // withDevPay
}

type option func(*harness)

// withLimits sets the login rate limits.
func withLimits(perIP, perUser int) option {
	return func(h *harness) { h.limits.PerIP, h.limits.PerUsername = perIP, perUser }
}

// withScanLimit sets the per-shopper scan rate limit.
func withScanLimit(n int, window time.Duration) option {
	return func(h *harness) { h.scan = app.ScanLimits{PerShopper: n, Window: window} }
}

// withTrustedProxies sets the load balancers whose X-Forwarded-For counts.
func withTrustedProxies(list ...string) option {
	return func(h *harness) { h.opts.TrustedProxies = list }
}

// withBodyLimit sets the request body limit in bytes.
func withBodyLimit(n int) option { return func(h *harness) { h.opts.BodyLimit = n } }

// withImportLimit sets the catalog CSV upload limit in bytes.
func withImportLimit(n int) option { return func(h *harness) { h.opts.ImportBodyLimit = n } }

// withChecks replaces the readiness checks.
func withChecks(fn func(api *testAPI) []httpapi.Check) option {
	return func(h *harness) { h.checks = fn }
}

// withQueuesUI replaces the handler mounted at /admin/queues.
func withQueuesUI(fn func(api *testAPI) http.Handler) option {
	return func(h *harness) { h.queues = fn }
}

// sharing builds a second API process on other's database and Redis, the
// way several API processes run behind a load balancer.
func sharing(other *testAPI) option {
	return func(h *harness) { h.shareOf, h.node = other, 2 }
}

// via lets fn replace api.DB and api.Redis after the demo seed ran on the
// originals, so the server talks to the same data by another way.
func via(fn func(api *testAPI)) option { return func(h *harness) { h.via = fn } }

// newTestAPI builds the server with real repositories, the real Redis rate
// limiter, bcrypt at its minimum cost and JWT with a test secret.
func newTestAPI(t testing.TB, opts ...option) *testAPI {
	t.Helper()
	h := harness{
		limits: app.LoginLimits{PerIP: 1000, PerUsername: 1000, Window: time.Minute},
		scan:   app.ScanLimits{PerShopper: 10000, Window: time.Minute},
		opts:   httpapi.Options{BodyLimit: 1 << 20},
		node:   1,
	}
	for _, o := range opts {
		o(&h)
	}
	api := &testAPI{Logs: &syncBuffer{}}
	if o := h.shareOf; o != nil {
		api.DB, api.Redis, api.RedisAddr, api.RedisDB = o.DB, o.Redis, o.RedisAddr, o.RedisDB
	} else {
		api.DB = mysqltest.Open(t)
		api.RedisAddr, api.RedisDB = redistest.Addr(t)
		api.Redis = goredis.NewClient(&goredis.Options{Addr: api.RedisAddr, DB: api.RedisDB})
		t.Cleanup(func() { _ = api.Redis.Close() })
	}

	ctx := context.Background()
	ids, err := idgen.New(h.node, 0)
	if err != nil {
		t.Fatal(err)
	}
	clock := app.SystemClock{}
	hasher := bcrypt.New(bcrypt.MinCost)
	if h.shareOf == nil {
		seeder := app.NewSeeder(api.DB, mysql.SeedRepos(api.DB), hasher, ids, clock)
		if _, err := seeder.SeedDemo(ctx); err != nil {
			t.Fatalf("demo seed: %v", err)
		}
	}
	if h.via != nil {
		h.via(api)
	}
	storeRepo, staffRepo := mysql.NewStoreRepo(api.DB), mysql.NewStaffRepo(api.DB)
	auth, err := app.NewStaffAuth(staffRepo, hasher, jwt.New(testJWTSecret, testTokenTTL),
		redisadapter.NewRateLimiter(api.Redis, "scanpay:rl:"), clock, h.limits)
	if err != nil {
		t.Fatal(err)
	}
	checks := []httpapi.Check{
		{Name: "database", Ping: api.DB.Ping},
		{Name: "redis", Ping: func(ctx context.Context) error { return api.Redis.Ping(ctx).Err() }},
	}
	if h.checks != nil {
		checks = h.checks(api)
	}
	var queues http.Handler
	if h.queues != nil {
		queues = h.queues(api)
	}
	productRepo, itemRepo := mysql.NewProductRepo(api.DB), mysql.NewStoreItemRepo(api.DB)
	outbox := mysql.NewOutboxRepo(api.DB, ids, clock)
	bulkRepo := mysql.NewCatalogBulkRepo(api.DB)
	api.Imports = app.NewImports(app.ImportsDeps{Tx: api.DB, Imports: mysql.NewImportRepo(api.DB), Catalog: bulkRepo,
		Stores: storeRepo, Staff: staffRepo, Outbox: outbox, IDs: ids, Clock: clock})
	// One WeChat client and fake serve entry codes and shopper logins (shoppers_test.go).
	mp, shoppers, visits := api.shopperUseCases(t, h.limits, ids, clock, storeRepo)
	api.Srv = httpapi.New(api.withOrders(t, &h, ids, clock, httpapi.Deps{
		Shoppers:   shoppers,
		Visits:     visits,
		Auth:       auth,
		Staff:      app.NewStaffAdmin(api.DB, staffRepo, storeRepo, hasher, ids, clock),
		Stores:     app.NewStores(api.DB, storeRepo, ids, clock, mp, "pages/index/index"),
		Catalog:    app.NewCatalog(api.DB, productRepo, ids, clock),
		StoreItems: app.NewStoreItems(api.DB, storeRepo, productRepo, itemRepo, clock),
		Stock:      app.NewStock(api.DB, storeRepo, productRepo, itemRepo, mysql.NewStockRepo(api.DB), outbox, ids, clock),
		LabelRules: app.NewLabelRules(storeRepo, mysql.NewLabelRuleRepo(api.DB), itemRepo, ids, clock),
		Imports:    api.Imports,
		Exports:    app.NewExports(storeRepo, itemRepo, bulkRepo),
		Promotions: app.NewPromotions(api.DB, mysql.NewPromotionRepo(api.DB), storeRepo, ids, clock),
		Coupons:    app.NewCoupons(api.DB, mysql.NewCouponRepo(api.DB), storeRepo, mysql.NewShopperRepo(api.DB), ids, clock),
		ExitChecks: api.exitChecks(ids, storeRepo, productRepo),
		Reports:    app.NewReports(app.ReportDeps{Stores: storeRepo, Reports: mysql.NewReportRepo(api.DB), Clock: clock}),
		Carts: app.NewCarts(app.CartDeps{Tx: api.DB, Stores: storeRepo, Items: itemRepo,
			LabelRules: mysql.NewLabelRuleRepo(api.DB), Carts: mysql.NewCartRepo(api.DB), Promotions: mysql.NewPromotionRepo(api.DB),
			Coupons: mysql.NewCouponRepo(api.DB), Visits: visits, Limiter: redisadapter.NewRateLimiter(api.Redis, "scanpay:rl:"),
			IDs: ids, Clock: clock}, h.scan),
		Checks:   checks,
		Registry: prometheus.NewRegistry(),
		OpenAPI:  docs.OpenAPI,
		QueuesUI: queues,
		Log:      slog.New(slog.NewJSONHandler(api.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}), h.opts)
	return api
}

// asynqmonUI is the real queue UI on the test's Redis key space.
func asynqmonUI(t *testing.T) func(api *testAPI) http.Handler {
	return func(api *testAPI) http.Handler {
		ui := asynqmon.New(asynqmon.Options{RootPath: httpapi.QueuesPath,
			RedisConnOpt: asynq.RedisClientOpt{Addr: api.RedisAddr, DB: api.RedisDB}})
		t.Cleanup(func() { _ = ui.Close() })
		return ui
	}
}

// do sends one request through the real router with App.Test. body may be
// nil, a string or []byte sent as is, or a value encoded as JSON; headers
// are name/value pairs and override the defaults.
func (a *testAPI) do(t *testing.T, method, path string, body any, token string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	resp, err := a.Srv.App.Test(newRequest(t, method, path, body, token, headers...), -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, readBody(t, resp)
}

// doNet sends one request over a real connection to a server started by
// listen. It is for requests fasthttp refuses before routing (a body over
// the limit), where App.Test returns the refusal as an error instead of
// the answer the client gets.
func (a *testAPI) doNet(t *testing.T, baseURL, method, path string, body any, token string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req := newRequest(t, method, baseURL+path, body, token, headers...)
	req.RequestURI = ""
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp, readBody(t, resp)
}

// listen serves the app on a loopback port until the test ends.
func (a *testAPI) listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = a.Srv.App.Listener(ln)
	}()
	t.Cleanup(func() {
		if err := a.Srv.App.ShutdownWithTimeout(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		<-done
	})
	return "http://" + ln.Addr().String()
}

func newRequest(t *testing.T, method, target string, body any, token string, headers ...string) *http.Request {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		r = bytes.NewReader(raw)
	}
	req := httptest.NewRequest(method, target, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(headers)%2 != 0 {
		t.Fatalf("headers must be name/value pairs: %q", headers)
	}
	for i := 0; i < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req
}

func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return out
}

// mustDo is do that fails the test unless the status is want; it decodes
// the JSON answer into dst when dst is not nil.
func (a *testAPI) mustDo(t *testing.T, want int, method, path string, body any, token string, dst any) *http.Response {
	t.Helper()
	resp, out := a.do(t, method, path, body, token)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, out)
	}
	if dst != nil {
		if err := json.Unmarshal(out, dst); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, out, err)
		}
	}
	return resp
}

// loginResp posts a login and returns the raw answer.
func (a *testAPI) loginResp(t *testing.T, user, pass string) (*http.Response, []byte) {
	t.Helper()
	return a.do(t, http.MethodPost, "/v1/admin/sessions", map[string]string{"username": user, "password": pass}, "")
}

// login logs in and returns the bearer token.
func (a *testAPI) login(t *testing.T, user, pass string) string {
	t.Helper()
	var sess struct {
		Token string `json:"token"`
	}
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/sessions",
		map[string]string{"username": user, "password": pass}, "", &sess)
	if sess.Token == "" {
		t.Fatalf("login %s: no token", user)
	}
	return sess.Token
}

// problem decodes an error answer, checking it is problem+json whose
// status and request id agree with the response's own.
func problem(t *testing.T, resp *http.Response, body []byte) httpapi.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, problemType) {
		t.Fatalf("Content-Type %q, want %s; body %s", ct, problemType, body)
	}
	var p httpapi.Problem
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode problem %s: %v", body, err)
	}
	if p.Status != resp.StatusCode {
		t.Errorf("problem status %d, response status %d", p.Status, resp.StatusCode)
	}
	rid := resp.Header.Get("X-Request-Id")
	if rid == "" || p.RequestID != rid {
		t.Errorf("problem request_id %q, X-Request-Id header %q: want equal and set", p.RequestID, rid)
	}
	if p.Code == "" || p.Title == "" || p.Type == "" {
		t.Errorf("problem lacks code, title or type: %s", body)
	}
	return p
}

// wantProblem checks status, code and reason of an error answer.
func wantProblem(t *testing.T, resp *http.Response, body []byte, status int, code, reason string) httpapi.Problem {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d; body %s", resp.StatusCode, status, body)
	}
	p := problem(t, resp, body)
	if p.Code != code || (reason != "" && p.Reason != reason) {
		t.Errorf("code/reason %q/%q, want %q/%q; body %s", p.Code, p.Reason, code, reason, body)
	}
	return p
}

// fieldNames lists the fields a problem names.
func fieldNames(p httpapi.Problem) []string {
	out := make([]string, len(p.Fields))
	for i, f := range p.Fields {
		out[i] = f.Field
	}
	return out
}
