package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/app"
)

// taskInfo reads one task from Redis through asynq's Inspector, so the test
// sees what a worker would: its state and when it becomes due.
func (f *fixture) taskInfo(t *testing.T, q, id string) *asynq.TaskInfo {
	t.Helper()
	insp := asynq.NewInspector(f.redis)
	defer insp.Close()
	info, err := insp.GetTaskInfo(q, id)
	if err != nil {
		t.Fatalf("task %s in queue %s: %v", id, q, err)
	}
	return info
}

// listed reports whether task id is in the queue's scheduled and pending
// lists.
func (f *fixture) listed(t *testing.T, q, id string) (scheduled, pending bool) {
	t.Helper()
	insp := asynq.NewInspector(f.redis)
	defer insp.Close()
	sched, err := insp.ListScheduledTasks(q, asynq.PageSize(1000))
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	pend, err := insp.ListPendingTasks(q, asynq.PageSize(1000))
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		t.Fatal(err)
	}
	for _, ti := range sched {
		scheduled = scheduled || ti.ID == id
	}
	for _, ti := range pend {
		pending = pending || ti.ID == id
	}
	return scheduled, pending
}

// nearly reports whether got is within a second of want: asynq keeps a
// scheduled task's due time in whole seconds.
func nearly(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Second && d < time.Second
}

// A message with ProcessAt (an order's expiry) waits in asynq's scheduled
// set until then; one without runs at once; one whose time has already
// passed (relayed late, e.g. after Redis was down) runs at once too.
func TestEnqueueHonoursProcessAt(t *testing.T) {
	addr, db := redistest.Addr(t)
	f := &fixture{redis: asynq.RedisClientOpt{Addr: addr, DB: db}} // Redis only: no database needed
	ctx := context.Background()
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	payload := []byte(`{"order_no":"261126DELAY0000001"}`)

	at := time.Now().Add(15 * time.Minute).Truncate(time.Microsecond)
	delayed := app.Message{Type: app.TaskOrderExpire, Queue: queue.QueueCritical, Payload: payload, ProcessAt: at}
	if err := client.Enqueue(ctx, "outbox:1001", delayed); err != nil {
		t.Fatal(err)
	}
	info := f.taskInfo(t, queue.QueueCritical, "outbox:1001")
	if info.State != asynq.TaskStateScheduled || !nearly(info.NextProcessAt, at) {
		t.Fatalf("delayed task: state %v, due %s; want scheduled, due %s", info.State, info.NextProcessAt, at)
	}
	if info.Type != app.TaskOrderExpire || string(info.Payload) != string(payload) {
		t.Fatalf("delayed task: %s %s", info.Type, info.Payload)
	}
	if sched, pend := f.listed(t, queue.QueueCritical, "outbox:1001"); !sched || pend {
		t.Fatalf("delayed task listed scheduled=%v pending=%v, want only scheduled", sched, pend)
	}

	now := app.Message{Type: app.TaskReceiptIssue, Queue: queue.QueueDefault, Payload: payload}
	if err := client.Enqueue(ctx, "outbox:1002", now); err != nil {
		t.Fatal(err)
	}
	if info := f.taskInfo(t, queue.QueueDefault, "outbox:1002"); info.State != asynq.TaskStatePending {
		t.Fatalf("task without ProcessAt: state %v, want pending", info.State)
	}
	if sched, pend := f.listed(t, queue.QueueDefault, "outbox:1002"); sched || !pend {
		t.Fatalf("task without ProcessAt listed scheduled=%v pending=%v, want only pending", sched, pend)
	}

	late := app.Message{Type: app.TaskOrderExpire, Queue: queue.QueueCritical, Payload: payload,
		ProcessAt: time.Now().Add(-time.Minute)}
	if err := client.Enqueue(ctx, "outbox:1003", late); err != nil {
		t.Fatal(err)
	}
	if info := f.taskInfo(t, queue.QueueCritical, "outbox:1003"); info.State != asynq.TaskStatePending {
		t.Fatalf("task past its ProcessAt: state %v, want pending (run at once)", info.State)
	}

	// The same id again (a row relayed twice) keeps the one scheduled task.
	if err := client.Enqueue(ctx, "outbox:1001", delayed); err != nil {
		t.Fatalf("second enqueue of a scheduled task: %v", err)
	}
	insp := asynq.NewInspector(f.redis)
	defer insp.Close()
	sched, err := insp.ListScheduledTasks(queue.QueueCritical)
	if err != nil || len(sched) != 1 {
		t.Fatalf("%d scheduled tasks (%v), want 1", len(sched), err)
	}
}

// The outbox keeps a message's ProcessAt: Add writes it in the
// transaction, Claim gives it back to the relay (microseconds, the column's
// precision), and a message without one comes back without one.
func TestOutboxRoundTripsProcessAt(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	at := time.Now().Add(15*time.Minute + time.Second).Truncate(time.Microsecond)
	var delayedID, nowID int64
	err := f.db.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		delayedID, err = f.outbox.Add(ctx, app.Message{Type: app.TaskOrderExpire, Queue: queue.QueueCritical,
			Payload: []byte(`{"order_no":"261126DELAY0000002"}`), ProcessAt: at})
		if err != nil {
			return err
		}
		nowID, err = f.outbox.Add(ctx, app.Message{Type: app.TaskReceiptIssue, Queue: queue.QueueDefault,
			Payload: []byte(`{"order_no":"261126DELAY0000002"}`)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.outbox.Claim(ctx, "relay-a", time.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]app.OutboxRow{}
	for _, r := range rows {
		got[r.ID] = r
	}
	if len(got) != 2 {
		t.Fatalf("claimed %d rows, want 2", len(got))
	}
	if d := got[delayedID]; !d.ProcessAt.Equal(at) || d.Type != app.TaskOrderExpire || d.Queue != queue.QueueCritical {
		t.Fatalf("delayed row came back as %s %s at %s, want ProcessAt %s", d.Type, d.Queue, d.ProcessAt, at)
	}
	if n := got[nowID]; !n.ProcessAt.IsZero() {
		t.Fatalf("row without ProcessAt came back with %s", n.ProcessAt)
	}
}

// Through the relay, as checkout schedules an order's expiry: the row
// committed with ProcessAt becomes a scheduled asynq task due then.
func TestRelayKeepsTheDelay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := queue.NewClient(f.redis)
	t.Cleanup(func() { client.Close() })
	relay := app.NewOutboxRelay(f.outbox, client, app.SystemClock{}, "relay-a", quietLog())
	at := time.Now().Add(15 * time.Minute).Truncate(time.Microsecond)
	var id int64
	err := f.db.WithinTx(ctx, func(ctx context.Context) error {
		var err error
		id, err = f.outbox.Add(ctx, app.Message{Type: app.TaskOrderExpire, Queue: queue.QueueCritical,
			Payload: []byte(`{"order_no":"261126DELAY0000003"}`), ProcessAt: at})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := relay.RelayOnce(ctx); err != nil || sent != 1 {
		t.Fatalf("RelayOnce = %d, %v; want 1 sent", sent, err)
	}
	info := f.taskInfo(t, queue.QueueCritical, app.OutboxTaskID(id))
	if info.State != asynq.TaskStateScheduled || !nearly(info.NextProcessAt, at) {
		t.Fatalf("relayed expiry: state %v, due %s; want scheduled, due %s", info.State, info.NextProcessAt, at)
	}
	if n, _ := f.outbox.OutboxBacklog(ctx); n != 0 {
		t.Fatalf("backlog %d: a scheduled task's row counts as sent", n)
	}
}
