package mysql

import (
	"context"
	"strings"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type productRow struct {
	ID            int64 `gorm:"primaryKey;autoIncrement:false"`
	SKU           string
	Name          string
	Unit          string
	TaxRate       decimal.Decimal
	Category      string
	AgeRestricted bool
	Active        bool
	CreatedAt     utcTime
	UpdatedAt     utcTime
}

func (productRow) TableName() string { return "products" }

type barcodeRow struct {
	GTIN      string `gorm:"column:gtin;primaryKey"`
	ProductID int64
	Raw       string
	CreatedAt utcTime
}

func (barcodeRow) TableName() string { return "barcodes" }

func productToRow(p *domain.Product) productRow {
	return productRow{ID: p.ID, SKU: p.SKU, Name: p.Name, Unit: string(p.Unit), TaxRate: p.TaxRate,
		Category: p.Category, AgeRestricted: p.AgeRestricted, Active: p.Active,
		CreatedAt: utcTime(p.CreatedAt), UpdatedAt: utcTime(p.UpdatedAt)}
}

func (r productRow) toDomain() *domain.Product {
	return &domain.Product{ID: r.ID, SKU: r.SKU, Name: r.Name, Unit: domain.Unit(r.Unit), TaxRate: r.TaxRate,
		Category: r.Category, AgeRestricted: r.AgeRestricted, Active: r.Active,
		CreatedAt: r.CreatedAt.Time(), UpdatedAt: r.UpdatedAt.Time(), Barcodes: []domain.ProductBarcode{}}
}

// ProductRepo implements domain.ProductRepository.
type ProductRepo struct{ db *DB }

var _ domain.ProductRepository = (*ProductRepo)(nil)

// NewProductRepo returns the product repository on db.
func NewProductRepo(db *DB) *ProductRepo { return &ProductRepo{db: db} }

// CreateProduct inserts the product and its barcodes in one transaction.
func (r *ProductRepo) CreateProduct(ctx context.Context, p *domain.Product) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		row := productToRow(p)
		if err := r.db.conn(ctx).Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return domain.Errorf(domain.ECONFLICT, "sku_taken", "SKU %s is already used", p.SKU)
			}
			return mapErr(err)
		}
		return r.addBarcodes(ctx, p.ID, p.Barcodes)
	})
}

// addBarcodes inserts codes for productID, naming the owner of any code
// that already belongs to another product.
func (r *ProductRepo) addBarcodes(ctx context.Context, productID int64, codes []domain.ProductBarcode) error {
	if len(codes) == 0 {
		return nil
	}
	gtins := make([]string, len(codes))
	for i, c := range codes {
		gtins[i] = c.GTIN
	}
	if err := r.checkBarcodesFree(ctx, productID, gtins); err != nil {
		return err
	}
	rows := make([]barcodeRow, len(codes))
	now := utcTime(r.db.gorm.NowFunc())
	for i, c := range codes {
		rows[i] = barcodeRow{GTIN: c.GTIN, ProductID: productID, Raw: c.Raw, CreatedAt: now}
	}
	if err := r.db.conn(ctx).Create(&rows).Error; err != nil {
		if isDuplicate(err) { // lost a race with another writer
			return domain.Errorf(domain.ECONFLICT, "barcode_taken", "a barcode was just given to another product")
		}
		return mapErr(err)
	}
	return nil
}

func (r *ProductRepo) checkBarcodesFree(ctx context.Context, productID int64, gtins []string) error {
	var taken []struct {
		GTIN string `gorm:"column:gtin"`
		Raw  string
		SKU  string
	}
	err := r.db.conn(ctx).Table("barcodes b").Select("b.gtin, b.raw, p.sku").
		Joins("JOIN products p ON p.id = b.product_id").
		Where("b.gtin IN ? AND b.product_id <> ?", gtins, productID).Scan(&taken).Error
	if err != nil {
		return mapErr(err)
	}
	if len(taken) > 0 {
		return domain.Errorf(domain.ECONFLICT, "barcode_taken", "barcode %s already belongs to SKU %s", taken[0].Raw, taken[0].SKU)
	}
	return nil
}

// ProductBySKU loads a product with its barcodes.
func (r *ProductRepo) ProductBySKU(ctx context.Context, sku string) (*domain.Product, error) {
	return r.loadOne(ctx, r.db.conn(ctx).Where("sku = ?", domain.NormalizeSKU(sku)), false)
}

// ProductByGTIN finds the product that owns a barcode.
func (r *ProductRepo) ProductByGTIN(ctx context.Context, gtin string) (*domain.Product, error) {
	q := r.db.conn(ctx).Where("id = (SELECT product_id FROM barcodes WHERE gtin = ?)", gtin)
	p, err := r.loadOne(ctx, q, false)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.ENOTFOUND, "barcode_unknown", "no product has barcode %s", gtin)
	}
	return p, err
}

func (r *ProductRepo) loadOne(ctx context.Context, q *gorm.DB, lock bool) (*domain.Product, error) {
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var row productRow
	if err := q.Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "product_not_found", "no such product")
		}
		return nil, mapErr(err)
	}
	out, err := r.withBarcodes(ctx, []productRow{row})
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// withBarcodes loads the barcodes of a page of products in one query.
func (r *ProductRepo) withBarcodes(ctx context.Context, rows []productRow) ([]*domain.Product, error) {
	out := make([]*domain.Product, len(rows))
	byID := make(map[int64]*domain.Product, len(rows))
	ids := make([]int64, len(rows))
	for i, row := range rows {
		out[i] = row.toDomain()
		byID[row.ID] = out[i]
		ids[i] = row.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var codes []barcodeRow
	if err := r.db.conn(ctx).Where("product_id IN ?", ids).Order("created_at, gtin").Find(&codes).Error; err != nil {
		return nil, mapErr(err)
	}
	for _, c := range codes {
		p := byID[c.ProductID]
		p.Barcodes = append(p.Barcodes, domain.ProductBarcode{GTIN: c.GTIN, Raw: c.Raw})
	}
	return out, nil
}

// SearchProducts filters by name or SKU fragment, barcode and category.
func (r *ProductRepo) SearchProducts(ctx context.Context, f domain.ProductFilter, p domain.Page) ([]*domain.Product, error) {
	q := r.db.conn(ctx).Where("id > ?", p.After)
	if f.Query != "" {
		like := "%" + escapeLike(f.Query) + "%"
		q = q.Where("(name LIKE ? ESCAPE '!' OR sku LIKE ? ESCAPE '!')", like, like)
	}
	if f.GTIN != "" {
		q = q.Where("id IN (SELECT product_id FROM barcodes WHERE gtin = ?)", f.GTIN)
	}
	if f.Category != "" {
		q = q.Where("category = ?", f.Category)
	}
	var rows []productRow
	if err := q.Order("id").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	return r.withBarcodes(ctx, rows)
}

// escapeLike makes user text match literally inside LIKE ... ESCAPE '!'.
func escapeLike(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// UpdateProduct locks the product, lets fn change it and saves the fields
// and the difference in barcodes.
func (r *ProductRepo) UpdateProduct(ctx context.Context, sku string, fn func(*domain.Product) error) (*domain.Product, error) {
	var out *domain.Product
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		p, err := r.loadOne(ctx, r.db.conn(ctx).Where("sku = ?", domain.NormalizeSKU(sku)), true)
		if err != nil {
			return err
		}
		before := map[string]bool{}
		for _, b := range p.Barcodes {
			before[b.GTIN] = true
		}
		if err := fn(p); err != nil {
			return err
		}
		err = r.db.conn(ctx).Model(&productRow{}).Where("id = ?", p.ID).Updates(map[string]any{
			"name": p.Name, "unit": string(p.Unit), "tax_rate": p.TaxRate, "category": p.Category,
			"age_restricted": p.AgeRestricted, "active": p.Active, "updated_at": utcTime(p.UpdatedAt),
		}).Error
		if err != nil {
			return mapErr(err)
		}
		var added []domain.ProductBarcode
		for _, b := range p.Barcodes {
			if !before[b.GTIN] {
				added = append(added, b)
			}
			delete(before, b.GTIN)
		}
		if len(before) > 0 {
			removed := make([]string, 0, len(before))
			for g := range before {
				removed = append(removed, g)
			}
			if err := r.db.conn(ctx).Where("product_id = ? AND gtin IN ?", p.ID, removed).Delete(&barcodeRow{}).Error; err != nil {
				return mapErr(err)
			}
		}
		out = p
		return r.addBarcodes(ctx, p.ID, added)
	})
	return out, err
}
