package jobs

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
	"github.com/scanpay/scanpay/app"
)

// Two workers' schedulers firing the same slot queue one reconcile sweep:
// the uniqueness window absorbs the second.
func TestSchedulersQueueOneReconcilePerSlot(t *testing.T) {
	addr, db := redistest.Addr(t)
	opt := asynq.RedisClientOpt{Addr: addr, DB: db}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for range 2 {
		s := NewScheduler(opt, time.Second, log)
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Shutdown)
	}
	insp := asynq.NewInspector(opt)
	defer insp.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		tasks, err := insp.ListPendingTasks(app.QueueCritical)
		if err == nil && len(tasks) > 0 {
			time.Sleep(1500 * time.Millisecond) // both schedulers fire again meanwhile
			tasks, err = insp.ListPendingTasks(app.QueueCritical)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 1 || tasks[0].Type != app.TaskOrdersReconcile {
				t.Fatalf("%d pending tasks, want one %s", len(tasks), app.TaskOrdersReconcile)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reconcile task queued within 10 s (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
