package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

type discountDTO struct {
	Kind   string `json:"kind"`
	ID     int64  `json:"id,string"`
	Name   string `json:"name"`
	Amount string `json:"amount"`
}

// lineDTO is what a cart line and an order line both show, under the same
// names, so the app renders an order with the code that renders a cart.
type lineDTO struct {
	ID         int64         `json:"id,string"`
	SKU        string        `json:"sku"`
	Name       string        `json:"name"`
	Barcode    string        `json:"barcode"`
	Weighed    bool          `json:"weighed"`
	Quantity   string        `json:"quantity"`
	UnitPrice  string        `json:"unit_price"`
	ListAmount string        `json:"list_amount"`
	Discounts  []discountDTO `json:"discounts"`
	NetAmount  string        `json:"net_amount"`
}

type cartLineDTO struct {
	lineDTO
	Unavailable bool `json:"unavailable,omitempty"`
}

type couponDTO struct {
	Code    string        `json:"code"`
	Name    string        `json:"name"`
	Amount  string        `json:"amount"`
	Applied bool          `json:"applied"`
	Problem *problemBrief `json:"problem,omitempty"`
}

type cartDTO struct {
	StoreCode     string        `json:"store_code"`
	Version       int           `json:"version"`
	Lines         []cartLineDTO `json:"lines"`
	Subtotal      string        `json:"subtotal"`
	DiscountTotal string        `json:"discount_total"`
	Total         string        `json:"total"`
	Coupon        *couponDTO    `json:"coupon"`
}

// toCartDTO merges the stored lines with their prices. Pricing returns
// lines in input order, skipping unavailable ones, so the two are walked
// together.
func toCartDTO(pc *app.PricedCart) cartDTO {
	out := cartDTO{StoreCode: pc.Cart.StoreCode, Version: pc.Cart.Version, Lines: []cartLineDTO{},
		Subtotal: money(pc.Priced.Subtotal), DiscountTotal: money(pc.Priced.DiscountTotal), Total: money(pc.Priced.Total)}
	byID := make(map[int64]int, len(pc.Priced.Lines))
	for i, pl := range pc.Priced.Lines {
		byID[pl.ID] = i
	}
	for _, l := range pc.Cart.Lines {
		d := cartLineDTO{lineDTO: lineDTO{ID: l.ID, SKU: l.SKU, Barcode: l.Barcode, Weighed: l.Weighed, Quantity: l.Quantity.String(),
			Discounts: []discountDTO{}, UnitPrice: "0.00", ListAmount: "0.00", NetAmount: "0.00"}}
		if it := pc.Items[l.ProductID]; it != nil {
			d.Name = it.Product.Name
		}
		if i, ok := byID[l.ID]; ok && !pc.Unavailable[l.ID] {
			pl := pc.Priced.Lines[i]
			d.UnitPrice, d.ListAmount, d.NetAmount = money(pl.UnitPrice), money(pl.ListAmount), money(pl.NetAmount)
			for _, disc := range pl.Discounts {
				d.Discounts = append(d.Discounts, discountDTO{Kind: disc.Kind, ID: disc.ID, Name: disc.Name, Amount: money(disc.Amount)})
			}
		} else {
			d.Unavailable = true
		}
		out.Lines = append(out.Lines, d)
	}
	if pc.Cart.CouponCode != "" {
		cd := &couponDTO{Code: pc.Cart.CouponCode, Amount: "0.00", Problem: brief(pc.CouponProblem)}
		if pc.Coupon != nil {
			cd.Name = pc.Coupon.Name
		}
		if ac := pc.Priced.Coupon; ac != nil {
			cd.Amount, cd.Applied = money(ac.Amount), true
		}
		out.Coupon = cd
	}
	return out
}

func (s *Server) getCart(c *fiber.Ctx) error {
	pc, err := s.deps.Carts.Get(c.UserContext(), shopperActor(c), storeCode(c))
	if err != nil {
		return err
	}
	return c.JSON(toCartDTO(pc))
}

type scanRequest struct {
	Barcode  string `json:"barcode"`
	Quantity *int   `json:"quantity"`
}

type scanResponse struct {
	Line cartLineDTO `json:"line"`
	Cart cartDTO     `json:"cart"`
}

func (s *Server) scan(c *fiber.Ctx) error {
	var req scanRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	qty := 1
	if req.Quantity != nil {
		qty = *req.Quantity
	}
	out, err := s.deps.Carts.Scan(c.UserContext(), shopperActor(c), storeCode(c), req.Barcode, qty)
	if err != nil {
		return err
	}
	cart := toCartDTO(out.Cart)
	resp := scanResponse{Cart: cart}
	for _, l := range cart.Lines {
		if l.ID == out.Line.ID {
			resp.Line = l
		}
	}
	return c.Status(fiber.StatusCreated).JSON(resp)
}

type lineRequest struct {
	Quantity *int `json:"quantity"`
}

func lineID(c *fiber.Ctx) (int64, error) {
	id, err := strconv.ParseInt(c.Params("line_id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.ENOTFOUND, "line_not_found", "the cart has no such line")
	}
	return id, nil
}

func (s *Server) setLineQuantity(c *fiber.Ctx) error {
	id, err := lineID(c)
	if err != nil {
		return err
	}
	var req lineRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Quantity == nil {
		return domain.Invalid("quantity_invalid", domain.FieldError{Field: "quantity", Message: "is required"})
	}
	pc, err := s.deps.Carts.SetQuantity(c.UserContext(), shopperActor(c), storeCode(c), id, *req.Quantity)
	if err != nil {
		return err
	}
	return c.JSON(toCartDTO(pc))
}

func (s *Server) removeLine(c *fiber.Ctx) error {
	id, err := lineID(c)
	if err != nil {
		return err
	}
	pc, err := s.deps.Carts.RemoveLine(c.UserContext(), shopperActor(c), storeCode(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toCartDTO(pc))
}

type couponRequest struct {
	Code string `json:"code"`
}

func (s *Server) applyCoupon(c *fiber.Ctx) error {
	var req couponRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	pc, err := s.deps.Carts.ApplyCoupon(c.UserContext(), shopperActor(c), storeCode(c), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(toCartDTO(pc))
}

func (s *Server) removeCoupon(c *fiber.Ctx) error {
	pc, err := s.deps.Carts.RemoveCoupon(c.UserContext(), shopperActor(c), storeCode(c))
	if err != nil {
		return err
	}
	return c.JSON(toCartDTO(pc))
}

type unknownBarcodeDTO struct {
	Barcode   string `json:"barcode"`
	Count     int    `json:"count"`
	FirstSeen string `json:"first_seen"`
	LastSeen  string `json:"last_seen"`
}

func (s *Server) unknownBarcodes(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Carts.UnknownBarcodes(c.UserContext(), actor(c), storeCode(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, func(u domain.UnknownBarcode) unknownBarcodeDTO {
		return unknownBarcodeDTO{Barcode: u.Barcode, Count: u.Count, FirstSeen: timestamp(u.FirstSeen), LastSeen: timestamp(u.LastSeen)}
	}))
}
