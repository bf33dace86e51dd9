package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

type labelRuleDTO struct {
	ID              int64  `json:"id,string"`
	Name            string `json:"name"`
	Kind            string `json:"kind"`
	Prefix          string `json:"prefix"`
	Length          int    `json:"length"`
	PLUStart        int    `json:"plu_start"`
	PLULength       int    `json:"plu_length"`
	PriceStart      int    `json:"price_start"`
	PriceLength     int    `json:"price_length"`
	WeightStart     int    `json:"weight_start"`
	WeightLength    int    `json:"weight_length"`
	PriceCheckDigit bool   `json:"price_check_digit"`
	CheckDigit      bool   `json:"check_digit"`
	CreatedAt       string `json:"created_at"`
}

func toLabelRuleDTO(r *domain.LabelRule) labelRuleDTO {
	return labelRuleDTO{ID: r.ID, Name: r.Name, Kind: string(r.Kind()), Prefix: r.Prefix, Length: r.Length,
		PLUStart: r.PLUStart, PLULength: r.PLULength, PriceStart: r.PriceStart, PriceLength: r.PriceLength,
		WeightStart: r.WeightStart, WeightLength: r.WeightLength, PriceCheckDigit: r.PriceCheckDigit,
		CheckDigit: r.CheckDigit, CreatedAt: timestamp(r.CreatedAt)}
}

type labelRuleRequest struct {
	Name            string `json:"name"`
	Prefix          string `json:"prefix"`
	Length          int    `json:"length"`
	PLUStart        int    `json:"plu_start"`
	PLULength       int    `json:"plu_length"`
	PriceStart      int    `json:"price_start"`
	PriceLength     int    `json:"price_length"`
	WeightStart     int    `json:"weight_start"`
	WeightLength    int    `json:"weight_length"`
	PriceCheckDigit bool   `json:"price_check_digit"`
	CheckDigit      *bool  `json:"check_digit"`
}

func (s *Server) createLabelRule(c *fiber.Ctx) error {
	var req labelRuleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := domain.LabelRuleInput{Name: req.Name, Prefix: req.Prefix, Length: req.Length,
		PLUStart: req.PLUStart, PLULength: req.PLULength, PriceStart: req.PriceStart, PriceLength: req.PriceLength,
		WeightStart: req.WeightStart, WeightLength: req.WeightLength, PriceCheckDigit: req.PriceCheckDigit,
		CheckDigit: req.CheckDigit == nil || *req.CheckDigit} // EAN labels carry one; say false for Code 128
	r, err := s.deps.LabelRules.Create(c.UserContext(), actor(c), storeCode(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toLabelRuleDTO(r))
}

func (s *Server) listLabelRules(c *fiber.Ctx) error {
	rules, err := s.deps.LabelRules.List(c.UserContext(), actor(c), storeCode(c))
	if err != nil {
		return err
	}
	return c.JSON(mapList(rules, 0, toLabelRuleDTO))
}

func (s *Server) deleteLabelRule(c *fiber.Ctx) error {
	// An id that is not one reads as id 0, which no rule has: the use case
	// still checks role and store first, so a clerk or a manager of another
	// store gets 403 whatever the id looks like.
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 0 {
		id = 0
	}
	if err := s.deps.LabelRules.Delete(c.UserContext(), actor(c), storeCode(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type labelTestRequest struct {
	Barcode string `json:"barcode"`
}

type labelTestResponse struct {
	Rule         labelRuleDTO  `json:"rule"`
	PLU          string        `json:"plu"`
	Amount       *string       `json:"amount"`
	Weight       *string       `json:"weight"`
	CheckDigitOK bool          `json:"check_digit_ok"`
	PriceCheckOK bool          `json:"price_check_ok"`
	Valid        bool          `json:"valid"`
	Problem      *problemBrief `json:"problem,omitempty"`
	Item         *storeItemDTO `json:"item"`
	ItemProblem  *problemBrief `json:"item_problem,omitempty"`
	LineAmount   *string       `json:"line_amount"`
}

// problemBrief is a domain error inside a successful answer: the test
// endpoint reports why a label would be refused rather than failing.
type problemBrief struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func brief(err error) *problemBrief {
	if err == nil {
		return nil
	}
	return &problemBrief{Reason: domain.ErrorReason(err), Message: domain.ErrorMessage(err)}
}

func (s *Server) testLabel(c *fiber.Ctx) error {
	var req labelTestRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.deps.LabelRules.Test(c.UserContext(), actor(c), storeCode(c), req.Barcode)
	if err != nil {
		return err
	}
	out := labelTestResponse{Rule: toLabelRuleDTO(t.Rule), PLU: t.Read.PLU, CheckDigitOK: t.Read.CheckDigitOK,
		PriceCheckOK: t.Read.PriceCheckOK, Valid: t.ReadErr == nil, Problem: brief(t.ReadErr), ItemProblem: brief(t.ItemErr)}
	if t.Read.Amount != nil {
		a := money(*t.Read.Amount)
		out.Amount = &a
	}
	if t.Read.Weight != nil {
		w := t.Read.Weight.StringFixed(3)
		out.Weight = &w
	}
	if t.Item != nil {
		it := toStoreItemDTO(t.Item)
		out.Item = &it
	}
	if t.LineAmount != nil {
		a := money(*t.LineAmount)
		out.LineAmount = &a
	}
	return c.JSON(out)
}
