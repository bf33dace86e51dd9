package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// restoreCart puts a cancelled order's goods back into the shopper's cart,
// so a shopper who cancels to change the basket need not scan everything
// again. Each line is read again from its barcode as a scan would be, at
// today's prices and under the store's caps; a line that no longer scans
// (the item stopped being sold, a cap on lines, quantity or the basket
// amount is reached, the label is already in the cart) is left out. It is best effort: the cancel stands whatever
// happens here, so the result is only logged.
func (o *Orders) restoreCart(ctx context.Context, shopper *domain.Shopper, ord *domain.Order) {
	restored, err := o.putBack(ctx, shopper, ord)
	if err != nil {
		o.d.Log.Warn("cart not restored after cancel", "order_no", ord.OrderNo, "err", err)
		return
	}
	o.d.Log.Info("cart restored after cancel", "order_no", ord.OrderNo, "lines", restored, "of", len(ord.Lines))
}

func (o *Orders) putBack(ctx context.Context, shopper *domain.Shopper, ord *domain.Order) (int, error) {
	store, err := o.d.Stores.StoreByCode(ctx, ord.StoreCode)
	if err != nil {
		return 0, err
	}
	if err := o.d.CartRepo.EnsureCart(ctx, shopper.ID, store.ID, o.d.IDs.NewID(), o.d.Clock.Now()); err != nil {
		return 0, err
	}
	restored := 0
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		restored = 0
		now := o.d.Clock.Now()
		cart, err := o.d.CartRepo.LockCart(ctx, shopper.ID, store.ID, o.d.IDs.NewID(), now)
		if err != nil {
			return err
		}
		for _, l := range ord.Lines {
			line, isNew, undo := o.readdLine(ctx, cart, store, l)
			if line == nil {
				continue
			}
			if over, err := o.overCap(ctx, store, shopper, cart); err != nil {
				return err
			} else if over {
				undo()
				continue
			}
			if isNew {
				err = o.d.CartRepo.InsertLine(ctx, cart.ID, line)
			} else {
				err = o.d.CartRepo.UpdateLineQuantity(ctx, cart.ID, line)
			}
			if err != nil {
				return err
			}
			restored++
		}
		if restored == 0 {
			return nil
		}
		return o.d.CartRepo.SaveCartHeader(ctx, cart)
	})
	return restored, err
}

// overCap reports whether the cart as it stands now prices above the
// store's basket cap, as a scan would be refused.
func (o *Orders) overCap(ctx context.Context, store *domain.Store, shopper *domain.Shopper, cart *domain.Cart) (bool, error) {
	priced, err := o.d.Carts.price(ctx, store, shopper, cart)
	if err != nil {
		return false, err
	}
	return domain.CheckBasketCap(priced.Priced.Total, store) != nil, nil
}

// readdLine scans an order line's barcode into the cart again. line is nil
// when it no longer scans; isNew says whether it made a line or added to
// one; undo takes the change back out of the cart.
func (o *Orders) readdLine(ctx context.Context, cart *domain.Cart, store *domain.Store, l *domain.OrderLine) (line *domain.CartLine, isNew bool, undo func()) {
	target, _, err := o.d.Carts.resolve(ctx, store, l.Barcode)
	if err != nil {
		return nil, false, nil
	}
	id, now := o.d.IDs.NewID(), o.d.Clock.Now()
	if target.label != nil {
		line, err = cart.AddLabel(id, target.item.Product, l.Barcode, target.quantity, target.label.Amount, store, now)
	} else {
		line, err = cart.AddItem(id, target.item.Product, l.Barcode, int(l.Quantity.IntPart()), store, now)
	}
	if err != nil {
		return nil, false, nil
	}
	if line.ID == id {
		return line, true, func() { _ = cart.RemoveLine(id, now) }
	}
	before := line.Quantity.Sub(l.Quantity)
	return line, false, func() { line.Quantity = before }
}
