package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CheckoutShopper is one shopper of the checkout scenario. Each checkout
// consumes its cart, so a shopper runs one order at a time (RunFlow
// guarantees that) and counts its orders for fresh Idempotency-Keys.
type CheckoutShopper struct {
	header http.Header // bearer token + JSON; shared read-only
	id, n  int
}

// NewCheckoutShoppers wraps logged-in shoppers (each with a visit open).
func NewCheckoutShoppers(pool []Shopper) []*CheckoutShopper {
	out := make([]*CheckoutShopper, len(pool))
	for i, s := range pool {
		out[i] = &CheckoutShopper{header: s.header, id: i}
	}
	return out
}

// Checkout steps, in flow order; their latencies are kept apart so a slow
// run says which step is slow.
const (
	stepScan = iota
	stepCart
	stepCheckout
	stepPrepay
	nSteps
)

var stepNames = [nSteps]string{"scan", "cart", "checkout", "prepay"}

// CheckoutFlow is one order as the mini-program makes it: scan a product,
// read the cart (its version), POST /v1/mp/orders with the version and a
// new Idempotency-Key, then POST /v1/mp/orders/{no}/payments (the prepay
// at WeChat Pay). Its sample is the checkout + prepay pair: Start before
// the checkout, Latency up to the payment parameters, what the shopper
// waits for after tapping "pay". Orders whose prepay succeeded are kept
// for the notify scenario.
type CheckoutFlow struct {
	client                     *http.Client
	base, store                string
	scanURL, cartURL, orderURL string
	scans                      [][]byte // scan bodies, taken in turn

	mu     sync.Mutex
	orders []string                // prepaid order numbers, oldest first
	steps  [nSteps][]time.Duration // successful steps since StepStats
}

// NewCheckoutFlow plans orders of one unit of one of products each (they
// take turns), in store.
func NewCheckoutFlow(client *http.Client, baseURL, store string, products []Product) (*CheckoutFlow, error) {
	if len(products) == 0 {
		return nil, errors.New("loadtest: no scannable products to check out")
	}
	cart := baseURL + "/v1/mp/stores/" + url.PathEscape(store) + "/cart"
	f := &CheckoutFlow{client: client, base: baseURL, store: store, scanURL: cart + "/scans", cartURL: cart,
		orderURL: baseURL + "/v1/mp/orders"}
	for _, p := range products {
		b, _ := json.Marshal(map[string]string{"barcode": p.Barcodes[0]})
		f.scans = append(f.scans, b)
	}
	return f, nil
}

// Run makes one order with s; it is RunFlow's flow.
func (f *CheckoutFlow) Run(ctx context.Context, s *CheckoutShopper) Sample {
	s.n++
	t0 := time.Now()
	if fail := f.step(ctx, stepScan, http.MethodPost, f.scanURL, s.header, f.scans[(s.id+s.n)%len(f.scans)], nil); fail != nil {
		return fail.sample(t0)
	}
	var cart struct {
		Version *int `json:"version"`
	}
	if fail := f.step(ctx, stepCart, http.MethodGet, f.cartURL, s.header, nil, &cart); fail != nil {
		return fail.sample(t0)
	}
	if cart.Version == nil {
		return Sample{Start: t0, Latency: time.Since(t0), Code: 200, Err: "cart: no version in the answer"}
	}
	t1 := time.Now()
	h := s.header.Clone()
	h.Set("Idempotency-Key", "bench-"+strconv.Itoa(s.n))
	body := fmt.Appendf(nil, `{"store_code":%q,"cart_version":%d}`, f.store, *cart.Version)
	var ord struct {
		OrderNo string `json:"order_no"`
	}
	if fail := f.step(ctx, stepCheckout, http.MethodPost, f.orderURL, h, body, &ord); fail != nil {
		return fail.sample(t1)
	}
	if ord.OrderNo == "" {
		return Sample{Start: t1, Latency: time.Since(t1), Code: 201, Err: "checkout: no order_no in the answer"}
	}
	var params struct {
		PaySign string `json:"paySign"`
	}
	payURL := f.orderURL + "/" + url.PathEscape(ord.OrderNo) + "/payments"
	if fail := f.step(ctx, stepPrepay, http.MethodPost, payURL, s.header, nil, &params); fail != nil {
		return fail.sample(t1)
	}
	if params.PaySign == "" {
		return Sample{Start: t1, Latency: time.Since(t1), Code: 200, Err: "prepay: no paySign in the answer"}
	}
	f.mu.Lock()
	f.orders = append(f.orders, ord.OrderNo)
	f.mu.Unlock()
	return Sample{Start: t1, Latency: time.Since(t1), Code: http.StatusOK}
}

// stepFailure is a step that did not answer 2xx.
type stepFailure struct {
	code   int
	err    string
	reason string
}

// sample reports the failed order from start, its reason naming the step.
func (e *stepFailure) sample(start time.Time) Sample {
	return Sample{Start: start, Latency: time.Since(start), Code: e.code, Err: e.err, Reason: e.reason}
}

// step sends one request and decodes a 2xx JSON answer into out (nil:
// drained); the latency of a successful step is kept.
func (f *CheckoutFlow) step(ctx context.Context, step int, method, u string, h http.Header, body []byte, out any) *stepFailure {
	name := stepNames[step]
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &stepFailure{err: name + ": " + err.Error()}
	}
	req.Header = h
	t0 := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return &stepFailure{err: name + ": " + err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return &stepFailure{code: resp.StatusCode, err: name + ": " + err.Error()}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		reason := problemReason(raw)
		if reason == "" {
			reason = strings.TrimSpace(string(raw[:min(len(raw), 80)]))
		}
		return &stepFailure{code: resp.StatusCode, err: resp.Status, reason: name + ": " + reason}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return &stepFailure{code: resp.StatusCode, err: name + ": " + err.Error(), reason: name + ": bad JSON"}
		}
	}
	d := time.Since(t0)
	f.mu.Lock()
	f.steps[step] = append(f.steps[step], d)
	f.mu.Unlock()
	return nil
}

// Orders returns the prepaid orders so far, oldest first.
func (f *CheckoutFlow) Orders() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.orders...)
}

// StepStats describes each step's successful latencies since the last
// call ("scan p50 3.1 p99 9.8 ms, ..."), and forgets them.
func (f *CheckoutFlow) StepStats() string {
	f.mu.Lock()
	steps := f.steps
	f.steps = [nSteps][]time.Duration{}
	f.mu.Unlock()
	parts := make([]string, 0, nSteps)
	for i, lat := range steps {
		if len(lat) == 0 {
			continue
		}
		slices.Sort(lat)
		parts = append(parts, fmt.Sprintf("%s p50 %.2f p99 %.2f", stepNames[i], ms(Percentile(lat, 0.5)), ms(Percentile(lat, 0.99))))
	}
	return strings.Join(parts, ", ") + " ms"
}
