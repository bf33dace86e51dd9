package http

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// refundRoutes registers staff refunds (DESIGN §4 "Refunds"): making one
// (manager), reading an order's (clerk), following them all up and
// retrying one WeChat Pay could not pay out (manager). The use cases check
// role and store scope.
func (s *Server) refundRoutes() {
	a := s.App
	a.Post("/v1/admin/orders/:order_no/refunds", s.requireStaff, s.createRefund)
	a.Get("/v1/admin/orders/:order_no/refunds", s.requireStaff, s.listOrderRefunds)
	a.Get("/v1/admin/refunds", s.requireStaff, s.listRefunds)
	a.Post("/v1/admin/refunds/:out_refund_no/retry", s.requireStaff, s.retryRefund)
}

// refundLineRequest takes line_id and quantity as JSON strings or numbers
// and leaves their checking to the domain, so a non-numeric quantity is a
// field error (422) like a zero one, not a malformed body.
type refundLineRequest struct {
	LineID   json.RawMessage `json:"line_id"`
	Quantity json.RawMessage `json:"quantity"`
}

type refundRequest struct {
	Lines   *[]refundLineRequest `json:"lines"`
	Reason  string               `json:"reason"`
	Restock bool                 `json:"restock"`
}

// rawText is a JSON scalar as text: a string's contents, a number's
// digits; null or absent is "".
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	return string(raw)
}

// createRefund is POST /v1/admin/orders/{order_no}/refunds: 201 with the
// new refund and the order as it left it, or 200 with the same refund
// when the request replays one already made under its key.
func (s *Server) createRefund(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	key := strings.TrimSpace(utils.CopyString(c.Get(headerIdempotencyKey)))
	if key == "" {
		return &domain.Error{Code: domain.EMALFORMED, Reason: "idempotency_key_required",
			Message: "send an Idempotency-Key header (1-64 printable characters, new for each refund)",
			Fields:  []domain.FieldError{{Field: headerIdempotencyKey, Message: "is required"}}}
	}
	var body refundRequest
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	req := app.StaffRefundRequest{OrderNo: no, IdempotencyKey: key, Reason: body.Reason, Restock: body.Restock}
	if body.Lines != nil {
		if len(*body.Lines) == 0 {
			return domain.Invalid("refund_invalid", domain.FieldError{Field: "lines",
				Message: "must name at least one line; leave it out to refund everything left"})
		}
		for _, l := range *body.Lines {
			req.Lines = append(req.Lines, domain.RefundAsk{LineID: rawText(l.LineID), Quantity: rawText(l.Quantity)})
		}
	}
	res, created, err := s.deps.Orders.RefundByStaff(c.UserContext(), actor(c), req)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(toRefundDTO(res))
}

// listOrderRefunds is GET /v1/admin/orders/{order_no}/refunds: the
// order's refunds, oldest first (an order has few).
func (s *Server) listOrderRefunds(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Orders.OrderRefunds(c.UserContext(), actor(c), no)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res, 0, toRefundDTO))
}

// listRefunds is GET /v1/admin/refunds?store=&status=: refunds newest
// first, of one store or of every store the manager works in.
func (s *Server) listRefunds(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	store := strings.ToUpper(strings.TrimSpace(utils.CopyString(c.Query("store"))))
	status := domain.RefundStatus(utils.CopyString(c.Query("status")))
	res, err := s.deps.Orders.ListRefunds(c.UserContext(), actor(c), store, status, p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toRefundDTO))
}

// retryRefund is POST /v1/admin/refunds/{out_refund_no}/retry.
func (s *Server) retryRefund(c *fiber.Ctx) error {
	if err := noBody(c); err != nil {
		return err
	}
	res, err := s.deps.Orders.RetryRefund(c.UserContext(), actor(c), utils.CopyString(c.Params("out_refund_no")))
	if err != nil {
		return err
	}
	return c.JSON(toRefundDTO(res))
}

type refundLineDTO struct {
	LineID   int64  `json:"line_id,string"`
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity string `json:"quantity"`
	Amount   string `json:"amount"`
}

// refundDTO is a refund as staff follow it up. last_error is always
// there: for an abnormal or closed refund it says what staff must do.
type refundDTO struct {
	OutRefundNo string          `json:"out_refund_no"`
	OrderNo     string          `json:"order_no"`
	Amount      string          `json:"amount"`
	Status      string          `json:"status"`
	Reason      string          `json:"reason"`
	Restock     bool            `json:"restock"`
	Lines       []refundLineDTO `json:"lines"`
	RefundID    string          `json:"refund_id,omitempty"`
	StaffID     int64           `json:"staff_id,string,omitempty"`
	LastError   string          `json:"last_error"`
	CreatedAt   string          `json:"created_at"`
	UpdatedAt   string          `json:"updated_at"`
	SucceededAt *string         `json:"succeeded_at"`
	Order       *staffOrderDTO  `json:"order,omitempty"`
}

func toRefundDTO(r *app.StaffRefund) refundDTO {
	f := r.Refund
	d := refundDTO{OutRefundNo: f.OutRefundNo, OrderNo: f.OrderNo, Amount: money(f.Amount), Status: string(f.Status),
		Reason: f.Reason, Restock: f.Restock, Lines: make([]refundLineDTO, 0, len(r.Lines)), RefundID: f.RefundID,
		StaffID: f.StaffID, LastError: f.LastError, CreatedAt: timestamp(f.CreatedAt), UpdatedAt: timestamp(f.UpdatedAt),
		SucceededAt: optionalTime(f.SucceededAt)}
	for _, l := range r.Lines {
		d.Lines = append(d.Lines, refundLineDTO{LineID: l.OrderLineID, SKU: l.SKU, Name: l.Name,
			Quantity: l.Quantity.String(), Amount: money(l.Amount)})
	}
	if r.Order != nil {
		o := toStaffOrderDTO(r.Order)
		d.Order = &o
	}
	return d
}
