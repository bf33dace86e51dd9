package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

type storeItemDTO struct {
	SKU          string  `json:"sku"`
	Name         string  `json:"name"`
	Unit         string  `json:"unit"`
	Price        string  `json:"price"`
	MemberPrice  *string `json:"member_price"`
	Active       bool    `json:"active"`
	ReorderPoint string  `json:"reorder_point"`
	PLU          string  `json:"plu,omitempty"`
	UpdatedAt    string  `json:"updated_at"`
}

func toStoreItemDTO(it *domain.StoreItem) storeItemDTO {
	d := storeItemDTO{SKU: it.Product.SKU, Name: it.Product.Name, Unit: string(it.Product.Unit), Price: money(it.Price),
		Active: it.Active, ReorderPoint: it.ReorderPoint.String(), PLU: it.PLU, UpdatedAt: timestamp(it.UpdatedAt)}
	if it.Member != nil {
		m := money(*it.Member)
		d.MemberPrice = &m
	}
	return d
}

// putStoreItemRequest is the whole item: PUT replaces it. Price is
// required; no member price, active true and reorder point 0 by default.
type putStoreItemRequest struct {
	Price        *Decimal `json:"price"`
	MemberPrice  *Decimal `json:"member_price"`
	Active       *bool    `json:"active"`
	ReorderPoint *Decimal `json:"reorder_point"`
	PLU          string   `json:"plu"`
}

func (s *Server) putStoreItem(c *fiber.Ctx) error {
	var req putStoreItemRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Price == nil {
		return domain.Invalid("store_item_invalid", domain.FieldError{Field: "price", Message: "is required"})
	}
	in := domain.StoreItemInput{Price: req.Price.Decimal, MemberPrice: req.MemberPrice.ptr(), Active: true,
		ReorderPoint: decimal.Zero, PLU: req.PLU}
	if req.Active != nil {
		in.Active = *req.Active
	}
	if req.ReorderPoint != nil {
		in.ReorderPoint = req.ReorderPoint.Decimal
	}
	it, err := s.deps.StoreItems.Put(c.UserContext(), actor(c), storeCode(c), utils.CopyString(c.Params("sku")), in)
	if err != nil {
		return err
	}
	return c.JSON(toStoreItemDTO(it))
}

func (s *Server) getStoreItem(c *fiber.Ctx) error {
	it, err := s.deps.StoreItems.Get(c.UserContext(), actor(c), storeCode(c), utils.CopyString(c.Params("sku")))
	if err != nil {
		return err
	}
	return c.JSON(toStoreItemDTO(it))
}

func (s *Server) listStoreItems(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.StoreItems.List(c.UserContext(), actor(c), storeCode(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStoreItemDTO))
}
