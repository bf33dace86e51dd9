package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/domain"
)

type retryCase struct {
	name string
	err  error
	skip bool // want asynq.SkipRetry
}

func retryCases() []retryCase {
	de := func(code string) error { return domain.Errorf(code, code+"_reason", "a %s task", code) }
	return []retryCase{
		{"invalid", de(domain.EINVALID), true},
		{"malformed", de(domain.EMALFORMED), true},
		{"not_found", de(domain.ENOTFOUND), true},
		{"forbidden", de(domain.EFORBIDDEN), true},
		{"wrapped not_found", fmt.Errorf("apply payment: %w", de(domain.ENOTFOUND)), true},
		{"validation with fields", domain.Invalid("payload_invalid", domain.FieldError{Field: "order_id", Message: "missing"}), true},
		{"unavailable", domain.Unavailable("database", io.ErrUnexpectedEOF), false},
		{"wrapped unavailable", fmt.Errorf("apply: %w", domain.Unavailable("wechatpay", io.EOF)), false},
		{"internal", de(domain.EINTERNAL), false},
		{"conflict", de(domain.ECONFLICT), false},
		{"rate limited", de(domain.ETOOMANY), false},
		{"plain", errors.New("wechat pay answered 502"), false},
		{"context deadline", context.DeadlineExceeded, false},
	}
}

func checkRetry(t *testing.T, tc retryCase, got error) {
	t.Helper()
	if got == nil {
		t.Fatalf("%v became nil", tc.err)
	}
	if skip := errors.Is(got, asynq.SkipRetry); skip != tc.skip {
		t.Fatalf("errors.Is(%v, SkipRetry) = %v, want %v", got, skip, tc.skip)
	}
	if !errors.Is(got, tc.err) {
		t.Errorf("original error not in the chain of %v", got)
	}
	var want *domain.Error
	if errors.As(tc.err, &want) {
		var de *domain.Error
		if !errors.As(got, &de) || de != want {
			t.Errorf("errors.As(*domain.Error) = %v, want the original %v", de, want)
		}
		if domain.ErrorCode(got) != want.Code || domain.ErrorReason(got) != want.Reason {
			t.Errorf("code/reason = %s/%s, want %s/%s", domain.ErrorCode(got), domain.ErrorReason(got), want.Code, want.Reason)
		}
	}
	if !tc.skip && got != tc.err {
		t.Errorf("retryable error rewritten: %v, want %v unchanged", got, tc.err)
	}
}

func TestRetryPolicy(t *testing.T) {
	if err := retryPolicy(nil); err != nil {
		t.Fatalf("retryPolicy(nil) = %v", err)
	}
	for _, tc := range retryCases() {
		t.Run(tc.name, func(t *testing.T) { checkRetry(t, tc, retryPolicy(tc.err)) })
	}
}

func TestHandleAppliesRetryPolicy(t *testing.T) {
	task := asynq.NewTask("test:task", []byte(`{"id":1}`))
	t.Run("success", func(t *testing.T) {
		var seen *asynq.Task
		h := Handle(func(_ context.Context, got *asynq.Task) error { seen = got; return nil })
		if err := h.ProcessTask(context.Background(), task); err != nil {
			t.Fatalf("ProcessTask = %v", err)
		}
		if seen != task {
			t.Fatal("handler did not receive the task")
		}
	})
	for _, tc := range retryCases() {
		t.Run(tc.name, func(t *testing.T) {
			h := Handle(func(context.Context, *asynq.Task) error { return tc.err })
			checkRetry(t, tc, h.ProcessTask(context.Background(), task))
		})
	}
}

func TestHandlePassesContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "v")
	h := Handle(func(ctx context.Context, _ *asynq.Task) error {
		if ctx.Value(key{}) != "v" {
			return errors.New("context lost")
		}
		return nil
	})
	if err := h.ProcessTask(ctx, asynq.NewTask("t", nil)); err != nil {
		t.Fatal(err)
	}
}

func TestSlogAdapterTagsAsynqLogs(t *testing.T) {
	var buf strings.Builder
	a := slogAdapter{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	a.Debug("d", 1)
	a.Info("i")
	a.Warn("w")
	a.Error("e")
	a.Fatal("f")
	out := buf.String()
	for _, want := range []string{"level=DEBUG msg=d1", "level=INFO msg=i", "level=WARN msg=w", "level=ERROR msg=e", "msg=f component=asynq fatal=true"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "component=asynq"); n != 5 {
		t.Errorf("%d of 5 lines tagged component=asynq:\n%s", n, out)
	}
}
