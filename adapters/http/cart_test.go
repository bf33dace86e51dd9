package http_test

import (
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/scanpay/scanpay/domain"
)

type cartJSON struct {
	StoreCode string `json:"store_code"`
	Version   int    `json:"version"`
	Lines     []struct {
		ID         string `json:"id"`
		SKU        string `json:"sku"`
		Weighed    bool   `json:"weighed"`
		Quantity   string `json:"quantity"`
		ListAmount string `json:"list_amount"`
		NetAmount  string `json:"net_amount"`
		Discounts  []struct {
			Kind   string `json:"kind"`
			Amount string `json:"amount"`
		} `json:"discounts"`
	} `json:"lines"`
	Subtotal      string `json:"subtotal"`
	DiscountTotal string `json:"discount_total"`
	Total         string `json:"total"`
	Coupon        *struct {
		Code    string `json:"code"`
		Amount  string `json:"amount"`
		Applied bool   `json:"applied"`
	} `json:"coupon"`
}

type scanJSON struct {
	Line struct {
		ID string `json:"id"`
	} `json:"line"`
	Cart cartJSON `json:"cart"`
}

// demoEAN completes a demo catalog body with its check digit.
func demoEAN(body string) string { return body + strconv.Itoa(domain.GS1CheckDigit(body)) }

const cartPath = "/v1/mp/stores/DEMO01/cart"

// The shopper's whole path, priced by hand (DESIGN §4):
//
//	green tea ×3 (3.50)    list 10.50, 3 for ¥10: −0.50          net 10.00
//	fresh milk ×2 (13.80)  list 27.60, dairy 10 % off: −2.76     net 24.84
//	potato chips (6.50)    list  6.50                            net  6.50
//	pork belly price label list 40.08 (as printed)               net 40.08
//	nets after promotions 81.42 ≥ 30: WELCOME5 ¥5 off, shares
//	round(5×10.00/81.42)=0.61, round(5×24.84/81.42)=1.53,
//	round(5×6.50/81.42)=0.40, the largest line gets 5−2.54=2.46
//	subtotal 84.68, discounts 0.50+2.76+5.00 = 8.26, total 76.42
func TestShopperPathTotalsByHand(t *testing.T) {
	api := newTestAPI(t)
	tok := api.loginShopper(t, "oPath0001")
	api.openVisit(t, tok, map[string]string{"store_code": "DEMO01"})

	var out scanJSON
	api.mustDo(t, 201, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("692451300302"), "quantity": 3}, tok, &out)
	api.mustDo(t, 201, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("695016200017")}, tok, &out)
	milkLine := out.Line.ID
	api.mustDo(t, 201, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("693782100015")}, tok, &out)
	api.mustDo(t, 201, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": "2106013040083"}, tok, &out)
	var cart cartJSON
	api.mustDo(t, 200, http.MethodPatch, cartPath+"/lines/"+milkLine, map[string]any{"quantity": 2}, tok, &cart)
	api.mustDo(t, 200, http.MethodPut, cartPath+"/coupon", map[string]any{"code": "welcome5"}, tok, &cart)

	if cart.Subtotal != "84.68" || cart.DiscountTotal != "8.26" || cart.Total != "76.42" {
		t.Fatalf("cart totals %s - %s = %s, want 84.68 - 8.26 = 76.42", cart.Subtotal, cart.DiscountTotal, cart.Total)
	}
	want := map[string]string{"DRK-GREENTEA-500": "9.39", "DRY-MILK-950": "23.31", "SNK-CHIPS-70": "6.10"}
	for _, l := range cart.Lines {
		if w, ok := want[l.SKU]; ok && l.NetAmount != w {
			t.Errorf("%s net %s, want %s", l.SKU, l.NetAmount, w)
		}
		if l.Weighed && l.NetAmount != "37.62" {
			t.Errorf("pork belly label net %s, want 40.08-2.46 = 37.62", l.NetAmount)
		}
	}
	if cart.Coupon == nil || !cart.Coupon.Applied || cart.Coupon.Amount != "5.00" || cart.Coupon.Code != "WELCOME5" {
		t.Fatalf("coupon %+v", cart.Coupon)
	}
	var again cartJSON
	api.mustDo(t, 200, http.MethodGet, cartPath, nil, tok, &again)
	if again.Total != "76.42" || again.Version != cart.Version {
		t.Fatalf("GET cart: total %s version %d, want 76.42 version %d", again.Total, again.Version, cart.Version)
	}
}

// Two phones of one shopper scanning at once lose nothing: the cart row
// is locked per change, so every scan lands.
func TestTwoPhonesScanIntoOneCart(t *testing.T) {
	api := newTestAPI(t)
	phoneA := api.loginShopper(t, "oTwoPhones")
	phoneB := api.loginShopper(t, "oTwoPhones")
	api.openVisit(t, phoneA, map[string]string{"store_code": "DEMO01"})
	codes := []string{demoEAN("692451300104"), demoEAN("693782100213")}
	const perPhone = 20
	var wg sync.WaitGroup
	for _, tok := range []string{phoneA, phoneB} {
		for i := range perPhone {
			wg.Go(func() {
				resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": codes[i%2]}, tok)
				if resp.StatusCode != http.StatusCreated {
					t.Errorf("scan: %d %s", resp.StatusCode, body)
				}
			})
		}
	}
	wg.Wait()
	var cart cartJSON
	api.mustDo(t, 200, http.MethodGet, cartPath, nil, phoneA, &cart)
	got := map[string]string{}
	for _, l := range cart.Lines {
		got[l.SKU] = l.Quantity
	}
	if len(cart.Lines) != 2 || got["DRK-COLA-330"] != "20" || got["SNK-CRACKER-200"] != "20" || cart.Version != 2*perPhone {
		t.Fatalf("after %d scans: lines %v version %d", 2*perPhone, got, cart.Version)
	}
}

// Many shoppers creating their first cart at the same moment (a store
// opening) must not deadlock each other on the carts' unique index.
func TestFirstScansOfManyShoppersAtOnce(t *testing.T) {
	api := newTestAPI(t)
	const shoppers = 16
	tokens := make([]string, shoppers)
	for i := range tokens {
		tokens[i] = api.loginShopper(t, "oFirst"+strconv.Itoa(i))
		api.openVisit(t, tokens[i], map[string]string{"store_code": "DEMO01"})
	}
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Go(func() {
			resp, body := api.do(t, http.MethodPost, cartPath+"/scans", map[string]any{"barcode": demoEAN("692451300104")}, tok)
			if resp.StatusCode != http.StatusCreated {
				t.Errorf("first scan: %d %s", resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
}
