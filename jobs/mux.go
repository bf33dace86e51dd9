package jobs

import (
	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
)

// Handlers are the use cases the worker's tasks call.
type Handlers struct {
	Stock *app.Stock
}

// NewMux registers every task handler.
func NewMux(h Handlers) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(app.TaskLowStock, handleLowStock(h.Stock))
	return mux
}
