package queue_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/internal/netfault"
)

type fixture struct {
	db     *mysql.DB
	outbox *mysql.OutboxRepo
	stores *mysql.StoreRepo
	ids    *idgen.Generator
	redis  asynq.RedisClientOpt // the real Redis, for inspecting
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ids, err := idgen.New(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	db := mysqltest.Open(t)
	addr, n := redistest.Addr(t)
	return &fixture{db: db, ids: ids, outbox: mysql.NewOutboxRepo(db, ids, app.SystemClock{}),
		stores: mysql.NewStoreRepo(db), redis: asynq.RedisClientOpt{Addr: addr, DB: n}}
}

// commitStoreWithMessage is a use case in miniature: a change and its
// follow-up message committed in one transaction.
func (f *fixture) commitStoreWithMessage(t *testing.T, code string) int64 {
	t.Helper()
	var id int64
	name := "Store " + code
	err := f.db.WithinTx(context.Background(), func(ctx context.Context) error {
		st, err := domain.NewStore(f.ids.NewID(), code, domain.StorePatch{Name: &name}, time.Now())
		if err != nil {
			return err
		}
		if err := f.stores.CreateStore(ctx, st); err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"store": code})
		id, err = f.outbox.Add(ctx, app.Message{Type: "test:store_created", Queue: queue.QueueDefault, Payload: payload})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) pendingTaskIDs(t *testing.T) map[string][]byte {
	t.Helper()
	insp := asynq.NewInspector(f.redis)
	defer insp.Close()
	out := map[string][]byte{}
	for page := 1; ; page++ {
		tasks, err := insp.ListPendingTasks(queue.QueueDefault, asynq.Page(page), asynq.PageSize(100))
		if err != nil {
			if err == asynq.ErrQueueNotFound {
				return out
			}
			t.Fatal(err)
		}
		for _, ti := range tasks {
			out[ti.ID] = ti.Payload
		}
		if len(tasks) < 100 {
			return out
		}
	}
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// A change committed while Redis is down is not lost: the relay fails, the
// row stays unsent, and once Redis is back the running relay enqueues it.
func TestRelayEnqueuesAfterRedisComesBack(t *testing.T) {
	f := newFixture(t)
	proxy := netfault.New(t, f.redis.Addr)
	proxy.SetDown(true)
	client := queue.NewClient(asynq.RedisClientOpt{Addr: proxy.Addr(), DB: f.redis.DB,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { client.Close() })
	relay := app.NewOutboxRelay(f.outbox, client, app.SystemClock{}, "relay-a", quietLog())
	ctx := context.Background()

	rowID := f.commitStoreWithMessage(t, "DOWN01")
	sent, err := relay.RelayOnce(ctx)
	if err == nil || sent != 0 {
		t.Fatalf("relay with Redis down: sent=%d err=%v, want an error and nothing sent", sent, err)
	}
	if n, _ := f.outbox.OutboxBacklog(ctx); n != 1 {
		t.Fatalf("backlog while Redis is down = %d, want 1", n)
	}

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { relay.Run(runCtx, 50*time.Millisecond); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	proxy.SetDown(false)

	deadline := time.Now().Add(15 * time.Second)
	for {
		n, err := f.outbox.OutboxBacklog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("outbox row still unsent 15s after Redis came back")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tasks := f.pendingTaskIDs(t)
	payload, ok := tasks[app.OutboxTaskID(rowID)]
	if !ok || len(tasks) != 1 {
		t.Fatalf("queued tasks %v, want exactly %s", keys(tasks), app.OutboxTaskID(rowID))
	}
	if string(payload) != `{"store":"DOWN01"}` {
		t.Fatalf("payload %s", payload)
	}
}

// countingQueue records how often each task id is enqueued, so the test sees
// double sends even where asynq would absorb them.
type countingQueue struct {
	inner app.TaskQueue
	mu    sync.Mutex
	calls map[string]int
}

func (q *countingQueue) Enqueue(ctx context.Context, id string, m app.Message) error {
	q.mu.Lock()
	q.calls[id]++
	q.mu.Unlock()
	return q.inner.Enqueue(ctx, id, m)
}

// Several relays (API and worker processes) draining one outbox at once enqueue every row exactly once.
func TestConcurrentRelaysEnqueueEachRowOnce(t *testing.T) {
	f := newFixture(t)
	const rows = 400
	want := map[string]bool{}
	for i := range rows {
		want[app.OutboxTaskID(f.commitStoreWithMessage(t, storeCode(i)))] = true
	}
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	counting := &countingQueue{inner: client, calls: map[string]int{}}

	var total atomic.Int64
	var wg sync.WaitGroup
	for _, owner := range []string{"relay-a", "relay-b", "relay-c", "relay-d"} {
		relay := app.NewOutboxRelay(f.outbox, counting, app.SystemClock{}, owner, quietLog())
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := relay.RelayOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				total.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if total.Load() != rows {
		t.Fatalf("relays sent %d rows together, want %d", total.Load(), rows)
	}
	for id, n := range counting.calls {
		if n != 1 || !want[id] {
			t.Fatalf("task %s enqueued %d times (known row: %v)", id, n, want[id])
		}
	}
	if got := f.pendingTaskIDs(t); len(got) != rows {
		t.Fatalf("%d tasks in Redis, want %d", len(got), rows)
	}
	if n, _ := f.outbox.OutboxBacklog(context.Background()); n != 0 {
		t.Fatalf("backlog %d after both relays finished", n)
	}
}

// Enqueueing the same task id twice leaves one task and no error: that is
// what absorbs a row relayed again after a lost MarkSent.
func TestEnqueueSameTaskIDTwice(t *testing.T) {
	f := newFixture(t)
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	m := app.Message{Type: "test:x", Queue: queue.QueueDefault, Payload: []byte(`{}`)}
	for range 2 {
		if err := client.Enqueue(context.Background(), "outbox:42", m); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.pendingTaskIDs(t); len(got) != 1 {
		t.Fatalf("%d tasks, want 1", len(got))
	}
}

// A commit that wrote outbox rows wakes the relay; a rollback does not.
func TestOutboxCommitKicksRelay(t *testing.T) {
	f := newFixture(t)
	var kicks atomic.Int32
	f.db.OnOutboxCommit(func() { kicks.Add(1) })
	f.commitStoreWithMessage(t, "KICK01")
	_ = f.db.WithinTx(context.Background(), func(ctx context.Context) error {
		if _, err := f.outbox.Add(ctx, app.Message{Type: "test:x", Queue: queue.QueueDefault, Payload: []byte(`{}`)}); err != nil {
			return err
		}
		return domain.Errorf(domain.ECONFLICT, "test", "roll back")
	})
	if got := kicks.Load(); got != 1 {
		t.Fatalf("kicks = %d, want 1 (commit yes, rollback no)", got)
	}
	if n, _ := f.outbox.OutboxBacklog(context.Background()); n != 1 {
		t.Fatalf("backlog = %d, want 1: the rolled-back row must not exist", n)
	}
}

func storeCode(i int) string { return "R" + string(rune('A'+i/26%26)) + string(rune('A'+i%26)) + "X" }

func keys(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
