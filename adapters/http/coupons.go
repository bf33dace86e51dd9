package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// staffCouponDTO is a coupon as staff see it (DESIGN §5). Like promotions, it
// shows only the parameters its kind uses: amount for amount coupons,
// percent (and max_discount when capped) for percent coupons.
type staffCouponDTO struct {
	ID              int64    `json:"id,string"`
	Code            string   `json:"code"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Amount          *string  `json:"amount,omitempty"`
	Percent         *string  `json:"percent,omitempty"`
	MaxDiscount     *string  `json:"max_discount,omitempty"`
	MinSpend        string   `json:"min_spend"`
	StoreCodes      []string `json:"store_codes"`
	StartsAt        string   `json:"starts_at"`
	EndsAt          string   `json:"ends_at"`
	PerShopperLimit int      `json:"per_shopper_limit"`
	TotalLimit      int      `json:"total_limit"`
	Active          bool     `json:"active"`
	Granted         bool     `json:"granted"`
	CreatedAt       string   `json:"created_at"`
	UpdatedAt       string   `json:"updated_at"`
}

func toStaffCouponDTO(c *domain.Coupon) staffCouponDTO {
	d := staffCouponDTO{ID: c.ID, Code: c.Code, Name: c.Name, Kind: string(c.Kind), MinSpend: money(c.MinSpend),
		StoreCodes: nonNil(c.StoreCodes), StartsAt: timestamp(c.StartsAt), EndsAt: timestamp(c.EndsAt),
		PerShopperLimit: c.PerShopperLimit, TotalLimit: c.TotalLimit, Active: c.Active, Granted: c.Granted,
		CreatedAt: timestamp(c.CreatedAt), UpdatedAt: timestamp(c.UpdatedAt)}
	d.Amount = usedMoney(c.Kind == domain.CouponAmount, c.Amount)
	d.Percent = usedRate(c.Kind == domain.CouponPercent, c.Percent)
	if c.MaxDiscount != nil {
		d.MaxDiscount = usedMoney(true, *c.MaxDiscount)
	}
	return d
}

// CouponFields are the writable fields of a coupon, shared by POST and
// PATCH; the code is set once, by POST.
type CouponFields struct {
	Name            *string   `json:"name"`
	Kind            *string   `json:"kind"`
	Amount          *Decimal  `json:"amount"`
	Percent         *Decimal  `json:"percent"`
	MaxDiscount     *Decimal  `json:"max_discount"`
	MinSpend        *Decimal  `json:"min_spend"`
	StoreCodes      *[]string `json:"store_codes"`
	StartsAt        *Time     `json:"starts_at"`
	EndsAt          *Time     `json:"ends_at"`
	PerShopperLimit *int      `json:"per_shopper_limit"`
	TotalLimit      *int      `json:"total_limit"`
	Active          *bool     `json:"active"`
	Granted         *bool     `json:"granted"`
}

func (f CouponFields) input() domain.CouponInput {
	in := domain.CouponInput{Name: f.Name, Amount: f.Amount.ptr(), Percent: f.Percent.ptr(), MaxDiscount: f.MaxDiscount.ptr(),
		MinSpend: f.MinSpend.ptr(), StoreCodes: f.StoreCodes, StartsAt: f.StartsAt.ptr(), EndsAt: f.EndsAt.ptr(),
		PerShopperLimit: f.PerShopperLimit, TotalLimit: f.TotalLimit, Active: f.Active, Granted: f.Granted}
	if f.Kind != nil {
		k := domain.CouponKind(*f.Kind)
		in.Kind = &k
	}
	return in
}

type createCouponRequest struct {
	Code string `json:"code"`
	CouponFields
}

type grantRequest struct {
	ShopperID *ID `json:"shopper_id"`
}

func (s *Server) createCoupon(c *fiber.Ctx) error {
	var req createCouponRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cp, err := s.deps.Coupons.Create(c.UserContext(), actor(c), req.Code, req.input())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toStaffCouponDTO(cp))
}

func (s *Server) listCoupons(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Coupons.List(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStaffCouponDTO))
}

func (s *Server) getCoupon(c *fiber.Ctx) error {
	cp, err := s.deps.Coupons.Get(c.UserContext(), actor(c), utils.CopyString(c.Params("code")))
	if err != nil {
		return err
	}
	return c.JSON(toStaffCouponDTO(cp))
}

func (s *Server) updateCoupon(c *fiber.Ctx) error {
	var req CouponFields
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cp, err := s.deps.Coupons.Update(c.UserContext(), actor(c), utils.CopyString(c.Params("code")), req.input())
	if err != nil {
		return err
	}
	return c.JSON(toStaffCouponDTO(cp))
}

// grantCoupon answers 204: granting is idempotent and there is nothing new
// to show; the shopper sees the coupon in GET /v1/mp/coupons.
func (s *Server) grantCoupon(c *fiber.Ctx) error {
	var req grantRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var shopperID int64
	if req.ShopperID != nil {
		shopperID = int64(*req.ShopperID)
	}
	if err := s.deps.Coupons.Grant(c.UserContext(), actor(c), utils.CopyString(c.Params("code")), shopperID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// shopperCouponDTO is a coupon in the shopper's own list: what it gives,
// where and until when, and whether (and how often) it can still be used.
type shopperCouponDTO struct {
	Code            string   `json:"code"`
	Name            string   `json:"name"`
	Kind            string   `json:"kind"`
	Amount          *string  `json:"amount,omitempty"`
	Percent         *string  `json:"percent,omitempty"`
	MaxDiscount     *string  `json:"max_discount,omitempty"`
	MinSpend        string   `json:"min_spend"`
	StoreCodes      []string `json:"store_codes"`
	StartsAt        string   `json:"starts_at"`
	EndsAt          string   `json:"ends_at"`
	PerShopperLimit int      `json:"per_shopper_limit"`
	RemainingUses   int      `json:"remaining_uses"`
	Usable          bool     `json:"usable"`
	// UnusableReason is the reason applying it now would be refused
	// (coupon_expired, coupon_limit_reached, ...), with Message for people.
	UnusableReason string `json:"unusable_reason,omitempty"`
	Message        string `json:"message,omitempty"`
}

func toShopperCouponDTO(sc app.ShopperCoupon) shopperCouponDTO {
	a := toStaffCouponDTO(sc.Coupon)
	d := shopperCouponDTO{Code: a.Code, Name: a.Name, Kind: a.Kind, Amount: a.Amount, Percent: a.Percent,
		MaxDiscount: a.MaxDiscount, MinSpend: a.MinSpend, StoreCodes: a.StoreCodes, StartsAt: a.StartsAt, EndsAt: a.EndsAt,
		PerShopperLimit: a.PerShopperLimit, RemainingUses: sc.RemainingUses, Usable: sc.Problem == nil}
	if sc.Problem != nil {
		d.UnusableReason, d.Message = domain.ErrorReason(sc.Problem), domain.ErrorMessage(sc.Problem)
	}
	return d
}

// listShopperCoupons is GET /v1/mp/coupons: the coupons granted to the
// shopper behind the token (shopperActor), paged like every list.
func (s *Server) listShopperCoupons(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Coupons.ForShopper(c.UserContext(), shopperActor(c).ID, p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toShopperCouponDTO))
}
