package domain

import (
	"regexp"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// StoreItem is a product as one store sells it. A product without a store
// item is not sold in that store.
type StoreItem struct {
	StoreID   int64
	StoreCode string
	Product   *Product
	Price     decimal.Decimal  // per piece, or per kg for weighed goods
	Member    *decimal.Decimal // member price; used when lower than Price
	Active    bool
	// ReorderPoint is the stock level below which staff are alerted.
	ReorderPoint decimal.Decimal
	// PLU is what the store's scales print for this weighed item.
	PLU       string
	UpdatedAt time.Time
}

// StoreItemInput is the whole state a PUT sets.
type StoreItemInput struct {
	Price        decimal.Decimal
	MemberPrice  *decimal.Decimal
	Active       bool
	ReorderPoint decimal.Decimal
	PLU          string
}

var (
	maxPrice     = decimal.NewFromInt(1_000_000)
	maxQuantity  = decimal.NewFromInt(1_000_000_000)
	pluPattern   = regexp.MustCompile(`^[0-9]{1,8}$`)
	priceExample = `such as "12.30"`
)

// NewStoreItem validates a store's price and settings for a product.
func NewStoreItem(storeID int64, storeCode string, p *Product, in StoreItemInput, now time.Time) (*StoreItem, error) {
	var fe Fields
	checkMoney(&fe, "price", in.Price)
	if in.MemberPrice != nil {
		checkMoney(&fe, "member_price", *in.MemberPrice)
	}
	if in.ReorderPoint.IsNegative() || in.ReorderPoint.GreaterThan(maxQuantity) || !in.ReorderPoint.Equal(in.ReorderPoint.Round(3)) {
		fe.Add("reorder_point", "must be 0 or more, with at most 3 decimals")
	} else if p.Unit == UnitEach && !in.ReorderPoint.IsInteger() {
		fe.Add("reorder_point", "must be a whole number for items sold by the piece")
	}
	if in.PLU != "" {
		if !pluPattern.MatchString(in.PLU) {
			fe.Add("plu", "must be 1-8 digits")
		} else if p.Unit != UnitKg {
			fe.Add("plu", "only weighed (kg) items carry a scale PLU")
		}
	}
	if err := fe.Err("store_item_invalid"); err != nil {
		return nil, err
	}
	plu := ""
	if in.PLU != "" {
		plu = NormalizePLU(in.PLU)
	}
	return &StoreItem{StoreID: storeID, StoreCode: storeCode, Product: p, Price: in.Price, Member: in.MemberPrice,
		Active: in.Active, ReorderPoint: in.ReorderPoint, PLU: plu, UpdatedAt: now}, nil
}

// NormalizePLU drops leading zeros: scales print PLUs zero-padded to
// their field ("06013"), staff type them either way, and both must name
// the same item.
func NormalizePLU(plu string) string {
	if t := strings.TrimLeft(plu, "0"); t != "" {
		return t
	}
	return "0"
}

// checkMoney requires a positive amount in yuan with at most 2 decimals.
func checkMoney(fe *Fields, field string, d decimal.Decimal) {
	switch {
	case !d.IsPositive():
		fe.Add(field, "must be more than 0")
	case !d.Equal(d.Round(2)):
		fe.Add(field, "must have at most 2 decimals, %s", priceExample)
	case d.GreaterThan(maxPrice):
		fe.Add(field, "must be at most 1000000.00")
	}
}
