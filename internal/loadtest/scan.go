package loadtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sync"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ErrShoppersUsedUp stops an attack when every cart of the shopper pool is
// full: more scans would be refused by the caps, which is not what the
// scenario measures.
var ErrShoppersUsedUp = errors.New("loadtest: every shopper's cart is full; raise the shopper pool")

// ScanPlan hands out scan requests: slots concurrent shoppers take turns
// (round robin), each scanning the store's cheap products in turn into its
// own cart. It keeps every cart under the store's caps by counting what
// it sent: when a cart has no room for another scan, that slot moves on to
// the next fresh shopper of the pool. Counting what was sent, not what was
// answered, errs on the safe side: a lost scan only leaves more room.
type ScanPlan struct {
	url      string
	products []Product
	bodies   [][][]byte // per product, per barcode: the request body
	caps     Caps
	pool     []Shopper

	mu    sync.Mutex
	slots []cartSlot
	turn  int // next slot to send
	next  int // next unused shopper of the pool
	sent  int
}

type cartSlot struct {
	shopper int
	qty     []int // per product
	lines   int
	cents   int64
	cursor  int // next product to try
}

// NewScanPlan plans scans into store's carts over products. The first
// slots shoppers of pool start scanning; the rest replace full carts.
func NewScanPlan(baseURL, store string, products []Product, caps Caps, pool []Shopper, slots int) (*ScanPlan, error) {
	if len(products) == 0 {
		return nil, errors.New("loadtest: no scannable products")
	}
	if slots < 1 || len(pool) < slots {
		return nil, errors.New("loadtest: the shopper pool is smaller than the number of concurrent shoppers")
	}
	p := &ScanPlan{url: baseURL + "/v1/mp/stores/" + url.PathEscape(store) + "/cart/scans",
		products: products, caps: caps, pool: pool, slots: make([]cartSlot, slots), next: slots}
	for _, pr := range products {
		bs := make([][]byte, len(pr.Barcodes))
		for j, code := range pr.Barcodes {
			bs[j], _ = json.Marshal(map[string]string{"barcode": code})
		}
		p.bodies = append(p.bodies, bs)
	}
	for i := range p.slots {
		p.slots[i] = p.fresh(i)
	}
	return p, nil
}

func (p *ScanPlan) fresh(shopper int) cartSlot {
	return cartSlot{shopper: shopper, qty: make([]int, len(p.products))}
}

// Targeter returns the vegeta targeter; it is safe for concurrent use.
func (p *ScanPlan) Targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		i := p.turn
		p.turn = (p.turn + 1) % len(p.slots)
		s := &p.slots[i]
		k, ok := p.take(s)
		if !ok {
			if p.next >= len(p.pool) {
				return ErrShoppersUsedUp
			}
			*s = p.fresh(p.next)
			p.next++
			if k, ok = p.take(s); !ok {
				return errors.New("loadtest: an empty cart has no room for the cheapest product")
			}
		}
		codes := p.bodies[k]
		t.Method = http.MethodPost
		t.URL = p.url
		t.Body = codes[(s.qty[k]-1)%len(codes)] // alternate a product's barcodes
		t.Header = p.pool[s.shopper].header
		p.sent++
		return nil
	}
}

// take books one more unit of the next product that fits the slot's cart
// under every cap, and returns its index.
func (p *ScanPlan) take(s *cartSlot) (int, bool) {
	n := len(p.products)
	for i := range n {
		k := (s.cursor + i) % n
		q, price := s.qty[k], p.products[k].PriceCents
		if q+1 > p.caps.MaxLineQty || q == 0 && s.lines+1 > p.caps.MaxLines || s.cents+price > p.caps.MaxBasketCents {
			continue
		}
		if q == 0 {
			s.lines++
		}
		s.qty[k]++
		s.cents += price
		s.cursor = (k + 1) % n
		return k, true
	}
	return 0, false
}

// Used reports how many shoppers (carts) the plan has started and how many
// scans it sent.
func (p *ScanPlan) Used() (shoppers, scans int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next, p.sent
}

// FloorTargeter returns the targeter of the floor scenario: GET the floor
// handler for store, over and over.
func FloorTargeter(baseURL, path, store string) vegeta.Targeter {
	u := baseURL + path + "?store=" + url.QueryEscape(store)
	return func(t *vegeta.Target) error {
		t.Method, t.URL = http.MethodGet, u
		return nil
	}
}
