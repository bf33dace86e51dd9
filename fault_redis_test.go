package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Redis goes away and comes back (every connection cut at the proxy, new
// ones refused: what the service sees of a Redis restart) while shoppers
// check out and WeChat Pay notifies from several goroutines.
//
// Invariant: nothing acknowledged is lost. Every order whose notification
// was answered 204 — including those answered while Redis was down, which
// the webhook must still accept because it only writes MariaDB — ends paid
// exactly once: one applied payments row, one sale movement per product,
// one coupon redemption (checkPaymentInvariants, in SQL). Meanwhile
// /readyz answers 503 naming redis; afterwards it is ready again, without
// a restart. Requests that needed Redis failed with 503 `unavailable`,
// never 500 and never a hang.
func TestFaultRedisRestartDuringPayments(t *testing.T) {
	s := newFaultSetup(t, false)
	svc := startService(t, s.env, "all")
	c := newFaultClient("http://" + svc.addr)

	// Orders ready to pay before the outage: their notifications arrive
	// while Redis is down.
	const early = 6
	var ready []string
	for i := range early {
		no, err := c.checkout(s.wechat, fmt.Sprintf("early%d", i))
		if err != nil {
			t.Fatal(err)
		}
		ready = append(ready, no)
	}

	// The flow that goes on before, during and after the outage: each
	// shopper checks out and pays, retrying what failed with 503.
	const shoppers, perShopper = 4, 5
	flow := startPaying(c, s, "flow", shoppers, perShopper)
	waitFor(t, "3 payments acknowledged before the outage", func() bool { return flow.ackedN() >= 3 })

	before503 := c.seen503()
	s.redis.SetDown(true)
	code, checks := readyz(t, svc)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(checks["redis"], "down") || checks["database"] != "ok" {
		t.Fatalf("readyz with Redis down: %d %v", code, checks)
	}
	// WeChat Pay notifies about the early orders now: the webhook stores
	// each with its outbox row in MariaDB and must acknowledge.
	var notified sync.WaitGroup
	for _, no := range ready {
		notified.Go(func() {
			status, err := s.pay.Pay(no)
			if err == nil && status != http.StatusNoContent {
				err = fmt.Errorf("answered %d", status)
			}
			if err != nil {
				err = fmt.Errorf("notification for %s while Redis is down: %w", no, err)
			}
			flow.record(no, err)
		})
	}
	notified.Wait()
	// The shoppers meet the outage (503 unavailable) before it ends.
	waitFor(t, "shoppers to meet the outage", func() bool { return c.seen503() > before503 })
	for _, no := range ready {
		// No queue, no apply: proof that the outage really stopped work.
		if n := s.count(t, "SELECT COUNT(*) FROM payments WHERE order_no = ?", no); n != 0 {
			t.Fatalf("order %s applied while Redis was down", no)
		}
	}
	s.redis.SetDown(false)
	waitFor(t, "readyz after Redis came back", func() bool { code, _ := readyz(t, svc); return code == http.StatusOK })

	acked, errs := flow.wait()
	if len(errs) > 0 {
		t.Fatalf("%d flows failed, e.g. %v", len(errs), errs[0])
	}
	s.waitApplied(t, acked, 60*time.Second, svc.out.String)
	s.checkPaymentInvariants(t)
	c.check(t)
	if n, want := s.count(t, "SELECT COUNT(*) FROM orders WHERE status IN "+paidStatuses), early+shoppers*perShopper; n != want || len(acked) != want {
		t.Fatalf("%d orders paid, %d acknowledged; want %d", n, len(acked), want)
	}
	t.Logf("%d orders paid exactly once; %d requests answered 503 during the outage", len(acked), c.seen503())
}

// waitFor polls cond until it holds, failing the test after 60 s: long
// enough for a loaded 2-core CI box, and only ever reached on a bug.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
