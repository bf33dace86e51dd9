package jobs

import (
	"context"
	"errors"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// The apply tasks carry money already moved: every error from the use case
// is retried, even the ones the usual policy skips; only a payload that
// cannot decode is given up.
func TestApplyTasksRetryEveryUseCaseError(t *testing.T) {
	for _, code := range []string{domain.ENOTFOUND, domain.EINVALID, domain.EFORBIDDEN, domain.ECONFLICT, domain.EUNAVAILABLE} {
		cause := domain.Errorf(code, "store_item_not_found", "no store item")
		if err := retryAlways(cause); !errors.Is(err, cause) || errors.Is(err, asynq.SkipRetry) {
			t.Errorf("retryAlways(%s) = %v, want the error, retried", code, err)
		}
	}
	if err := retryAlways(nil); err != nil {
		t.Fatalf("retryAlways(nil) = %v", err)
	}
	malformed := domain.Errorf(domain.EMALFORMED, "payload_invalid", "bad payload")
	if err := retryAlways(malformed); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("retryAlways(malformed) = %v, want SkipRetry", err)
	}

	// Through the handler payment:apply is registered with.
	calls := 0
	h := decodedAlways(func(_ context.Context, p app.PaymentApplyTask) error {
		calls++
		if p.EventID != 7 {
			t.Errorf("payload decoded as %+v", p)
		}
		return domain.Errorf(domain.ENOTFOUND, "store_item_not_found", "no store item for product 3")
	})
	err := h.ProcessTask(context.Background(), asynq.NewTask(app.TaskPaymentApply, []byte(`{"event_id":7}`)))
	if domain.ErrorCode(err) != domain.ENOTFOUND || errors.Is(err, asynq.SkipRetry) || calls != 1 {
		t.Fatalf("payment:apply on ENOTFOUND = %v (calls %d), want a retry", err, calls)
	}
	err = h.ProcessTask(context.Background(), asynq.NewTask(app.TaskPaymentApply, []byte(`{"event_id":`)))
	if !errors.Is(err, asynq.SkipRetry) || calls != 1 {
		t.Fatalf("payment:apply on a bad payload = %v (calls %d), want SkipRetry without a call", err, calls)
	}

	// The usual policy, for contrast, skips the same error.
	usual := decoded(func(context.Context, app.RefundTask) error {
		return domain.Errorf(domain.ENOTFOUND, "refund_not_found", "no such refund")
	})
	if err := usual.ProcessTask(context.Background(), asynq.NewTask(app.TaskRefundSubmit, []byte(`{}`))); !errors.Is(err, asynq.SkipRetry) {
		t.Fatalf("usual policy on ENOTFOUND = %v, want SkipRetry", err)
	}
}

// The reconcile task runs both sweeps even when the first fails, and
// fails with both errors.
func TestReconcileRunsBothSweeps(t *testing.T) {
	errPay, errRefund := errors.New("orders sweep"), errors.New("refund sweep")
	refundsRan := false
	run := reconcileBoth(
		func(context.Context) (app.ReconcileReport, error) { return app.ReconcileReport{}, errPay },
		func(context.Context) (app.RefundReport, error) {
			refundsRan = true
			return app.RefundReport{}, errRefund
		})
	err := run(context.Background(), asynq.NewTask(app.TaskOrdersReconcile, nil))
	if !refundsRan || !errors.Is(err, errPay) || !errors.Is(err, errRefund) {
		t.Fatalf("reconcile = %v (refund sweep ran: %v)", err, refundsRan)
	}
	ok := reconcileBoth(
		func(context.Context) (app.ReconcileReport, error) { return app.ReconcileReport{}, nil },
		func(context.Context) (app.RefundReport, error) { return app.RefundReport{}, nil })
	if err := ok(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}
