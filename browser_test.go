package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// Demo barcodes (app/seed_catalog.go, with their check digits).
const (
	bcMilk   = "6950162000179" // 鲜牛奶 13.80, dairy −10 %
	bcChips  = "6937821000152" // 薯片 6.50
	bcEggs   = "6961205003156" // 鲜鸡蛋 12.90
	bcCola   = "6924513001047" // 可乐 3.00 (DRK-COLA-330)
	bcYogurt = "6950162001169" // 原味酸奶 4.20
	bcWater  = "6924513000125" // 饮用天然水 2.00
)

// TestBrowser runs every browser test on one embedded service and one
// headless Chromium: starting them is most of the time, so the subtests
// share them, each in its own tab and browser context.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser tests start Chromium; not in -short")
	}
	b := startBrowserEnv(t)
	t.Run("SimulatorScanToReceipt", func(t *testing.T) { timed(t, b.simulatorScanToReceipt) })
	t.Run("ConsolePriceChangesCart", func(t *testing.T) { timed(t, b.consolePriceChangesCart) })
	t.Run("ConsoleImportProgress", func(t *testing.T) { timed(t, b.consoleImportProgress) })
	t.Run("ConsoleExitCheckPass", func(t *testing.T) { timed(t, b.consoleExitCheckPass) })
	t.Run("ConsoleRefundLine", func(t *testing.T) { timed(t, b.consoleRefundLine) })
	t.Run("ConsoleClerkSeesNoManagerForms", func(t *testing.T) { timed(t, b.consoleClerkSeesNoManagerForms) })
	t.Run("PagesFitPhonesAndAreLabelled", func(t *testing.T) { timed(t, b.pagesFitPhonesAndAreLabelled) })
	// Last, so its charts have the day's orders and refunds to show.
	t.Run("ConsoleSalesReport", func(t *testing.T) { timed(t, b.consoleSalesReport) })
}

// timed logs a subtest's wall time, to keep the suite's budget in view.
func timed(t *testing.T, f func(*testing.T)) {
	start := time.Now()
	defer func() { t.Logf("took %s", time.Since(start).Round(time.Millisecond)) }()
	f(t)
}

// cents reads a money string ("12.30") as cents.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimSpace(s), "¥"), 64)
	if err != nil {
		t.Fatalf("not money: %q", s)
	}
	return int64(f*100 + 0.5)
}

// The shopper's whole trip in the simulator, on a phone-sized viewport:
// log in, scan two products by typing and one by clicking, apply the
// welcome coupon, check out, pay through the dev stand-in, and leave with
// the exit pass QR and the receipt.
func (b *browserEnv) simulatorScanToReceipt(t *testing.T) {
	ctx := b.tab(t, phoneW, phoneH)
	do(t, ctx, "open the simulator", chromedp.Navigate(b.base+"/try/"))
	waitVisible(t, ctx, "#login-name")
	do(t, ctx, "log in as dev:alice",
		chromedp.Clear(chromedp.CSS("#login-name")),
		chromedp.SendKeys(chromedp.CSS("#login-name"), "alice"),
		chromedp.Click(chromedp.CSS("#login-btn")),
	)
	waitVisible(t, ctx, "#barcode-input", "#scan-btn")

	// Two by typing (Enter submits the form, as a keyboard wedge scanner does) ...
	for i, bc := range []string{bcMilk, bcChips} {
		do(t, ctx, "type "+bc, chromedp.SendKeys(chromedp.CSS("#barcode-input"), bc+kb.Enter))
		waitJS(t, ctx, fmt.Sprintf("%d cart lines", i+1), fmt.Sprintf(`document.querySelectorAll("#cart-lines li").length === %d`, i+1))
	}
	// ... and one by clicking a demo product.
	do(t, ctx, "click the eggs", chromedp.Click(chromedp.CSS(`button.demo-item[data-barcode="`+bcEggs+`"]`)))
	waitJS(t, ctx, "3 cart lines", `document.querySelectorAll("#cart-lines li").length === 3`)
	if d := textOf(t, ctx, `#cart-lines li[data-barcode="`+bcMilk+`"] .discount`); !strings.Contains(d, "−¥") {
		t.Errorf("milk line shows no discount: %q", d)
	}
	// +/- on a line, and a refusal shown in the alert region.
	chips := `#cart-lines li[data-barcode="` + bcChips + `"]`
	do(t, ctx, "one more chips", chromedp.Click(chromedp.CSS(chips+` button[aria-label^="One more"]`)))
	waitJS(t, ctx, "2 chips", `document.querySelector('`+chips+`').innerText.includes("× 2")`)
	do(t, ctx, "one less chips", chromedp.Click(chromedp.CSS(chips+` button[aria-label^="One less"]`)))
	waitJS(t, ctx, "1 chips", `document.querySelector('`+chips+`').innerText.includes("× 1")`)
	do(t, ctx, "scan an unknown code", chromedp.SendKeys(chromedp.CSS("#barcode-input"), "4006381333986"+kb.Enter))
	waitVisible(t, ctx, "#alert")
	if a := textOf(t, ctx, "#alert"); !strings.Contains(a, "4006381333986") {
		t.Errorf("alert for an unknown barcode: %q", a)
	}
	do(t, ctx, "clear the input", chromedp.Clear(chromedp.CSS("#barcode-input")))
	before := cents(t, textOf(t, ctx, "#cart-total"))

	do(t, ctx, "apply WELCOME5",
		chromedp.SendKeys(chromedp.CSS("#coupon-input"), "WELCOME5"),
		chromedp.Click(chromedp.CSS("#coupon-btn")),
	)
	waitJS(t, ctx, "the coupon applied", `document.getElementById("coupon-state").innerText.includes("−¥5.00")`)
	total := textOf(t, ctx, "#cart-total")
	if got := cents(t, total); got != before-500 {
		t.Fatalf("total with WELCOME5: %s, want %d cents (%d before, less 5.00)", total, before-500, before)
	}
	screenshot(t, ctx, "simulator-cart")

	do(t, ctx, "check out", chromedp.Click(chromedp.CSS("#checkout-btn")))
	waitVisible(t, ctx, "#pay-btn")
	waitJS(t, ctx, "a pending order", `document.getElementById("order-status").innerText === "pending_payment"`)
	if got := textOf(t, ctx, "#order-total"); got != total {
		t.Errorf("order total %s, cart said %s", got, total)
	}
	do(t, ctx, "pay", chromedp.Click(chromedp.CSS("#pay-btn")))
	waitJS(t, ctx, "the order paid", `document.getElementById("order-status").innerText === "paid"`)
	waitJS(t, ctx, "the exit pass QR loaded", `(() => { const i = document.getElementById("exit-pass-img");
		return i.complete && i.naturalWidth > 0 && i.src.startsWith("blob:"); })()`)
	waitVisible(t, ctx, "#receipt", "#receipt-total")
	if got := textOf(t, ctx, "#receipt-total"); got != total {
		t.Errorf("receipt total %s, want %s", got, total)
	}
	if alert := textOf(t, ctx, "#alert"); alert != "" {
		t.Errorf("alert shown: %s", alert)
	}
	screenshot(t, ctx, "simulator-receipt")
}

// A manager changes a price on the product page; the shopper's cart,
// read through the mini-program API, is priced with it at once.
func (b *browserEnv) consolePriceChangesCart(t *testing.T) {
	bob := b.shopper(t, "bob")
	cartPath := "/v1/mp/stores/DEMO01/cart"
	bob.call(http.MethodPost, cartPath+"/scans", map[string]string{"barcode": bcCola}, http.StatusCreated, nil)
	var cart apiCart
	bob.call(http.MethodGet, cartPath, nil, http.StatusOK, &cart)
	if cart.Total != "3.00" {
		t.Fatalf("cola cart before the change: %s, want 3.00", cart.Total)
	}

	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "manager1")
	do(t, ctx, "search the products", chromedp.Navigate(b.base+"/console/products?q=tea"))
	waitVisible(t, ctx, "#product-results")
	screenshot(t, ctx, "console-products")

	do(t, ctx, "open the cola", chromedp.Navigate(b.base+"/console/products/DRK-COLA-330"))
	waitVisible(t, ctx, "#price-form", "#price")
	do(t, ctx, "set the price to 3.30",
		chromedp.Clear(chromedp.CSS("#price")),
		chromedp.SendKeys(chromedp.CSS("#price"), "3.30"),
		chromedp.Click(chromedp.CSS("#price-save")),
	)
	waitJS(t, ctx, "the price saved", `(document.querySelector(".flash")||{innerText:""}).innerText.includes("Price saved")`)
	if got := textOf(t, ctx, "#item-price"); got != "3.30" {
		t.Errorf("product page price after saving: %q", got)
	}
	bob.call(http.MethodGet, cartPath, nil, http.StatusOK, &cart)
	if cart.Total != "3.30" {
		t.Fatalf("cola cart after the price change: %s, want 3.30", cart.Total)
	}
}

// A manager uploads a small CSV (two good rows, one bad) and watches the
// progress bar, refreshed by the page, reach done with the row error.
func (b *browserEnv) consoleImportProgress(t *testing.T) {
	csv := "sku,name,unit,tax_rate,category,barcodes,store_code,price,member_price,reorder_point,age_restricted,active\n" +
		"TEA-JASMINE-500,茉莉花茶 500g Jasmine tea,each,0.13,tea,4006381333931,DEMO01,25.90,23.50,10,false,true\n" +
		"TEA-OOLONG-250,乌龙茶 250g Oolong tea,each,0.13,tea,,DEMO01,32.00,,5,,\n" +
		"TEA-BAD,Bad row,box,0.13,tea,,DEMO01,1.00,,,,\n"
	file := filepath.Join(t.TempDir(), "teas.csv")
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "manager1")
	do(t, ctx, "open the imports", chromedp.Navigate(b.base+"/console/imports"))
	waitVisible(t, ctx, "#import-form")
	do(t, ctx, "upload teas.csv",
		chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}),
		chromedp.Click(chromedp.CSS("#import-submit")),
	)
	waitVisible(t, ctx, "#import-progress", "#import-bar")
	waitJS(t, ctx, "the import done", `(document.getElementById("import-status")||{}).dataset?.status === "done"`)
	ok, failed := textOf(t, ctx, "#import-rows-ok"), textOf(t, ctx, "#import-rows-failed")
	if ok != "2" || failed != "1" || !exists(t, ctx, "#import-errors") {
		t.Fatalf("import done with %s ok, %s failed, errors table %v", ok, failed, exists(t, ctx, "#import-errors"))
	}
	if v := eval[float64](t, ctx, `document.getElementById("import-bar").position`); v != 1 {
		t.Errorf("progress bar at %v when done, want 1", v)
	}
	screenshot(t, ctx, "console-import")
}

// A clerk checks a paid shopper's exit pass the way a scanner does: the
// payload typed into the focused box, then Enter; the answer is PASS.
func (b *browserEnv) consoleExitCheckPass(t *testing.T) {
	// The verdict is drawn at random (5 %, doubled for a first order):
	// at rate 0 only the rules that always audit apply, and this basket
	// meets none of them, so the test sees PASS every time.
	b.staff(t, "admin").call(http.MethodPatch, "/v1/admin/stores/DEMO01", map[string]string{"audit_rate": "0"}, http.StatusOK, nil)
	ord := b.shopper(t, "carol").buyAndPay(bcYogurt)

	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "clerk1")
	do(t, ctx, "open the exit check", chromedp.Navigate(b.base+"/console/exit-check"))
	waitVisible(t, ctx, "#exit-payload")
	// Keyboard use: the box has the focus, so a scanner needs no click.
	waitJS(t, ctx, "the scan box focused", `document.activeElement && document.activeElement.id === "exit-payload"`)
	do(t, ctx, "type the pass and Enter", chromedp.KeyEvent(ord.Payload+kb.Enter))
	waitVisible(t, ctx, "#verdict")
	if v := textOf(t, ctx, "#verdict"); v != "PASS" {
		t.Fatalf("verdict %q, want PASS\n%s", v, pageText(ctx))
	}
	if got := textOf(t, ctx, "#verdict-order"); got != ord.OrderNo {
		t.Errorf("verdict for order %q, want %s", got, ord.OrderNo)
	}
	screenshot(t, ctx, "console-exit-check")
}

// A manager refunds one unit of one line from the order page.
func (b *browserEnv) consoleRefundLine(t *testing.T) {
	ord := b.shopper(t, "dave").buyAndPay(bcWater, bcYogurt)
	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "manager1")
	do(t, ctx, "open the order", chromedp.Navigate(b.base+"/console/orders/"+ord.OrderNo))
	waitVisible(t, ctx, "#order-lines", "#refund-form")
	// The first line is the water (¥2.00, no discount): refund one.
	first := `#refund-form input[id^="refund-qty-"]`
	do(t, ctx, "fill the refund",
		chromedp.SendKeys(chromedp.CSS(first), "1"),
		chromedp.SendKeys(chromedp.CSS("#refund-reason"), "dented bottle"),
		chromedp.Click(chromedp.CSS("#refund-restock")),
		chromedp.Click(chromedp.CSS("#refund-submit")),
	)
	waitVisible(t, ctx, "#order-refunds")
	if st, refunded := textOf(t, ctx, "#order-status"), textOf(t, ctx, "#order-refunded"); st != "partially_refunded" || refunded != "2.00" {
		t.Fatalf("after the refund: status %q, refunded %q; want partially_refunded, 2.00\n%s", st, refunded, pageText(ctx))
	}
	screenshot(t, ctx, "console-order-refund")
}

// A clerk sees products and orders but not the price and refund forms,
// and the server refuses the price form even when the clerk posts it.
func (b *browserEnv) consoleClerkSeesNoManagerForms(t *testing.T) {
	ord := b.shopper(t, "erin").buyAndPay(bcYogurt)
	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "clerk1")
	do(t, ctx, "open the cola", chromedp.Navigate(b.base+"/console/products/DRK-COLA-330"))
	waitVisible(t, ctx, "#product-details", "#item-price")
	for _, sel := range []string{"#price-form", "#product-form"} {
		if exists(t, ctx, sel) {
			t.Errorf("clerk sees %s on the product page", sel)
		}
	}
	// The form's post, made by hand from the clerk's page with a valid
	// CSRF token: the role check is the server's, not the page's.
	status := eval[float64](t, ctx, `(async () => {
		const body = new URLSearchParams({csrf: document.querySelector('input[name="csrf"]').value, price: "0.01", active: "true"});
		const r = await fetch("/console/products/DRK-COLA-330/price", {method: "POST", body});
		return r.status; })()`, chromedp.EvalAwaitPromise)
	if status != http.StatusForbidden {
		t.Errorf("clerk posting a price: %v, want 403", status)
	}
	do(t, ctx, "open the order", chromedp.Navigate(b.base+"/console/orders/"+ord.OrderNo))
	waitVisible(t, ctx, "#order-lines")
	if exists(t, ctx, "#refund-form") {
		t.Error("clerk sees the refund form")
	}
}

// The manager's sales report for today, with its charts.
func (b *browserEnv) consoleSalesReport(t *testing.T) {
	ctx := b.tab(t, desktopW, desktopH)
	b.consoleLogin(t, ctx, "manager1")
	do(t, ctx, "open the report", chromedp.Navigate(b.base+"/console/reports"))
	waitVisible(t, ctx, "#report-totals", "svg")
	screenshot(t, ctx, "console-sales-report")
}
