package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

// paymentAnomalyDTO is a payment WeChat Pay reported that did not match
// its order (DESIGN §4) and so was never applied. transaction_id is what
// staff quote to WeChat Pay to settle it; order_no may name an order we do
// not have (kind unknown_order).
type paymentAnomalyDTO struct {
	ID            string `json:"id"`
	OrderNo       string `json:"order_no"`
	TransactionID string `json:"transaction_id"`
	Kind          string `json:"kind"`
	Detail        string `json:"detail"`
	CreatedAt     string `json:"created_at"`
}

func toPaymentAnomalyDTO(a *domain.PaymentAnomaly) paymentAnomalyDTO {
	return paymentAnomalyDTO{ID: strconv.FormatInt(a.ID, 10), OrderNo: a.OrderNo, TransactionID: a.TransactionID,
		Kind: a.Kind, Detail: a.Detail, CreatedAt: timestamp(a.CreatedAt)}
}

// listPaymentAnomalies is GET /v1/admin/payment-anomalies: the payments
// that were recorded instead of applied, newest first, so staff alerted by
// the log can find and settle them. The use case allows admins only.
func (s *Server) listPaymentAnomalies(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Orders.Anomalies(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toPaymentAnomalyDTO))
}
