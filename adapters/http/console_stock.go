package http

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// consoleStockRoutes registers the stock pages: levels, receive and count,
// items below their reorder point and items to recount.
func (s *Server) consoleStockRoutes() {
	a := s.App
	a.Get(ConsolePath+"/stock", s.consoleAuth, s.consoleStockPage)
	a.Post(ConsolePath+"/stock/movements", s.consoleAuth, s.consoleStockMove)
	a.Get(ConsolePath+"/stock/alerts", s.consoleAuth, s.consoleStockAlerts)
}

// Stock list filters (?filter=).
const (
	stockFilterBelow   = "below"
	stockFilterRecount = "recount"
)

// stockRecountScan bounds how many levels one "to recount" page reads:
// the use case filters below-reorder only, so needs_recount is filtered
// here, page by page. A store with more items than this between two
// flagged ones gets a page with fewer rows and a "Next page" link that
// goes on from where the scan stopped.
const stockRecountScan = 20 * domain.MaxPageLimit

// stockAlertsOnPage is how many of the newest alerts the stock page shows.
const stockAlertsOnPage = 10

// movementForm is the movement form as typed, kept when it is refused.
type movementForm struct {
	SKU, Kind, Quantity, Reason string
}

type stockPageView struct {
	Filter string
	Levels []domain.StockLevel
	// Next is the "Next page" link ("" on the last page).
	Next       string
	Alerts     []domain.LowStockAlert
	MoreAlerts bool
	Form       movementForm
	// Zone is the store's time zone, for the alerts' times.
	Zone string
}

// consoleStockPage is GET /console/stock?filter=below|recount&cursor=:
// the current store's levels, the movement form and the newest alerts.
func (s *Server) consoleStockPage(c *fiber.Ctx) error {
	return s.renderStock(c, movementForm{SKU: utils.CopyString(c.Query("sku")), Kind: string(domain.MoveReceive)}, nil)
}

// renderStock renders the stock page with form as typed; a refusal err
// is shown above it (a 4xx status), so nothing typed is lost.
func (s *Server) renderStock(c *fiber.Ctx, form movementForm, refusal error) error {
	v := stockPageView{Filter: utils.CopyString(c.Query("filter")), Form: form, Zone: s.consoleStoreZone(c)}
	store := consoleStore(c)
	if store == "" {
		return s.stockView(c, v, refusal)
	}
	ctx, staff := c.UserContext(), actor(c)
	p, err := pageParams(c)
	if err != nil {
		return s.renderPageError(c, "stock", "Stock", v, err)
	}
	switch v.Filter {
	case "", stockFilterBelow:
		res, err := s.deps.Stock.Levels(ctx, staff, store, v.Filter == stockFilterBelow, p)
		if err != nil {
			return s.renderPageError(c, "stock", "Stock", v, err)
		}
		v.Levels, v.Next = res.Items, catNextURL(c, "cursor", res.NextAfter)
	case stockFilterRecount:
		levels, next, err := s.recountLevels(ctx, staff, store, p)
		if err != nil {
			return s.renderPageError(c, "stock", "Stock", v, err)
		}
		v.Levels, v.Next = levels, catNextURL(c, "cursor", next)
	default:
		v.Filter = ""
		return s.renderPageError(c, "stock", "Stock", v,
			domain.Invalid("filter_invalid", domain.FieldError{Field: "filter", Message: "must be below or recount"}))
	}
	alerts, err := s.deps.Stock.Alerts(ctx, staff, store, domain.Page{Limit: stockAlertsOnPage})
	if err != nil {
		return s.renderPageError(c, "stock", "Stock", v, err)
	}
	v.Alerts, v.MoreAlerts = alerts.Items, alerts.NextAfter != 0
	return s.stockView(c, v, refusal)
}

func (s *Server) stockView(c *fiber.Ctx, v stockPageView, refusal error) error {
	if refusal != nil {
		return s.renderPageError(c, "stock", "Stock", v, refusal)
	}
	return s.renderPage(c, fiber.StatusOK, "stock", "Stock", v)
}

// recountLevels is one page of the items flagged for recount, and the
// product id to go on after (0 when the scan reached the end).
func (s *Server) recountLevels(ctx context.Context, staff *domain.Staff, store string, p domain.Page) ([]domain.StockLevel, int64, error) {
	var out []domain.StockLevel
	after := p.After
	for read := 0; read < stockRecountScan; {
		res, err := s.deps.Stock.Levels(ctx, staff, store, false, domain.Page{Limit: domain.MaxPageLimit, After: after})
		if err != nil {
			return nil, 0, err
		}
		for _, l := range res.Items {
			if !l.NeedsRecount {
				continue
			}
			out = append(out, l)
			if len(out) == p.Limit {
				// The page is full; whether more follow is known only by
				// reading on, so the link may lead to an empty page.
				return out, l.ProductID, nil
			}
		}
		if res.NextAfter == 0 {
			return out, 0, nil
		}
		read += len(res.Items)
		after = res.NextAfter
	}
	return out, after, nil
}

// consoleStockMove is POST /console/stock/movements: a receive, an
// adjustment or a count of the current store, as POST
// /v1/admin/stores/{code}/stock-movements.
func (s *Server) consoleStockMove(c *fiber.Ctx) error {
	form := movementForm{
		SKU:      strings.TrimSpace(utils.CopyString(c.FormValue("sku"))),
		Kind:     utils.CopyString(c.FormValue("kind")),
		Quantity: strings.TrimSpace(utils.CopyString(c.FormValue("quantity"))),
		Reason:   strings.TrimSpace(utils.CopyString(c.FormValue("reason"))),
	}
	var fe domain.Fields
	if form.SKU == "" {
		fe.Add("sku", "is required")
	}
	qty, qerr := decimal.NewFromString(form.Quantity)
	if form.Quantity == "" {
		fe.Add("quantity", "is required")
	} else if qerr != nil {
		fe.Add("quantity", "must be a number")
	}
	if err := fe.Err("movement_invalid"); err != nil {
		return s.renderStock(c, form, err)
	}
	res, err := s.deps.Stock.Record(c.UserContext(), actor(c), consoleStore(c), form.SKU, domain.MovementKind(form.Kind), qty, form.Reason)
	if err != nil {
		if statusOf(domain.ErrorCode(err)) >= 500 {
			return err
		}
		return s.renderStock(c, form, err)
	}
	flash := string(res.Movement.Kind) + " of " + form.SKU + " recorded: on hand now " + res.Level.OnHand.String()
	return c.Redirect(flashURL(c, ConsolePath+"/stock", flash), fiber.StatusSeeOther)
}

type stockAlertsView struct {
	Alerts []domain.LowStockAlert
	Next   string
	Zone   string
}

// consoleStockAlerts is GET /console/stock/alerts: the current store's
// low-stock alerts, newest first, paginated.
func (s *Server) consoleStockAlerts(c *fiber.Ctx) error {
	v := stockAlertsView{Zone: s.consoleStoreZone(c)}
	store := consoleStore(c)
	if store == "" {
		return s.renderPage(c, fiber.StatusOK, "stock_alerts", "Low-stock alerts", v)
	}
	p, err := pageParams(c)
	if err != nil {
		return s.renderPageError(c, "stock_alerts", "Low-stock alerts", v, err)
	}
	res, err := s.deps.Stock.Alerts(c.UserContext(), actor(c), store, p)
	if err != nil {
		return s.renderPageError(c, "stock_alerts", "Low-stock alerts", v, err)
	}
	v.Alerts, v.Next = res.Items, catNextURL(c, "cursor", res.NextAfter)
	return s.renderPage(c, fiber.StatusOK, "stock_alerts", "Low-stock alerts", v)
}

// consoleStoreZone is the name of the time zone the current store's times
// are shown in.
func (s *Server) consoleStoreZone(c *fiber.Ctx) string {
	name, _ := s.consoleZone(c)
	return name
}

// consoleZone is the current store's time zone, as receipts and reports
// count: its own, else the chain's default (domain.ReportZone).
func (s *Server) consoleZone(c *fiber.Ctx) (string, *time.Location) {
	st := &domain.Store{}
	if code := consoleStore(c); code != "" {
		if got, err := s.deps.Stores.Get(c.UserContext(), actor(c), code); err == nil {
			st = got
		}
	}
	return domain.ReportZone(st)
}
