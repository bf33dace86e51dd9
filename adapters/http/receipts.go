package http

import (
	"bytes"
	"context"
	"embed"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

// receiptFiles holds the receipt page's template; html/template escapes
// every value put in it, product names included.
//
//go:embed templates/receipt.html
var receiptFiles embed.FS

var receiptPage = template.Must(template.New("receipt.html").ParseFS(receiptFiles, "templates/receipt.html"))

// receiptRoutes registers the e-receipt of an order, for its shopper and
// for the staff of its store (the use cases check who may read it).
func (s *Server) receiptRoutes() {
	s.App.Get("/v1/mp/orders/:order_no/receipt", s.requireShopper, s.getMyReceipt)
	s.App.Get("/v1/admin/orders/:order_no/receipt", s.requireStaff, s.getStaffReceipt)
}

func (s *Server) getMyReceipt(c *fiber.Ctx) error {
	return receiptOf(c, func(ctx context.Context, no string) (*domain.Receipt, error) {
		return s.deps.Orders.ReceiptForShopper(ctx, shopperActor(c), no)
	})
}

func (s *Server) getStaffReceipt(c *fiber.Ctx) error {
	return receiptOf(c, func(ctx context.Context, no string) (*domain.Receipt, error) {
		return s.deps.Orders.ReceiptForStaff(ctx, actor(c), no)
	})
}

// receiptOf answers a receipt request: the order number from the path,
// the format asked for, and read, the use case that checks who asks.
func receiptOf(c *fiber.Ctx, read func(ctx context.Context, orderNo string) (*domain.Receipt, error)) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	asHTML, err := wantsHTML(c)
	if err != nil {
		return err
	}
	r, err := read(c.UserContext(), no)
	if err != nil {
		return err
	}
	return sendReceipt(c, r, asHTML)
}

// wantsHTML says whether to answer with the page: ?format=html or =json
// decides; without it, the Accept header (a browser prefers text/html; an
// API client, or none, gets JSON).
func wantsHTML(c *fiber.Ctx) (bool, error) {
	switch strings.ToLower(utils.CopyString(c.Query("format"))) {
	case "html":
		return true, nil
	case "json":
		return false, nil
	case "":
		return c.Accepts(fiber.MIMEApplicationJSON, fiber.MIMETextHTML) == fiber.MIMETextHTML, nil
	}
	return false, domain.Invalid("format_invalid", domain.FieldError{Field: "format", Message: "must be json or html"})
}

func sendReceipt(c *fiber.Ctx, r *domain.Receipt, asHTML bool) error {
	d := toReceiptDTO(r)
	c.Vary(fiber.HeaderAccept)
	if !asHTML {
		return c.JSON(d)
	}
	var page bytes.Buffer
	if err := receiptPage.Execute(&page, d); err != nil {
		return &domain.Error{Code: domain.EINTERNAL, Message: "render the receipt page", Err: err}
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(page.Bytes())
}
