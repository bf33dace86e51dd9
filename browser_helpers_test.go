package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser tests (issue 9) drive Debian's Chromium through the DevTools
// protocol against the whole service started in-process in embedded mode:
// the same binary `make run` starts, with the demo seed, the dev payment
// stand-in (so the simulator at /try/ exists) and the console.

// Viewports: a phone for the shopper simulator, a laptop for the console.
const (
	phoneW, phoneH     = 375, 812
	desktopW, desktopH = 1280, 800
	// browserStepTimeout bounds one tab's whole test; each wait inside has
	// its own, shorter deadline, so a missing element fails with its name.
	browserStepTimeout = 60 * time.Second
	waitTimeout        = 15 * time.Second
)

// chromiumPath finds the browser: CHROMIUM_PATH when set, else Debian's
// /usr/bin/chromium, else a Chrome or Chromium on PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserEnv is one service and one Chromium shared by the browser
// subtests; each subtest opens its own tab in its own browser context, so
// cookies and storage do not leak between the staff members and shoppers.
type browserEnv struct {
	svc     *service
	base    string
	browser context.Context
}

// startBrowserEnv starts the embedded service and Chromium. A missing
// Chromium fails on CI (.ci/run installs it) and skips, loudly, elsewhere.
func startBrowserEnv(t *testing.T) *browserEnv {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("browser tests: no Chromium found (apt-get install -y chromium); on CI this is a failure")
		}
		fmt.Fprintln(os.Stderr, "\n*** browser tests SKIPPED: no Chromium found; apt-get install -y chromium to run them ***")
		t.Skip("no Chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)")
	}
	svc := startService(t, embeddedEnv(t))
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root in a container, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		// Containers give /dev/shm 64 MiB, which a tab can outgrow and crash.
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(desktopW, desktopH),
		// Chromium's output is noise unless it fails to start.
		chromedp.CombinedOutput(io.Discard),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	start, cancelStart := context.WithTimeout(browser, 30*time.Second)
	defer cancelStart()
	// Run on a context derived from browser would tie the browser's life
	// to the timeout; Do on browser itself starts it, the timeout guards it.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(browser) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("start Chromium (%s): %v", path, err)
		}
	case <-start.Done():
		t.Fatalf("Chromium (%s) did not start within 30 s", path)
	}
	return &browserEnv{svc: svc, base: "http://" + svc.addr, browser: browser}
}

// tab opens a tab of width x height in a fresh browser context. The page's
// console errors and uncaught exceptions are logged when the test fails.
func (b *browserEnv) tab(t *testing.T, width, height int64) context.Context {
	t.Helper()
	tab, cancel := chromedp.NewContext(b.browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	// Console subscribes when called, here; the goroutine only reads.
	messages := chromedp.Console(tab)
	logs := &syncBuffer{}
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || m.Type == chromedp.ConsoleWarning {
				fmt.Fprintf(logs, "%s\n", m.String())
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() && logs.String() != "" {
			t.Logf("browser console:\n%s", logs.String())
		}
	})
	ctx, cancelRun := context.WithTimeout(tab, browserStepTimeout)
	t.Cleanup(cancelRun)
	return ctx
}

// do runs steps, failing the test with what was being done.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitVisible waits for each selector to be visible, within waitTimeout.
func waitVisible(t *testing.T, ctx context.Context, selectors ...string) {
	t.Helper()
	for _, sel := range selectors {
		wctx, cancel := context.WithTimeout(ctx, waitTimeout)
		err := chromedp.Do(wctx, chromedp.WaitVisible(chromedp.CSS(sel)))
		cancel()
		if err != nil {
			t.Fatalf("wait for %s to be visible: %v\n%s", sel, err, pageText(ctx))
		}
	}
}

// waitJS evaluates a JavaScript expression until it is truthy, within
// waitTimeout; what names it in the failure. It polls from Go rather than
// with chromedp.Poll because a form post navigates the page under a poll
// running in it, and the new page is the one that should answer.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		if err == nil && ok {
			return
		}
		lastErr = err
		if time.Now().After(deadline) || ctx.Err() != nil {
			t.Fatalf("wait for %s (%s): %v\n%s", what, expr, lastErr, pageText(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// eval answers a JavaScript expression's value (a promise's, with
// chromedp.EvalAwaitPromise).
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// textOf is an element's visible text, trimmed.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q)||{}).innerText||""`, sel)))
}

// exists says whether a selector matches anything on the page now.
func exists(t *testing.T, ctx context.Context, sel string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// pageText is the page's URL and the start of its text, for failures.
func pageText(ctx context.Context) string {
	qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(qctx, chromedp.Location())
	text, _ := chromedp.Run(qctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	return "page " + loc + ":\n" + text
}

// screenshot saves the page under docs/screenshots/ when SCREENSHOTS=1,
// so an ordinary test run never rewrites the committed images. A full
// page PNG at the viewport's width, scale 1, keeps them small.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("SCREENSHOTS") != "1" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join("docs", "screenshots", name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s (%d KiB)", path, len(png)/1024)
}

// consoleLogin logs a staff member in through the console's login form.
func (b *browserEnv) consoleLogin(t *testing.T, ctx context.Context, username string) {
	t.Helper()
	do(t, ctx, "open the console login", chromedp.Navigate(b.base+"/console/login"))
	waitVisible(t, ctx, "#username")
	do(t, ctx, "log in as "+username,
		chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), "scanpay-demo"),
		chromedp.Submit(chromedp.CSS("#password")),
	)
	waitJS(t, ctx, username+" logged in", `location.pathname === "/console/" && document.readyState === "complete"`)
}

// apiClient calls the JSON API as a shopper or staff member would, for
// the parts of a browser test that set up or check what the page did.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// call sends method path with body (JSON unless nil) and decodes the
// answer into out; it fails the test unless the status is want.
func (c *apiClient) call(method, path string, body any, want int, out any, headers ...string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// shopper logs dev:name in and opens a visit of DEMO01.
func (b *browserEnv) shopper(t *testing.T, name string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: b.base}
	var s struct {
		Token string `json:"token"`
	}
	c.call(http.MethodPost, "/v1/mp/sessions", map[string]string{"code": "dev:" + name}, http.StatusCreated, &s)
	c.token = s.Token
	c.call(http.MethodPost, "/v1/mp/visits", map[string]string{"store_code": "DEMO01"}, http.StatusCreated, nil)
	return c
}

// staff logs a staff member in to the JSON API.
func (b *browserEnv) staff(t *testing.T, username string) *apiClient {
	t.Helper()
	c := &apiClient{t: t, base: b.base}
	var s struct {
		Token string `json:"token"`
	}
	c.call(http.MethodPost, "/v1/admin/sessions", map[string]string{"username": username, "password": "scanpay-demo"}, http.StatusCreated, &s)
	c.token = s.Token
	return c
}

type apiCart struct {
	Version int    `json:"version"`
	Total   string `json:"total"`
	Lines   []struct {
		ID  string `json:"id"`
		SKU string `json:"sku"`
	} `json:"lines"`
}

// paidOrder is a shopper's order paid through the dev stand-in, and its
// exit pass.
type paidOrder struct {
	OrderNo, Payload string
}

// buyAndPay scans barcodes into the shopper's cart, checks out, pays
// through the dev stand-in and waits for the order to be paid.
func (c *apiClient) buyAndPay(barcodes ...string) paidOrder {
	c.t.Helper()
	cart := "/v1/mp/stores/DEMO01/cart"
	for _, bc := range barcodes {
		c.call(http.MethodPost, cart+"/scans", map[string]string{"barcode": bc}, http.StatusCreated, nil)
	}
	var ct apiCart
	c.call(http.MethodGet, cart, nil, http.StatusOK, &ct)
	var ord struct {
		OrderNo string `json:"order_no"`
		Status  string `json:"status"`
	}
	c.call(http.MethodPost, "/v1/mp/orders", map[string]any{"store_code": "DEMO01", "cart_version": ct.Version},
		http.StatusCreated, &ord, "Idempotency-Key", fmt.Sprintf("browser-%d", time.Now().UnixNano()))
	c.call(http.MethodPost, "/v1/mp/orders/"+ord.OrderNo+"/payments", nil, http.StatusOK, nil)
	c.call(http.MethodPost, "/v1/dev/orders/"+ord.OrderNo+"/pay", nil, http.StatusAccepted, nil)
	deadline := time.Now().Add(waitTimeout)
	for ord.Status != "paid" {
		if time.Now().After(deadline) {
			c.t.Fatalf("order %s still %s after %s", ord.OrderNo, ord.Status, waitTimeout)
		}
		time.Sleep(50 * time.Millisecond)
		c.call(http.MethodGet, "/v1/mp/orders/"+ord.OrderNo, nil, http.StatusOK, &ord)
	}
	var pass struct {
		Payload string `json:"payload"`
	}
	c.call(http.MethodGet, "/v1/mp/orders/"+ord.OrderNo+"/exit-pass", nil, http.StatusOK, &pass)
	return paidOrder{OrderNo: ord.OrderNo, Payload: pass.Payload}
}
