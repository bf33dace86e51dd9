package main

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// consolePages are the console's main pages, as a manager sees them.
var consolePages = []string{"/console/", "/console/products", "/console/products/DRK-COLA-330", "/console/prices",
	"/console/stock", "/console/imports", "/console/label-rules", "/console/promotions", "/console/unknown-barcodes",
	"/console/orders", "/console/exit-check", "/console/reports"}

// unlabelledJS lists the visible form controls a screen reader could not
// name: no <label for>, no wrapping label, no aria-label(ledby).
const unlabelledJS = `Array.from(document.querySelectorAll("input, select, textarea"))
  .filter(el => el.type !== "hidden" && el.type !== "submit" && !el.disabled && el.offsetParent !== null)
  .filter(el => el.labels.length === 0 && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
  .map(el => el.outerHTML.slice(0, 120))`

// Every console page and the simulator at a 375 px phone width: nothing
// wider than the screen (wide tables scroll inside their own box), and
// every visible form control has a label.
func (b *browserEnv) pagesFitPhonesAndAreLabelled(t *testing.T) {
	ctx := b.tab(t, phoneW, phoneH)
	b.consoleLogin(t, ctx, "manager1")
	check := func(path string) {
		t.Helper()
		do(t, ctx, "open "+path, chromedp.Navigate(b.base+path))
		waitJS(t, ctx, path+" loaded", `document.readyState === "complete"`)
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > phoneW {
			wide := eval[[]string](t, ctx, `Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > `+"375"+`).map(e => e.tagName + "#" + e.id + "." + e.className).slice(0, 8)`)
			t.Errorf("%s is %d px wide at a %d px screen; too wide: %v", path, w, phoneW, wide)
		}
		if bad := eval[[]string](t, ctx, unlabelledJS); len(bad) > 0 {
			t.Errorf("%s has form controls without a label: %v", path, bad)
		}
	}
	for _, path := range consolePages {
		check(path)
	}
	check("/try/")
}
