package http

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// headerIdempotencyKey names the header that makes a money-relevant POST
// repeatable (DESIGN §5): the app retries with the same key after a lost
// answer and gets the first answer back instead of a second order.
const headerIdempotencyKey = "Idempotency-Key"

// orderRoutes registers checkout, the shopper's orders and payments, the
// staff's order lookup, WeChat Pay's webhooks and, in dev mode only, the
// fake payment. As elsewhere, auth is attached per route, so unknown paths
// stay 404 rather than 401.
func (s *Server) orderRoutes() {
	a := s.App
	a.Post("/v1/mp/orders", s.requireShopper, s.checkout)
	a.Get("/v1/mp/orders", s.requireShopper, s.listMyOrders)
	a.Get("/v1/mp/orders/:order_no", s.requireShopper, s.getMyOrder)
	a.Post("/v1/mp/orders/:order_no/payments", s.requireShopper, s.startPayment)
	a.Post("/v1/mp/orders/:order_no/cancel", s.requireShopper, s.cancelOrder)
	// Staff: the use case checks role (clerk and up) and store scope.
	a.Get("/v1/admin/orders", s.requireStaff, s.listOrders)
	a.Get("/v1/admin/orders/:order_no", s.requireStaff, s.getOrder)
	// Admin only (the use case checks): an anomaly may name no store.
	a.Get("/v1/admin/payment-anomalies", s.requireStaff, s.listPaymentAnomalies)
	// WeChat Pay authenticates by signature, checked in the use case, and
	// is answered in its own format (webhooks.go).
	a.Post(webhookTransactionsPath, s.wechatPayWebhook)
	a.Post(webhookRefundsPath, s.wechatPayWebhook)
	if s.deps.DevPay != nil {
		a.Post("/v1/dev/orders/:order_no/pay", s.requireShopper, s.devPay)
	}
}

// orderNo reads the order_no path parameter, copied out of fiber's reused
// buffer. One that cannot be an order number is 404 before any query, as
// an unknown order is: order numbers must not be probed by their shape.
func orderNo(c *fiber.Ctx) (string, error) {
	no := utils.CopyString(c.Params("order_no"))
	if !domain.ValidOrderNo(no) {
		return "", domain.Errorf(domain.ENOTFOUND, "order_not_found", "no order %s", no)
	}
	return no, nil
}

// noBody accepts what an action without parameters may be sent: nothing,
// or an empty JSON object (some HTTP clients always send one). Anything
// else is refused like any unknown field, so a client expecting a
// parameter to count learns that it does not.
func noBody(c *fiber.Ctx) error {
	if len(bytes.TrimSpace(c.Body())) == 0 {
		return nil
	}
	var empty struct{}
	return decodeJSON(c, &empty)
}

type checkoutRequest struct {
	StoreCode   string `json:"store_code"`
	CartVersion *int   `json:"cart_version"`
}

// checkout is POST /v1/mp/orders: 201 with the new order, or 200 with the
// same order when the request replays one already made under its key.
func (s *Server) checkout(c *fiber.Ctx) error {
	// The key is checked first: without it a retry could make a second
	// order, so no checkout happens without one.
	key := strings.TrimSpace(utils.CopyString(c.Get(headerIdempotencyKey)))
	if key == "" {
		return &domain.Error{Code: domain.EMALFORMED, Reason: "idempotency_key_required",
			Message: "send an Idempotency-Key header (1-64 printable characters, new for each checkout)",
			Fields:  []domain.FieldError{{Field: headerIdempotencyKey, Message: "is required"}}}
	}
	var req checkoutRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var fe domain.Fields
	if strings.TrimSpace(req.StoreCode) == "" {
		fe.Add("store_code", "is required")
	}
	switch {
	case req.CartVersion == nil:
		fe.Add("cart_version", "is required: the version of the cart the shopper saw")
	case *req.CartVersion < 0:
		fe.Add("cart_version", "must be 0 or more")
	}
	if err := fe.Err("checkout_invalid"); err != nil {
		return err
	}
	ord, created, err := s.deps.Orders.Checkout(c.UserContext(), shopperActor(c), app.CheckoutRequest{
		StoreCode: strings.ToUpper(strings.TrimSpace(req.StoreCode)), CartVersion: *req.CartVersion, IdempotencyKey: key})
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if created {
		status = fiber.StatusCreated
		c.Location("/v1/mp/orders/" + ord.OrderNo)
	}
	return c.Status(status).JSON(toOrderDTO(ord))
}

// orderStatus reads ?status=; the use cases refuse an unknown one.
func orderStatus(c *fiber.Ctx) domain.OrderStatus {
	return domain.OrderStatus(utils.CopyString(c.Query("status")))
}

func (s *Server) listMyOrders(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Orders.ListMine(c.UserContext(), shopperActor(c), orderStatus(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toOrderDTO))
}

func (s *Server) getMyOrder(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	ord, err := s.deps.Orders.Mine(c.UserContext(), shopperActor(c), no)
	if err != nil {
		return err
	}
	return c.JSON(toOrderDTO(ord))
}

// startPayment is POST /v1/mp/orders/{order_no}/payments: the
// wx.requestPayment parameters. An Idempotency-Key is accepted and needs
// nothing stored: the use case reuses the order's prepay, so a retry opens
// the same payment whatever its key.
func (s *Server) startPayment(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	params, err := s.deps.Orders.StartPayment(c.UserContext(), shopperActor(c), no)
	if err != nil {
		return err
	}
	return c.JSON(params)
}

func (s *Server) cancelOrder(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	ord, err := s.deps.Orders.Cancel(c.UserContext(), shopperActor(c), no)
	if err != nil {
		return err
	}
	return c.JSON(toOrderDTO(ord))
}

// listOrders is GET /v1/admin/orders?store=&status=: one store's orders,
// or without store those of every store the staff member works in.
func (s *Server) listOrders(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	store := strings.ToUpper(strings.TrimSpace(utils.CopyString(c.Query("store"))))
	res, err := s.deps.Orders.ListForStaff(c.UserContext(), actor(c), store, orderStatus(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStaffOrderDTO))
}

func (s *Server) getOrder(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	ord, err := s.deps.Orders.ForStaff(c.UserContext(), actor(c), no)
	if err != nil {
		return err
	}
	return c.JSON(toStaffOrderDTO(ord))
}
