package jobs

import (
	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
)

// Handlers are the use cases the worker's tasks call.
type Handlers struct {
	Stock *app.Stock
	// Imports runs catalog CSV imports.
	Imports *app.Imports
	// Orders applies payments and refunds, expires and reconciles orders,
	// issues receipts; nil when payments are not wired.
	Orders *app.Orders
	// Messages sends shoppers' subscribe messages; nil when not wired.
	Messages *app.Messages
}

// NewMux registers every task handler.
func NewMux(h Handlers) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Handle(app.TaskLowStock, decoded(h.Stock.RecordLowStock))
	mux.Handle(app.TaskImportProducts, handleImport(h.Imports))
	if h.Orders != nil {
		registerOrders(mux, h.Orders)
	}
	if h.Messages != nil {
		registerMessages(mux, h.Messages)
	}
	return mux
}
