package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

type stockDTO struct {
	SKU          string `json:"sku"`
	Name         string `json:"name"`
	Unit         string `json:"unit"`
	OnHand       string `json:"on_hand"`
	ReorderPoint string `json:"reorder_point"`
	BelowReorder bool   `json:"below_reorder"`
	NeedsRecount bool   `json:"needs_recount"`
}

func toStockDTO(l domain.StockLevel) stockDTO {
	return stockDTO{SKU: l.SKU, Name: l.Name, Unit: string(l.Unit), OnHand: l.OnHand.String(),
		ReorderPoint: l.ReorderPoint.String(), BelowReorder: l.BelowReorder(), NeedsRecount: l.NeedsRecount}
}

type movementDTO struct {
	ID         int64  `json:"id,string"`
	Kind       string `json:"kind"`
	Quantity   string `json:"quantity"`
	LevelAfter string `json:"level_after"`
	StaffID    int64  `json:"staff_id,string,omitempty"`
	Reason     string `json:"reason"`
	Ref        string `json:"ref,omitempty"`
	CreatedAt  string `json:"created_at"`
}

func toMovementDTO(m *domain.StockMovement) movementDTO {
	return movementDTO{ID: m.ID, Kind: string(m.Kind), Quantity: m.Delta.String(), LevelAfter: m.LevelAfter.String(),
		StaffID: m.StaffID, Reason: m.Reason, Ref: m.Ref, CreatedAt: timestamp(m.CreatedAt)}
}

type movementRequest struct {
	SKU      string   `json:"sku"`
	Kind     string   `json:"kind"`
	Quantity *Decimal `json:"quantity"`
	Reason   string   `json:"reason"`
}

type movementResponse struct {
	Movement movementDTO `json:"movement"`
	Stock    stockDTO    `json:"stock"`
}

func (s *Server) postMovement(c *fiber.Ctx) error {
	var req movementRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var fe domain.Fields
	if req.SKU == "" {
		fe.Add("sku", "is required")
	}
	if req.Quantity == nil {
		fe.Add("quantity", "is required")
	}
	if err := fe.Err("movement_invalid"); err != nil {
		return err
	}
	res, err := s.deps.Stock.Record(c.UserContext(), actor(c), storeCode(c), req.SKU, domain.MovementKind(req.Kind), req.Quantity.Decimal, req.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(movementResponse{Movement: toMovementDTO(res.Movement), Stock: toStockDTO(res.Level)})
}

func (s *Server) listStock(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	below := false
	switch c.Query("below_reorder") {
	case "", "false":
	case "true":
		below = true
	default:
		return domain.Invalid("query_invalid", domain.FieldError{Field: "below_reorder", Message: "must be true or false"})
	}
	res, err := s.deps.Stock.Levels(c.UserContext(), actor(c), storeCode(c), below, p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toStockDTO))
}

func (s *Server) listMovements(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Stock.Movements(c.UserContext(), actor(c), storeCode(c), utils.CopyString(c.Params("sku")), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toMovementDTO))
}

type alertDTO struct {
	SKU          string `json:"sku"`
	OnHand       string `json:"on_hand"`
	ReorderPoint string `json:"reorder_point"`
	CreatedAt    string `json:"created_at"`
}

func (s *Server) listStockAlerts(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Stock.Alerts(c.UserContext(), actor(c), storeCode(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, func(a domain.LowStockAlert) alertDTO {
		return alertDTO{SKU: a.SKU, OnHand: a.OnHand.String(), ReorderPoint: a.ReorderPoint.String(), CreatedAt: timestamp(a.CreatedAt)}
	}))
}
