package jobs

import "github.com/hibiken/asynq"

// NewMux registers every task handler. Task families add themselves here
// as they are built (payments, receipts, refunds, imports ...).
func NewMux() *asynq.ServeMux {
	return asynq.NewServeMux()
}
