package http

import (
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// consoleSalesRoutes registers the pages after the sale: orders with their
// refund form, the exit check screen and the sales report.
func (s *Server) consoleSalesRoutes() {
	a := s.App
	a.Get(ConsolePath+"/orders", s.consoleAuth, s.consoleOrders)
	a.Get(ConsolePath+"/orders/:order_no", s.consoleAuth, s.consoleOrder)
	a.Get(ConsolePath+"/orders/:order_no/receipt", s.consoleAuth, s.consoleReceipt)
	a.Post(ConsolePath+"/orders/:order_no/refunds", s.consoleAuth, s.consoleRefund)
	a.Get(ConsolePath+"/exit-check", s.consoleAuth, s.consoleExitCheckPage)
	a.Post(ConsolePath+"/exit-check", s.consoleAuth, s.consoleExitCheck)
	a.Get(ConsolePath+"/exit-check/:id", s.consoleAuth, s.consoleExitCheckShow)
	a.Post(ConsolePath+"/exit-check/:id/result", s.consoleAuth, s.consoleAuditResult)
	a.Get(ConsolePath+"/reports", s.consoleAuth, s.consoleReport)
}

type ordersView struct {
	Status   string
	Statuses []domain.OrderStatus
	Orders   []*domain.Order
	Next     string
	Zone     string
}

// consoleOrders is GET /console/orders?status=&cursor=: the current
// store's orders newest first (every store of the staff member's when
// none is picked, an admin's).
func (s *Server) consoleOrders(c *fiber.Ctx) error {
	v := ordersView{Status: utils.CopyString(c.Query("status")), Statuses: domain.OrderStatuses, Zone: s.consoleStoreZone(c)}
	p, err := pageParams(c)
	if err != nil {
		return s.renderPageError(c, "orders", "Orders", v, err)
	}
	res, err := s.deps.Orders.ListForStaff(c.UserContext(), actor(c), consoleStore(c), domain.OrderStatus(v.Status), p)
	if err != nil {
		v.Status = ""
		return s.renderPageError(c, "orders", "Orders", v, err)
	}
	v.Orders, v.Next = res.Items, catNextURL(c, "cursor", res.NextAfter)
	return s.renderPage(c, fiber.StatusOK, "orders", "Orders", v)
}

// refundForm is the refund form as typed, kept when it is refused.
type refundForm struct {
	Qty     map[int64]string
	Reason  string
	Restock bool
	All     bool
}

// orderLineRow is an order line with what is left to refund of it and
// the quantity typed in the refund form.
type orderLineRow struct {
	*domain.OrderLine
	Refundable decimal.Decimal
	Typed      string
}

type orderView struct {
	Order   *domain.Order
	Lines   []orderLineRow
	Refunds []*app.StaffRefund
	Check   *domain.ExitCheck
	Reasons []string
	Zone    string
	// CanRefund shows the refund form: a manager (the use case checks
	// again) of an order with something left to refund.
	CanRefund bool
	// RefundKey is the refund's Idempotency-Key, new with every render of
	// the form, so submitting one rendered form twice is one refund.
	RefundKey string
	Form      refundForm
}

// refundableStatuses are the statuses a staff refund may start from.
var refundableStatuses = []domain.OrderStatus{domain.OrderPaid, domain.OrderCompleted, domain.OrderPartiallyRefunded}

// consoleOrder is GET /console/orders/{order_no}: the order's lines,
// discounts, totals, payment, refunds and exit check, with the refund
// form for managers.
func (s *Server) consoleOrder(c *fiber.Ctx) error {
	return s.renderOrder(c, refundForm{Restock: true}, nil)
}

// renderOrder renders the order page with form as typed; a refusal is
// shown above it with its status.
func (s *Server) renderOrder(c *fiber.Ctx, form refundForm, refusal error) error {
	ctx, staff := c.UserContext(), actor(c)
	v := orderView{Zone: s.consoleStoreZone(c), Form: form}
	no, err := orderNo(c)
	if err == nil {
		v.Order, err = s.deps.Orders.ForStaff(ctx, staff, no)
	}
	if err == nil {
		v.Refunds, err = s.deps.Orders.OrderRefunds(ctx, staff, no)
	}
	if err == nil {
		v.Check, err = s.deps.ExitChecks.CheckOfOrder(ctx, staff, no)
	}
	if err != nil {
		v.Order = nil
		return s.renderPageError(c, "order", "Order", v, err)
	}
	title := "Order " + v.Order.OrderNo
	left := false
	for _, l := range v.Order.Lines {
		row := orderLineRow{OrderLine: l, Refundable: l.Quantity.Sub(l.RefundedQty), Typed: form.Qty[l.ID]}
		left = left || row.Refundable.IsPositive()
		v.Lines = append(v.Lines, row)
	}
	if v.Check != nil {
		v.Reasons = auditReasonTexts(v.Check.AuditReasons)
	}
	v.CanRefund = left && staff.Authorize(domain.RoleManager, v.Order.StoreCode) == nil &&
		slices.Contains(refundableStatuses, v.Order.Status)
	if v.CanRefund {
		if v.RefundKey, err = newConsoleKey(); err != nil {
			return err
		}
	}
	if refusal != nil {
		return s.renderPageError(c, "order", title, v, refusal)
	}
	return s.renderPage(c, fiber.StatusOK, "order", title, v)
}

// newConsoleKey is a fresh Idempotency-Key for a console form.
func newConsoleKey() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", &domain.Error{Code: domain.EINTERNAL, Message: "draw a form key", Err: err}
	}
	return "console-" + hex.EncodeToString(b), nil
}

// consoleRefund is POST /console/orders/{order_no}/refunds: the refund
// form, as POST /v1/admin/orders/{order_no}/refunds with the form's key
// as Idempotency-Key. A quantity per line (blank or 0: not refunded), or
// "everything left"; a reason; restock. The use case decides who may
// (manager of the store): the form's absence for a clerk is only a hint.
func (s *Server) consoleRefund(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	form := refundForm{Qty: map[int64]string{}, Reason: strings.TrimSpace(utils.CopyString(c.FormValue("reason"))),
		Restock: c.FormValue("restock") != "", All: c.FormValue("all") != ""}
	var asks []domain.RefundAsk
	// Post order is the form's line order, the same on every submit of
	// one rendered form, so a double submit hashes as one request.
	c.Request().PostArgs().VisitAll(func(k, val []byte) {
		key := string(k)
		if !strings.HasPrefix(key, "qty_") {
			return
		}
		id := strings.TrimPrefix(key, "qty_")
		typed := strings.TrimSpace(string(val))
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			form.Qty[n] = typed
		}
		if typed == "" {
			return
		}
		if d, err := decimal.NewFromString(typed); err == nil && d.IsZero() {
			return
		}
		asks = append(asks, domain.RefundAsk{LineID: id, Quantity: typed})
	})
	req := app.StaffRefundRequest{OrderNo: no, IdempotencyKey: utils.CopyString(c.FormValue("idempotency_key")),
		Reason: form.Reason, Restock: form.Restock}
	switch {
	case form.All && len(asks) > 0:
		return s.renderOrder(c, form, domain.Invalid("refund_invalid", domain.FieldError{Field: "lines",
			Message: "either tick “everything left” or enter quantities, not both"}))
	case form.All:
		// No lines: the use case refunds everything still refundable.
	case len(asks) == 0:
		return s.renderOrder(c, form, domain.Invalid("refund_invalid", domain.FieldError{Field: "lines",
			Message: "enter a quantity for at least one line, or tick “everything left”"}))
	default:
		req.Lines = asks
	}
	res, created, err := s.deps.Orders.RefundByStaff(c.UserContext(), actor(c), req)
	if err != nil {
		if statusOf(domain.ErrorCode(err)) >= 500 {
			return err
		}
		return s.renderOrder(c, form, err)
	}
	flash := "Refund " + res.Refund.OutRefundNo + " of " + money(res.Refund.Amount) + " recorded; WeChat Pay pays it back shortly"
	if !created {
		flash = "Refund " + res.Refund.OutRefundNo + " was already recorded by this form"
	}
	return c.Redirect(flashURL(c, ConsolePath+"/orders/"+url.PathEscape(no), flash), fiber.StatusSeeOther)
}

// consoleReceipt is GET /console/orders/{order_no}/receipt: the order's
// e-receipt page, as staff read it through the API.
func (s *Server) consoleReceipt(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	r, err := s.deps.Orders.ReceiptForStaff(c.UserContext(), actor(c), no)
	if err != nil {
		return err
	}
	c.Set("Cache-Control", "no-store")
	return sendReceipt(c, r, true)
}

// auditReasonTexts are an audit's reasons as a clerk reads them.
func auditReasonTexts(reasons []string) []string {
	out := make([]string, 0, len(reasons))
	for _, r := range reasons {
		switch r {
		case domain.AuditRandom:
			out = append(out, "Random check at the store's audit rate")
		case domain.AuditAgeRestricted:
			out = append(out, "Age-restricted goods (alcohol, tobacco): check the shopper's age")
		case domain.AuditLargeBasket:
			out = append(out, "Large basket (¥200 or more, or 20 units or more)")
		case domain.AuditFirstOrder:
			out = append(out, "The shopper's first order")
		default:
			out = append(out, r)
		}
	}
	return out
}
