package http

import (
	"errors"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Audit form rows: a few by default, more on request (?rows=), bounded so
// a page stays a page.
const (
	auditRowsDefault = 5
	auditRowsMax     = 30
)

// auditRow is one row of the audit form as typed.
type auditRow struct {
	Barcode, Quantity string
	// N is the row's number as labels show it (from 1).
	N int
}

// exitRefusal is a pass the exit refused: why, in the clerk's words and
// as the API's reason code, and the order it names when that is known.
type exitRefusal struct {
	Title, Message, Reason, OrderNo string
}

type exitCheckView struct {
	Check   *domain.ExitCheck
	Order   *domain.Order
	Reasons []string
	Refused *exitRefusal
	// Rows and Nothing are the audit form as typed; MoreRows links to the
	// form with more rows ("" at the most).
	Rows     []auditRow
	Nothing  bool
	MoreRows string
	Zone     string
}

// consoleExitCheckPage is GET /console/exit-check: the scan box.
func (s *Server) consoleExitCheckPage(c *fiber.Ctx) error {
	return s.renderPage(c, fiber.StatusOK, "exit_check", "Exit check", exitCheckView{Zone: s.consoleStoreZone(c)})
}

// consoleExitCheck is POST /console/exit-check: the scanned pass, checked
// at the current store's exit as POST /v1/admin/exit-checks does. An
// accepted pass goes to its check's page (so a reload does not scan it
// again); a refused one is answered here with the REFUSED block.
func (s *Server) consoleExitCheck(c *fiber.Ctx) error {
	payload := strings.TrimSpace(utils.CopyString(c.FormValue("payload")))
	v := exitCheckView{Zone: s.consoleStoreZone(c)}
	if payload == "" {
		return s.renderPageError(c, "exit_check", "Exit check", v, domain.Invalid("exit_check_invalid",
			domain.FieldError{Field: "payload", Message: "is required: scan the shopper's exit pass"}))
	}
	res, err := s.deps.ExitChecks.Check(c.UserContext(), actor(c), payload, consoleStore(c))
	if err != nil {
		status := statusOf(domain.ErrorCode(err))
		reason := domain.ErrorReason(err)
		if status >= 500 || !passRefusal(reason) {
			// Not about the pass (no store picked, not staff of it): the
			// error alert, no verdict.
			return s.renderPageError(c, "exit_check", "Exit check", v, err)
		}
		v.Refused = &exitRefusal{Title: refusalTitle(reason), Message: domain.ErrorMessage(err), Reason: reason}
		if reason != "exit_pass_forged" {
			// A forged pass's order number is whatever was typed.
			v.Refused.OrderNo = domain.ExitPassOrderNo(payload)
		}
		return s.renderView(c, status, "exit_check", s.view(c, "Exit check", v))
	}
	return c.Redirect(ConsolePath+"/exit-check/"+strconv.FormatInt(res.Check.ID, 10), fiber.StatusSeeOther)
}

// passRefusal reports whether a refusal is the pass's: the verdict
// REFUSED, for the shopper at the gate.
func passRefusal(reason string) bool {
	return strings.HasPrefix(reason, "exit_pass_") || reason == "order_refunded" || reason == "order_not_paid"
}

func refusalTitle(reason string) string {
	switch reason {
	case "exit_pass_forged":
		return "Not an exit pass of this store"
	case "exit_pass_expired":
		return "Exit pass expired"
	case "exit_pass_other_store":
		return "Bought in another store"
	case "exit_pass_used":
		return "Exit pass already used"
	case "order_refunded":
		return "Order refunded"
	case "order_not_paid":
		return "Order not paid"
	}
	return "Exit pass refused"
}

// consoleExitCheckShow is GET /console/exit-check/{id}: the verdict of an
// accepted pass, the audit form while an audit's result is not in, and
// the scan box for the next shopper.
func (s *Server) consoleExitCheckShow(c *fiber.Ctx) error {
	return s.renderExitCheck(c, nil, false, nil)
}

func (s *Server) renderExitCheck(c *fiber.Ctx, rows []auditRow, nothing bool, refusal error) error {
	v := exitCheckView{Zone: s.consoleStoreZone(c), Nothing: nothing}
	id, err := exitCheckID(c)
	var res app.ExitCheckResult
	if err == nil {
		res, err = s.deps.ExitChecks.ExitCheck(c.UserContext(), actor(c), id)
	}
	if err != nil {
		return s.renderPageError(c, "exit_check", "Exit check", v, err)
	}
	v.Check, v.Order, v.Reasons = res.Check, res.Order, auditReasonTexts(res.Check.AuditReasons)
	n := auditRowsDefault
	if q, err := strconv.Atoi(c.Query("rows")); err == nil && q > n {
		n = min(q, auditRowsMax)
	}
	n = max(n, len(rows))
	for len(rows) < n {
		rows = append(rows, auditRow{Quantity: "1"})
	}
	for i := range rows {
		rows[i].N = i + 1
	}
	v.Rows = rows
	if n < auditRowsMax {
		v.MoreRows = ConsolePath + "/exit-check/" + strconv.FormatInt(id, 10) + "?rows=" + strconv.Itoa(min(n+5, auditRowsMax)) + "#audit-form"
	}
	if refusal != nil {
		return s.renderPageError(c, "exit_check", "Exit check", v, refusal)
	}
	return s.renderPage(c, fiber.StatusOK, "exit_check", "Exit check", v)
}

// auditFieldRE is a field of the use case's answer about one unscanned
// item: unscanned[i].barcode.
var auditFieldRE = regexp.MustCompile(`^unscanned\[(\d+)\]\.(\w+)$`)

// consoleAuditResult is POST /console/exit-check/{id}/result: what the
// audit found unscanned, as POST /v1/admin/exit-checks/{id}/result. Rows
// with no barcode are left out; no rows at all must be said with
// "nothing missing", so an empty form sent by mistake records nothing.
func (s *Server) consoleAuditResult(c *fiber.Ctx) error {
	id, err := exitCheckID(c)
	if err != nil {
		return err
	}
	var rows []auditRow
	var in []app.UnscannedInput
	var rowOf []int // the form row of each item sent, for the answer's fields
	var fe domain.Fields
	for i := 0; i < auditRowsMax; i++ {
		k := strconv.Itoa(i)
		bc, qv := c.FormValue("barcode_"+k), c.FormValue("qty_"+k)
		if bc == "" && qv == "" && i >= auditRowsDefault {
			continue
		}
		row := auditRow{Barcode: strings.TrimSpace(utils.CopyString(bc)), Quantity: strings.TrimSpace(utils.CopyString(qv))}
		rows = append(rows, row)
		if row.Barcode == "" {
			continue
		}
		q, err := strconv.Atoi(row.Quantity)
		if err != nil {
			fe.Add("row "+strconv.Itoa(len(rows))+" quantity", "must be a whole number from %d to %d", domain.MinUnscannedQty, domain.MaxUnscannedQty)
			continue
		}
		in = append(in, app.UnscannedInput{Barcode: row.Barcode, Quantity: q})
		rowOf = append(rowOf, len(rows))
	}
	nothing := c.FormValue("nothing") != ""
	switch {
	case nothing && (len(in) > 0 || len(fe) > 0):
		fe.Add("nothing missing", "is ticked, yet items are entered: clear one or the other")
	case !nothing && len(in) == 0 && len(fe) == 0:
		fe.Add("items", "enter the items found unscanned, or tick “Nothing missing”")
	}
	if err := fe.Err("audit_result_invalid"); err != nil {
		return s.renderExitCheck(c, rows, nothing, err)
	}
	if in == nil {
		in = []app.UnscannedInput{}
	}
	res, err := s.deps.ExitChecks.RecordResult(c.UserContext(), actor(c), id, in)
	if err != nil {
		if statusOf(domain.ErrorCode(err)) >= 500 {
			return err
		}
		return s.renderExitCheck(c, rows, nothing, auditRowErrors(err, rowOf))
	}
	flash := "Audit recorded: nothing missing"
	if res.Check.UnscannedQty > 0 {
		flash = "Audit recorded: " + strconv.Itoa(res.Check.UnscannedQty) + " item(s) found unscanned"
	}
	return c.Redirect(flashURL(c, ConsolePath+"/exit-check/"+strconv.FormatInt(id, 10), flash), fiber.StatusSeeOther)
}

// auditRowErrors names the use case's unscanned[i] fields by the form's
// rows ("row 3 barcode"), which is what the clerk sees.
func auditRowErrors(err error, rowOf []int) error {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err
	}
	out := *de
	out.Fields = make([]domain.FieldError, len(de.Fields))
	for i, f := range de.Fields {
		out.Fields[i] = f
		if m := auditFieldRE.FindStringSubmatch(f.Field); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(rowOf) {
				out.Fields[i].Field = "row " + strconv.Itoa(rowOf[n]) + " " + m[2]
			}
		}
	}
	return &out
}
