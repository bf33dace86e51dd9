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

// decode turns a use case taking a JSON payload of type P into a task
// function; a payload that does not decode is EMALFORMED.
func decode[P any](fn func(ctx context.Context, p P) error) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, t *asynq.Task) error {
		var p P
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return domain.Errorf(domain.EMALFORMED, "payload_invalid", "%s payload: %v", t.Type(), err)
		}
		return fn(ctx, p)
	}
}

// decoded adapts a use case to a handler under the usual retry policy; a
// payload that does not decode is malformed and never retried.
func decoded[P any](fn func(ctx context.Context, p P) error) asynq.Handler {
	return Handle(decode(fn))
}

// decodedAlways adapts a use case to a handler that retries every error
// but a malformed payload (retryAlways).
func decodedAlways[P any](fn func(ctx context.Context, p P) error) asynq.Handler {
	run := decode(fn)
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		return retryAlways(run(ctx, t))
	})
}

// retryAlways is the retry policy of the tasks that apply what WeChat Pay
// told us (payment:apply, refund:apply). Their payload is money already
// moved, so they must not be skipped: an ENOTFOUND or EINVALID from inside
// the use case (a store item missing when the sale is booked, say) rolled
// back the whole apply, and skipping would leave it to the reconcile sweep,
// which hits the same error. Retried, the job runs again once the data is
// fixed. Only a payload that does not decode can never succeed.
func retryAlways(err error) error {
	if err != nil && domain.ErrorCode(err) == domain.EMALFORMED {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// registerOrders adds the order and payment tasks to mux.
func registerOrders(mux *asynq.ServeMux, orders *app.Orders) {
	mux.Handle(app.TaskPaymentApply, decodedAlways(orders.ApplyPaymentEvent))
	mux.Handle(app.TaskRefundApply, decodedAlways(orders.ApplyRefundEvent))
	mux.Handle(app.TaskOrderExpire, decoded(orders.Expire))
	mux.Handle(app.TaskRefundSubmit, decoded(orders.SubmitRefund))
	mux.Handle(app.TaskReceiptIssue, decoded(orders.IssueReceipt))
	mux.Handle(app.TaskOrdersReconcile, Handle(reconcileBoth(orders.Reconcile, orders.ReconcileRefunds)))
}

// reconcileBoth runs the orders sweep and the refund sweep (one periodic
// task for both); one failing does not stop the other, and the task
// fails with both errors joined.
func reconcileBoth(payments func(context.Context) (app.ReconcileReport, error),
	refunds func(context.Context) (app.RefundReport, error)) func(context.Context, *asynq.Task) error {
	return func(ctx context.Context, _ *asynq.Task) error {
		_, errPayments := payments(ctx)
		_, errRefunds := refunds(ctx)
		return errors.Join(errPayments, errRefunds)
	}
}

// NewScheduler enqueues the periodic tasks: the reconcile sweep (orders and
// refunds) every interval. Every worker process runs one scheduler. Each
// task is enqueued with asynq.Unique(interval): a uniqueness lock on the
// task (type, queue and payload) held in Redis until the task succeeds, or
// for interval at most. While one sweep is queued or running, the other
// schedulers' enqueues are refused as duplicates, so workers do not pile
// up sweeps; a sweep that fails keeps the lock until it expires.
func NewScheduler(opt asynq.RedisConnOpt, interval time.Duration, log *slog.Logger) *asynq.Scheduler {
	s := asynq.NewScheduler(opt, &asynq.SchedulerOpts{
		Location: time.UTC,
		Logger:   slogAdapter{log},
		LogLevel: asynq.WarnLevel,
		PostEnqueueFunc: func(info *asynq.TaskInfo, err error) {
			if err == nil || errors.Is(err, asynq.ErrDuplicateTask) {
				return // queued, or another scheduler's sweep still holds the lock
			}
			log.Warn("periodic task not enqueued", "err", err)
		},
	})
	_, _ = s.Register(fmt.Sprintf("@every %s", interval), asynq.NewTask(app.TaskOrdersReconcile, nil),
		asynq.Queue(app.QueueCritical), asynq.MaxRetry(0), asynq.Unique(interval))
	return s
}
