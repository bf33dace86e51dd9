// Package jobs holds scanpay's asynq task types and their handlers. Each
// task family has its own file with a type constant, a payload struct, a
// constructor and a handler that calls one app use case. This file holds
// what they share: the server, the error policy and the mux.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/queue"
	"github.com/scanpay/scanpay/domain"
)

// retryPolicy is the one place that maps domain error codes to asynq's retry
// behaviour: a task that is invalid or refers to nothing will never succeed,
// so it is not retried; everything else (DB or Redis down, WeChat Pay 5xx)
// is retried with backoff.
func retryPolicy(err error) error {
	if err == nil {
		return nil
	}
	switch domain.ErrorCode(err) {
	case domain.EINVALID, domain.EMALFORMED, domain.ENOTFOUND, domain.EFORBIDDEN:
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return err
}

// Handle adapts a use-case call to an asynq handler with the retry policy.
func Handle(fn func(ctx context.Context, t *asynq.Task) error) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		return retryPolicy(fn(ctx, t))
	})
}

// NewServer builds the asynq worker server with scanpay's queues, a capped
// exponential backoff and failures logged once per attempt.
// shutdown is how long Shutdown waits for running tasks before handing
// them back to the queue.
func NewServer(opt asynq.RedisConnOpt, concurrency int, shutdown time.Duration, log *slog.Logger) *asynq.Server {
	return asynq.NewServer(opt, asynq.Config{
		Concurrency:     concurrency,
		Queues:          queue.QueuePriorities,
		ShutdownTimeout: max(shutdown, time.Second),
		// With every queue empty asynq looks for new tasks this often (1 s
		// by default). A paid order goes through two tasks before its
		// receipt exists (payment:apply, then receipt:issue), so the default
		// could keep a shopper at the till for up to 2 s; 100 ms costs an idle
		// worker 10 small Redis calls a second.
		TaskCheckInterval: 100 * time.Millisecond,
		RetryDelayFunc: func(n int, _ error, _ *asynq.Task) time.Duration {
			d := time.Second << min(n, 10)
			return min(d, 10*time.Minute)
		},
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			id, _ := asynq.GetTaskID(ctx)
			retried, _ := asynq.GetRetryCount(ctx)
			log.Warn("task failed", "type", t.Type(), "task_id", id, "retry", retried,
				"will_retry", !errors.Is(err, asynq.SkipRetry), "err", err)
		}),
		Logger:   slogAdapter{log},
		LogLevel: asynq.WarnLevel,
	})
}

// slogAdapter routes asynq's own logs into the service's structured log.
type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Info(args ...any)  { a.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Warn(args ...any)  { a.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Error(args ...any) { a.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (a slogAdapter) Fatal(args ...any) {
	a.log.Error(fmt.Sprint(args...), "component", "asynq", "fatal", true)
}
