package http

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

type storeDTO struct {
	Code            string `json:"code"`
	Name            string `json:"name"`
	TimeZone        string `json:"time_zone"`
	Latitude        string `json:"latitude"`
	Longitude       string `json:"longitude"`
	RadiusM         int    `json:"radius_m"`
	AuditRate       string `json:"audit_rate"`
	MaxLines        int    `json:"max_lines"`
	MaxLineQuantity int    `json:"max_line_quantity"`
	MaxBasketTotal  string `json:"max_basket_total"`
	Active          bool   `json:"active"`
	CreatedAt       string `json:"created_at"`
	UpdatedAt       string `json:"updated_at"`
}

func toStoreDTO(s *domain.Store) storeDTO {
	return storeDTO{Code: s.Code, Name: s.Name, TimeZone: s.TimeZone,
		Latitude: s.Latitude.String(), Longitude: s.Longitude.String(), RadiusM: s.RadiusM,
		AuditRate: s.AuditRate.String(), MaxLines: s.MaxLines, MaxLineQuantity: s.MaxLineQty,
		MaxBasketTotal: money(s.MaxBasketTotal), Active: s.Active,
		CreatedAt: timestamp(s.CreatedAt), UpdatedAt: timestamp(s.UpdatedAt)}
}

// StoreFields are the writable fields of a store, shared by POST and PATCH.
type StoreFields struct {
	Name            *string  `json:"name"`
	TimeZone        *string  `json:"time_zone"`
	Latitude        *Decimal `json:"latitude"`
	Longitude       *Decimal `json:"longitude"`
	RadiusM         *int     `json:"radius_m"`
	AuditRate       *Decimal `json:"audit_rate"`
	MaxLines        *int     `json:"max_lines"`
	MaxLineQuantity *int     `json:"max_line_quantity"`
	MaxBasketTotal  *Decimal `json:"max_basket_total"`
	Active          *bool    `json:"active"`
}

func (f StoreFields) patch() domain.StorePatch {
	return domain.StorePatch{Name: f.Name, TimeZone: f.TimeZone, Latitude: f.Latitude.ptr(),
		Longitude: f.Longitude.ptr(), RadiusM: f.RadiusM, AuditRate: f.AuditRate.ptr(),
		MaxLines: f.MaxLines, MaxLineQty: f.MaxLineQuantity, MaxBasketTotal: f.MaxBasketTotal.ptr(), Active: f.Active}
}

type createStoreRequest struct {
	Code string `json:"code"`
	StoreFields
}

// storeCode reads the :code path parameter; codes are upper case, so
// /stores/demo01 finds DEMO01.
func storeCode(c *fiber.Ctx) string { return strings.ToUpper(utils.CopyString(c.Params("code"))) }

func (s *Server) listStores(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Stores.List(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStoreDTO))
}

func (s *Server) createStore(c *fiber.Ctx) error {
	var req createStoreRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	st, err := s.deps.Stores.Create(c.UserContext(), actor(c), req.Code, req.patch())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toStoreDTO(st))
}

func (s *Server) getStore(c *fiber.Ctx) error {
	st, err := s.deps.Stores.Get(c.UserContext(), actor(c), storeCode(c))
	if err != nil {
		return err
	}
	return c.JSON(toStoreDTO(st))
}

func (s *Server) updateStore(c *fiber.Ctx) error {
	var req StoreFields
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	st, err := s.deps.Stores.Update(c.UserContext(), actor(c), storeCode(c), req.patch())
	if err != nil {
		return err
	}
	return c.JSON(toStoreDTO(st))
}

func (s *Server) entryCode(c *fiber.Ctx) error {
	width := 0
	if raw := c.Query("width"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 280 || n > 1280 {
			return domain.Invalid("query_invalid", domain.FieldError{Field: "width", Message: "must be a whole number from 280 to 1280"})
		}
		width = n
	}
	img, ctype, err := s.deps.Stores.EntryCode(c.UserContext(), actor(c), storeCode(c), width)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderCacheControl, "private, max-age=3600")
	return c.Send(img)
}
