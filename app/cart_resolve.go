package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// scanTarget is what a barcode names in a store.
type scanTarget struct {
	item     *domain.StoreItem
	label    *domain.LabelRead // nil for packaged goods
	quantity decimal.Decimal   // kg read from a label (1 for price-only labels)
}

var one = decimal.NewFromInt(1)

// resolve finds the store item a code names: scale labels through the
// store's rules and PLUs, everything else through the catalog's GTINs.
// The ScanResult says how the scan is logged when it fails.
func (c *Carts) resolve(ctx context.Context, store *domain.Store, code string) (*scanTarget, domain.ScanResult, error) {
	rules, err := c.rules.get(store.ID, c.d.Clock.Now(), func() ([]*domain.LabelRule, error) {
		return c.d.LabelRules.LabelRules(ctx, store.ID)
	})
	if err != nil {
		return nil, domain.ScanRefused, err
	}
	if rule, rd, readErr := domain.MatchLabel(rules, code); rule != nil {
		if readErr != nil {
			return nil, domain.ScanRefused, fieldError("barcode", readErr)
		}
		it, err := c.d.Items.ItemByPLU(ctx, store.ID, domain.NormalizePLU(rd.PLU))
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			return nil, domain.ScanUnknown, domain.Errorf(domain.ENOTFOUND, "barcode_unknown", "this store sells nothing under scale PLU %s", rd.PLU)
		}
		if err != nil {
			return nil, domain.ScanRefused, err
		}
		if !it.Active || !it.Product.Active {
			return nil, domain.ScanInactive, errUnavailable(it)
		}
		qty := one
		if rd.Weight != nil {
			qty = *rd.Weight
		}
		return &scanTarget{item: it, label: &rd, quantity: qty}, domain.ScanAdded, nil
	}
	bc, err := domain.ParseBarcode(code)
	if err != nil {
		// Not a barcode at all (a typo, a misread): nothing staff could add
		// to the catalog, so not in the unknown-barcode report.
		return nil, domain.ScanRefused, fieldError("barcode", err)
	}
	if bc.Restricted {
		return nil, domain.ScanLabelRuleMiss, domain.Errorf(domain.ENOTFOUND, "label_rule_miss", "this in-store code is not one of this store's labels")
	}
	it, err := c.d.Items.ItemByGTIN(ctx, store.ID, bc.GTIN)
	switch domain.ErrorReason(err) {
	case "":
	case "barcode_unknown":
		return nil, domain.ScanUnknown, domain.Errorf(domain.ENOTFOUND, "barcode_unknown", "no product has barcode %s", code)
	case "store_item_not_found":
		return nil, domain.ScanInactive, errUnavailable(it)
	default:
		return nil, domain.ScanRefused, err
	}
	p := it.Product
	if !it.Active || !p.Active {
		return nil, domain.ScanInactive, errUnavailable(it)
	}
	if p.Unit == domain.UnitKg {
		return nil, domain.ScanRefused, domain.Errorf(domain.EINVALID, "weigh_first", "%s is sold by weight: weigh it at the scale and scan its label", p.Name)
	}
	return &scanTarget{item: it}, domain.ScanAdded, nil
}

func errUnavailable(it *domain.StoreItem) error {
	return domain.Errorf(domain.EINVALID, "item_unavailable", "%s is not on sale in this store", it.Product.Name)
}
