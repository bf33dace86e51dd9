package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// decoded adapts a use case taking a JSON payload of type P to a handler;
// a payload that does not decode is malformed and never retried.
func decoded[P any](fn func(ctx context.Context, p P) error) asynq.Handler {
	return Handle(func(ctx context.Context, t *asynq.Task) error {
		var p P
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return domain.Errorf(domain.EMALFORMED, "payload_invalid", "%s payload: %v", t.Type(), err)
		}
		return fn(ctx, p)
	})
}

// registerOrders adds the order and payment tasks to mux.
func registerOrders(mux *asynq.ServeMux, orders *app.Orders) {
	mux.Handle(app.TaskPaymentApply, decoded(orders.ApplyPaymentEvent))
	mux.Handle(app.TaskRefundApply, decoded(orders.ApplyRefundEvent))
	mux.Handle(app.TaskOrderExpire, decoded(orders.Expire))
	mux.Handle(app.TaskRefundSubmit, decoded(orders.SubmitRefund))
	mux.Handle(app.TaskReceiptIssue, decoded(orders.IssueReceipt))
	mux.Handle(app.TaskOrdersReconcile, Handle(func(ctx context.Context, _ *asynq.Task) error {
		_, err := orders.Reconcile(ctx)
		return err
	}))
}

// NewScheduler enqueues the periodic tasks: the orders reconcile sweep
// every interval. Every worker process runs one; the task id is the time
// slot, so however many schedulers fire, one sweep per slot is queued.
func NewScheduler(opt asynq.RedisConnOpt, interval time.Duration, log *slog.Logger) *asynq.Scheduler {
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{
		Location: time.UTC,
		Logger:   slogAdapter{log},
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			if err == nil || errors.Is(err, asynq.ErrDuplicateTask) {
				return // queued, or another worker's scheduler queued this slot's sweep
			}
			log.Warn("periodic task not enqueued", "err", err)
		},
	})
	_, _ = s.Register(fmt.Sprintf("@every %s", interval), asynq.NewTask(app.TaskOrdersReconcile, nil),
		asynq.Queue(app.QueueCritical), asynq.MaxRetry(0), asynq.Unique(interval))
	return s
}
