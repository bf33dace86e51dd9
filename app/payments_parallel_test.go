package app_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// onHand reads a product's book stock in the demo store.
func (f *orderFixture) onHand(t *testing.T, productID int64) decimal.Decimal {
	t.Helper()
	var s string
	if err := f.db.SQL().QueryRow("SELECT on_hand FROM stock_levels WHERE store_id = ? AND product_id = ?",
		f.store.ID, productID).Scan(&s); err != nil {
		t.Fatalf("stock of product %d: %v", productID, err)
	}
	return decimal.RequireFromString(s)
}

// Parallel sales of one SKU lose no stock update (DESIGN §9), through
// payments: 16 shoppers buy cola and juice, half of them scanning cola
// first and half juice first, and all 16 payment applies run at once.
// Each apply sells both products in one transaction, locking both stock
// rows; were they locked in line order, baskets [cola, juice] and
// [juice, cola] would deadlock each other. Every order must end up paid,
// with one sale movement per product, and the stock must drop by exactly
// what was sold.
func TestParallelPaymentsSellSameProducts(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	const shoppers = 16

	var (
		orders           []*domain.Order
		colaSold, juiced decimal.Decimal
	)
	for i := range shoppers {
		s := f.shopper(t, fmt.Sprintf("par%02d", i))
		cola, juice := 1+i%3, 1+i%2
		if i%2 == 0 {
			f.scan(t, s, colaCode, cola)
			f.scan(t, s, juiceCode, juice)
		} else {
			f.scan(t, s, juiceCode, juice)
			f.scan(t, s, colaCode, cola)
		}
		colaSold = colaSold.Add(decimal.NewFromInt(int64(cola)))
		juiced = juiced.Add(decimal.NewFromInt(int64(juice)))
		ord := f.checkout(t, s)
		if len(ord.Lines) != 2 {
			t.Fatalf("order %s has %d lines, want 2", ord.OrderNo, len(ord.Lines))
		}
		if _, err := f.orders.StartPayment(ctx, s, ord.OrderNo); err != nil {
			t.Fatal(err)
		}
		if err := f.pay.MarkPaid(ord.OrderNo, -1); err != nil {
			t.Fatal(err)
		}
		if err := f.receive(t, f.notification(t, ord.OrderNo)); err != nil {
			t.Fatal(err)
		}
		orders = append(orders, ord)
	}

	// The product ids, from the lines of an order that scanned cola first
	// and of one that scanned juice first (lines keep the scan order).
	colaID, juiceID := orders[0].Lines[0].ProductID, orders[0].Lines[1].ProductID
	if colaID == juiceID || orders[1].Lines[0].ProductID != juiceID || orders[1].Lines[1].ProductID != colaID {
		t.Fatalf("lines not in scan order: %+v / %+v", orders[0].Lines, orders[1].Lines)
	}
	colaBefore, juiceBefore := f.onHand(t, colaID), f.onHand(t, juiceID)

	rows, err := f.outbox.Claim(ctx, "test", time.Now(), time.Minute, 500)
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	applies := 0
	for _, r := range rows {
		if r.Type != app.TaskPaymentApply {
			continue
		}
		applies++
		wg.Go(func() {
			<-start
			if err := f.runTask(ctx, r.Message); err != nil {
				t.Errorf("apply task %d: %v", r.ID, err)
			}
		})
	}
	if applies != shoppers {
		t.Fatalf("%d apply tasks, want %d", applies, shoppers)
	}
	deadlocksBefore := f.innodbDeadlocks(t)
	close(start)
	wg.Wait()
	// WithinTx runs deadlock victims again, so a lock-order cycle shows up
	// above only when a victim loses every attempt; the server sees each.
	f.noDeadlockHere(t, deadlocksBefore)

	for _, o := range orders {
		if got := f.order(t, o.OrderNo); got.Status != domain.OrderPaid {
			t.Errorf("order %s is %s, want paid", o.OrderNo, got.Status)
		}
		for _, p := range []int64{colaID, juiceID} {
			if n := f.count(t, "SELECT COUNT(*) FROM stock_movements WHERE ref = ? AND product_id = ? AND kind = 'sale'",
				o.OrderNo, p); n != 1 {
				t.Errorf("order %s: %d sale movements of product %d, want 1", o.OrderNo, n, p)
			}
		}
	}
	if got, want := f.onHand(t, colaID), colaBefore.Sub(colaSold); !got.Equal(want) {
		t.Errorf("cola on hand %s, want %s - %s = %s", got, colaBefore, colaSold, want)
	}
	if got, want := f.onHand(t, juiceID), juiceBefore.Sub(juiced); !got.Equal(want) {
		t.Errorf("juice on hand %s, want %s - %s = %s", got, juiceBefore, juiced, want)
	}
	// Each sale saw the level the one before it left: no two share a
	// level_after, which a lost update would produce.
	for _, p := range []int64{colaID, juiceID} {
		if n := f.count(t, "SELECT COUNT(DISTINCT level_after) FROM stock_movements WHERE product_id = ? AND kind = 'sale'", p); n != shoppers {
			t.Errorf("product %d: %d distinct levels after %d sales", p, n, shoppers)
		}
	}
}

// innodbDeadlocks is MariaDB's server-wide count of deadlocks, or -1 where
// there is none to read (SQLite, MySQL).
func (f *orderFixture) innodbDeadlocks(t *testing.T) int {
	t.Helper()
	if f.db.Dialect != mysql.DialectMySQL {
		return -1
	}
	var name string
	var n int
	if err := f.db.SQL().QueryRow("SHOW GLOBAL STATUS LIKE 'Innodb_deadlocks'").Scan(&name, &n); err != nil {
		t.Logf("no deadlock count (%v): not checking for deadlocks", err)
		return -1
	}
	return n
}

// noDeadlockHere fails the test when the server counted deadlocks since
// before and the latest one was in this test's database. The count is
// server-wide, so deadlocks of tests running beside this one are only
// logged.
func (f *orderFixture) noDeadlockHere(t *testing.T, before int) {
	t.Helper()
	if before < 0 {
		return
	}
	n := f.innodbDeadlocks(t) - before
	if n <= 0 {
		return
	}
	var dbName, typ, name, status string
	if err := f.db.SQL().QueryRow("SELECT DATABASE()").Scan(&dbName); err != nil {
		t.Fatal(err)
	}
	if err := f.db.SQL().QueryRow("SHOW ENGINE INNODB STATUS").Scan(&typ, &name, &status); err != nil {
		t.Logf("%d deadlocks on the server; cannot tell whose (%v)", n, err)
		return
	}
	latest := status[max(strings.Index(status, "LATEST DETECTED DEADLOCK"), 0):]
	if end := strings.Index(latest, "\nTRANSACTIONS\n"); end > 0 {
		latest = latest[:end]
	}
	if !strings.Contains(latest, "`"+dbName+"`.") {
		t.Logf("%d deadlocks on the server, the latest not in this test's database", n)
		return
	}
	t.Errorf("%d InnoDB deadlocks while the payments applied (retried by WithinTx); the latest:\n%.2500s", n, latest)
}
