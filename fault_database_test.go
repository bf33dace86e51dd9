package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
)

// The database connections are cut while shoppers check out and WeChat
// Pay notifies from several goroutines, in two ways: an operator's KILL of
// every connection of the service (from a separate root connection, so
// statements and transactions die half-way, the service's pool holding
// dead connections), three times; then MariaDB gone for a while (every
// connection dropped at the proxy, new ones refused, as in a restart).
//
// Invariants: requests fail with 503 `unavailable` — never 500, never a
// hang — and /readyz names the database while it is gone; the pool
// recovers without a restart; every acknowledged notification ends paid
// exactly once; and nothing is half applied (checkPaymentInvariants, in
// SQL: orders.status paid ⇔ exactly one applied payments row; one sale
// movement per product of each paid order and none for others; Σ sale
// movements = Σ paid line quantities per product; stock levels = Σ
// ledger; coupons redeemed once per paid order).
func TestFaultDatabaseCutDuringPayments(t *testing.T) {
	s := newFaultSetup(t, true)
	s.env["REQUEST_TIMEOUT"] = "3s"
	svc := startService(t, s.env, "all")
	c := newFaultClient("http://" + svc.addr)
	killer := rootConn(t)

	const shoppers, perShopper = 4, 6
	flow := startPaying(c, s, "db", shoppers, perShopper)

	// KILL the service's connections mid-flow, each time after more
	// payments went through, so kills land in checkouts, webhooks and
	// payment:apply transactions alike.
	killed := 0
	for round := 1; round <= 3; round++ {
		waitFor(t, fmt.Sprintf("%d payments acknowledged", 3*round), func() bool { return flow.ackedN() >= 3*round })
		killed += killAll(t, killer, s.dbName)
	}
	if killed == 0 {
		t.Fatal("no service connection to kill: the fault did not happen")
	}

	// MariaDB gone: a request that needs it gets 503 unavailable quickly.
	s.dbProxy.SetDown(true)
	code, body := svc.login(t, "admin", "scanpay-demo")
	if code != http.StatusServiceUnavailable || body["code"] != "unavailable" {
		t.Fatalf("login with the database gone: %d %v", code, body)
	}
	code, checks := readyz(t, svc)
	if code != http.StatusServiceUnavailable || !strings.HasPrefix(checks["database"], "down") {
		t.Fatalf("readyz with the database gone: %d %v", code, checks)
	}
	before := c.seen503()
	waitFor(t, "shoppers to meet the outage", func() bool { return c.seen503() > before })
	s.dbProxy.SetDown(false)
	waitFor(t, "readyz after the database came back", func() bool { code, _ := readyz(t, svc); return code == http.StatusOK })

	acked, errs := flow.wait()
	if len(errs) > 0 {
		t.Fatalf("%d flows failed, e.g. %v\n%s", len(errs), errs[0], tail(svc.out.String(), 4000))
	}
	s.waitApplied(t, acked, 90*time.Second, svc.out.String)
	s.checkPaymentInvariants(t)
	c.check(t)
	if n := s.count(t, "SELECT COUNT(*) FROM orders WHERE status IN "+paidStatuses); n != shoppers*perShopper || len(acked) != n {
		t.Fatalf("%d orders paid, %d acknowledged; want %d", n, len(acked), shoppers*perShopper)
	}
	t.Logf("%d orders paid exactly once; %d connections killed; %d requests answered 503", len(acked), killed, c.seen503())
}

// rootConn opens a connection to MariaDB of its own (no database chosen),
// as an operator's console, to kill the service's connections with.
func rootConn(t *testing.T) *sql.DB {
	t.Helper()
	cfg, err := gomysql.ParseDSN(mysqltest.CreateDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// killAll kills every connection using database dbName (the service's and
// the test's own idle ones, which database/sql replaces) and returns how
// many it killed.
func killAll(t *testing.T, root *sql.DB, dbName string) int {
	t.Helper()
	rows, err := root.Query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND ID <> CONNECTION_ID()", dbName)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	n := 0
	for _, id := range ids {
		// A connection may have closed meanwhile ("Unknown thread id").
		if _, err := root.Exec(fmt.Sprintf("KILL CONNECTION %d", id)); err == nil {
			n++
		}
	}
	return n
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
