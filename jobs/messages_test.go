package jobs_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/jobs"
)

// The payment message task is registered when Messages is wired (and only
// then); a payload that does not decode, or names no order, is dropped
// without retry.
func TestPaymentMessageTaskRegistered(t *testing.T) {
	db := mysqltest.Open(t)
	ids, _ := idgen.New(1, 0)
	messages := app.NewMessages(app.MessageDeps{Orders: mysql.NewOrderRepo(db), Shoppers: mysql.NewShopperRepo(db),
		Stores: mysql.NewStoreRepo(db), Messages: mysql.NewMessageRepo(db), PaymentTemplate: "tmpl", Clock: app.SystemClock{},
		IDs: ids, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	task := func(payload string) *asynq.Task { return asynq.NewTask(app.TaskMessagePaymentSuccess, []byte(payload)) }

	if _, pattern := jobs.NewMux(jobs.Handlers{}).Handler(task(`{}`)); pattern != "" {
		t.Errorf("without Messages the task is handled by %q", pattern)
	}
	mux := jobs.NewMux(jobs.Handlers{Messages: messages})
	if _, pattern := mux.Handler(task(`{}`)); pattern != app.TaskMessagePaymentSuccess {
		t.Fatalf("task handled by %q, want %q", pattern, app.TaskMessagePaymentSuccess)
	}
	for _, payload := range []string{`{`, `[1]`, `{"order_no":"NOSUCHORDER1"}`} {
		err := mux.ProcessTask(context.Background(), task(payload))
		if !errors.Is(err, asynq.SkipRetry) {
			t.Errorf("payload %s: %v, want SkipRetry", payload, err)
		}
	}
}
