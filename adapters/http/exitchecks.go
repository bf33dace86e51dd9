package http

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// exitCheckRoutes registers the shopper's exit pass and the staff's exit
// checks (DESIGN §4 "Exit pass and audit"). Roles and store scope are
// checked in app.ExitChecks: clerk and up, in their stores.
func (s *Server) exitCheckRoutes() {
	a := s.App
	a.Get("/v1/mp/orders/:order_no/exit-pass", s.requireShopper, s.exitPass)
	a.Post("/v1/admin/exit-checks", s.requireStaff, s.createExitCheck)
	a.Get("/v1/admin/exit-checks", s.requireStaff, s.listExitChecks)
	a.Get("/v1/admin/exit-checks/:id", s.requireStaff, s.getExitCheck)
	a.Post("/v1/admin/exit-checks/:id/result", s.requireStaff, s.recordExitCheckResult)
}

type exitPassDTO struct {
	OrderNo   string `json:"order_no"`
	Payload   string `json:"payload"`
	ExpiresAt string `json:"expires_at"`
}

// exitPass is GET /v1/mp/orders/{order_no}/exit-pass: the pass as JSON,
// or with ?format=png as the QR image the app shows at the exit.
func (s *Server) exitPass(c *fiber.Ctx) error {
	no, err := orderNo(c)
	if err != nil {
		return err
	}
	format := c.Query("format")
	if format != "" && format != "json" && format != "png" {
		return domain.Invalid("format_invalid", domain.FieldError{Field: "format", Message: "must be json or png"})
	}
	pass, err := s.deps.ExitChecks.Pass(c.UserContext(), shopperActor(c), no)
	if err != nil {
		return err
	}
	// A pass is valid for minutes and opens the exit: no shared cache.
	c.Set(fiber.HeaderCacheControl, "no-store")
	if format == "png" {
		img, err := qrPNG(pass.Payload)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "image/png")
		return c.Send(img)
	}
	return c.JSON(exitPassDTO{OrderNo: pass.OrderNo, Payload: pass.Payload, ExpiresAt: timestamp(pass.ExpiresAt)})
}

type exitCheckRequest struct {
	Payload   string `json:"payload"`
	StoreCode string `json:"store_code"`
}

type unscannedDTO struct {
	Barcode  string `json:"barcode"`
	SKU      string `json:"sku"`
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
}

// exitCheckDTO is an accepted exit pass. unscanned, result_at and
// result_staff_id are null until an audit's result is recorded; order is
// the order as it is now.
type exitCheckDTO struct {
	ID            string          `json:"id"`
	OrderNo       string          `json:"order_no"`
	StoreCode     string          `json:"store_code"`
	StaffID       string          `json:"staff_id"`
	Verdict       string          `json:"verdict"`
	AuditReasons  []string        `json:"audit_reasons"`
	CheckedAt     string          `json:"checked_at"`
	Unscanned     *[]unscannedDTO `json:"unscanned"`
	UnscannedQty  int             `json:"unscanned_qty"`
	ResultAt      *string         `json:"result_at"`
	ResultStaffID *string         `json:"result_staff_id"`
	Order         *staffOrderDTO  `json:"order,omitempty"`
}

func toExitCheckDTO(ch *domain.ExitCheck) exitCheckDTO {
	d := exitCheckDTO{ID: strconv.FormatInt(ch.ID, 10), OrderNo: ch.OrderNo, StoreCode: ch.StoreCode,
		StaffID: strconv.FormatInt(ch.StaffID, 10), Verdict: string(ch.Verdict), AuditReasons: ch.AuditReasons,
		CheckedAt: timestamp(ch.CheckedAt), UnscannedQty: ch.UnscannedQty, ResultAt: optionalTime(ch.ResultAt)}
	if d.AuditReasons == nil {
		d.AuditReasons = []string{}
	}
	if ch.ResultRecorded() {
		items := make([]unscannedDTO, len(ch.Unscanned))
		for i, it := range ch.Unscanned {
			items[i] = unscannedDTO{Barcode: it.Barcode, SKU: it.SKU, Name: it.Name, Quantity: it.Quantity}
		}
		staff := strconv.FormatInt(ch.ResultStaffID, 10)
		d.Unscanned, d.ResultStaffID = &items, &staff
	}
	return d
}

func toExitCheckResultDTO(r app.ExitCheckResult) exitCheckDTO {
	d := toExitCheckDTO(r.Check)
	o := toStaffOrderDTO(r.Order)
	d.Order = &o
	return d
}

// createExitCheck is POST /v1/admin/exit-checks: 201 with the verdict, or a
// refusal whose reason says why (exit_pass_forged, exit_pass_expired,
// exit_pass_other_store: 422; exit_pass_used, order_refunded,
// order_not_paid: 409).
func (s *Server) createExitCheck(c *fiber.Ctx) error {
	var req exitCheckRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Payload) == "" {
		return domain.Invalid("exit_check_invalid", domain.FieldError{Field: "payload", Message: "is required: the scanned exit pass"})
	}
	res, err := s.deps.ExitChecks.Check(c.UserContext(), actor(c), req.Payload, strings.ToUpper(strings.TrimSpace(req.StoreCode)))
	if err != nil {
		return err
	}
	c.Location("/v1/admin/exit-checks/" + strconv.FormatInt(res.Check.ID, 10))
	return c.Status(fiber.StatusCreated).JSON(toExitCheckResultDTO(res))
}

// exitCheckID reads the id path parameter; one that is not an id is 404,
// like an unknown check.
func exitCheckID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "exit_check_not_found", "no such exit check")
	}
	return id, nil
}

func (s *Server) getExitCheck(c *fiber.Ctx) error {
	id, err := exitCheckID(c)
	if err != nil {
		return err
	}
	res, err := s.deps.ExitChecks.ExitCheck(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toExitCheckResultDTO(res))
}

// listExitChecks is GET /v1/admin/exit-checks?store=&verdict=: newest
// first, of one store or of every store the staff member works in.
func (s *Server) listExitChecks(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	store := strings.ToUpper(strings.TrimSpace(utils.CopyString(c.Query("store"))))
	verdict := domain.ExitVerdict(utils.CopyString(c.Query("verdict")))
	res, err := s.deps.ExitChecks.ListExitChecks(c.UserContext(), actor(c), store, verdict, p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toExitCheckDTO))
}

type unscannedRequest struct {
	Barcode  string `json:"barcode"`
	Quantity int    `json:"quantity"`
}

type exitCheckResultRequest struct {
	Unscanned *[]unscannedRequest `json:"unscanned"`
}

// recordExitCheckResult is POST /v1/admin/exit-checks/{id}/result: what an
// audit found unscanned (an empty list: nothing), recorded once.
func (s *Server) recordExitCheckResult(c *fiber.Ctx) error {
	id, err := exitCheckID(c)
	if err != nil {
		return err
	}
	var req exitCheckResultRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Unscanned == nil {
		return domain.Invalid("audit_result_invalid", domain.FieldError{Field: "unscanned",
			Message: "is required: the items found unscanned, [] for none"})
	}
	in := make([]app.UnscannedInput, len(*req.Unscanned))
	for i, u := range *req.Unscanned {
		in[i] = app.UnscannedInput{Barcode: u.Barcode, Quantity: u.Quantity}
	}
	res, err := s.deps.ExitChecks.RecordResult(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(toExitCheckResultDTO(res))
}
