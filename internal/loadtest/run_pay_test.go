package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// payShop adds to fakeShop what the checkout and notify scenarios use:
// the cart's version, checkout (Idempotency-Key, cart_version), the
// prepay, and the webhook, whose payments a worker applies a little later.
// It is also the scenarios' Ledger.
type payShop struct {
	*fakeShop
	checkouts map[string]int       // by token: orders made, part of the version
	keys      map[string]bool      // token + Idempotency-Key used
	orders    map[string]string    // order no → pending | prepaid | paid
	payments  map[string]time.Time // order no → applied at
	events    int
}

func newPayShop() *payShop {
	return &payShop{fakeShop: &fakeShop{caps: Caps{MaxLines: 2, MaxLineQty: 25, MaxBasketCents: 12000}, carts: map[string]*fakeCart{}},
		checkouts: map[string]int{}, keys: map[string]bool{}, orders: map[string]string{}, payments: map[string]time.Time{}}
}

// version changes with every scan and checkout; the caller holds mu.
func (p *payShop) version(token string) int {
	v := 1000 * p.checkouts[token]
	if c := p.carts[token]; c != nil {
		for _, q := range c.qty {
			v += q
		}
	}
	return v
}

func (p *payShop) handler() http.Handler {
	m := p.fakeShop.handler().(*http.ServeMux)
	token := func(r *http.Request) string { return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") }
	m.HandleFunc("GET /v1/mp/stores/SHOP1/cart", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		fmt.Fprintf(w, `{"store_code":"SHOP1","version":%d}`, p.version(token(r)))
	})
	m.HandleFunc("POST /v1/mp/orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			StoreCode   string `json:"store_code"`
			CartVersion int    `json:"cart_version"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		tok, key := token(r), r.Header.Get("Idempotency-Key")
		p.mu.Lock()
		defer p.mu.Unlock()
		switch c := p.carts[tok]; {
		case key == "" || p.keys[tok+" "+key]:
			http.Error(w, `{"reason":"idempotency_key_reused"}`, http.StatusConflict)
		case in.StoreCode != "SHOP1" || in.CartVersion != p.version(tok):
			http.Error(w, `{"reason":"cart_changed"}`, http.StatusConflict)
		case c == nil || len(c.qty) == 0:
			http.Error(w, `{"reason":"cart_empty"}`, http.StatusUnprocessableEntity)
		default:
			p.keys[tok+" "+key] = true
			p.checkouts[tok]++
			p.carts[tok] = &fakeCart{qty: map[string]int{}}
			no := fmt.Sprintf("O%06d", len(p.orders))
			p.orders[no] = "pending"
			w.WriteHeader(http.StatusCreated)
			fmt.Fprintf(w, `{"order_no":%q,"status":"pending_payment"}`, no)
		}
	})
	m.HandleFunc("POST /v1/mp/orders/{no}/payments", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.orders[r.PathValue("no")] != "pending" {
			http.Error(w, `{"reason":"order_not_found"}`, http.StatusNotFound)
			return
		}
		p.orders[r.PathValue("no")] = "prepaid"
		fmt.Fprint(w, `{"paySign":"sig","package":"prepay_id=x"}`)
	})
	m.HandleFunc("POST "+WebhookPath, func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Order string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		p.mu.Lock()
		defer p.mu.Unlock()
		if r.Header.Get("Wechatpay-Signature") != "sig-"+in.Order || p.orders[in.Order] != "prepaid" {
			http.Error(w, `{"code":"FAIL"}`, http.StatusUnauthorized)
			return
		}
		p.events++
		time.AfterFunc(20*time.Millisecond, func() { // the worker
			p.mu.Lock()
			defer p.mu.Unlock()
			p.orders[in.Order] = "paid"
			p.payments[in.Order] = time.Now()
		})
		w.WriteHeader(http.StatusNoContent)
	})
	return m
}

func (p *payShop) PaidCount(ctx context.Context) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.payments), nil
}

func (p *payShop) Applied(ctx context.Context, since time.Time) ([]Applied, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []Applied
	for no, at := range p.payments {
		if !at.Before(since) {
			out = append(out, Applied{OrderNo: no, At: at, Source: "notification"})
		}
	}
	return out, nil
}

func (p *payShop) Backlog(ctx context.Context) (int, error) { return 0, nil }

// A short run of checkout and notify against the fake: every order is
// scanned, checked out at the cart's version with a fresh key and
// prepaid; every notification is accepted once and every order ends paid.
func TestPaymentScenariosSmoke(t *testing.T) {
	for _, c := range []struct {
		name   string
		only   []string
		orders int
	}{
		{"checkout's orders", []string{"checkout", "notify"}, 150},
		// Without the checkout scenario the notify set-up makes them all.
		{"notify alone", []string{"notify"}, 60},
	} {
		t.Run(c.name, func(t *testing.T) {
			shop := newPayShop()
			srv := httptest.NewServer(shop.handler())
			defer srv.Close()
			var logs strings.Builder
			reports, err := RunScenarios(context.Background(), Scenarios{
				BaseURL: srv.URL, Store: "SHOP1", AdminUser: "admin", AdminPassword: "pw",
				LoginCode: func(i int) string { return fmt.Sprint("code", i) },
				Shoppers:  4, Pool: 10, MaxPriceCents: 1000,
				Warmup: 50 * time.Millisecond, Duration: 300 * time.Millisecond,
				Only: c.only, CheckoutTarget: 100000,
				NotifyOrders: c.orders, NotifyTarget: 100000, ApplyTimeout: 5 * time.Second,
				Payer: &stubPayer{}, Ledger: shop, Log: &logs,
			})
			if err != nil {
				t.Fatalf("RunScenarios: %v\n%s", err, logs.String())
			}
			if testing.Verbose() {
				t.Log(logs.String())
			}
			if len(reports) != len(c.only)+1 {
				t.Fatalf("reports %+v", reports)
			}
			if c.only[0] == "checkout" {
				co := reports[0]
				if co.Scenario != "checkout" || co.Errors != 0 || co.RPS <= 0 || co.P99ms <= 0 || co.Concurrency != 4 || co.WarmupErrors != 0 {
					t.Errorf("checkout %+v\n%s", co, logs.String())
				}
				reports = reports[1:]
			}
			notify, apply := reports[0], reports[1]
			if notify.Scenario != "notify" || apply.Scenario != "notify_apply" {
				t.Fatalf("reports %+v", reports)
			}
			if notify.Errors != 0 || notify.Requests != c.orders || notify.RPS <= 0 ||
				apply.Errors != 0 || apply.Requests != c.orders || apply.RPS <= 0 {
				t.Errorf("notify %+v\napply %+v\n%s", notify, apply, logs.String())
			}
			// The fake's worker takes 20 ms.
			if apply.P50ms < 15 || apply.ApplyS <= 0 {
				t.Errorf("apply latency %v ms over %v s", apply.P50ms, apply.ApplyS)
			}
			shop.mu.Lock()
			defer shop.mu.Unlock()
			if shop.events != c.orders || len(shop.payments) != c.orders {
				t.Errorf("%d notifications accepted, %d paid, want %d", shop.events, len(shop.payments), c.orders)
			}
		})
	}
}

// Unknown scenario names are refused before anything runs.
func TestRunScenariosRefusesUnknownNames(t *testing.T) {
	_, err := RunScenarios(context.Background(), Scenarios{Only: []string{"scan", "chekout"}})
	if err == nil || !strings.Contains(err.Error(), `"chekout"`) {
		t.Fatalf("err %v", err)
	}
}
