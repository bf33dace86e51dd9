package http_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The stock page: a clerk's receive through the movement form changes the
// level; a refused adjustment keeps what was typed; the below-reorder and
// to-recount filters list what they say.
func TestConsoleStockMovementsAndFilters(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.consoleLogin(t, "clerk1")
	token := api.login(t, "clerk1", "scanpay-demo")
	before, _ := find(api.levels(t, token, ""), "DRK-COLA-330")

	resp, page := clerk.get(t, "/console/stock")
	for _, want := range []string{`id="movement-form"`, `<label for="movement-sku">`, `data-sku="DRK-COLA-330"`, "Low-stock alerts"} {
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("stock page (%d) lacks %s:\n%s", resp.StatusCode, want, page)
		}
	}

	resp, _ = clerk.post(t, "/console/stock/movements", url.Values{"sku": {"DRK-COLA-330"}, "kind": {"receive"},
		"quantity": {"24"}, "reason": {"delivery 7"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/console/stock?flash=") {
		t.Fatalf("receive: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	after, _ := find(api.levels(t, token, ""), "DRK-COLA-330")
	if before.OnHand != "192" || after.OnHand != "216" {
		t.Fatalf("on hand %s before, %s after receiving 24", before.OnHand, after.OnHand)
	}
	_, page = clerk.get(t, resp.Header.Get("Location"))
	if !strings.Contains(page, `class="flash"`) || !strings.Contains(page, "on hand now 216") {
		t.Errorf("page after the receive lacks its flash:\n%s", page)
	}

	// An adjustment without a reason is refused and the form keeps it.
	resp, page = clerk.post(t, "/console/stock/movements", url.Values{"sku": {"DRK-COLA-330"}, "kind": {"adjust"}, "quantity": {"-3"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `role="alert"`) ||
		!strings.Contains(page, `value="-3"`) || !strings.Contains(page, `<option value="adjust" selected>`) {
		t.Fatalf("adjust without reason: %d\n%s", resp.StatusCode, page)
	}
	resp, _ = clerk.post(t, "/console/stock/movements", url.Values{"sku": {"DRK-COLA-330"}, "kind": {"receive"}, "quantity": {"many"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("quantity many: %d", resp.StatusCode)
	}
	if l, _ := find(api.levels(t, token, ""), "DRK-COLA-330"); l.OnHand != "216" {
		t.Fatalf("refused movements changed the level to %s", l.OnHand)
	}

	// A count of 1 then 2 damaged: the books say -1, so it is below its
	// reorder point and to recount.
	for _, f := range []url.Values{
		{"sku": {"DRK-COLA-330"}, "kind": {"count"}, "quantity": {"1"}, "reason": {"stock take"}},
		{"sku": {"DRK-COLA-330"}, "kind": {"adjust"}, "quantity": {"-2"}, "reason": {"damaged"}},
	} {
		if resp, page := clerk.post(t, "/console/stock/movements", f); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("movement %v: %d\n%s", f, resp.StatusCode, page)
		}
	}
	_, below := clerk.get(t, "/console/stock?filter=below")
	_, recount := clerk.get(t, "/console/stock?filter=recount")
	if !strings.Contains(below, `data-sku="DRK-COLA-330"`) || !strings.Contains(recount, `data-sku="DRK-COLA-330"`) ||
		!strings.Contains(recount, "to recount</span>") {
		t.Fatalf("filters do not list the cola at -1:\nbelow %s\nrecount %s", below, recount)
	}
	if strings.Contains(recount, `data-sku="DRK-WATER-550"`) || strings.Count(recount, "data-sku=") != 1 {
		t.Errorf("to recount lists more than the cola:\n%s", recount)
	}
	if resp, _ := clerk.get(t, "/console/stock?filter=bogus"); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("unknown filter: %d", resp.StatusCode)
	}
	if resp, page := clerk.get(t, "/console/stock/alerts"); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Back to stock") {
		t.Errorf("alerts page: %d\n%s", resp.StatusCode, page)
	}
}

// The levels are paginated: a page of the limit and a "Next page" link
// that goes on after it.
func TestConsoleStockPagination(t *testing.T) {
	api := newTestAPI(t)
	clerk := api.consoleLogin(t, "clerk1")
	_, first := clerk.get(t, "/console/stock?limit=2")
	if strings.Count(first, "data-sku=") != 2 || !strings.Contains(first, ">Next page</a>") {
		t.Fatalf("first page of 2:\n%s", first)
	}
	m := nextLinkRE.FindStringSubmatch(first)
	if m == nil {
		t.Fatalf("no next link:\n%s", first)
	}
	next := strings.ReplaceAll(m[1], "&amp;", "&")
	if !strings.Contains(next, "limit=2") {
		t.Errorf("next link %s drops the limit", next)
	}
	_, second := clerk.get(t, next)
	one, two := skuRE.FindAllStringSubmatch(first, -1), skuRE.FindAllStringSubmatch(second, -1)
	if len(two) != 2 || one[0][1] == two[0][1] || one[1][1] == two[0][1] || one[1][1] == two[1][1] {
		t.Fatalf("pages %v then %v", one, two)
	}
}

var (
	nextLinkRE = regexp.MustCompile(`href="([^"]+)" rel="next">Next page`)
	skuRE      = regexp.MustCompile(`data-sku="([^"]+)"`)
)
