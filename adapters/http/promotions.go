package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// promotionDTO is a promotion as the API shows it (DESIGN §5): the
// parameters its kind does not use are left out, not shown as zero.
type promotionDTO struct {
	ID             int64    `json:"id,string"`
	Name           string   `json:"name"`
	Kind           string   `json:"kind"`
	StoreCodes     []string `json:"store_codes"`
	SKUs           []string `json:"skus"`
	Categories     []string `json:"categories"`
	Percent        *string  `json:"percent,omitempty"`
	Price          *string  `json:"price,omitempty"`
	Quantity       *int     `json:"quantity,omitempty"`
	BundlePrice    *string  `json:"bundle_price,omitempty"`
	BuyQuantity    *int     `json:"buy_quantity,omitempty"`
	GetQuantity    *int     `json:"get_quantity,omitempty"`
	MinAmount      *string  `json:"min_amount,omitempty"`
	DiscountAmount *string  `json:"discount_amount,omitempty"`
	StartsAt       string   `json:"starts_at"`
	EndsAt         string   `json:"ends_at"`
	Active         bool     `json:"active"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

func toPromotionDTO(p *domain.Promotion) promotionDTO {
	d := promotionDTO{ID: p.ID, Name: p.Name, Kind: string(p.Kind), StoreCodes: nonNil(p.StoreCodes),
		SKUs: nonNil(p.SKUs), Categories: nonNil(p.Categories), StartsAt: timestamp(p.StartsAt),
		EndsAt: timestamp(p.EndsAt), Active: p.Active, CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
	uses := p.Kind.Uses
	d.Percent = usedRate(uses("percent"), p.Percent)
	d.Price = usedMoney(uses("price"), p.Price)
	d.Quantity = usedInt(uses("quantity"), p.Quantity)
	d.BundlePrice = usedMoney(uses("bundle_price"), p.BundlePrice)
	d.BuyQuantity = usedInt(uses("buy_quantity"), p.BuyQuantity)
	d.GetQuantity = usedInt(uses("get_quantity"), p.GetQuantity)
	d.MinAmount = usedMoney(uses("min_amount"), p.MinAmount)
	d.DiscountAmount = usedMoney(uses("discount_amount"), p.DiscountAmount)
	return d
}

func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}

func usedMoney(used bool, d decimal.Decimal) *string {
	if !used {
		return nil
	}
	s := money(d)
	return &s
}

// usedRate shows a percentage without trailing zeros ("10", "12.5").
func usedRate(used bool, d decimal.Decimal) *string {
	if !used {
		return nil
	}
	s := d.String()
	return &s
}

func usedInt(used bool, n int) *int {
	if !used {
		return nil
	}
	return &n
}

// promotionRequest is the body of POST (every required field) and PATCH
// (the fields to change) alike.
type promotionRequest struct {
	Name           *string   `json:"name"`
	Kind           *string   `json:"kind"`
	StoreCodes     *[]string `json:"store_codes"`
	SKUs           *[]string `json:"skus"`
	Categories     *[]string `json:"categories"`
	Percent        *Decimal  `json:"percent"`
	Price          *Decimal  `json:"price"`
	Quantity       *int      `json:"quantity"`
	BundlePrice    *Decimal  `json:"bundle_price"`
	BuyQuantity    *int      `json:"buy_quantity"`
	GetQuantity    *int      `json:"get_quantity"`
	MinAmount      *Decimal  `json:"min_amount"`
	DiscountAmount *Decimal  `json:"discount_amount"`
	StartsAt       *Time     `json:"starts_at"`
	EndsAt         *Time     `json:"ends_at"`
	Active         *bool     `json:"active"`
}

func (r promotionRequest) input() domain.PromotionInput {
	in := domain.PromotionInput{Name: r.Name, StoreCodes: r.StoreCodes, SKUs: r.SKUs, Categories: r.Categories,
		Percent: r.Percent.ptr(), Price: r.Price.ptr(), Quantity: r.Quantity, BundlePrice: r.BundlePrice.ptr(),
		BuyQuantity: r.BuyQuantity, GetQuantity: r.GetQuantity, MinAmount: r.MinAmount.ptr(),
		DiscountAmount: r.DiscountAmount.ptr(), StartsAt: r.StartsAt.ptr(), EndsAt: r.EndsAt.ptr(), Active: r.Active}
	if r.Kind != nil {
		k := domain.PromotionKind(*r.Kind)
		in.Kind = &k
	}
	return in
}

// promotionID reads the id in the path. One that is not an id reads as 0,
// which no promotion has: the use case checks the role first, so a clerk
// gets 403 whatever the id looks like.
func promotionID(c *fiber.Ctx) int64 {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

func (s *Server) createPromotion(c *fiber.Ctx) error {
	var req promotionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Promotions.Create(c.UserContext(), actor(c), req.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toPromotionDTO(p))
}

func (s *Server) listPromotions(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Promotions.List(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toPromotionDTO))
}

func (s *Server) getPromotion(c *fiber.Ctx) error {
	p, err := s.deps.Promotions.Get(c.UserContext(), actor(c), promotionID(c))
	if err != nil {
		return err
	}
	return c.JSON(toPromotionDTO(p))
}

func (s *Server) updatePromotion(c *fiber.Ctx) error {
	var req promotionRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Promotions.Update(c.UserContext(), actor(c), promotionID(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(toPromotionDTO(p))
}
