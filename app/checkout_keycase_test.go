package app_test

import (
	"context"
	"testing"

	"github.com/scanpay/scanpay/app"
)

// Idempotency-Keys are compared exactly, on MariaDB as on SQLite: "Key-A"
// and "key-a" are two checkouts, not a replay of one (the column was
// case-insensitive under the database's _ci collation, so the second
// checkout was refused as a reused key).
func TestCheckoutKeysAreCaseSensitive(t *testing.T) {
	f := newOrderFixture(t)
	ctx := context.Background()
	s := f.shopper(t, "keys")
	for _, key := range []string{"Key-A", "key-a"} {
		f.scan(t, s, colaCode, 1)
		cart, err := f.carts.Get(ctx, s, app.DemoStoreCode)
		if err != nil {
			t.Fatal(err)
		}
		_, created, err := f.orders.Checkout(ctx, s, app.CheckoutRequest{StoreCode: app.DemoStoreCode,
			CartVersion: cart.Cart.Version, IdempotencyKey: key})
		if err != nil || !created {
			t.Fatalf("checkout under %q: created=%v err=%v", key, created, err)
		}
	}
	if n := f.count(t, "SELECT COUNT(*) FROM orders WHERE shopper_id = ?", s.ID); n != 2 {
		t.Fatalf("%d orders, want 2", n)
	}
}
