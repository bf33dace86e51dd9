package app_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

type obIDs struct{ n atomic.Int64 }

func (c *obIDs) NewID() int64 { return c.n.Add(1) }

// obClock is a clock the test moves.
type obClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *obClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *obClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// obQueue is a task queue whose answer per task id the test sets; it
// records every call.
type obQueue struct {
	mu     sync.Mutex
	fail   map[string]error
	down   error // when set, every call fails with it
	calls  map[string]int
	queued []string
}

func newObQueue() *obQueue { return &obQueue{fail: map[string]error{}, calls: map[string]int{}} }

func (q *obQueue) Enqueue(_ context.Context, id string, _ app.Message) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.calls[id]++
	if q.down != nil {
		return q.down
	}
	if err := q.fail[id]; err != nil {
		return err
	}
	q.queued = append(q.queued, id)
	return nil
}

func (q *obQueue) set(f func(q *obQueue)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	f(q)
}

func (q *obQueue) snapshot() (calls map[string]int, queued []string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	calls = map[string]int{}
	for k, v := range q.calls {
		calls[k] = v
	}
	return calls, append([]string(nil), q.queued...)
}

// syncLog is a log sink shared by the relay and the test.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var obT0 = time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)

type relayFixture struct {
	db    *mysql.DB
	repo  *mysql.OutboxRepo
	queue *obQueue
	clock *obClock
	logs  *syncLog
	relay *app.OutboxRelay
}

func newRelayFixture(t *testing.T, db *mysql.DB) *relayFixture {
	t.Helper()
	clock := &obClock{t: obT0}
	f := &relayFixture{db: db, repo: mysql.NewOutboxRepo(db, &obIDs{}, clock), queue: newObQueue(), clock: clock, logs: &syncLog{}}
	f.relay = app.NewOutboxRelay(f.repo, f.queue, clock, "relay-1", slog.New(slog.NewTextHandler(f.logs, nil)))
	return f
}

func (f *relayFixture) add(t *testing.T, n int) []int64 {
	t.Helper()
	var ids []int64
	err := f.db.WithinTx(context.Background(), func(ctx context.Context) error {
		for i := range n {
			id, err := f.repo.Add(ctx, app.Message{Type: "test:task", Queue: app.QueueDefault, Payload: fmt.Appendf(nil, `{"n":%d}`, i)})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f *relayFixture) row(t *testing.T, id int64) (sent bool, attempts int, lastErr string) {
	t.Helper()
	var sentAt *string
	err := f.db.SQL().QueryRow("SELECT CAST(sent_at AS CHAR), attempts, last_error FROM outbox WHERE id = ?", id).Scan(&sentAt, &attempts, &lastErr)
	if err != nil {
		t.Fatalf("row %d: %v", id, err)
	}
	return sentAt != nil, attempts, lastErr
}

// A row the queue refuses (not because it is down) is released with the
// reason, and the rows behind it are still sent in the same sweep.
func TestRelaySkipsARefusedRow(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newRelayFixture(t, db)
		ids := f.add(t, 3)
		bad := app.OutboxTaskID(ids[1])
		f.queue.set(func(q *obQueue) {
			q.fail[bad] = &domain.Error{Code: domain.EINTERNAL, Reason: "enqueue_refused", Message: "cannot encode task"}
		})
		sent, err := f.relay.RelayOnce(context.Background())
		if err != nil || sent != 2 {
			t.Fatalf("RelayOnce = %d, %v; want 2 sent and no error", sent, err)
		}
		if _, queued := f.queue.snapshot(); len(queued) != 2 || queued[0] != app.OutboxTaskID(ids[0]) || queued[1] != app.OutboxTaskID(ids[2]) {
			t.Fatalf("queued %v, want rows %d and %d", queued, ids[0], ids[2])
		}
		sentBad, attempts, lastErr := f.row(t, ids[1])
		if sentBad || attempts != 1 || !strings.Contains(lastErr, "cannot encode task") {
			t.Fatalf("refused row: sent %v attempts %d last_error %q", sentBad, attempts, lastErr)
		}
		if !strings.Contains(f.logs.String(), "refused") {
			t.Fatalf("no log of the refused row:\n%s", f.logs)
		}
		// Released at once: the next sweep tries it again.
		f.queue.set(func(q *obQueue) { delete(q.fail, bad) })
		if sent, err := f.relay.RelayOnce(context.Background()); err != nil || sent != 1 {
			t.Fatalf("second RelayOnce = %d, %v; want the refused row sent", sent, err)
		}
	})
}

// With the queue unavailable the sweep stops at once and gives the rest of
// the batch back uncounted: an outage of any length parks nothing.
func TestRelayStopsWhileQueueUnavailable(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newRelayFixture(t, db)
		ctx := context.Background()
		ids := f.add(t, 3)
		f.queue.set(func(q *obQueue) {
			q.fail[app.OutboxTaskID(ids[1])] = domain.Unavailable("redis", errors.New("dial tcp: connection refused"))
		})
		sent, err := f.relay.RelayOnce(ctx)
		if sent != 1 || domain.ErrorCode(err) != domain.EUNAVAILABLE {
			t.Fatalf("RelayOnce = %d, %v; want 1 sent and EUNAVAILABLE", sent, err)
		}
		if calls, _ := f.queue.snapshot(); calls[app.OutboxTaskID(ids[2])] != 0 {
			t.Fatal("the sweep went on past an unavailable queue")
		}
		for _, id := range ids[1:] {
			if sent, attempts, _ := f.row(t, id); sent || attempts != 0 {
				t.Fatalf("row %d after an outage: sent %v attempts %d, want unsent with 0 attempts", id, sent, attempts)
			}
		}

		f.queue.set(func(q *obQueue) { q.down = domain.Unavailable("redis", errors.New("i/o timeout")) })
		for range app.OutboxMaxAttempts * 2 {
			if _, err := f.relay.RelayOnce(ctx); domain.ErrorCode(err) != domain.EUNAVAILABLE {
				t.Fatalf("RelayOnce while down: %v", err)
			}
		}
		if n, err := f.repo.ParkedCount(ctx); err != nil || n != 0 {
			t.Fatalf("ParkedCount after a long outage = %d, %v; want 0", n, err)
		}
		f.queue.set(func(q *obQueue) { q.down = nil; clear(q.fail) })
		if sent, err := f.relay.RelayOnce(ctx); err != nil || sent != 2 {
			t.Fatalf("RelayOnce after the outage = %d, %v; want 2", sent, err)
		}
	})
}

// A plain error from a queue (no domain code) is about the message, too.
func TestRelayTreatsUnknownErrorsAsRefusals(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newRelayFixture(t, db)
		ids := f.add(t, 2)
		f.queue.set(func(q *obQueue) { q.fail[app.OutboxTaskID(ids[0])] = errors.New("boom") })
		if sent, err := f.relay.RelayOnce(context.Background()); err != nil || sent != 1 {
			t.Fatalf("RelayOnce = %d, %v; want 1 and no error", sent, err)
		}
	})
}

// A row refused on every attempt is parked after OutboxMaxAttempts, loudly,
// and is not offered to the queue again.
func TestRelayParksARowThatKeepsFailing(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newRelayFixture(t, db)
		ctx := context.Background()
		ids := f.add(t, 2)
		bad := app.OutboxTaskID(ids[0])
		f.queue.set(func(q *obQueue) { q.fail[bad] = errors.New("payload rejected") })
		for range app.OutboxMaxAttempts + 5 {
			if _, err := f.relay.RelayOnce(ctx); err != nil {
				t.Fatal(err)
			}
		}
		calls, queued := f.queue.snapshot()
		if calls[bad] != app.OutboxMaxAttempts || len(queued) != 1 || queued[0] != app.OutboxTaskID(ids[1]) {
			t.Fatalf("bad row offered %d times (want %d), queued %v", calls[bad], app.OutboxMaxAttempts, queued)
		}
		if n, err := f.repo.ParkedCount(ctx); err != nil || n != 1 {
			t.Fatalf("ParkedCount = %d, %v; want 1", n, err)
		}
		if n, err := f.repo.OutboxBacklog(ctx); err != nil || n != 1 {
			t.Fatalf("OutboxBacklog = %d, %v; want 1 (the parked row)", n, err)
		}
		if logs := f.logs.String(); !strings.Contains(logs, "level=ERROR") || !strings.Contains(logs, "parked") {
			t.Fatalf("parking not logged as an error:\n%s", logs)
		}
	})
}

// Run purges sent rows older than keep, and leaves newer and unsent rows.
func TestRunPurgesOldSentRows(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		f := newRelayFixture(t, db)
		ctx := context.Background()
		f.add(t, 3)
		if sent, err := f.relay.RelayOnce(ctx); err != nil || sent != 3 {
			t.Fatalf("RelayOnce = %d, %v", sent, err)
		}
		f.clock.Set(obT0.Add(6 * 24 * time.Hour))
		recent := f.add(t, 2)
		if sent, err := f.relay.RelayOnce(ctx); err != nil || sent != 2 {
			t.Fatalf("RelayOnce = %d, %v", sent, err)
		}
		f.queue.set(func(q *obQueue) { q.down = domain.Unavailable("redis", errors.New("down")) })
		unsent := f.add(t, 1)

		f.clock.Set(obT0.Add(8 * 24 * time.Hour))
		f.relay.PurgeEvery(time.Hour, 7*24*time.Hour)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { f.relay.Run(runCtx, time.Hour); close(done) }()
		defer func() { stop(); <-done }()

		count := func() int64 {
			var n int64
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		deadline := time.Now().Add(10 * time.Second)
		for count() != 3 {
			if time.Now().After(deadline) {
				t.Fatalf("%d rows 10 s into Run, want 3 (the old sent rows purged)", count())
			}
			time.Sleep(10 * time.Millisecond)
		}
		for _, id := range append(recent, unsent...) {
			var n int
			if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox WHERE id = ?", id).Scan(&n); err != nil || n != 1 {
				t.Fatalf("row %d purged (%v)", id, err)
			}
		}
		if logs := f.logs.String(); !strings.Contains(logs, "outbox purged") || !strings.Contains(logs, "deleted=3") {
			t.Fatalf("purge not logged:\n%s", logs)
		}
	})
}

func TestMessageValidate(t *testing.T) {
	ok := app.Message{Type: "payment:apply", Queue: app.QueueCritical, Payload: []byte(`{}`)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid message: %v", err)
	}
	for _, m := range []app.Message{
		{Queue: app.QueueLow},
		{Type: "x", Queue: "bulk"},
		{Type: "x"},
	} {
		err := m.Validate()
		if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != "outbox_message_invalid" {
			t.Errorf("Validate(%+v) = %v, want EINVALID outbox_message_invalid", m, err)
		}
	}
}
