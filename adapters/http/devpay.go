package http

import (
	"github.com/gofiber/fiber/v2"
)

type devPayResponse struct {
	OrderNo string `json:"order_no"`
	Status  string `json:"status"`
}

// devPay is POST /v1/dev/orders/{order_no}/pay, registered only in
// embedded/dev mode (Deps.DevPay): it has the fake WeChat Pay "pay" the
// order and send its signed notification, so the whole flow runs offline
// through the real webhook. Even there it takes the shopper's token and
// only their own orders, so a dev server on a shared network cannot be
// used to mark strangers' orders paid. 202: the notification is sent, the
// order becomes paid when its job has run.
func (s *Server) devPay(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	if err := noBody(c); err != nil {
		return err
	}
	ord, err := s.deps.Orders.Mine(c.UserContext(), shopperActor(c), no)
	if err != nil {
		return err
	}
	if err := s.deps.DevPay(c.UserContext(), ord.OrderNo); err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(devPayResponse{OrderNo: ord.OrderNo, Status: "notified"})
}
