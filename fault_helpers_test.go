package main

// Shared pieces of the fault tests (fault_*_test.go, issue 8): a whole
// payment environment whose database and Redis can be cut, a client that
// is safe to use from many goroutines and keeps every answer that breaks
// the "503 unavailable, never 500, never hang" contract, and the payment
// invariants checked in SQL at the end of every fault test.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/internal/netfault"
)

// faultSetup is everything a scanpay process needs to take payments on
// MariaDB and Redis, not yet started: tests start one process in-process
// (startService) or several as children, all from env.
type faultSetup struct {
	env     env     // HTTP_ADDR and WECHATPAY_NOTIFY_BASE name the first API
	db      *sql.DB // straight to MariaDB, never through dbProxy
	dbName  string  // the throwaway database, to find its connections
	wechat  *wechattest.Server
	pay     *wechatpaytest.Server
	redis   *netfault.Proxy // between the service and Redis
	dbProxy *netfault.Proxy // between the service and MariaDB; nil unless asked for
	redisDB int
	redisAt string // Redis itself (not the proxy)
}

// newFaultSetup is newPaySetup for the fault tests, whose many shoppers
// all log in from 127.0.0.1.
func newFaultSetup(t *testing.T, proxyDB bool) *faultSetup {
	t.Helper()
	s := newPaySetup(t, proxyDB)
	s.env["SHOPPER_LOGIN_IP_LIMIT"] = "1000000"
	return s
}

// newPaySetup prepares a throwaway database, a Redis DB behind a fault
// proxy, fake WeChat and WeChat Pay servers and the environment naming
// them. With proxyDB the service reaches MariaDB through a fault proxy too.
// Off CI without MariaDB it skips (on CI mysqltest.Open fails the test
// first), like the other tests on real servers.
func newPaySetup(t *testing.T, proxyDB bool) *faultSetup {
	t.Helper()
	if !mysqltest.MariaDBAvailable() {
		mysqltest.Open(t) // fails on CI, warns elsewhere
		t.Skip("MariaDB not available off CI")
	}
	wx := wechattest.NewTest(t)
	appID, secret := wx.Credentials()
	keys, err := wechatpaytest.GenerateKeys(appID, "1900000109")
	if err != nil {
		t.Fatal(err)
	}
	pay, err := wechatpaytest.Start(keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pay.Close() })
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "apiclient_key.pem"), filepath.Join(dir, "pub_key.pem")
	if err := os.WriteFile(keyFile, keys.MerchantKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, keys.PlatformPublicKeyPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	redisAddr, redisDB := redistest.Addr(t)
	rproxy := netfault.New(t, redisAddr)
	dsn := mysqltest.CreateDatabase(t)
	cfg, err := gomysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	s := &faultSetup{db: db, dbName: cfg.DBName, wechat: wx, pay: pay, redis: rproxy, redisDB: redisDB, redisAt: redisAddr}
	serviceDSN := dsn
	if proxyDB {
		s.dbProxy = netfault.New(t, cfg.Addr)
		proxied := cfg.Clone()
		proxied.Addr = s.dbProxy.Addr()
		serviceDSN = proxied.FormatDSN()
	}
	httpAddr := freeAddr(t)
	s.env = env{"HTTP_ADDR": httpAddr, "MYSQL_DSN": serviceDSN, "REDIS_ADDR": rproxy.Addr(), "REDIS_DB": strconv.Itoa(redisDB),
		"JWT_SECRET": "test-secret-that-is-long-enough-0123456789", "DEMO_SEED": "true", "LOG_FORMAT": "json",
		"EXIT_PASS_SECRET": "test-exit-pass-secret-0123456789abcdef",
		"OUTBOX_INTERVAL":  "100ms", "WECHAT_APPID": appID, "WECHAT_SECRET": secret, "WECHAT_API_BASE": wx.URL,
		"WECHATPAY_MCHID": keys.MchID, "WECHATPAY_MERCHANT_SERIAL": keys.MerchantSerial,
		"WECHATPAY_MERCHANT_KEY_FILE": keyFile, "WECHATPAY_PUBLIC_KEY_ID": keys.PlatformKeyID,
		"WECHATPAY_PUBLIC_KEY_FILE": pubFile, "WECHATPAY_APIV3_KEY": keys.APIv3Key,
		"WECHATPAY_NOTIFY_BASE": "http://" + httpAddr, "WECHATPAY_API_BASE": pay.URL}
	return s
}

// count runs a COUNT query on the test's own connection to MariaDB.
func (s *faultSetup) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// faultClient calls one scanpay API from any goroutine. It never fails the
// test itself (t.Fatal is for the test goroutine): it keeps every answer
// that breaks the outage contract — a 5xx other than 503, a 503 whose code
// is not `unavailable`, no answer within the client timeout — for the test
// to report at the end.
type faultClient struct {
	base string
	http *http.Client

	mu          sync.Mutex
	unavailable int      // 503 unavailable answers seen (the fault bit)
	broken      []string // answers that break the contract
}

func newFaultClient(base string) *faultClient {
	// REQUEST_TIMEOUT bounds every request on the server; a client that
	// waits far longer and still has no answer has found a hang.
	return &faultClient{base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

func (c *faultClient) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = append(c.broken, fmt.Sprintf(format, args...))
}

// check fails the test with the contract breaches seen, if any.
func (c *faultClient) check(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.broken) > 0 {
		t.Errorf("%d answers broke the outage contract (503 unavailable, never 500, never a hang), e.g.:\n  %s",
			len(c.broken), strings.Join(c.broken[:min(len(c.broken), 10)], "\n  "))
	}
}

func (c *faultClient) seen503() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.unavailable
}

// do sends one JSON request; code is 0 when no answer came.
func (c *faultClient) do(method, path, token string, body any, headers ...string) (int, map[string]any) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.note("%s %s: no answer: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	switch {
	case resp.StatusCode == http.StatusServiceUnavailable && out["code"] == "unavailable":
		c.mu.Lock()
		c.unavailable++
		c.mu.Unlock()
	case resp.StatusCode >= 500:
		c.note("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return resp.StatusCode, out
}

// retry repeats a request while the service answers 503 (a client's
// retry during an outage) and returns the answer when it is want.
func (c *faultClient) retry(want int, method, path, token string, body any, headers ...string) (map[string]any, error) {
	return c.retryAny([]int{want}, method, path, token, body, headers...)
}

// retryAny is retry for a request with several good answers: a checkout
// retried under its Idempotency-Key is 201, or 200 when the attempt whose
// answer was lost had committed (the same order, replayed).
func (c *faultClient) retryAny(wants []int, method, path, token string, body any, headers ...string) (map[string]any, error) {
	deadline := time.Now().Add(90 * time.Second)
	for {
		code, out := c.do(method, path, token, body, headers...)
		switch {
		case slices.Contains(wants, code):
			return out, nil
		case code != http.StatusServiceUnavailable && code != 0:
			return nil, fmt.Errorf("%s %s: %d %v, want %v", method, path, code, out, wants)
		case time.Now().After(deadline):
			return nil, fmt.Errorf("%s %s: still %d after 90 s of retries", method, path, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkout is one shopper's way to an order waiting for payment, retried
// step by step through an outage: log in, open a visit, scan two cola and
// two orange juice, apply WELCOME5, check out and start the payment (the
// fake WeChat Pay then knows the order). It returns the order number.
func (c *faultClient) checkout(wx *wechattest.Server, name string) (string, error) {
	// A WeChat login code is good once, and a 503 may come after WeChat
	// took it: like the mini-program, each attempt calls wx.login anew.
	var token string
	for attempt := 0; token == ""; attempt++ {
		code := fmt.Sprintf("code-%s-%d", name, attempt)
		wx.AddCode(code, "openid-"+name, "")
		switch status, sess := c.do("POST", "/v1/mp/sessions", "", map[string]string{"code": code}); {
		case status == http.StatusCreated:
			token, _ = sess["token"].(string)
		case status != http.StatusServiceUnavailable && status != 0 || attempt > 900:
			return "", fmt.Errorf("POST /v1/mp/sessions: %d %v", status, sess)
		default:
			time.Sleep(100 * time.Millisecond)
		}
	}
	if _, err := c.retry(http.StatusCreated, "POST", "/v1/mp/visits", token, map[string]string{"store_code": "DEMO01"}); err != nil {
		return "", err
	}
	for _, body := range []string{"692451300104", "692451300401"} {
		code := body + strconv.Itoa(domain.GS1CheckDigit(body))
		if _, err := c.retry(http.StatusCreated, "POST", "/v1/mp/stores/DEMO01/cart/scans", token,
			map[string]any{"barcode": code, "quantity": 2}); err != nil {
			return "", err
		}
	}
	if _, err := c.retry(http.StatusOK, "PUT", "/v1/mp/stores/DEMO01/cart/coupon", token, map[string]string{"code": "WELCOME5"}); err != nil {
		return "", err
	}
	cart, err := c.retry(http.StatusOK, "GET", "/v1/mp/stores/DEMO01/cart", token, nil)
	if err != nil {
		return "", err
	}
	// The same Idempotency-Key on every retry: a checkout that committed
	// before its answer was lost comes back as the same order.
	ord, err := c.retryAny([]int{http.StatusCreated, http.StatusOK}, "POST", "/v1/mp/orders", token,
		map[string]any{"store_code": "DEMO01", "cart_version": cart["version"]}, "Idempotency-Key", "checkout-"+name)
	if err != nil {
		return "", err
	}
	orderNo, _ := ord["order_no"].(string)
	if _, err := c.retry(http.StatusOK, "POST", "/v1/mp/orders/"+orderNo+"/payments", token, nil); err != nil {
		return "", err
	}
	return orderNo, nil
}

// payAcked is the shopper paying and WeChat Pay notifying until scanpay
// acknowledges (204), as WeChat Pay retries. It returns once acknowledged.
func payAcked(pay *wechatpaytest.Server, orderNo string) error {
	deadline := time.Now().Add(90 * time.Second)
	for {
		status, err := pay.Pay(orderNo) // re-sends the notification once paid
		if err == nil && status == http.StatusNoContent {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("notification for %s never acknowledged: %d %v", orderNo, status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// paidStatuses are the order states that mean "money applied".
const paidStatuses = "('paid','completed','partially_refunded','refunded')"

// waitApplied waits until every order in orderNos is paid and every stored
// payment notification has been applied (its job ran to the end).
func (s *faultSetup) waitApplied(t *testing.T, orderNos []string, limit time.Duration, logs func() string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		unpaid := 0
		for _, no := range orderNos {
			if s.count(t, "SELECT COUNT(*) FROM orders WHERE order_no = ? AND status IN "+paidStatuses, no) == 0 {
				unpaid++
			}
		}
		pending := s.count(t, "SELECT COUNT(*) FROM payment_events WHERE applied_at IS NULL")
		if unpaid == 0 && pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			tail := logs()
			if len(tail) > 8000 {
				tail = tail[len(tail)-8000:]
			}
			t.Fatalf("after %s: %d of %d acknowledged orders not paid, %d notifications not applied\n%s",
				limit, unpaid, len(orderNos), pending, tail)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkPaymentInvariants checks in SQL that no payment is half applied or
// applied twice, whatever failed on the way:
//   - an order is paid ⇔ it has exactly one payments row with status
//     applied, whose transaction is the order's;
//   - a paid order has exactly one sale movement per product, of the
//     product's quantity in the order; an unpaid order has none; no sale
//     movement names anything else;
//   - per product, Σ sale movements = Σ quantities of paid order lines;
//   - every stock level equals the sum of its ledger (no lost or doubled
//     increment);
//   - a coupon is redeemed once per paid order using it, held while the
//     order waits, and never otherwise.
func (s *faultSetup) checkPaymentInvariants(t *testing.T) {
	t.Helper()
	rows := func(name, query string) {
		t.Helper()
		r, err := s.db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer r.Close()
		cols, _ := r.Columns()
		var bad []string
		for r.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for i, v := range vals {
				parts = append(parts, cols[i]+"="+v.String)
			}
			bad = append(bad, strings.Join(parts, " "))
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("invariant broken: %s (%d rows), e.g.:\n  %s", name, len(bad), strings.Join(bad[:min(len(bad), 10)], "\n  "))
		}
	}
	rows("paid ⇔ exactly one applied payment of the order's transaction", `
		SELECT o.order_no, o.status, o.transaction_id,
		       (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.status = 'applied') AS applied,
		       (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.status = 'applied'
		            AND p.transaction_id = o.transaction_id AND p.amount = o.total) AS matching
		FROM orders o
		WHERE (o.status IN `+paidStatuses+` AND ((SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.status = 'applied') <> 1
		        OR (SELECT COUNT(*) FROM payments p WHERE p.order_id = o.id AND p.status = 'applied'
		            AND p.transaction_id = o.transaction_id AND p.amount = o.total) <> 1))
		   OR (o.status NOT IN `+paidStatuses+` AND EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id AND p.status = 'applied'))`)
	rows("one sale movement per product of a paid order, of its quantity; none for unpaid orders", `
		SELECT x.order_no, x.status, x.product_id, x.qty, m.qty AS sold, m.n AS movements
		FROM (SELECT o.order_no, o.status, l.product_id, SUM(l.quantity) AS qty
		      FROM orders o JOIN order_lines l ON l.order_id = o.id
		      GROUP BY o.order_no, o.status, l.product_id) x
		LEFT JOIN (SELECT ref, product_id, -SUM(quantity) AS qty, COUNT(*) AS n
		           FROM stock_movements WHERE kind = 'sale' GROUP BY ref, product_id) m
		       ON m.ref = x.order_no AND m.product_id = x.product_id
		WHERE (x.status IN `+paidStatuses+` AND (m.n IS NULL OR m.n <> 1 OR m.qty <> x.qty))
		   OR (x.status NOT IN `+paidStatuses+` AND m.n IS NOT NULL)`)
	rows("no sale movement without a line of an order", `
		SELECT m.id, m.ref, m.product_id, m.quantity FROM stock_movements m
		WHERE m.kind = 'sale' AND NOT EXISTS (
		    SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
		    WHERE o.order_no = m.ref AND l.product_id = m.product_id)`)
	rows("per product, Σ sale movements = Σ paid order line quantities", `
		SELECT p.product_id, p.qty AS paid, COALESCE(m.qty, 0) AS sold
		FROM (SELECT l.product_id, SUM(l.quantity) AS qty FROM orders o JOIN order_lines l ON l.order_id = o.id
		      WHERE o.status IN `+paidStatuses+` GROUP BY l.product_id) p
		LEFT JOIN (SELECT product_id, -SUM(quantity) AS qty FROM stock_movements WHERE kind = 'sale' GROUP BY product_id) m
		       ON m.product_id = p.product_id
		WHERE COALESCE(m.qty, 0) <> p.qty`)
	rows("stock level = Σ its ledger", `
		SELECT l.store_id, l.product_id, l.on_hand, COALESCE(m.total, 0) AS ledger
		FROM stock_levels l
		LEFT JOIN (SELECT store_id, product_id, SUM(quantity) AS total FROM stock_movements GROUP BY store_id, product_id) m
		       ON m.store_id = l.store_id AND m.product_id = l.product_id
		WHERE l.on_hand <> COALESCE(m.total, 0)`)
	rows("coupon redeemed once per paid order, held while pending", `
		SELECT o.order_no, o.status, r.status AS redemption, (SELECT COUNT(*) FROM coupon_redemptions c WHERE c.order_no = o.order_no) AS n
		FROM orders o LEFT JOIN coupon_redemptions r ON r.order_no = o.order_no
		WHERE o.coupon_id IS NOT NULL AND (
		       (o.status IN `+paidStatuses+` AND (r.status IS NULL OR r.status <> 'redeemed'))
		    OR (o.status = 'pending_payment' AND (r.status IS NULL OR r.status <> 'held'))
		    OR (SELECT COUNT(*) FROM coupon_redemptions c WHERE c.order_no = o.order_no) <> 1)`)
	rows("no redemption without its order's coupon", `
		SELECT r.order_no, r.status FROM coupon_redemptions r
		LEFT JOIN orders o ON o.order_no = r.order_no AND o.coupon_id = r.coupon_id
		WHERE o.id IS NULL`)
}

// payingShoppers are shoppers checking out and paying in goroutines
// through a fault, each retrying what fails with 503: the orders whose
// notification was acknowledged, and the flows that failed all the same.
type payingShoppers struct {
	mu    sync.Mutex
	acked []string
	errs  []error
	wg    sync.WaitGroup
}

// startPaying starts shoppers goroutines, each paying perShopper orders of
// shoppers named prefix<g>-<i>.
func startPaying(c *faultClient, s *faultSetup, prefix string, shoppers, perShopper int) *payingShoppers {
	p := &payingShoppers{}
	for g := range shoppers {
		p.wg.Go(func() {
			for i := range perShopper {
				no, err := c.checkout(s.wechat, fmt.Sprintf("%s%d-%d", prefix, g, i))
				if err == nil {
					err = payAcked(s.pay, no)
				}
				p.record(no, err)
			}
		})
	}
	return p
}

// record keeps one flow's outcome: acknowledged, or failed with err.
func (p *payingShoppers) record(orderNo string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.errs = append(p.errs, err)
		return
	}
	p.acked = append(p.acked, orderNo)
}

// ackedN counts the acknowledged orders so far.
func (p *payingShoppers) ackedN() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// wait waits for every shopper and returns the acknowledged orders and the
// failed flows.
func (p *payingShoppers) wait() ([]string, []error) {
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.acked, p.errs
}
