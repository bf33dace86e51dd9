package loadtest

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// api calls the service for the set-up a scenario needs (not measured).
type api struct {
	base   string
	client *http.Client
}

// call sends a JSON request and decodes a 2xx JSON answer into out (nil
// skips decoding); any other status is an error quoting the body.
func (a *api) call(ctx context.Context, method, path, token string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return nil
}

// staffLogin returns a staff bearer token.
func (a *api) staffLogin(ctx context.Context, user, pass string) (string, error) {
	var out struct {
		Token string `json:"token"`
	}
	err := a.call(ctx, http.MethodPost, "/v1/admin/sessions", "", map[string]string{"username": user, "password": pass}, &out)
	if err == nil && out.Token == "" {
		err = fmt.Errorf("staff login: no token in the answer")
	}
	return out.Token, err
}

// Caps are a store's cart limits (DESIGN §4).
type Caps struct {
	MaxLines, MaxLineQty int
	MaxBasketCents       int64
}

func (a *api) storeCaps(ctx context.Context, token, store string) (Caps, error) {
	var out struct {
		MaxLines        int    `json:"max_lines"`
		MaxLineQuantity int    `json:"max_line_quantity"`
		MaxBasketTotal  string `json:"max_basket_total"`
	}
	if err := a.call(ctx, http.MethodGet, "/v1/admin/stores/"+url.PathEscape(store), token, nil, &out); err != nil {
		return Caps{}, err
	}
	cents, err := parseCents(out.MaxBasketTotal)
	if err != nil || out.MaxLines < 1 || out.MaxLineQuantity < 1 {
		return Caps{}, fmt.Errorf("store %s: unusable caps %+v (%v)", store, out, err)
	}
	return Caps{MaxLines: out.MaxLines, MaxLineQty: out.MaxLineQuantity, MaxBasketCents: cents}, nil
}

// list reads every page of a list endpoint, calling add for each raw item.
func (a *api) list(ctx context.Context, token, path string, add func(json.RawMessage) error) error {
	cursor := ""
	for range 1000 {
		p := path + "?limit=100"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := a.call(ctx, http.MethodGet, p, token, nil, &page); err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := add(it); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			return nil
		}
		cursor = page.NextCursor
	}
	return fmt.Errorf("%s: more than 1000 pages", path)
}

// Product is a scannable product of the store and its shelf price.
type Product struct {
	SKU        string
	Barcodes   []string
	PriceCents int64
}

// scannable lists the store's packaged products (not sold by weight, not
// age-restricted, active) priced at most maxCents, cheapest first, so a
// cart holds many scans before it reaches the basket cap.
func (a *api) scannable(ctx context.Context, token, store string, maxCents int64) ([]Product, error) {
	type product struct {
		SKU           string   `json:"sku"`
		Unit          string   `json:"unit"`
		AgeRestricted bool     `json:"age_restricted"`
		Active        bool     `json:"active"`
		Barcodes      []string `json:"barcodes"`
	}
	products := map[string]product{}
	err := a.list(ctx, token, "/v1/admin/products", func(raw json.RawMessage) error {
		var p product
		if err := json.Unmarshal(raw, &p); err != nil {
			return err
		}
		products[p.SKU] = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []Product
	err = a.list(ctx, token, "/v1/admin/stores/"+url.PathEscape(store)+"/items", func(raw json.RawMessage) error {
		var it struct {
			SKU    string `json:"sku"`
			Price  string `json:"price"`
			Active bool   `json:"active"`
		}
		if err := json.Unmarshal(raw, &it); err != nil {
			return err
		}
		p, ok := products[it.SKU]
		cents, err := parseCents(it.Price)
		if !ok || err != nil || !it.Active || !p.Active || p.AgeRestricted || p.Unit == "kg" ||
			len(p.Barcodes) == 0 || cents <= 0 || cents > maxCents {
			return nil
		}
		out = append(out, Product{SKU: p.SKU, Barcodes: p.Barcodes, PriceCents: cents})
		return nil
	})
	sortProducts(out)
	return out, err
}

func sortProducts(ps []Product) {
	slices.SortStableFunc(ps, func(a, b Product) int {
		return cmp.Or(cmp.Compare(a.PriceCents, b.PriceCents), cmp.Compare(a.SKU, b.SKU))
	})
}

// Shopper is a logged-in shopper with an open visit of the store.
type Shopper struct {
	Token  string
	header http.Header // for the scan requests, shared read-only
}

// shoppers logs n shoppers in (codes from code(i)) and opens a visit of
// store for each, a few at a time.
func (a *api) shoppers(ctx context.Context, n int, store string, code func(i int) string) ([]Shopper, error) {
	out := make([]Shopper, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			var s struct {
				Token string `json:"token"`
			}
			if err := a.call(ctx, http.MethodPost, "/v1/mp/sessions", "", map[string]string{"code": code(i)}, &s); err != nil {
				errs <- err
				return
			}
			if err := a.call(ctx, http.MethodPost, "/v1/mp/visits", s.Token, map[string]string{"store_code": store}, nil); err != nil {
				errs <- err
				return
			}
			out[i] = Shopper{Token: s.Token, header: http.Header{
				"Authorization": {"Bearer " + s.Token}, "Content-Type": {"application/json"}}}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("shopper set-up: %w", err)
	}
	return out, nil
}

// parseCents reads a money string "12.34" (or "12", "12.3") as cents.
func parseCents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if len(frac) > 2 || whole == "" {
		return 0, fmt.Errorf("money %q: want at most 2 decimals", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("money %q: %w", s, err)
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil || w < 0 {
		return 0, fmt.Errorf("money %q: not a positive amount", s)
	}
	return w*100 + int64(f), nil
}
