package queue_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/internal/netfault"
)

// insertLegacyRow writes an outbox row the way an older version (or a bug)
// might have, past Add's validation.
func (f *fixture) insertLegacyRow(t *testing.T, taskType, q string) int64 {
	t.Helper()
	id := f.ids.NewID()
	_, err := f.db.SQL().Exec("INSERT INTO outbox (id, task_type, queue, payload, created_at) VALUES (?, ?, ?, ?, ?)",
		id, taskType, q, "{}", time.Now().UTC())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A row that real asynq cannot take does not block the rows behind it: it
// is released with the reason and the next rows are sent in the same sweep.
func TestRelaySendsRowsBehindAPoisonRow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	poison := f.insertLegacyRow(t, "test:legacy", "bulk")
	good := []int64{f.commitStoreWithMessage(t, "PSN01"), f.commitStoreWithMessage(t, "PSN02")}
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	relay := app.NewOutboxRelay(f.outbox, client, app.SystemClock{}, "relay-a", quietLog())

	sent, err := relay.RelayOnce(ctx)
	if err != nil || sent != 2 {
		t.Fatalf("RelayOnce = %d, %v; want the 2 good rows sent past the poison row", sent, err)
	}
	tasks := f.pendingTaskIDs(t)
	for _, id := range good {
		if _, ok := tasks[app.OutboxTaskID(id)]; !ok {
			t.Fatalf("row %d not queued; queued %v", id, keys(tasks))
		}
	}
	var attempts int
	var lastErr string
	if err := f.db.SQL().QueryRow("SELECT attempts, last_error FROM outbox WHERE id = ?", poison).Scan(&attempts, &lastErr); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 || !strings.Contains(lastErr, "bulk") {
		t.Fatalf("poison row: attempts %d last_error %q", attempts, lastErr)
	}
	if n, _ := f.outbox.OutboxBacklog(ctx); n != 1 {
		t.Fatalf("backlog %d, want 1 (the poison row)", n)
	}
}

// Enqueue's error codes: the relay stops its sweep only on EUNAVAILABLE.
func TestEnqueueErrorCodes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	ok := app.Message{Type: "test:x", Queue: queue.QueueLow, Payload: []byte(`{}`)}

	err := client.Enqueue(ctx, "outbox:1", app.Message{Type: "test:x", Queue: "bulk"})
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("unknown queue: %v, want EINVALID", err)
	}
	// asynq's protobuf encoding refuses a task type that is not UTF-8:
	// Redis is fine, the task is not.
	err = client.Enqueue(ctx, "outbox:2", app.Message{Type: "test:\xff", Queue: queue.QueueLow})
	if domain.ErrorCode(err) != domain.EINTERNAL {
		t.Fatalf("unencodable task: %v (code %q), want EINTERNAL", err, domain.ErrorCode(err))
	}

	proxy := netfault.New(t, f.redis.Addr)
	viaProxy := queue.NewClient(asynq.RedisClientOpt{Addr: proxy.Addr(), DB: f.redis.DB,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 500 * time.Millisecond, WriteTimeout: 500 * time.Millisecond})
	t.Cleanup(func() { viaProxy.Close() })
	if err := viaProxy.Enqueue(ctx, "outbox:3", ok); err != nil {
		t.Fatal(err)
	}
	// asynq now skips its SADD for this queue and fails inside a Lua
	// script, whose error it passes on as text only.
	proxy.SetDown(true)
	for _, id := range []string{"outbox:4", "outbox:5"} {
		if err := viaProxy.Enqueue(ctx, id, ok); domain.ErrorCode(err) != domain.EUNAVAILABLE {
			t.Fatalf("Redis down: %v (code %q), want EUNAVAILABLE", err, domain.ErrorCode(err))
		}
	}
	down := queue.NewClient(asynq.RedisClientOpt{Addr: proxy.Addr(), DB: f.redis.DB, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { down.Close() })
	if err := down.Enqueue(ctx, "outbox:6", ok); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("fresh client, Redis down: %v, want EUNAVAILABLE", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := client.Enqueue(cctx, "outbox:7", ok); domain.ErrorCode(err) != domain.EUNAVAILABLE {
		t.Fatalf("cancelled ctx: %v, want EUNAVAILABLE (stop the sweep)", err)
	}
}

// The app's queue names are the worker's.
func TestQueueNamesMatchApp(t *testing.T) {
	for _, q := range []string{app.QueueCritical, app.QueueDefault, app.QueueLow} {
		if queue.QueuePriorities[q] == 0 {
			t.Errorf("queue %q has no worker priority", q)
		}
		if err := (app.Message{Type: "t", Queue: q}).Validate(); err != nil {
			t.Errorf("queue %q refused: %v", q, err)
		}
	}
	if len(queue.QueuePriorities) != 3 {
		t.Errorf("worker polls %d queues, app allows 3", len(queue.QueuePriorities))
	}
}

// gauges gathers c through a pedantic registry (which also checks the
// descriptions) and returns the gauge values by name.
func gauges(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetType() != dto.MetricType_GAUGE || len(mf.GetMetric()) != 1 {
			t.Fatalf("%s: type %s with %d series, want one gauge", mf.GetName(), mf.GetType(), len(mf.GetMetric()))
		}
		out[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
	}
	return out
}

func TestOutboxCollector(t *testing.T) {
	f := newFixture(t)
	f.commitStoreWithMessage(t, "MET01")
	poison := f.insertLegacyRow(t, "test:legacy", "bulk")
	if _, err := f.db.SQL().Exec("UPDATE outbox SET attempts = ? WHERE id = ?", app.OutboxMaxAttempts, poison); err != nil {
		t.Fatal(err)
	}
	got := gauges(t, queue.NewOutboxCollector(f.outbox.OutboxBacklog, f.outbox.ParkedCount))
	if len(got) != 2 || got["scanpay_outbox_unsent"] != 2 || got["scanpay_outbox_parked"] != 1 {
		t.Fatalf("gauges %v, want scanpay_outbox_unsent 2 and scanpay_outbox_parked 1", got)
	}

	// A failing read leaves its gauge out; a hanging one is cut off at 2 s.
	hanging := func(ctx context.Context) (int64, error) { <-ctx.Done(); return 0, ctx.Err() }
	failing := func(context.Context) (int64, error) { return 0, errors.New("db down") }
	start := time.Now()
	got = gauges(t, queue.NewOutboxCollector(failing, hanging))
	if len(got) != 0 {
		t.Fatalf("gauges %v from failing reads, want none", got)
	}
	if d := time.Since(start); d < 2*time.Second || d > 5*time.Second {
		t.Fatalf("scrape with a hanging read took %s, want about 2 s", d)
	}
}
