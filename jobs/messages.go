package jobs

import (
	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/app"
)

// registerMessages adds the shopper message tasks to mux. The use case
// bounds its own attempts (domain.MaxMessageAttempts) and settles the
// message when it gives up, so asynq's retries never resend forever; a
// payload that does not decode, or an order that is gone or unpaid, is
// skipped by the usual policy.
func registerMessages(mux *asynq.ServeMux, messages *app.Messages) {
	mux.Handle(app.TaskMessagePaymentSuccess, decoded(messages.SendPaymentSuccess))
}
