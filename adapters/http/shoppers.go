package http

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

const localShopper = "shopper"

// shopperRoutes registers the mini-program's session and visit routes.
// Like the admin routes, auth is attached per route, so unknown paths stay
// 404 rather than 401.
func (s *Server) shopperRoutes() {
	mp := s.App.Group("/v1/mp")
	mp.Post("/sessions", s.shopperLogin)
	mp.Post("/visits", s.requireShopper, s.openVisit)
}

// requireShopper authenticates the shopper behind the bearer token. Only
// shopper tokens pass: a staff token has another audience and is refused.
func (s *Server) requireShopper(c *fiber.Ctx) error {
	token := bearer(c)
	if token == "" {
		return domain.Errorf(domain.EUNAUTHORIZED, "token_missing", "log in with POST /v1/mp/sessions and send Authorization: Bearer <token>")
	}
	sh, err := s.deps.Shoppers.Authenticate(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Locals(localShopper, sh)
	return c.Next()
}

// shopperActor is the authenticated shopper; requireShopper has run. A
// route registered without it is a bug: it panics (a 500) rather than act
// for nobody.
func shopperActor(c *fiber.Ctx) *domain.Shopper {
	sh, _ := c.Locals(localShopper).(*domain.Shopper)
	if sh == nil || sh.ID == 0 {
		panic("shopperActor: route " + c.Route().Path + " lacks requireShopper")
	}
	return sh
}

type shopperLoginRequest struct {
	Code string `json:"code"`
}

type shopperSessionResponse struct {
	Token     string `json:"token"`
	ShopperID int64  `json:"shopper_id,string"`
	ExpiresAt string `json:"expires_at"`
}

func (s *Server) shopperLogin(c *fiber.Ctx) error {
	var req shopperLoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	sess, err := s.deps.Shoppers.Login(c.UserContext(), req.Code, s.clientIP(c))
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(shopperSessionResponse{Token: sess.Token, ShopperID: sess.Shopper.ID,
		ExpiresAt: sess.ExpiresAt.UTC().Format(time.RFC3339)})
}

type visitRequest struct {
	StoreCode string   `json:"store_code"`
	Scene     string   `json:"scene"`
	Lat       *Decimal `json:"lat"`
	Lng       *Decimal `json:"lng"`
}

// visitStoreDTO is what a shopper's app needs of the store to show it.
type visitStoreDTO struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

type visitDTO struct {
	VisitID   int64         `json:"visit_id,string"`
	Store     visitStoreDTO `json:"store"`
	Source    string        `json:"source"`
	OpenedAt  string        `json:"opened_at"`
	ExpiresAt string        `json:"expires_at"`
}

func (s *Server) openVisit(c *fiber.Ctx) error {
	var req visitRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v, st, err := s.deps.Visits.Open(c.UserContext(), shopperActor(c), app.VisitRequest{
		StoreCode: req.StoreCode, Scene: req.Scene, Lat: req.Lat.ptr(), Lng: req.Lng.ptr()})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(visitDTO{VisitID: v.ID,
		Store:  visitStoreDTO{Code: st.Code, Name: st.Name, TimeZone: st.TimeZone},
		Source: string(v.Source), OpenedAt: timestamp(v.OpenedAt), ExpiresAt: timestamp(v.ExpiresAt)})
}
