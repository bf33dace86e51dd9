package jobs

import (
	"context"
	"encoding/json"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// handleLowStock records a low-stock alert (app.TaskLowStock).
func handleLowStock(stock *app.Stock) asynq.Handler {
	return Handle(func(ctx context.Context, t *asynq.Task) error {
		var p app.LowStockTask
		if err := json.Unmarshal(t.Payload(), &p); err != nil {
			return domain.Errorf(domain.EMALFORMED, "payload_invalid", "low-stock payload: %v", err)
		}
		return stock.RecordLowStock(ctx, p)
	})
}
