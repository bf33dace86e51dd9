package domain

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"
)

// CartLine is one line of a cart: a packaged product with a quantity, or
// one scale label (weighed goods), which is never merged with another.
type CartLine struct {
	ID        int64
	ProductID int64
	SKU       string
	Barcode   string // as scanned
	Weighed   bool
	Quantity  decimal.Decimal // pieces, or kg for a label
	// LabelCode is the whole scale-label code; a cart holds each label once.
	LabelCode string
	// LabelAmount is the amount printed on a price label, taken as is.
	LabelAmount *decimal.Decimal
	CreatedAt   time.Time
}

// Cart is a shopper's basket in one store. Version changes with every
// change, so a checkout can insist on the cart the shopper saw.
type Cart struct {
	ID         int64
	ShopperID  int64
	StoreID    int64
	StoreCode  string
	Version    int
	CouponCode string
	Lines      []*CartLine
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// ScanQuantity bounds the quantity one scan may add (DESIGN §4: 1-99).
const (
	MinScanQuantity = 1
	MaxScanQuantity = 99
)

// AddItem adds qty pieces of a packaged product: to its existing line, or
// as a new line with id. It refuses to pass the store's caps.
func (c *Cart) AddItem(id int64, p *Product, barcode string, qty int, st *Store, now time.Time) (*CartLine, error) {
	if qty < MinScanQuantity || qty > MaxScanQuantity {
		return nil, Invalid("quantity_invalid", FieldError{Field: "quantity", Message: "must be a whole number from 1 to 99"})
	}
	q := decimal.NewFromInt(int64(qty))
	for _, l := range c.Lines {
		if l.ProductID == p.ID && !l.Weighed {
			if err := checkLineQty(l.Quantity.Add(q), st); err != nil {
				return nil, err
			}
			l.Quantity = l.Quantity.Add(q)
			c.touch(now)
			return l, nil
		}
	}
	if err := checkLineQty(q, st); err != nil {
		return nil, err
	}
	return c.addLine(&CartLine{ID: id, ProductID: p.ID, SKU: p.SKU, Barcode: barcode, Quantity: q, CreatedAt: now}, st, now)
}

// AddLabel adds a scale label as its own line: weight (kg) and, on price
// labels, the printed amount. The same label twice is refused: it is one
// package, and scanning it again is a mistake or a trick.
func (c *Cart) AddLabel(id int64, p *Product, code string, weight decimal.Decimal, amount *decimal.Decimal, st *Store, now time.Time) (*CartLine, error) {
	if slices.ContainsFunc(c.Lines, func(l *CartLine) bool { return l.LabelCode == code }) {
		return nil, Errorf(ECONFLICT, "label_already_scanned", "this scale label is already in the cart")
	}
	return c.addLine(&CartLine{ID: id, ProductID: p.ID, SKU: p.SKU, Barcode: code, Weighed: true,
		Quantity: weight, LabelCode: code, LabelAmount: amount, CreatedAt: now}, st, now)
}

func (c *Cart) addLine(l *CartLine, st *Store, now time.Time) (*CartLine, error) {
	if len(c.Lines) >= st.MaxLines {
		return nil, Errorf(EINVALID, "cap_max_lines", "a cart holds at most %d lines in this store", st.MaxLines)
	}
	c.Lines = append(c.Lines, l)
	c.touch(now)
	return l, nil
}

// SetQuantity changes a packaged line's quantity. A weighed line's weight
// is what the scale printed; it can only be removed.
func (c *Cart) SetQuantity(lineID int64, qty int, st *Store, now time.Time) (*CartLine, error) {
	l, err := c.line(lineID)
	if err != nil {
		return nil, err
	}
	if l.Weighed {
		return nil, Errorf(EINVALID, "weighed_line_fixed", "a weighed item's quantity comes from its label; remove the line instead")
	}
	if qty < 1 {
		return nil, Invalid("quantity_invalid", FieldError{Field: "quantity", Message: "must be at least 1 (remove the line to drop it)"})
	}
	q := decimal.NewFromInt(int64(qty))
	if err := checkLineQty(q, st); err != nil {
		return nil, err
	}
	l.Quantity = q
	c.touch(now)
	return l, nil
}

// RemoveLine drops a line.
func (c *Cart) RemoveLine(lineID int64, now time.Time) error {
	i := slices.IndexFunc(c.Lines, func(l *CartLine) bool { return l.ID == lineID })
	if i < 0 {
		return Errorf(ENOTFOUND, "line_not_found", "the cart has no such line")
	}
	c.Lines = slices.Delete(c.Lines, i, i+1)
	c.touch(now)
	return nil
}

// SetCoupon sets or (with "") removes the cart's coupon code.
func (c *Cart) SetCoupon(code string, now time.Time) {
	c.CouponCode = code
	c.touch(now)
}

// Empty drops every line and the coupon: a checkout took them.
func (c *Cart) Empty(now time.Time) {
	c.Lines, c.CouponCode = nil, ""
	c.touch(now)
}

func (c *Cart) line(id int64) (*CartLine, error) {
	for _, l := range c.Lines {
		if l.ID == id {
			return l, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "line_not_found", "the cart has no such line")
}

func (c *Cart) touch(now time.Time) {
	c.Version++
	c.UpdatedAt = now
}

func checkLineQty(q decimal.Decimal, st *Store) error {
	if q.GreaterThan(decimal.NewFromInt(int64(st.MaxLineQty))) {
		return Errorf(EINVALID, "cap_max_quantity", "at most %d of one item per cart in this store", st.MaxLineQty)
	}
	return nil
}

// CheckBasketCap refuses a priced total above the store's basket cap.
func CheckBasketCap(total decimal.Decimal, st *Store) error {
	if total.GreaterThan(st.MaxBasketTotal) {
		return Errorf(EINVALID, "cap_basket_amount", "a basket may total at most ¥%s in this store", st.MaxBasketTotal.StringFixed(2))
	}
	return nil
}

// ScanResult classifies a scan for the scan log and the unknown-barcode
// report.
type ScanResult string

const (
	ScanAdded         ScanResult = "added"
	ScanUnknown       ScanResult = "unknown"         // no product has the barcode
	ScanInactive      ScanResult = "inactive"        // known, but not on sale here
	ScanLabelRuleMiss ScanResult = "label_rule_miss" // an in-store code no rule reads
	ScanRefused       ScanResult = "refused"         // a cap, a duplicate label, a bad label
)

// ScanEvent is one scan as it happened, kept for reports.
type ScanEvent struct {
	ID        int64
	ShopperID int64
	StoreID   int64
	Barcode   string
	Result    ScanResult
	ProductID int64
	CreatedAt time.Time
}

// UnknownBarcode is a barcode shoppers scanned that matched nothing.
type UnknownBarcode struct {
	Barcode   string
	Count     int
	FirstSeen time.Time
	LastSeen  time.Time
}
