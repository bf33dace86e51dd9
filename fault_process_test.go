//go:build faults && linux

// Fault tests with real processes: scanpay built as a binary and run as
// child processes, killed with SIGKILL. They take minutes (asynq only
// recovers a dead worker's task after its lease expires), so they are
// behind the `faults` build tag: `make faults` runs them, `make test` does
// not compile them.

package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

// scanpayBinary builds the service as `make build` does into the test's
// temporary directory (after the first test the build cache makes this a
// link of a few seconds).
func scanpayBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "scanpay")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is scanpay running as a process of its own (cf. loadtest.Service,
// which starts the bench's service the same way but has no SIGKILL and
// waits for HTTP, which a worker does not serve).
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// startChild runs `scanpay args...` with exactly the environment e (plus
// PATH and HOME) and its output in a file; it is stopped (SIGTERM, then
// SIGKILL) when the test ends, and the kernel kills it if the test dies.
func startChild(t *testing.T, bin, name string, e env, args ...string) *child {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	out, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range e {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { c.err = cmd.Wait(); _ = out.Close(); close(c.done) }()
	t.Cleanup(func() {
		select {
		case <-c.done:
			return
		default:
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-c.done
			t.Errorf("%s did not stop within 30 s of SIGTERM", name)
		}
	})
	return c
}

func (c *child) logs() string {
	b, _ := os.ReadFile(c.log)
	return c.name + ":\n" + string(b)
}

// waitLog waits until the child's output contains s.
func (c *child) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(c.logs(), s) {
		select {
		case <-c.done:
			t.Fatalf("%s exited (%v) before %q\n%s", c.name, c.err, s, c.logs())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q after 60 s\n%s", c.name, s, c.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitReady waits until the child's /readyz answers 200.
func (c *child) waitReady(t *testing.T, addr string) {
	t.Helper()
	waitFor(t, c.name+" ready", func() bool {
		select {
		case <-c.done:
			t.Fatalf("%s exited (%v)\n%s", c.name, c.err, c.logs())
		default:
		}
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill is SIGKILL: no shutdown, no rollback by the process, no hand-back
// of its asynq tasks; MariaDB and Redis see connections that just end.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

func withEnv(e env, kv ...string) env {
	out := env{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// A worker process is SIGKILLed in the middle of `payment:apply`: its
// transaction has already marked the order paid and written the payment
// row, and waits for a stock row the test holds locked. The task stays
// in asynq's active set with the dead worker's lease; after the lease
// expires another worker process recovers it and runs it again.
//
// Invariants (SQL): while nobody has finished the task, nothing of the
// killed attempt is visible (order unpaid, no payments row, no sale
// movement); after the retry the order is paid exactly once — one applied
// payments row, one sale movement per product, one coupon redemption, the
// notification marked applied — and checkPaymentInvariants holds.
func TestFaultWorkerKilledDuringPaymentApply(t *testing.T) {
	s := newFaultSetup(t, false)
	bin := scanpayBinary(t)
	api := startService(t, s.env, "serve") // no worker in this one
	workerEnv := withEnv(s.env, "HTTP_ADDR", freeAddr(t))
	workerA := startChild(t, bin, "worker-a", workerEnv, "worker")
	workerA.waitLog(t, "worker started")

	c := newFaultClient("http://" + api.addr)
	orderNo, err := c.checkout(s.wechat, "killed")
	if err != nil {
		t.Fatal(err)
	}
	// Hold the stock row of the order's last product (sales lock stock in
	// product order): the apply blocks there, after the order update and
	// the payment row, before its commit.
	var storeID, productID int64
	if err := s.db.QueryRow(`SELECT o.store_id, MAX(l.product_id) FROM orders o JOIN order_lines l ON l.order_id = o.id
		WHERE o.order_no = ? GROUP BY o.store_id`, orderNo).Scan(&storeID, &productID); err != nil {
		t.Fatal(err)
	}
	lock, err := s.db.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	var onHand string
	if err := lock.QueryRow("SELECT on_hand FROM stock_levels WHERE store_id = ? AND product_id = ? FOR UPDATE",
		storeID, productID).Scan(&onHand); err != nil {
		t.Fatal(err)
	}

	if err := payAcked(s.pay, orderNo); err != nil {
		t.Fatal(err)
	}
	// The worker's apply is now in its transaction: it has changed rows
	// and waits for our lock; asynq has the task in its active set.
	// Seen from the server's process list: the worker's connection is
	// executing the stock upsert. (MariaDB 10.11 does not always list a
	// transaction waiting on a FOR UPDATE lock in INNODB_TRX, so that is
	// not asked.) That the attempt's earlier writes sit in the same
	// transaction is what the check after the kill proves.
	blocked := func() bool {
		return s.count(t, `SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE DB = ? AND COMMAND = 'Query' AND INFO LIKE 'INSERT INTO %stock_levels%'`, s.dbName) == 1
	}
	for deadline := time.Now().Add(60 * time.Second); !blocked(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for payment:apply to block inside its transaction\n%s\napi:\n%s", workerA.logs(), api.out.String())
		}
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: s.redisAt, DB: s.redisDB})
	defer rdb.Close()
	if n, err := rdb.LLen(context.Background(), "asynq:{critical}:active").Result(); err != nil || n != 1 {
		t.Fatalf("asynq critical active tasks: %d, %v; want the one payment:apply", n, err)
	}

	workerA.kill(t)
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	// The killed attempt never committed: none of it may be visible.
	if st := s.count(t, "SELECT COUNT(*) FROM orders WHERE order_no = ? AND status = 'pending_payment'", orderNo); st != 1 {
		t.Fatalf("order %s is no longer pending after its worker died mid-apply", orderNo)
	}
	if n := s.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ?", orderNo) +
		s.count(t, "SELECT COUNT(*) FROM stock_movements WHERE ref = ? AND kind = 'sale'", orderNo); n != 0 {
		t.Fatalf("%d rows of the killed apply survived", n)
	}

	start := time.Now()
	workerB := startChild(t, bin, "worker-b", workerEnv, "worker")
	workerB.waitLog(t, "worker started")
	// asynq's recoverer looks for expired leases every minute and takes
	// those expired 30 s ago or more: allow three rounds.
	s.waitApplied(t, []string{orderNo}, 4*time.Minute, func() string { return workerB.logs() + api.out.String() })
	t.Logf("worker-b applied the task %s after it started", time.Since(start).Round(time.Second))

	checks := []struct {
		what  string
		query string
		want  int
	}{
		{"applied payments", "SELECT COUNT(*) FROM payments WHERE order_no = ? AND status = 'applied'", 1},
		{"sale movements", "SELECT COUNT(*) FROM stock_movements WHERE ref = ? AND kind = 'sale'", 2},
		{"coupon redemptions", "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'redeemed'", 1},
		{"applied notifications", "SELECT COUNT(*) FROM payment_events WHERE out_trade_no = ? AND applied_at IS NOT NULL", 1},
	}
	for _, c := range checks {
		if n := s.count(t, c.query, orderNo); n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
	s.checkPaymentInvariants(t)
	c.check(t)
}

// Two API processes and two worker processes share one database and one
// Redis. N orders are checked out through both APIs; then WeChat Pay's
// notifications arrive shuffled across orders: every order's notification
// twice (once at each API, the same event id) and a second notification
// with a new event id, as WeChat Pay's retries do.
//
// Invariants (SQL): each order is paid exactly once (N applied payments
// rows, one per order), 2N notification events stored and all applied;
// per product exactly 2N units sold in N movements and stock level =
// opening stock − 2N; the coupon redeemed exactly N times; plus
// checkPaymentInvariants.
func TestFaultTwoAPIsTwoWorkers(t *testing.T) {
	const orders = 500
	s := newFaultSetup(t, false)
	bin := scanpayBinary(t)
	addr1, addr2 := freeAddr(t), freeAddr(t)
	// The first API migrates and seeds before anyone else starts.
	api1 := startChild(t, bin, "api-1", withEnv(s.env, "HTTP_ADDR", addr1, "WECHATPAY_NOTIFY_BASE", "http://"+addr1, "ID_NODE", "11"), "serve")
	api1.waitReady(t, addr1)
	api2 := startChild(t, bin, "api-2", withEnv(s.env, "HTTP_ADDR", addr2, "WECHATPAY_NOTIFY_BASE", "http://"+addr2, "ID_NODE", "12"), "serve")
	api2.waitReady(t, addr2)
	w1 := startChild(t, bin, "worker-1", withEnv(s.env, "HTTP_ADDR", freeAddr(t), "ID_NODE", "13"), "worker")
	w2 := startChild(t, bin, "worker-2", withEnv(s.env, "HTTP_ADDR", freeAddr(t), "ID_NODE", "14"), "worker")
	w1.waitLog(t, "worker started")
	w2.waitLog(t, "worker started")
	logs := func() string { return tail(api1.logs()+api2.logs()+w1.logs()+w2.logs(), 8000) }
	clients := []*faultClient{newFaultClient("http://" + addr1), newFaultClient("http://" + addr2)}

	// Checkouts, 8 at a time, alternating between the APIs.
	start := time.Now()
	orderNos := make([]string, orders)
	var errs []error
	var mu sync.Mutex
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range jobs {
				no, err := clients[i%2].checkout(s.wechat, "two"+strconv.Itoa(i))
				mu.Lock()
				orderNos[i] = no
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	for i := range orders {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d checkouts failed, e.g. %v\n%s", len(errs), errs[0], logs())
	}
	t.Logf("%d orders checked out in %s", orders, time.Since(start).Round(time.Millisecond))

	// The shoppers pay; WeChat Pay's notifications come duplicated, to
	// both APIs, and in no particular order.
	type delivery struct {
		url string
		n   *wechatpaytest.Notification
	}
	var deliveries []delivery
	for _, no := range orderNos {
		if err := s.pay.MarkPaid(no, -1); err != nil {
			t.Fatal(err)
		}
		first, err := s.pay.Notification(no)
		if err != nil {
			t.Fatal(err)
		}
		retry, err := s.pay.Notification(no) // WeChat Pay's retry: a new event id
		if err != nil {
			t.Fatal(err)
		}
		deliveries = append(deliveries,
			delivery{"http://" + addr1 + "/v1/webhooks/wechatpay/transactions", first},
			delivery{"http://" + addr2 + "/v1/webhooks/wechatpay/transactions", first},
			delivery{"http://" + []string{addr1, addr2}[rand.IntN(2)] + "/v1/webhooks/wechatpay/transactions", retry})
	}
	rand.Shuffle(len(deliveries), func(i, j int) { deliveries[i], deliveries[j] = deliveries[j], deliveries[i] })
	start = time.Now()
	sends := make(chan delivery)
	for range 8 {
		wg.Go(func() {
			for d := range sends {
				status, body, err := wechatpaytest.Send(d.url, d.n)
				if err != nil || status != http.StatusNoContent {
					mu.Lock()
					errs = append(errs, fmt.Errorf("notification to %s: %d %s %v", d.url, status, body, err))
					mu.Unlock()
				}
			}
		})
	}
	for _, d := range deliveries {
		sends <- d
	}
	close(sends)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d notifications not acknowledged, e.g. %v", len(errs), errs[0])
	}
	s.waitApplied(t, orderNos, 3*time.Minute, logs)
	t.Logf("%d notifications sent and %d orders paid in %s", len(deliveries), orders, time.Since(start).Round(time.Millisecond))

	s.checkPaymentInvariants(t)
	for _, c := range clients {
		c.check(t)
	}
	exact := []struct {
		what  string
		query string
		want  int
	}{
		{"paid orders", "SELECT COUNT(*) FROM orders WHERE status = 'paid'", orders},
		{"payments rows", "SELECT COUNT(*) FROM payments", orders},
		{"orders with one applied payment", "SELECT COUNT(*) FROM (SELECT order_id FROM payments WHERE status = 'applied' GROUP BY order_id HAVING COUNT(*) = 1) x", orders},
		{"notification events stored", "SELECT COUNT(*) FROM payment_events", 2 * orders},
		{"notification events applied", "SELECT COUNT(*) FROM payment_events WHERE applied_at IS NOT NULL", 2 * orders},
		{"payment anomalies", "SELECT COUNT(*) FROM payment_anomalies", 0},
		{"coupon redemptions redeemed", "SELECT COUNT(*) FROM coupon_redemptions WHERE status = 'redeemed'", orders},
		{"coupon redemptions in all", "SELECT COUNT(*) FROM coupon_redemptions", orders},
		{"sale movements", "SELECT COUNT(*) FROM stock_movements WHERE kind = 'sale'", 2 * orders},
		{"products sold, 2N units each", `SELECT COUNT(*) FROM (SELECT product_id FROM stock_movements WHERE kind = 'sale'
			GROUP BY product_id HAVING -SUM(quantity) = ` + strconv.Itoa(2*orders) + `) x`, 2},
		{"stock levels = opening − 2N", `SELECT COUNT(*) FROM stock_levels l WHERE l.product_id IN
			(SELECT product_id FROM stock_movements WHERE kind = 'sale') AND l.on_hand =
			(SELECT SUM(quantity) FROM stock_movements r WHERE r.kind = 'receive' AND r.store_id = l.store_id
			 AND r.product_id = l.product_id) - ` + strconv.Itoa(2*orders), 2},
	}
	for _, c := range exact {
		if n := s.count(t, c.query); n != c.want {
			t.Errorf("%s: %d, want %d", c.what, n, c.want)
		}
	}
}
