package http

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

// catLabelRuleForm is the label rule form as typed.
type catLabelRuleForm struct {
	Name, Prefix, Length, PLUStart, PLULength, PriceStart, PriceLength, WeightStart, WeightLength string
	PriceCheckDigit, CheckDigit                                                                   bool
}

// catLabelTest is what the "test a label" box shows: how the store's
// rules read the code, as POST .../label-rules/test answers.
type catLabelTest struct {
	Rule                       string
	PLU, Amount, Weight        string
	CheckDigitOK, PriceCheckOK bool
	// HasCheckDigit and HasPriceCheck say whether the rule has them at all.
	HasCheckDigit, HasPriceCheck bool
	Valid                        bool
	Problem                      string
	Item                         *domain.StoreItem
	ItemProblem                  string
	LineAmount                   string
}

type catLabelRulesView struct {
	Store    string
	Rules    []*domain.LabelRule
	Form     catLabelRuleForm
	TestCode string
	Test     *catLabelTest
}

// consoleLabelRules lists the store's label rules with the create form
// and the test box (manager+). The test box is a GET form (?test=): it
// changes nothing, and its answer can be linked to.
func (s *Server) consoleLabelRules(c *fiber.Ctx) error {
	v := catLabelRulesView{Form: catLabelRuleForm{CheckDigit: true},
		TestCode: strings.TrimSpace(utils.CopyString(c.Query("test")))}
	if err := s.loadLabelRules(c, &v); err != nil {
		return s.renderPageError(c, "label_rules", "Label rules", v, err)
	}
	if v.TestCode != "" {
		t, err := s.deps.LabelRules.Test(c.UserContext(), actor(c), v.Store, v.TestCode)
		if err != nil {
			return s.renderPageError(c, "label_rules", "Label rules", v, err)
		}
		out := &catLabelTest{Rule: t.Rule.Name, PLU: t.Read.PLU, CheckDigitOK: t.Read.CheckDigitOK,
			PriceCheckOK: t.Read.PriceCheckOK, HasCheckDigit: t.Rule.CheckDigit, HasPriceCheck: t.Rule.PriceCheckDigit,
			Valid: t.ReadErr == nil, Item: t.Item,
			Amount: catMoneyPtr(t.Read.Amount), LineAmount: catMoneyPtr(t.LineAmount)}
		if t.Read.Weight != nil {
			out.Weight = t.Read.Weight.StringFixed(3)
		}
		if t.ReadErr != nil {
			out.Problem = domain.ErrorMessage(t.ReadErr)
		}
		if t.ItemErr != nil {
			out.ItemProblem = domain.ErrorMessage(t.ItemErr)
		}
		v.Test = out
	}
	return s.renderPage(c, fiber.StatusOK, "label_rules", "Label rules", v)
}

func (s *Server) loadLabelRules(c *fiber.Ctx, v *catLabelRulesView) error {
	store, err := catStore(c)
	if err != nil {
		return err
	}
	v.Store = store
	v.Rules, err = s.deps.LabelRules.List(c.UserContext(), actor(c), store)
	return err
}

// consoleCreateLabelRule adds a rule to the current store.
func (s *Server) consoleCreateLabelRule(c *fiber.Ctx) error {
	f := &catForm{c: c}
	typed := catLabelRuleForm{Name: f.str("name"), Prefix: f.str("prefix"), Length: f.str("length"),
		PLUStart: f.str("plu_start"), PLULength: f.str("plu_length"), PriceStart: f.str("price_start"),
		PriceLength: f.str("price_length"), WeightStart: f.str("weight_start"), WeightLength: f.str("weight_length"),
		PriceCheckDigit: f.check("price_check_digit"), CheckDigit: f.check("check_digit")}
	n := func(name string) int {
		if p := f.integer(name); p != nil {
			return *p
		}
		return 0 // blank: the label has no such field
	}
	in := domain.LabelRuleInput{Name: typed.Name, Prefix: typed.Prefix, Length: n("length"),
		PLUStart: n("plu_start"), PLULength: n("plu_length"), PriceStart: n("price_start"), PriceLength: n("price_length"),
		WeightStart: n("weight_start"), WeightLength: n("weight_length"),
		PriceCheckDigit: typed.PriceCheckDigit, CheckDigit: typed.CheckDigit}
	store, err := catStore(c)
	if err == nil {
		err = f.err("label_rule_invalid")
	}
	if err == nil {
		_, err = s.deps.LabelRules.Create(c.UserContext(), actor(c), store, in)
	}
	if err != nil {
		v := catLabelRulesView{Form: typed}
		if lerr := s.loadLabelRules(c, &v); lerr != nil && statusOf(domain.ErrorCode(lerr)) >= 500 {
			return lerr
		}
		return s.renderPageError(c, "label_rules", "Label rules", v, err)
	}
	return catRedirect(c, ConsolePath+"/label-rules", "Label rule "+typed.Name+" added")
}

// consoleDeleteLabelRule removes a rule of the current store.
func (s *Server) consoleDeleteLabelRule(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 0 {
		id = 0 // no rule has it; the use case checks role and store first
	}
	store, err := catStore(c)
	if err == nil {
		err = s.deps.LabelRules.Delete(c.UserContext(), actor(c), store, id)
	}
	if err != nil {
		v := catLabelRulesView{Form: catLabelRuleForm{CheckDigit: true}}
		if lerr := s.loadLabelRules(c, &v); lerr != nil && statusOf(domain.ErrorCode(lerr)) >= 500 {
			return lerr
		}
		return s.renderPageError(c, "label_rules", "Label rules", v, err)
	}
	return catRedirect(c, ConsolePath+"/label-rules", "Label rule deleted")
}

// catPromoForm and catCouponForm are the create forms as typed. One form
// carries every kind's fields; only those filled in are sent, and the use
// case says which the kind needs.
type catPromoForm struct {
	Name, Kind, StoreCodes, SKUs, Categories                                                string
	Percent, Price, Quantity, BundlePrice, BuyQuantity, GetQuantity, MinAmount, DiscountAmt string
	StartsAt, EndsAt                                                                        string
	Active                                                                                  bool
}

type catCouponForm struct {
	Code, Name, Kind, Amount, Percent, MaxDiscount, MinSpend, StoreCodes string
	StartsAt, EndsAt, PerShopperLimit, TotalLimit                        string
	Granted, Active                                                      bool
}

type catPromoRow struct {
	P             *domain.Promotion
	Terms, Window string
}

type catCouponRow struct {
	C             *domain.Coupon
	Terms, Window string
}

type catPromotionsView struct {
	Promotions  []catPromoRow
	PromoNext   string
	Coupons     []catCouponRow
	CouponNext  string
	Promo       catPromoForm
	Coupon      catCouponForm
	Kinds       []string
	CouponKinds []string
	Zone        string
	// PromoOpen and CouponOpen unfold a refused form.
	PromoOpen, CouponOpen bool
}

var catPromoKinds = []string{string(domain.PromoPercentOff), string(domain.PromoSpecialPrice), string(domain.PromoMultiBuy),
	string(domain.PromoBuyGet), string(domain.PromoThreshold)}

// consolePromotions lists promotions and coupons (manager+; a manager
// sees those of their stores) with a create form for each.
func (s *Server) consolePromotions(c *fiber.Ctx) error {
	loc := s.catZone(c)
	v := freshPromotionsView(c, loc)
	if err := s.loadPromotions(c, &v, loc); err != nil {
		return s.renderPageError(c, "promotions", "Promotions and coupons", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "promotions", "Promotions and coupons", v)
}

// freshPromotionsView has the create forms filled with a start: the
// current store, from now for a month, active.
func freshPromotionsView(c *fiber.Ctx, loc *time.Location) catPromotionsView {
	now := time.Now().In(loc).Truncate(time.Minute)
	start, end := now.Format(catTimeLayout), now.AddDate(0, 1, 0).Format(catTimeLayout)
	store := consoleStore(c)
	return catPromotionsView{
		Promo: catPromoForm{Kind: string(domain.PromoPercentOff), StoreCodes: store, StartsAt: start, EndsAt: end, Active: true},
		Coupon: catCouponForm{Kind: string(domain.CouponAmount), StoreCodes: store, StartsAt: start, EndsAt: end,
			PerShopperLimit: "1", TotalLimit: "0", MinSpend: "0", Active: true},
	}
}

func (s *Server) loadPromotions(c *fiber.Ctx, v *catPromotionsView, loc *time.Location) error {
	v.Kinds, v.CouponKinds, v.Zone = catPromoKinds, []string{string(domain.CouponAmount), string(domain.CouponPercent)}, loc.String()
	pp, err := catPage(c, "pcursor")
	if err != nil {
		return err
	}
	cp, err := catPage(c, "ccursor")
	if err != nil {
		return err
	}
	promos, err := s.deps.Promotions.List(c.UserContext(), actor(c), pp)
	if err != nil {
		return err
	}
	coupons, err := s.deps.Coupons.List(c.UserContext(), actor(c), cp)
	if err != nil {
		return err
	}
	for _, p := range promos.Items {
		v.Promotions = append(v.Promotions, catPromoRow{P: p, Terms: promoTerms(p), Window: catWindow(p.StartsAt, p.EndsAt, loc)})
	}
	for _, cp := range coupons.Items {
		v.Coupons = append(v.Coupons, catCouponRow{C: cp, Terms: couponTerms(cp), Window: catWindow(cp.StartsAt, cp.EndsAt, loc)})
	}
	v.PromoNext, v.CouponNext = catNextURL(c, "pcursor", promos.NextAfter), catNextURL(c, "ccursor", coupons.NextAfter)
	return nil
}

func catWindow(from, to time.Time, loc *time.Location) string {
	return from.In(loc).Format("2006-01-02 15:04") + " – " + to.In(loc).Format("2006-01-02 15:04")
}

// promoTerms says what a promotion gives, in a few words.
func promoTerms(p *domain.Promotion) string {
	switch p.Kind {
	case domain.PromoPercentOff:
		return p.Percent.String() + " % off"
	case domain.PromoSpecialPrice:
		return "special price " + p.Price.StringFixed(2)
	case domain.PromoMultiBuy:
		return fmt.Sprintf("%d for %s", p.Quantity, p.BundlePrice.StringFixed(2))
	case domain.PromoBuyGet:
		return fmt.Sprintf("buy %d get %d free", p.BuyQuantity, p.GetQuantity)
	case domain.PromoThreshold:
		return "spend " + p.MinAmount.StringFixed(2) + " save " + p.DiscountAmount.StringFixed(2)
	}
	return string(p.Kind)
}

func couponTerms(c *domain.Coupon) string {
	if c.Kind == domain.CouponPercent {
		t := c.Percent.String() + " % off"
		if c.MaxDiscount != nil {
			t += " (at most " + c.MaxDiscount.StringFixed(2) + ")"
		}
		return t
	}
	return c.Amount.StringFixed(2) + " off"
}

// consoleCreatePromotion adds a promotion from the one form.
func (s *Server) consoleCreatePromotion(c *fiber.Ctx) error {
	f := &catForm{c: c}
	loc := s.catZone(c)
	typed := catPromoForm{Name: f.str("name"), Kind: f.str("kind"), StoreCodes: f.str("store_codes"), SKUs: f.str("skus"),
		Categories: f.str("categories"), Percent: f.str("percent"), Price: f.str("price"), Quantity: f.str("quantity"),
		BundlePrice: f.str("bundle_price"), BuyQuantity: f.str("buy_quantity"), GetQuantity: f.str("get_quantity"),
		MinAmount: f.str("min_amount"), DiscountAmt: f.str("discount_amount"), StartsAt: f.str("starts_at"),
		EndsAt: f.str("ends_at"), Active: f.check("active")}
	active := typed.Active
	in := domain.PromotionInput{Name: f.opt("name"), StoreCodes: f.list("store_codes"), SKUs: f.list("skus"),
		Categories: f.list("categories"), Percent: f.dec("percent"), Price: f.dec("price"), Quantity: f.integer("quantity"),
		BundlePrice: f.dec("bundle_price"), BuyQuantity: f.integer("buy_quantity"), GetQuantity: f.integer("get_quantity"),
		MinAmount: f.dec("min_amount"), DiscountAmount: f.dec("discount_amount"), StartsAt: f.when("starts_at", loc),
		EndsAt: f.when("ends_at", loc), Active: &active}
	if typed.Kind != "" {
		k := domain.PromotionKind(typed.Kind)
		in.Kind = &k
	}
	err := f.err("promotion_invalid")
	if err == nil {
		_, err = s.deps.Promotions.Create(c.UserContext(), actor(c), in)
	}
	if err != nil {
		return s.promotionsError(c, loc, err, func(v *catPromotionsView) { v.Promo, v.PromoOpen = typed, true })
	}
	return catRedirect(c, ConsolePath+"/promotions", "Promotion "+typed.Name+" created")
}

// promotionsError re-renders the page with a refusal, the refused form
// keeping what was typed and the other one fresh.
func (s *Server) promotionsError(c *fiber.Ctx, loc *time.Location, refusal error, typed func(v *catPromotionsView)) error {
	v := freshPromotionsView(c, loc)
	if typed != nil {
		typed(&v)
	}
	if err := s.loadPromotions(c, &v, loc); err != nil && statusOf(domain.ErrorCode(err)) >= 500 {
		return err
	}
	return s.renderPageError(c, "promotions", "Promotions and coupons", v, refusal)
}

// consoleTogglePromotion switches a promotion on or off (the form says
// which), as PATCH /v1/admin/promotions/{id} with only "active".
func (s *Server) consoleTogglePromotion(c *fiber.Ctx) error {
	f := &catForm{c: c}
	active := f.str("active") == "true"
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	p, err := s.deps.Promotions.Update(c.UserContext(), actor(c), id, domain.PromotionInput{Active: &active})
	if err != nil {
		return s.promotionsError(c, s.catZone(c), err, nil)
	}
	return catRedirect(c, ConsolePath+"/promotions", "Promotion "+p.Name+onOff(active))
}

func onOff(active bool) string {
	if active {
		return " activated"
	}
	return " deactivated"
}

// consoleCreateCoupon adds a coupon from the one form.
func (s *Server) consoleCreateCoupon(c *fiber.Ctx) error {
	f := &catForm{c: c}
	loc := s.catZone(c)
	typed := catCouponForm{Code: f.str("code"), Name: f.str("name"), Kind: f.str("kind"), Amount: f.str("amount"),
		Percent: f.str("percent"), MaxDiscount: f.str("max_discount"), MinSpend: f.str("min_spend"),
		StoreCodes: f.str("store_codes"), StartsAt: f.str("starts_at"), EndsAt: f.str("ends_at"),
		PerShopperLimit: f.str("per_shopper_limit"), TotalLimit: f.str("total_limit"),
		Granted: f.check("granted"), Active: f.check("active")}
	granted, active := typed.Granted, typed.Active
	in := domain.CouponInput{Name: f.opt("name"), Amount: f.dec("amount"), Percent: f.dec("percent"),
		MaxDiscount: f.dec("max_discount"), MinSpend: f.dec("min_spend"), StoreCodes: f.list("store_codes"),
		StartsAt: f.when("starts_at", loc), EndsAt: f.when("ends_at", loc), PerShopperLimit: f.integer("per_shopper_limit"),
		TotalLimit: f.integer("total_limit"), Granted: &granted, Active: &active}
	if typed.Kind != "" {
		k := domain.CouponKind(typed.Kind)
		in.Kind = &k
	}
	err := f.err("coupon_invalid")
	if err == nil {
		_, err = s.deps.Coupons.Create(c.UserContext(), actor(c), typed.Code, in)
	}
	if err != nil {
		return s.promotionsError(c, loc, err, func(v *catPromotionsView) { v.Coupon, v.CouponOpen = typed, true })
	}
	return catRedirect(c, ConsolePath+"/promotions", "Coupon "+domain.NormalizeCouponCode(typed.Code)+" created")
}

// consoleToggleCoupon switches a coupon on or off.
func (s *Server) consoleToggleCoupon(c *fiber.Ctx) error {
	f := &catForm{c: c}
	active := f.str("active") == "true"
	code, _ := url.PathUnescape(utils.CopyString(c.Params("code")))
	cp, err := s.deps.Coupons.Update(c.UserContext(), actor(c), code, domain.CouponInput{Active: &active})
	if err != nil {
		return s.promotionsError(c, s.catZone(c), err, nil)
	}
	return catRedirect(c, ConsolePath+"/promotions", "Coupon "+cp.Code+onOff(active))
}

type catUnknownView struct {
	Store string
	Items []domain.UnknownBarcode
	Next  string
	Zone  string
}

// consoleUnknownBarcodes lists the codes shoppers scanned in the current
// store that matched nothing, most scanned first (manager+).
func (s *Server) consoleUnknownBarcodes(c *fiber.Ctx) error {
	v := catUnknownView{Store: consoleStore(c), Zone: s.catZone(c).String()}
	var err error
	if v.Items, v.Next, err = storeList(c, s.deps.Carts.UnknownBarcodes); err != nil {
		return s.renderPageError(c, "unknown_barcodes", "Unknown barcodes", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "unknown_barcodes", "Unknown barcodes", v)
}
