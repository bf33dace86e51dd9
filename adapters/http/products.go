package http

import (
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

type productDTO struct {
	SKU           string   `json:"sku"`
	Name          string   `json:"name"`
	Unit          string   `json:"unit"`
	TaxRate       string   `json:"tax_rate"`
	Category      string   `json:"category"`
	AgeRestricted bool     `json:"age_restricted"`
	Active        bool     `json:"active"`
	Barcodes      []string `json:"barcodes"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

func toProductDTO(p *domain.Product) productDTO {
	codes := make([]string, len(p.Barcodes))
	for i, b := range p.Barcodes {
		codes[i] = b.Raw
	}
	return productDTO{SKU: p.SKU, Name: p.Name, Unit: string(p.Unit), TaxRate: p.TaxRate.StringFixed(2),
		Category: p.Category, AgeRestricted: p.AgeRestricted, Active: p.Active, Barcodes: codes,
		CreatedAt: timestamp(p.CreatedAt), UpdatedAt: timestamp(p.UpdatedAt)}
}

// ProductFields are the writable fields of a product, shared by POST and PATCH.
type ProductFields struct {
	Name          *string  `json:"name"`
	Unit          *string  `json:"unit"`
	TaxRate       *Decimal `json:"tax_rate"`
	Category      *string  `json:"category"`
	AgeRestricted *bool    `json:"age_restricted"`
	Active        *bool    `json:"active"`
}

func (f ProductFields) patch() domain.ProductPatch {
	p := domain.ProductPatch{Name: f.Name, TaxRate: f.TaxRate.ptr(), Category: f.Category, AgeRestricted: f.AgeRestricted, Active: f.Active}
	if f.Unit != nil {
		u := domain.Unit(*f.Unit)
		p.Unit = &u
	}
	return p
}

type createProductRequest struct {
	SKU string `json:"sku"`
	ProductFields
	Barcodes []string `json:"barcodes"`
}

type updateProductRequest struct {
	ProductFields
	AddBarcodes    []string `json:"add_barcodes"`
	RemoveBarcodes []string `json:"remove_barcodes"`
}

func (s *Server) createProduct(c *fiber.Ctx) error {
	var req createProductRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Catalog.Create(c.UserContext(), actor(c), app.NewProductInput{SKU: req.SKU, Patch: req.patch(), Barcodes: req.Barcodes})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toProductDTO(p))
}

func (s *Server) listProducts(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	in := app.SearchInput{Query: utils.CopyString(c.Query("q")), Barcode: utils.CopyString(c.Query("barcode")),
		Category: utils.CopyString(c.Query("category"))}
	res, err := s.deps.Catalog.Search(c.UserContext(), actor(c), in, p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toProductDTO))
}

func (s *Server) getProduct(c *fiber.Ctx) error {
	p, err := s.deps.Catalog.Get(c.UserContext(), actor(c), utils.CopyString(c.Params("sku")))
	if err != nil {
		return err
	}
	return c.JSON(toProductDTO(p))
}

func (s *Server) updateProduct(c *fiber.Ctx) error {
	var req updateProductRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := s.deps.Catalog.Update(c.UserContext(), actor(c), utils.CopyString(c.Params("sku")), app.ProductUpdate{
		Patch: req.patch(), AddBarcodes: req.AddBarcodes, RemoveBarcodes: req.RemoveBarcodes})
	if err != nil {
		return err
	}
	return c.JSON(toProductDTO(p))
}
