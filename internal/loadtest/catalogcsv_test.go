package loadtest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// The generated file is a catalog CSV the importer takes row for row:
// the documented header, one product per row with a valid, unrestricted
// and unique EAN-13, a unique SKU, prices with 2 decimals in range, and a
// quoted name with a comma that reads back whole.
func TestCatalogCSV(t *testing.T) {
	spec := CatalogSpec{Rows: 250, SKUPrefix: "IMP", BarcodePrefix: "6991", Store: "DEMO01",
		Category: "bench", MinCents: 100, MaxCents: 999}
	file, err := CatalogCSV(spec)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "sku,name,unit,tax_rate,category,barcodes,store_code,price,member_price,reorder_point,age_restricted,active" {
		t.Fatalf("header %s", got)
	}
	if len(recs) != spec.Rows+1 {
		t.Fatalf("%d records, want %d rows and the header", len(recs), spec.Rows)
	}
	skus, codes := map[string]bool{}, map[string]bool{}
	for i, rec := range recs[1:] {
		row := spec.Row(i)
		sku, name, barcode, store, price, member := rec[0], rec[1], rec[5], rec[6], rec[7], rec[8]
		if sku != row.SKU || barcode != row.Barcode || price != money(row.PriceCents) || store != "DEMO01" {
			t.Fatalf("row %d: %q does not match %+v", i, rec, row)
		}
		if skus[sku] || codes[barcode] {
			t.Fatalf("row %d: SKU %s or barcode %s repeated", i, sku, barcode)
		}
		skus[sku], codes[barcode] = true, true
		b, err := domain.ParseBarcode(barcode)
		if err != nil || b.Restricted || len(barcode) != 13 {
			t.Fatalf("row %d: barcode %s: %+v %v", i, barcode, b, err)
		}
		if row.PriceCents < spec.MinCents || row.PriceCents > spec.MaxCents {
			t.Fatalf("row %d: price %d cents out of range", i, row.PriceCents)
		}
		if member != "" {
			if m, err := parseCents(member); err != nil || m >= row.PriceCents || m <= 0 {
				t.Fatalf("row %d: member price %q for %s", i, member, price)
			}
		}
		if i%10 == 0 && !strings.HasSuffix(name, ", 500g") {
			t.Fatalf("row %d: name %q lost its comma", i, name)
		}
	}
	if !bytes.Contains(file, []byte(`"压测商品 0 Bench product, 500g"`)) {
		t.Errorf("the name with a comma is not quoted:\n%.300s", file)
	}
	// Without a store the rows are products only: no prices.
	spec.Store = ""
	file, _ = CatalogCSV(spec)
	recs, _ = csv.NewReader(bytes.NewReader(file)).ReadAll()
	if r := recs[1]; r[6] != "" || r[7] != "" || r[8] != "" {
		t.Errorf("product-only row %q", r)
	}
}

func TestCatalogSpecValidate(t *testing.T) {
	ok := CatalogSpec{Rows: 10, SKUPrefix: "X", BarcodePrefix: "69", MinCents: 1, MaxCents: 1}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid spec: %v", err)
	}
	for name, mut := range map[string]func(*CatalogSpec){
		"no rows":                  func(s *CatalogSpec) { s.Rows = 0 },
		"no SKU prefix":            func(s *CatalogSpec) { s.SKUPrefix = "" },
		"SKU too long":             func(s *CatalogSpec) { s.SKUPrefix = strings.Repeat("S", 26) },
		"scale label prefix":       func(s *CatalogSpec) { s.BarcodePrefix = "21" },
		"letters in the prefix":    func(s *CatalogSpec) { s.BarcodePrefix = "69a" },
		"no room for the rows":     func(s *CatalogSpec) { s.BarcodePrefix, s.Rows = "6991234567", 101 },
		"free products":            func(s *CatalogSpec) { s.MinCents = 0 },
		"prices the wrong way out": func(s *CatalogSpec) { s.MinCents, s.MaxCents = 500, 100 },
	} {
		s := ok
		mut(&s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: %+v accepted", name, s)
		}
		if _, err := CatalogCSV(s); err == nil {
			t.Errorf("%s: CatalogCSV made a file", name)
		}
	}
	// The largest row number that fits: 100 rows in 2 free digits.
	fits := ok
	fits.BarcodePrefix, fits.Rows = "6991234567", 100
	if err := fits.Validate(); err != nil {
		t.Errorf("100 rows in 2 digits: %v", err)
	}
}

// Carts take every size from min to max lines, different products on each
// line, quantities 1-3, and neighbouring carts differ.
func TestPlanCarts(t *testing.T) {
	spec := CatalogSpec{Rows: 30, SKUPrefix: "CART", BarcodePrefix: "6992", MinCents: 300, MaxCents: 1500}
	products := make([]CatalogRow, spec.Rows)
	for i := range products {
		products[i] = spec.Row(i)
	}
	plan, err := PlanCarts(64, products, 10, 30)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[int]int{}
	for i, cart := range plan {
		sizes[len(cart)]++
		seen := map[string]bool{}
		for _, s := range cart {
			if seen[s.Barcode] || s.Quantity < 1 || s.Quantity > 3 {
				t.Fatalf("cart %d: %+v", i, cart)
			}
			seen[s.Barcode] = true
		}
		if i > 0 && cart[0] == plan[i-1][0] {
			t.Errorf("carts %d and %d start alike", i-1, i)
		}
	}
	for n := 10; n <= 30; n++ {
		if sizes[n] == 0 {
			t.Errorf("no cart of %d lines: %v", n, sizes)
		}
	}
	if _, err := PlanCarts(4, products[:20], 10, 30); err == nil {
		t.Error("carts of 30 lines planned over 20 products")
	}
	if _, err := PlanCarts(4, products, 0, 5); err == nil {
		t.Error("a cart of 0 lines planned")
	}
}

func TestCartViewCheck(t *testing.T) {
	view := func(body string) cartView {
		var c cartView
		if err := json.Unmarshal([]byte(body), &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	good := `{"lines":[{"discounts":[{"kind":"promotion"}]},{"discounts":[{"kind":"promotion"},{"kind":"coupon"}]}],` +
		`"discount_total":"6.20","coupon":{"applied":true}}`
	if err := view(good).check(2); err != nil {
		t.Errorf("good cart: %v", err)
	}
	for name, c := range map[string]struct {
		body string
		want int
	}{
		"a line short":        {good, 3},
		"a line undiscounted": {`{"lines":[{"discounts":[]}],"coupon":{"applied":true}}`, 1},
		"coupon not applied":  {`{"lines":[{"discounts":[{"kind":"promotion"}]}],"coupon":{"applied":false}}`, 1},
		"no coupon":           {`{"lines":[{"discounts":[{"kind":"promotion"}]}],"coupon":null}`, 1},
	} {
		if err := view(c.body).check(c.want); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The cart_get targeter reads the cart of each shopper in turn.
func TestCartTargeter(t *testing.T) {
	pool := []Shopper{{Token: "a", header: http.Header{"Authorization": {"Bearer a"}}},
		{Token: "b", header: http.Header{"Authorization": {"Bearer b"}}}}
	tr := CartTargeter("http://x/v1/mp/stores/S1/cart", pool)
	var got []string
	for range 4 {
		var tg vegeta.Target
		if err := tr(&tg); err != nil {
			t.Fatal(err)
		}
		if tg.Method != http.MethodGet || tg.URL != "http://x/v1/mp/stores/S1/cart" || tg.Body != nil {
			t.Fatalf("target %+v", tg)
		}
		got = append(got, tg.Header.Get("Authorization"))
	}
	if strings.Join(got, ",") != "Bearer a,Bearer b,Bearer a,Bearer b" {
		t.Errorf("turns %v", got)
	}
}

// importCSV uploads the file as text/csv with the staff token, then reads
// the progress until the import is done; a failed import is an error
// carrying the importer's message.
func TestImportCSVPollsToTheEnd(t *testing.T) {
	for _, c := range []struct {
		name, final string
		wantErr     bool
	}{
		{"done", `{"id":"77","status":"done","rows_total":3,"rows_done":3,"rows_ok":2,"rows_failed":1,` +
			`"errors":[{"line":3,"field":"price","message":"bad"}]}`, false},
		{"failed", `{"id":"77","status":"failed","error":"the header names an unknown column"}`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var polls atomic.Int32
			var upload string
			m := http.NewServeMux()
			m.HandleFunc("POST /v1/admin/products/imports", func(w http.ResponseWriter, r *http.Request) {
				b := new(bytes.Buffer)
				_, _ = b.ReadFrom(r.Body)
				upload = fmt.Sprintf("%s %s %s %s", r.URL.Query().Get("file_name"), r.Header.Get("Content-Type"),
					r.Header.Get("Authorization"), b.String())
				w.WriteHeader(http.StatusAccepted)
				fmt.Fprint(w, `{"id":"77","status":"queued","rows_total":0}`)
			})
			m.HandleFunc("GET /v1/admin/imports/77", func(w http.ResponseWriter, r *http.Request) {
				if polls.Add(1) < 3 {
					fmt.Fprint(w, `{"id":"77","status":"running","rows_total":3,"rows_done":1}`)
					return
				}
				fmt.Fprint(w, c.final)
			})
			srv := httptest.NewServer(m)
			defer srv.Close()
			a := &api{base: srv.URL, client: NewClient(2)}
			run, err := a.importCSV(t.Context(), "staff", "b.csv", []byte("sku,name\n"))
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v", err)
			}
			if upload != "b.csv text/csv Bearer staff sku,name\n" {
				t.Errorf("upload %q", upload)
			}
			if len(run.Polls) != 3 || run.Final.Status != c.name || run.Total < run.Upload {
				t.Errorf("run %+v", run)
			}
		})
	}
}

// The import line: rps is rows/s (rows ok over upload-to-done), the
// latencies are the progress reads', errors are refused rows plus failed
// reads, DESIGN §9's keys first.
func TestImportReportLine(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	run := ImportRun{Upload: 250 * time.Millisecond, Total: 20 * time.Second,
		Final: ImportStatus{Status: "done", RowsTotal: 50000, RowsDone: 50000, RowsOK: 49990, RowsFailed: 10}}
	for i := range 100 {
		s := Sample{Start: t0.Add(time.Duration(i) * 100 * time.Millisecond), Latency: time.Duration(i+1) * time.Millisecond, Code: 200}
		if i == 50 {
			s.Code, s.Err = 0, "connection reset"
		}
		run.Polls = append(run.Polls, s)
	}
	var buf bytes.Buffer
	if err := ImportReport(run).WriteLine(&buf); err != nil {
		t.Fatal(err)
	}
	want := `{"scenario":"import","rps":2499.5,"p50_ms":50,"p99_ms":99,"errors":11,"ratio":0,` +
		`"paced_rps":0,"paced_achieved_rps":0,"max_p50_ms":50,"max_p99_ms":99,"concurrency":1,"requests":101,` +
		`"warmup_errors":0,"rows_per_s":2499.5,"rows":50000,"import_s":20,"upload_ms":250}` + "\n"
	if got := buf.String(); got != want {
		t.Fatalf("line\n got %s want %s", got, want)
	}
}

// The RSS sampler keeps the peak and the last sample, the one taken at
// stop: the scan line's rss_mb and rss_end_mb.
func TestSampleRSSPeakAndLast(t *testing.T) {
	var calls atomic.Int32
	sc := Scenarios{RSS: func() (int64, error) {
		if calls.Add(1) == 1 {
			return 100 << 20, nil
		}
		return 60 << 20, nil
	}}
	stop := sc.sampleRSS()
	for calls.Load() < 1 {
		time.Sleep(10 * time.Millisecond)
	}
	peak, last := mibs(stop())
	if peak != 100 || last != 60 {
		t.Errorf("peak %v last %v MiB, want 100 and 60", peak, last)
	}
	if p, l := (Scenarios{}).sampleRSS()(); p != 0 || l != 0 {
		t.Errorf("without RSS: %d %d", p, l)
	}
}
