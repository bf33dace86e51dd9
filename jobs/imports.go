package jobs

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// handleImport runs a catalog CSV import (app.TaskImportProducts). The use
// case is idempotent, so a retry simply runs the import again. When asynq
// is about to give up on it, the import is marked failed, so the staff
// polling it see an end rather than "running" for ever.
func handleImport(imports *app.Imports) asynq.Handler {
	return Handle(func(ctx context.Context, t *asynq.Task) error {
		var p app.ImportTask
		if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ImportID == 0 {
			return domain.Errorf(domain.EMALFORMED, "payload_invalid", "import payload: %v", err)
		}
		err := imports.Run(ctx, p.ImportID)
		if err != nil && (lastAttempt(ctx) || errors.Is(retryPolicy(err), asynq.SkipRetry)) {
			if aerr := imports.Abandon(context.WithoutCancel(ctx), p.ImportID, err); aerr != nil {
				return errors.Join(err, aerr)
			}
		}
		return err
	})
}

// lastAttempt reports whether asynq will not retry the running task.
func lastAttempt(ctx context.Context) bool {
	retried, ok1 := asynq.GetRetryCount(ctx)
	most, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && retried >= most
}
