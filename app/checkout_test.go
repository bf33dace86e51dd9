package app_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	"github.com/shopspring/decimal"
)

// Checkout freezes the cart as priced (lines, discounts, totals, coupon),
// holds the coupon and leaves the cart empty at a new version.
func TestCheckoutFreezesTheCart(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "alice")
	f.scan(t, s, juiceCode, 3) // 38.70
	if _, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, "WELCOME5"); err != nil {
		t.Fatal(err)
	}
	cart, err := f.carts.Get(ctx, s, app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	ord := f.checkout(t, s)

	if ord.Status != domain.OrderPendingPayment || !domain.ValidOrderNo(ord.OrderNo) {
		t.Fatalf("order %s is %s", ord.OrderNo, ord.Status)
	}
	if !ord.Total.Equal(cart.Priced.Total) || !ord.Subtotal.Equal(decimal.RequireFromString("38.70")) ||
		!ord.DiscountTotal.Equal(cart.Priced.DiscountTotal) || ord.CouponCode != "WELCOME5" {
		t.Fatalf("order totals %s/%s/%s coupon %q, cart total %s", ord.Subtotal, ord.DiscountTotal, ord.Total, ord.CouponCode, cart.Priced.Total)
	}
	if !ord.ExpiresAt.Equal(ord.CreatedAt.Add(15*60e9)) || !ord.CreatedAt.Equal(f.clock.Now()) {
		t.Fatalf("created %s expires %s", ord.CreatedAt, ord.ExpiresAt)
	}
	stored := f.order(t, ord.OrderNo)
	if len(stored.Lines) != 1 || stored.Lines[0].SKU != "DRK-OJ-1L" || !stored.Lines[0].Quantity.Equal(decimal.NewFromInt(3)) ||
		!stored.Lines[0].NetAmount.Equal(ord.Total) || len(stored.Lines[0].Discounts) == 0 || stored.Lines[0].Name == "" {
		t.Fatalf("frozen lines: %+v", stored.Lines[0])
	}
	after, err := f.carts.Get(ctx, s, app.DemoStoreCode)
	if err != nil {
		t.Fatal(err)
	}
	if len(after.Cart.Lines) != 0 || after.Cart.CouponCode != "" || after.Cart.Version <= cart.Cart.Version {
		t.Fatalf("cart after checkout: %d lines, coupon %q, version %d (was %d)", len(after.Cart.Lines),
			after.Cart.CouponCode, after.Cart.Version, cart.Cart.Version)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM coupon_redemptions WHERE order_no = ? AND status = 'held'", ord.OrderNo); n != 1 {
		t.Fatalf("%d held coupon uses", n)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM outbox WHERE task_type = ? AND process_at IS NOT NULL", app.TaskOrderExpire); n != 1 {
		t.Fatalf("%d delayed expiry tasks", n)
	}
}

// The same key and request gives the same order back; the key with
// another request, a moved cart, an empty cart and a closed store are
// refused with their reasons.
func TestCheckoutRefusals(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "bob")
	cart := f.scan(t, s, colaCode, 1)
	req := app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version, IdempotencyKey: "k1"}

	_, _, err := f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version - 1, IdempotencyKey: "k0"})
	wantReason(t, err, "cart_changed")
	_, _, err = f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version})
	wantReason(t, err, "idempotency_key_invalid")

	first, created, err := f.orders.Checkout(ctx, s, req)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	again, created, err := f.orders.Checkout(ctx, s, req)
	if err != nil || created || again.OrderNo != first.OrderNo {
		t.Fatalf("replay: %v created=%v %v", again, created, err)
	}
	other := req
	other.CartVersion++
	_, _, err = f.orders.Checkout(ctx, s, other)
	wantReason(t, err, "idempotency_key_reused")

	empty, _ := f.carts.Get(ctx, s, app.DemoStoreCode)
	_, _, err = f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: empty.Cart.Version, IdempotencyKey: "k2"})
	wantReason(t, err, "cart_empty")
	if domain.ErrorCode(err) != domain.EINVALID {
		t.Fatalf("empty cart must be a 422 rule error, got %v", err)
	}

	cart = f.scan(t, s, colaCode, 1)
	closed := false
	if _, err := app.NewStores(f.db, mysql.NewStoreRepo(f.db), f.ids, f.clock, nil, "").Update(ctx, f.admin, app.DemoStoreCode,
		domain.StorePatch{Active: &closed}); err != nil {
		t.Fatal(err)
	}
	_, _, err = f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version, IdempotencyKey: "k3"})
	wantReason(t, err, "store_closed")
}

// Parallel checkouts of one cart (two phones, a double tap) with different
// keys make exactly one order; the others see the cart moved or emptied.
func TestParallelCheckoutsMakeOneOrder(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "carol")
	cart := f.scan(t, s, colaCode, 2)
	const n = 8
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		orders []string
		errs   = map[string]int{}
	)
	for i := range n {
		wg.Go(func() {
			ord, _, err := f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode,
				CartVersion: cart.Cart.Version, IdempotencyKey: "phone-" + string(rune('a'+i))})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs[domain.ErrorReason(err)]++
				return
			}
			orders = append(orders, ord.OrderNo)
		})
	}
	wg.Wait()
	if len(orders) != 1 || errs["cart_changed"] != n-1 {
		t.Fatalf("orders %v, refusals %v", orders, errs)
	}
	if c := f.count(t, "SELECT COUNT(*) FROM orders WHERE shopper_id = ?", s.ID); c != 1 {
		t.Fatalf("%d orders stored", c)
	}
}

// The same key sent from two phones at once returns one order to both.
func TestParallelCheckoutsSameKey(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "dave")
	cart := f.scan(t, s, colaCode, 1)
	req := app.CheckoutRequest{StoreCode: app.DemoStoreCode, CartVersion: cart.Cart.Version, IdempotencyKey: "same"}
	var wg sync.WaitGroup
	got := make([]string, 6)
	for i := range got {
		wg.Go(func() {
			ord, _, err := f.orders.Checkout(ctx, s, req)
			if err != nil {
				t.Error(err)
				return
			}
			got[i] = ord.OrderNo
		})
	}
	wg.Wait()
	for _, no := range got {
		if no != got[0] {
			t.Fatalf("one key, several orders: %v", got)
		}
	}
}

// A coupon with a budget of one use, applied in five shoppers' carts that
// check out at once: exactly one order gets it, the others are refused
// with coupon_used_up (the count is taken under the coupon's lock, seeing
// holds committed after the checkout's snapshot).
func TestParallelCheckoutsShareCouponBudget(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	kind, amount, total, name := domain.CouponAmount, decimal.RequireFromString("1.00"), 1, "Last one"
	starts, ends := f.clock.Now().Add(-time.Hour), f.clock.Now().Add(time.Hour)
	_, err := app.NewCoupons(f.db, mysql.NewCouponRepo(f.db), mysql.NewStoreRepo(f.db), f.shops, f.ids, f.clock).
		Create(ctx, f.admin, "LASTONE", domain.CouponInput{Name: &name, Kind: &kind, Amount: &amount, TotalLimit: &total,
			StartsAt: &starts, EndsAt: &ends})
	if err != nil {
		t.Fatal(err)
	}
	type buyer struct {
		s       *domain.Shopper
		version int
	}
	var buyers []buyer
	for i := range 5 {
		s := f.shopper(t, "budget-"+string(rune('a'+i)))
		f.scan(t, s, colaCode, 1)
		pc, err := f.carts.ApplyCoupon(ctx, s, app.DemoStoreCode, "LASTONE")
		if err != nil {
			t.Fatal(err)
		}
		buyers = append(buyers, buyer{s, pc.Cart.Version})
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		ok      int
		refused = map[string]int{}
	)
	for _, b := range buyers {
		wg.Go(func() {
			_, _, err := f.orders.Checkout(ctx, b.s, app.CheckoutRequest{StoreCode: app.DemoStoreCode,
				CartVersion: b.version, IdempotencyKey: "budget"})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused[domain.ErrorReason(err)]++
				return
			}
			ok++
		})
	}
	wg.Wait()
	if ok != 1 || refused["coupon_used_up"] != 4 {
		t.Fatalf("%d orders with the last coupon use, refusals %v", ok, refused)
	}
}
