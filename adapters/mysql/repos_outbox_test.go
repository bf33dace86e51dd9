package mysql_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
)

func newOutbox(db *mysql.DB) *mysql.OutboxRepo {
	return mysql.NewOutboxRepo(db, &repoIDs{}, repoClock{repoNow})
}

// addMessages writes n outbox rows in one committed transaction.
func addMessages(t *testing.T, db *mysql.DB, ob *mysql.OutboxRepo, n int) []int64 {
	t.Helper()
	var ids []int64
	err := db.WithinTx(context.Background(), func(ctx context.Context) error {
		for i := range n {
			id, err := ob.Add(ctx, app.Message{Type: "test:task", Queue: "default", Payload: fmt.Appendf(nil, `{"n":%d}`, i)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("add %d messages: %v", n, err)
	}
	return ids
}

func claimIDs(t *testing.T, ob *mysql.OutboxRepo, owner string, now time.Time, limit int) []int64 {
	t.Helper()
	rows, err := ob.Claim(context.Background(), owner, now, time.Minute, limit)
	if err != nil {
		t.Fatalf("Claim by %s: %v", owner, err)
	}
	var ids []int64
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	return ids
}

func backlog(t *testing.T, ob *mysql.OutboxRepo) int64 {
	t.Helper()
	n, err := ob.OutboxBacklog(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxAddNeedsTx(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ctx := context.Background()
		if id, err := ob.Add(ctx, app.Message{Type: "t", Queue: "default", Payload: []byte("{}")}); err == nil {
			t.Fatalf("Add outside a transaction wrote row %d", id)
		}
		var kicks atomic.Int32
		db.OnOutboxCommit(func() { kicks.Add(1) })
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			if _, err := ob.Add(ctx, app.Message{Type: "t", Queue: "default", Payload: []byte("{}")}); err != nil {
				return err
			}
			return errBoom
		})
		if err == nil {
			t.Fatal("WithinTx swallowed fn's error")
		}
		if n := backlog(t, ob); n != 0 {
			t.Fatalf("backlog %d after a rolled-back Add, want 0", n)
		}
		if ids := claimIDs(t, ob, "r1", repoNow, 10); len(ids) != 0 {
			t.Fatalf("claimed rolled-back rows %v", ids)
		}
		if k := kicks.Load(); k != 0 {
			t.Fatalf("relay kicked %d times for a rolled-back tx", k)
		}

		ids := addMessages(t, db, ob, 3)
		if k := kicks.Load(); k != 1 {
			t.Fatalf("relay kicked %d times for one committed tx, want 1", k)
		}
		if !slices.Equal(ids, []int64{2, 3, 4}) || backlog(t, ob) != 3 {
			t.Fatalf("ids %v backlog %d", ids, backlog(t, ob))
		}
		rows, err := ob.Claim(ctx, "r1", repoNow, time.Minute, 10)
		if err != nil || len(rows) != 3 {
			t.Fatalf("claim: %v, %v", rows, err)
		}
		if r := rows[1]; r.ID != 3 || r.Type != "test:task" || r.Queue != "default" || string(r.Payload) != `{"n":1}` {
			t.Fatalf("row round trip: %+v (payload %s)", r, r.Payload)
		}
		if err := db.WithinTx(ctx, func(context.Context) error { return nil }); err != nil || kicks.Load() != 1 {
			t.Fatalf("a tx without outbox rows kicked the relay (%d, %v)", kicks.Load(), err)
		}
	})
}

func TestOutboxConcurrentClaimsAreDisjoint(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		all := addMessages(t, db, ob, 50)
		owners := []string{"relay-a", "relay-b"}
		got := make([][]int64, len(owners))
		var total atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		deadline := time.Now().Add(20 * time.Second)
		for i, owner := range owners {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				for total.Load() < int64(len(all)) && time.Now().Before(deadline) {
					rows, err := ob.Claim(context.Background(), owner, repoNow, time.Minute, 3)
					if err != nil {
						t.Errorf("Claim by %s: %v", owner, err)
						return
					}
					for _, r := range rows {
						got[i] = append(got[i], r.ID)
					}
					total.Add(int64(len(rows)))
				}
			}()
		}
		close(start)
		wg.Wait()

		seen := map[int64]string{}
		for i, ids := range got {
			for _, id := range ids {
				if prev, dup := seen[id]; dup {
					t.Errorf("row %d claimed by %s and %s", id, prev, owners[i])
				}
				seen[id] = owners[i]
			}
		}
		if len(seen) != len(all) || total.Load() != int64(len(all)) {
			t.Fatalf("claimed %d distinct rows in %d claims (a %d, b %d), want %d", len(seen), total.Load(), len(got[0]), len(got[1]), len(all))
		}
		for _, id := range all {
			if _, ok := seen[id]; !ok {
				t.Errorf("row %d never claimed", id)
			}
		}
		t.Logf("relay-a %d rows, relay-b %d rows", len(got[0]), len(got[1]))
	})
}

func TestOutboxLeaseSentAndRelease(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ctx := context.Background()
		ids := addMessages(t, db, ob, 3)
		a, b, c := ids[0], ids[1], ids[2]
		lease := time.Minute

		if got := claimIDs(t, ob, "r1", repoNow, 10); !slices.Equal(got, ids) {
			t.Fatalf("r1 claimed %v, want %v", got, ids)
		}
		// Leased rows stay with r1 until the lease ends, even for r1 itself.
		for _, at := range []time.Duration{0, 30 * time.Second, lease} {
			if got := claimIDs(t, ob, "r2", repoNow.Add(at), 10); len(got) != 0 {
				t.Fatalf("r2 claimed %v at +%s, inside r1's lease", got, at)
			}
		}
		if got := claimIDs(t, ob, "r1", repoNow.Add(time.Second), 10); len(got) != 0 {
			t.Fatalf("r1 re-claimed its own leased rows %v", got)
		}

		// a is sent, b fails and is released, c keeps its lease.
		if err := ob.MarkSent(ctx, a, repoNow.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := ob.Release(ctx, b, "r2", "not my lease"); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, ob, "r2", repoNow.Add(2*time.Second), 10); len(got) != 0 {
			t.Fatalf("a release by the wrong owner freed %v", got)
		}
		if err := ob.Release(ctx, b, "r1", "enqueue: redis down"); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, ob, "r2", repoNow.Add(2*time.Second), 10); !slices.Equal(got, []int64{b}) {
			t.Fatalf("after release r2 claimed %v, want [%d]", got, b)
		}
		var lastErr string
		var attempts int
		err := db.SQL().QueryRow("SELECT last_error, attempts FROM outbox WHERE id = ?", b).Scan(&lastErr, &attempts)
		if err != nil || lastErr != "enqueue: redis down" || attempts != 2 {
			t.Fatalf("row b: last_error %q attempts %d (%v), want %q and 2", lastErr, attempts, err, "enqueue: redis down")
		}
		if err := ob.MarkSent(ctx, b, repoNow.Add(3*time.Second)); err != nil {
			t.Fatal(err)
		}
		if n := backlog(t, ob); n != 1 {
			t.Fatalf("backlog %d, want 1 (row c)", n)
		}

		// Past r1's lease only c comes back; sent rows never do.
		after := repoNow.Add(lease + time.Millisecond)
		if got := claimIDs(t, ob, "r3", after, 10); !slices.Equal(got, []int64{c}) {
			t.Fatalf("after the lease r3 claimed %v, want [%d]", got, c)
		}
		if err := ob.MarkSent(ctx, c, after); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, ob, "r4", repoNow.Add(24*time.Hour), 10); len(got) != 0 {
			t.Fatalf("a day later r4 claimed sent rows %v", got)
		}
		if n := backlog(t, ob); n != 0 {
			t.Fatalf("backlog %d after all rows were sent", n)
		}
	})
}

func TestOutboxReleaseTruncatesLongReason(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ids := addMessages(t, db, ob, 1)
		claimIDs(t, ob, "r1", repoNow, 1)
		long := make([]byte, 2000)
		for i := range long {
			long[i] = 'x'
		}
		if err := ob.Release(context.Background(), ids[0], "r1", string(long)); err != nil {
			t.Fatalf("Release with a 2000-byte reason: %v", err)
		}
		var n int
		if err := db.SQL().QueryRow("SELECT LENGTH(last_error) FROM outbox WHERE id = ?", ids[0]).Scan(&n); err != nil || n != 500 {
			t.Fatalf("stored last_error of %d bytes (%v), want 500", n, err)
		}
	})
}

// A message the relay could never deliver is refused before it is written.
// A row that fails OutboxMaxAttempts times is parked: no longer claimed,
// still unsent, counted by ParkedCount, and it does not hold up later rows.
// Unclaim gives rows back without counting the attempt, so a long Redis
// outage parks nothing; it touches only the owner's leases.
// PurgeSent deletes sent rows older than the cut-off, in batches, and never
// an unsent row, however old.
