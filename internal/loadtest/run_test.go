package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// fakeShop is a tiny stand-in for scanpay's routes the scenarios use. It
// enforces cart caps like the real service (422 with the cap's reason), with
// caps small enough that carts fill up many times during the test.
type fakeShop struct {
	caps  Caps
	mu    sync.Mutex
	carts map[string]*fakeCart // by shopper token
	floor int
}

type fakeCart struct {
	qty   map[string]int
	cents int64
}

var fakePrices = map[string]int64{"4006381333931": 250, "4006381333948": 250, "5012345678900": 400}

func (f *fakeShop) handler() http.Handler {
	problem := func(w http.ResponseWriter, status int, reason string) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d,"reason":%q}`, status, reason)
	}
	m := http.NewServeMux()
	m.HandleFunc("POST /v1/admin/sessions", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"token":"staff"}`)
	})
	m.HandleFunc("GET /v1/admin/stores/SHOP1", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"code":"SHOP1","max_lines":%d,"max_line_quantity":%d,"max_basket_total":"%d.%02d"}`,
			f.caps.MaxLines, f.caps.MaxLineQty, f.caps.MaxBasketCents/100, f.caps.MaxBasketCents%100)
	})
	// Two pages of products: a packaged one with two codes, one by weight,
	// one age-restricted, a dear one, and a cheap one.
	m.HandleFunc("GET /v1/admin/products", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprint(w, `{"items":[{"sku":"WATER","unit":"each","active":true,"barcodes":["4006381333931","4006381333948"]},
				{"sku":"APPLE","unit":"kg","active":true,"barcodes":[]},
				{"sku":"BEER","unit":"each","active":true,"age_restricted":true,"barcodes":["4006381333900"]}],"next_cursor":"p2"}`)
			return
		}
		fmt.Fprint(w, `{"items":[{"sku":"WINE","unit":"each","active":true,"barcodes":["4006381333917"]},
			{"sku":"COLA","unit":"each","active":true,"barcodes":["5012345678900"]}]}`)
	})
	m.HandleFunc("GET /v1/admin/stores/SHOP1/items", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"items":[{"sku":"WATER","price":"2.50","active":true},{"sku":"APPLE","price":"9.90","active":true},
			{"sku":"BEER","price":"4.00","active":true},{"sku":"WINE","price":"69.00","active":true},{"sku":"COLA","price":"4.00","active":true}]}`)
	})
	m.HandleFunc("POST /v1/mp/sessions", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Code string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"token":%q}`, "tok-"+in.Code)
	})
	m.HandleFunc("POST /v1/mp/visits", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			StoreCode string `json:"store_code"`
		}
		_ = json.NewDecoder(r.Body).Decode(&in)
		if in.StoreCode != "SHOP1" {
			problem(w, http.StatusNotFound, "store_not_found")
			return
		}
		f.mu.Lock()
		f.carts[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")] = &fakeCart{qty: map[string]int{}}
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
	})
	m.HandleFunc("POST /v1/mp/stores/SHOP1/cart/scans", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Barcode string }
		_ = json.NewDecoder(r.Body).Decode(&in)
		f.mu.Lock()
		defer f.mu.Unlock()
		c := f.carts[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		price, known := fakePrices[in.Barcode]
		sku := map[bool]string{true: "COLA", false: "WATER"}[in.Barcode == "5012345678900"]
		switch {
		case c == nil:
			problem(w, http.StatusConflict, "visit_required")
		case !known:
			problem(w, http.StatusNotFound, "barcode_unknown")
		case c.qty[sku]+1 > f.caps.MaxLineQty:
			problem(w, http.StatusUnprocessableEntity, "cap_max_quantity")
		case c.qty[sku] == 0 && len(c.qty)+1 > f.caps.MaxLines:
			problem(w, http.StatusUnprocessableEntity, "cap_max_lines")
		case c.cents+price > f.caps.MaxBasketCents:
			problem(w, http.StatusUnprocessableEntity, "cap_basket_amount")
		default:
			c.qty[sku]++
			c.cents += price
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"line":{},"cart":{}}`)
		}
	})
	m.HandleFunc("GET /v1/bench/floor", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("store") != "SHOP1" {
			problem(w, http.StatusNotFound, "store_not_found")
			return
		}
		f.mu.Lock()
		f.floor++
		f.mu.Unlock()
		fmt.Fprint(w, `{"id":"1"}`)
	})
	return m
}

// A short run of both scenarios against the fake: the set-up finds the two
// scannable products, carts are replaced before any cap refuses a scan,
// and the reports add up.
func TestRunScenariosSmoke(t *testing.T) {
	shop := &fakeShop{caps: Caps{MaxLines: 2, MaxLineQty: 25, MaxBasketCents: 12000}, carts: map[string]*fakeCart{}}
	srv := httptest.NewServer(shop.handler())
	defer srv.Close()
	var logs strings.Builder
	rssCalls, cpuCalls := 0, 0
	sc := Scenarios{
		BaseURL: srv.URL, Store: "SHOP1", AdminUser: "admin", AdminPassword: "pw",
		LoginCode: func(i int) string { return fmt.Sprint("code", i) },
		Shoppers:  4, Pool: 1500, MaxPriceCents: 1000,
		Warmup: 50 * time.Millisecond, Duration: 200 * time.Millisecond, TargetRPS: 300,
		FloorPath: "/v1/bench/floor", Only: []string{"scan", "floor"},
		RSS: func() (int64, error) { rssCalls++; return 30 << 20, nil },
		Log: &logs,
		CPU: func() (time.Duration, time.Duration) {
			cpuCalls++
			return time.Duration(cpuCalls) * time.Second, time.Duration(cpuCalls) * 2 * time.Second
		},
	}
	reports, err := RunScenarios(context.Background(), sc)
	if err != nil {
		t.Fatalf("RunScenarios: %v\n%s", err, logs.String())
	}
	if testing.Verbose() {
		t.Log(logs.String())
	}
	if len(reports) != 2 || reports[0].Scenario != "scan" || reports[1].Scenario != "floor" {
		t.Fatalf("reports %+v", reports)
	}
	scan, floor := reports[0], reports[1]
	for _, r := range reports {
		if r.Errors != 0 || r.RPS <= 0 || r.Requests == 0 || r.P99ms <= 0 || r.P50ms > r.P99ms || r.Concurrency != 4 {
			t.Errorf("%s report: %+v\n%s", r.Scenario, r, logs.String())
		}
		// One second of service CPU (two of database) over the phase's requests.
		if r.CPUms <= 0 || r.DBCPUms < 1.9*r.CPUms || r.DBCPUms > 2.1*r.CPUms {
			t.Errorf("%s CPU per request: service %v ms, db %v ms", r.Scenario, r.CPUms, r.DBCPUms)
		}
		if r.RSSMB != 30 {
			t.Errorf("%s RSS %v MiB, want the sampled 30", r.Scenario, r.RSSMB)
		}
	}
	if scan.PacedRPS != floor.PacedRPS || scan.PacedRPS <= 0 {
		t.Errorf("paced rates scan %v floor %v: both scenarios run at one rate", scan.PacedRPS, floor.PacedRPS)
	}
	if scan.Ratio != Ratio(scan.RPS, floor.RPS) || floor.Ratio != 1 {
		t.Errorf("ratio %v (rps %v / %v)", scan.Ratio, scan.RPS, floor.RPS)
	}
	if !strings.Contains(logs.String(), "2 scannable products") {
		t.Errorf("set-up did not keep exactly WATER and COLA:\n%s", logs.String())
	}
	// A fake cart takes under 40 scans, so carts were swapped.
	if len(shop.carts) < 8 {
		t.Errorf("only %d carts used", len(shop.carts))
	}
	if shop.floor == 0 || rssCalls == 0 {
		t.Errorf("floor calls %d, RSS samples %d", shop.floor, rssCalls)
	}
}

// Every failed answer counts as an error, with its status and reason.
func TestAttackCountsErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"reason":"scan_rate_limited"}`)
	}))
	defer srv.Close()
	s := Summarize(Attack(context.Background(), NewClient(4), Phase{Name: "x", Duration: 100 * time.Millisecond, Workers: 2, Rate: 200},
		FloorTargeter(srv.URL, "/any", "S")))
	if s.Requests == 0 || s.Errors != s.Requests || s.OK != 0 || s.ErrorKinds["429 scan_rate_limited"] != s.Requests {
		t.Fatalf("summary %+v", s)
	}
}

// A plan whose pool runs out stops the attack with ErrShoppersUsedUp rather
// than sending scans the caps would refuse.
func TestScanPlanStopsWhenPoolIsUsedUp(t *testing.T) {
	pool := []Shopper{{Token: "a"}, {Token: "b"}}
	plan, err := NewScanPlan("http://x", "S", []Product{{SKU: "P", Barcodes: []string{"1", "2"}, PriceCents: 100}},
		Caps{MaxLines: 1, MaxLineQty: 3, MaxBasketCents: 10000}, pool, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := plan.Targeter()
	var bodies []string
	for {
		var target vegeta.Target
		if err := tr(&target); err != nil {
			if !errors.Is(err, ErrShoppersUsedUp) {
				t.Fatalf("err %v", err)
			}
			break
		}
		bodies = append(bodies, string(target.Body))
	}
	// Two shoppers × 3 scans, alternating the product's two barcodes.
	want := `{"barcode":"1"} {"barcode":"2"} {"barcode":"1"} {"barcode":"1"} {"barcode":"2"} {"barcode":"1"}`
	if got := strings.Join(bodies, " "); got != want {
		t.Fatalf("bodies %s\nwant   %s", got, want)
	}
	if carts, scans := plan.Used(); carts != 2 || scans != 6 {
		t.Fatalf("used %d carts, %d scans", carts, scans)
	}
}
