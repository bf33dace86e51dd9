package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The cart_get set-up's own catalog and pricing rules, so the carts it
// reads do not depend on what the demo seed holds: products priced ¥3-¥15
// in category cartCategory, 10 % off that category, and a ¥5 coupon from
// ¥20. Ten lines at the cheapest price are ¥30, ¥27 after the promotion,
// so the coupon applies to every planned cart.
const (
	cartCategory   = "bench-cart"
	cartCoupon     = "BENCHCART"
	cartMinCents   = 300
	cartMaxCents   = 1500
	cartMinSpend   = "20.00"
	cartPromotion  = "Bench cart: 10% off"
	cartMaxQty     = 3
	cartSetupConns = 8
)

// CartScan is one scan of a planned cart.
type CartScan struct {
	Barcode  string
	Quantity int
}

// PlanCarts plans n carts over products: cart i has minLines..maxLines
// lines (spread evenly over the shoppers), each a different product
// (starting at another one per cart, so carts differ), of quantity 1 to
// 3. It needs at least maxLines products.
func PlanCarts(n int, products []CatalogRow, minLines, maxLines int) ([][]CartScan, error) {
	if minLines < 1 || maxLines < minLines {
		return nil, fmt.Errorf("loadtest: cart lines %d-%d", minLines, maxLines)
	}
	if len(products) < maxLines {
		return nil, fmt.Errorf("loadtest: %d products for carts of up to %d lines", len(products), maxLines)
	}
	span := maxLines - minLines + 1
	out := make([][]CartScan, n)
	for i := range n {
		lines := minLines + i%span
		cart := make([]CartScan, lines)
		for j := range cart {
			p := products[(i+j)%len(products)]
			cart[j] = CartScan{Barcode: p.Barcode, Quantity: 1 + (i+j)%cartMaxQty}
		}
		out[i] = cart
	}
	return out, nil
}

// cartView is what the set-up checks in a cart: its size and that both
// the promotion and the coupon took.
type cartView struct {
	Lines []struct {
		Discounts []struct {
			Kind string `json:"kind"`
		} `json:"discounts"`
	} `json:"lines"`
	DiscountTotal string `json:"discount_total"`
	Coupon        *struct {
		Applied bool `json:"applied"`
	} `json:"coupon"`
}

// runCartGet fills one cart per shopper (sc.Shoppers of its own) with
// sc.CartMinLines-sc.CartMaxLines lines under a promotion and a coupon,
// then reads them with GET /v1/mp/stores/{code}/cart, round robin: the
// read every screen of the mini-program's cart makes, priced each time.
func (sc Scenarios) runCartGet(ctx context.Context, a *api, admin string, floorRPS float64) (Report, error) {
	t0 := time.Now()
	spec := CatalogSpec{Rows: sc.CartMaxLines, SKUPrefix: "CART", BarcodePrefix: "6992", Store: sc.Store,
		Category: cartCategory, MinCents: cartMinCents, MaxCents: cartMaxCents}
	file, err := CatalogCSV(spec)
	if err != nil {
		return Report{}, err
	}
	if _, err := a.importCSV(ctx, admin, "bench-cart.csv", file); err != nil {
		return Report{}, fmt.Errorf("cart_get set-up: %w", err)
	}
	if err := a.cartRules(ctx, admin, sc.Store); err != nil {
		return Report{}, fmt.Errorf("cart_get set-up: %w", err)
	}
	products := make([]CatalogRow, spec.Rows)
	for i := range products {
		products[i] = spec.Row(i)
	}
	plan, err := PlanCarts(sc.Shoppers, products, sc.CartMinLines, sc.CartMaxLines)
	if err != nil {
		return Report{}, err
	}
	// Login codes after the scan pool's and the checkout's shoppers.
	pool, err := a.shoppers(ctx, sc.Shoppers, sc.Store, func(i int) string { return sc.LoginCode(sc.Pool + sc.Shoppers + i) })
	if err != nil {
		return Report{}, err
	}
	cartURL := sc.BaseURL + "/v1/mp/stores/" + url.PathEscape(sc.Store) + "/cart"
	lines, err := a.fillCarts(ctx, cartURL, pool, plan)
	if err != nil {
		return Report{}, fmt.Errorf("cart_get set-up: %w", err)
	}
	fmt.Fprintf(sc.Log, "cart_get set-up: %d carts of %d-%d lines (%d in all, %d-product catalog imported), %s and coupon %s on each, in %s\n",
		len(pool), sc.CartMinLines, sc.CartMaxLines, lines, spec.Rows, cartPromotion, cartCoupon, time.Since(t0).Round(time.Millisecond))
	tr := CartTargeter(cartURL, pool)
	r, _, err := sc.scenario(ctx, "cart_get", sc.Shoppers, func(ph Phase) []Sample { return Attack(ctx, a.client, ph, tr) },
		sc.Rate, sc.TargetRPS)
	r.Ratio = Ratio(r.RPS, floorRPS)
	return r, err
}

// CartTargeter returns the cart_get targeter: GET the cart, each shopper
// in turn. It is safe for concurrent use.
func CartTargeter(cartURL string, pool []Shopper) vegeta.Targeter {
	var turn atomic.Uint64
	return func(t *vegeta.Target) error {
		s := pool[(turn.Add(1)-1)%uint64(len(pool))]
		t.Method, t.URL, t.Body, t.Header = http.MethodGet, cartURL, nil, s.header
		return nil
	}
}

// cartRules creates the promotion and the coupon the carts get.
func (a *api) cartRules(ctx context.Context, admin, store string) error {
	now := time.Now().UTC()
	starts, ends := now.Add(-time.Hour).Format(time.RFC3339), now.Add(24*time.Hour).Format(time.RFC3339)
	err := a.call(ctx, http.MethodPost, "/v1/admin/promotions", admin, map[string]any{
		"name": cartPromotion, "kind": "percent_off", "store_codes": []string{store},
		"categories": []string{cartCategory}, "percent": "10", "starts_at": starts, "ends_at": ends,
	}, nil)
	if err != nil {
		return err
	}
	return a.call(ctx, http.MethodPost, "/v1/admin/coupons", admin, map[string]any{
		"code": cartCoupon, "name": "Bench: ¥5 off ¥20", "kind": "amount", "amount": "5.00",
		"min_spend": cartMinSpend, "store_codes": []string{store}, "per_shopper_limit": 1,
		"granted": false, "starts_at": starts, "ends_at": ends,
	}, nil)
}

// fillCarts scans each shopper's planned cart, enters the coupon and
// checks the result: every line there, the promotion on every line, the
// coupon applied. It returns the number of lines in all.
func (a *api) fillCarts(ctx context.Context, cartURL string, pool []Shopper, plan [][]CartScan) (int, error) {
	path := cartURL[len(a.base):]
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		errs  []error
		total int
	)
	sem := make(chan struct{}, cartSetupConns)
	for i, s := range pool {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			n, err := a.fillCart(ctx, path, s.Token, plan[i])
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				errs = append(errs, fmt.Errorf("cart %d: %w", i, err))
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return total, errors.Join(errs[:min(3, len(errs))]...)
	}
	return total, nil
}

func (a *api) fillCart(ctx context.Context, path, token string, scans []CartScan) (int, error) {
	for _, s := range scans {
		if err := a.call(ctx, http.MethodPost, path+"/scans", token,
			map[string]any{"barcode": s.Barcode, "quantity": s.Quantity}, nil); err != nil {
			return 0, err
		}
	}
	if err := a.call(ctx, http.MethodPut, path+"/coupon", token, map[string]string{"code": cartCoupon}, nil); err != nil {
		return 0, err
	}
	var c cartView
	if err := a.call(ctx, http.MethodGet, path, token, nil, &c); err != nil {
		return 0, err
	}
	if err := c.check(len(scans)); err != nil {
		return 0, err
	}
	return len(c.Lines), nil
}

// check says what is wrong with a filled cart of want lines, if anything.
func (c cartView) check(want int) error {
	if len(c.Lines) != want {
		return fmt.Errorf("%d lines, want %d", len(c.Lines), want)
	}
	for i, l := range c.Lines {
		if len(l.Discounts) == 0 {
			return fmt.Errorf("line %d has no discount (promotion %q)", i, cartPromotion)
		}
	}
	if c.Coupon == nil || !c.Coupon.Applied {
		return fmt.Errorf("coupon %s not applied (discount_total %s)", cartCoupon, c.DiscountTotal)
	}
	return nil
}
