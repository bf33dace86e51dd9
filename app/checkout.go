package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// CheckoutRequest is a shopper's checkout: the cart they saw (its version)
// in a store, under an idempotency key chosen by the app.
type CheckoutRequest struct {
	StoreCode      string
	CartVersion    int
	IdempotencyKey string
}

// maxIdempotencyKey is the column's width.
const maxIdempotencyKey = 64

// hash identifies the request's content, so a replay under the same key
// can be told from another request reusing it.
func (r CheckoutRequest) hash() string {
	sum := sha256.Sum256([]byte(r.StoreCode + "\x00" + strconv.Itoa(r.CartVersion)))
	return hex.EncodeToString(sum[:])
}

// Checkout turns the shopper's cart into an order waiting for payment, with
// its prices frozen, and empties the cart. created is false when the key
// names an order already made by the same request: the app may retry a
// checkout whose answer it lost without making a second order.
//
// Refusals: cart_changed (409) when the cart is no longer at CartVersion,
// idempotency_key_reused (409) for the same key with another request,
// cart_empty / store_closed / cart_item_unavailable / a coupon reason (422).
func (o *Orders) Checkout(ctx context.Context, shopper *domain.Shopper, req CheckoutRequest) (ord *domain.Order, created bool, err error) {
	req.IdempotencyKey = strings.TrimSpace(req.IdempotencyKey)
	// Store codes are upper case; "demo01" is the same request as "DEMO01".
	req.StoreCode = strings.ToUpper(strings.TrimSpace(req.StoreCode))
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	if ord, err := o.replay(ctx, shopper.ID, req); ord != nil || err != nil {
		return ord, false, err
	}
	store, err := o.d.Stores.StoreByCode(ctx, req.StoreCode)
	if err != nil {
		return nil, false, err
	}
	if !store.Active {
		return nil, false, domain.Errorf(domain.EINVALID, "store_closed", "store %s is closed", store.Code)
	}
	if _, _, err := o.d.Visits.Require(ctx, shopper.ID, store.Code); err != nil {
		return nil, false, err
	}
	if err := o.d.CartRepo.EnsureCart(ctx, shopper.ID, store.ID, o.d.IDs.NewID(), o.d.Clock.Now()); err != nil {
		return nil, false, err
	}
	err = o.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		// The cart lock comes first: parallel checkouts of one cart take
		// turns here, and the replay check below then sees the winner.
		cart, err := o.d.CartRepo.LockCart(ctx, shopper.ID, store.ID, o.d.IDs.NewID(), o.d.Clock.Now())
		if err != nil {
			return err
		}
		if ord, err = o.replay(ctx, shopper.ID, req); ord != nil || err != nil {
			return err
		}
		if cart.Version != req.CartVersion {
			return &domain.Error{Code: domain.ECONFLICT, Reason: "cart_changed",
				Message: "the cart changed since version " + strconv.Itoa(req.CartVersion) + "; it is now version " +
					strconv.Itoa(cart.Version) + ": review it and check out again"}
		}
		cart.StoreCode = store.Code
		ord, err = o.createOrder(ctx, shopper, store, cart, req)
		created = err == nil
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return ord, created, nil
}

// createOrder prices the locked cart, freezes it into an order, holds the
// coupon, empties the cart and schedules the order's expiry.
func (o *Orders) createOrder(ctx context.Context, shopper *domain.Shopper, store *domain.Store, cart *domain.Cart, req CheckoutRequest) (*domain.Order, error) {
	now := o.d.Clock.Now()
	priced, err := o.d.Carts.price(ctx, store, shopper, cart)
	if err != nil {
		return nil, err
	}
	if len(priced.Unavailable) > 0 {
		return nil, domain.Errorf(domain.EINVALID, "cart_item_unavailable", "some items in the cart are no longer sold; remove them first")
	}
	// A cart can pass the basket cap without a scan refused (prices rose,
	// a cancel put goods back): the cap holds for the order all the same.
	if err := domain.CheckBasketCap(priced.Priced.Total, store); err != nil {
		return nil, err
	}
	if cart.CouponCode != "" && priced.CouponProblem != nil {
		// The shopper expects the coupon: charging without it silently
		// would be a surprise at the payment sheet.
		return nil, fieldError("coupon", priced.CouponProblem)
	}
	products := make(map[int64]*domain.Product, len(priced.Items))
	for id, it := range priced.Items {
		products[id] = it.Product
	}
	orderNo, err := domain.NewOrderNo(now, o.d.Random)
	if err != nil {
		return nil, err
	}
	ord, err := domain.NewOrder(domain.CheckoutInput{ID: o.d.IDs.NewID(), ShopperID: shopper.ID, OrderNo: orderNo,
		Store: store, Cart: cart, Priced: priced.Priced, Products: products, IdempotencyKey: req.IdempotencyKey,
		RequestHash: req.hash(), Now: now, TTL: o.d.TTL, NewLineID: o.d.IDs.NewID})
	if err != nil {
		return nil, err
	}
	if ord.CouponID != 0 {
		err := o.d.Redemptions.HoldCoupon(ctx, o.d.IDs.NewID(), ord.CouponID, shopper.ID, ord.OrderNo, now,
			func(c *domain.Coupon, u domain.CouponUsage) error {
				return c.CheckUsable(store.Code, now, u.UsedByShopper, u.UsedTotal, u.Granted)
			})
		if err != nil {
			return nil, fieldError("coupon", err)
		}
	}
	if err := o.d.Orders.CreateOrder(ctx, ord); err != nil {
		return nil, err
	}
	cart.Empty(now)
	if err := o.d.CartRepo.DeleteLines(ctx, cart.ID); err != nil {
		return nil, err
	}
	if err := o.d.CartRepo.SaveCartHeader(ctx, cart); err != nil {
		return nil, err
	}
	// A second after the expiry, so the job never finds it just short.
	if err := o.addOrderTask(ctx, TaskOrderExpire, QueueCritical, ord.OrderNo, ord.ExpiresAt.Add(time.Second)); err != nil {
		return nil, err
	}
	return ord, nil
}

// replay finds the order an earlier checkout with this key made: the same
// request gets it back, another request is refused.
func (o *Orders) replay(ctx context.Context, shopperID int64, req CheckoutRequest) (*domain.Order, error) {
	ord, err := o.d.Orders.OrderByIdempotencyKey(ctx, shopperID, req.IdempotencyKey)
	switch {
	case domain.ErrorCode(err) == domain.ENOTFOUND:
		return nil, nil
	case err != nil:
		return nil, err
	case ord.RequestHash != req.hash():
		return nil, domain.Errorf(domain.ECONFLICT, "idempotency_key_reused",
			"Idempotency-Key %q was used for another checkout; use a new key for a new request", req.IdempotencyKey)
	}
	return ord, nil
}

func checkIdempotencyKey(key string) error {
	if key == "" || len(key) > maxIdempotencyKey {
		return domain.Invalid("idempotency_key_invalid", domain.FieldError{Field: "Idempotency-Key",
			Message: "header is required: 1-64 characters, new for each checkout"})
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return domain.Invalid("idempotency_key_invalid", domain.FieldError{Field: "Idempotency-Key",
				Message: "must be printable ASCII without spaces"})
		}
	}
	return nil
}

// addOrderTask writes an order task to the outbox in the caller's
// transaction; at zero runs it at once.
func (o *Orders) addOrderTask(ctx context.Context, taskType, queue, orderNo string, at time.Time) error {
	payload, _ := json.Marshal(OrderTask{OrderNo: orderNo})
	_, err := o.d.Outbox.Add(ctx, Message{Type: taskType, Queue: queue, Payload: payload, ProcessAt: at})
	return err
}
