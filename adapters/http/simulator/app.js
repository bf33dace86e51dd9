// scanpay shopper simulator: plays the WeChat mini-program against the
// real /v1/mp API. Plain script, no build step and no third-party code; it
// only ever calls this server, with the shopper's bearer token, exactly as
// the mini-program would.
"use strict";

(function () {
  const STORE = "DEMO01";
  const CART = "/v1/mp/stores/" + STORE + "/cart";
  // A few of the demo catalog's codes (app/seed_catalog.go, with their GS1
  // check digits) so nobody has to know a barcode to try the flow.
  const DEMO = [
    ["6924513001047", "可乐 Cola", "3.00"],
    ["6924513003027", "绿茶 Green tea", "3.50 · 3 for ¥10"],
    ["6950162000179", "鲜牛奶 Fresh milk", "13.80 · −10 %"],
    ["6937821000152", "薯片 Potato chips", "6.50"],
    ["6961205003156", "鲜鸡蛋 Fresh eggs", "12.90"],
    ["6937821003122", "巧克力 Chocolate", "5.50"],
    ["2106013040083", "五花肉 Pork belly label", "40.08"],
    ["6924513000125", "矿泉水 Water", "2.00"],
  ];
  // How long to wait for the worker to apply the payment and to issue the
  // receipt: both are jobs that run a moment after the request.
  const POLL_MS = 300;
  const POLL_FOR_MS = 30000;

  const $ = (id) => document.getElementById(id);
  const state = { token: sessionStorage.getItem("scanpay.try.token") || "", cart: null, order: null, passURL: "" };

  // ---- API -------------------------------------------------------------

  class APIError extends Error {
    constructor(status, problem) {
      super((problem && (problem.detail || problem.title)) || "HTTP " + status);
      this.status = status;
      this.reason = (problem && problem.reason) || "";
    }
  }

  // api sends one request and answers its JSON (or a Blob with asBlob);
  // a problem document becomes an APIError carrying its detail and reason.
  async function api(method, path, body, opts) {
    opts = opts || {};
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    Object.assign(headers, opts.headers || {});
    const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!resp.ok) {
      let problem = null;
      try { problem = await resp.json(); } catch (e) { /* not JSON: keep the status */ }
      if (resp.status === 401 && !opts.noLogout) loggedOut();
      throw new APIError(resp.status, problem);
    }
    if (opts.asBlob) return resp.blob();
    if (resp.status === 204) return null;
    return resp.json();
  }

  // An idempotency key per checkout attempt. getRandomValues works on
  // plain http too (randomUUID needs a secure context, and a phone on the
  // LAN reaches a dev server over http).
  function newKey() {
    const b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return "try-" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  }

  // ---- feedback --------------------------------------------------------

  function showError(err) {
    const box = $("alert");
    box.textContent = err instanceof Error ? err.message : String(err);
    box.hidden = false;
  }
  function clearError() { $("alert").hidden = true; $("alert").textContent = ""; }
  function busy(text) { $("busy").textContent = text || ""; }

  // run wraps a user action: one at a time, errors in the alert region.
  let running = false;
  async function run(label, fn) {
    if (running) return;
    running = true;
    clearError();
    busy(label + "…");
    try { await fn(); } catch (err) { showError(err); } finally { running = false; busy(""); }
  }

  // ---- login and visit --------------------------------------------------

  async function login(name) {
    const s = await api("POST", "/v1/mp/sessions", { code: "dev:" + name }, { noLogout: true });
    state.token = s.token;
    sessionStorage.setItem("scanpay.try.token", s.token);
    await enter();
  }

  // enter opens a visit of the demo store (a scan needs one) and shows the cart.
  async function enter() {
    const v = await api("POST", "/v1/mp/visits", { store_code: STORE });
    $("store-name").textContent = v.store.name + " (" + v.store.code + ")";
    $("login-view").hidden = true;
    $("shop-view").hidden = false;
    $("logout-btn").hidden = false;
    renderCart(await api("GET", CART));
    $("barcode-input").focus();
  }

  function loggedOut() {
    state.token = "";
    sessionStorage.removeItem("scanpay.try.token");
    stopCamera();
    $("login-view").hidden = false;
    $("shop-view").hidden = true;
    $("logout-btn").hidden = true;
    $("store-name").textContent = "shopper simulator";
  }

  // ---- cart --------------------------------------------------------------

  async function scan(barcode) {
    const r = await api("POST", CART + "/scans", { barcode });
    renderCart(r.cart);
  }

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderCart(cart) {
    state.cart = cart;
    const list = $("cart-lines");
    list.replaceChildren();
    for (const l of cart.lines) {
      const li = el("li", { class: "line", "data-line-id": l.id, "data-barcode": l.barcode });
      const head = el("div", { class: "line-head" });
      head.append(el("span", { class: "name" }, l.name || l.sku), el("span", { class: "amount" }, "¥" + l.net_amount));
      li.append(head);
      const qty = l.weighed ? l.quantity + " kg" : "× " + l.quantity;
      li.append(el("div", { class: "muted" }, qty + " at ¥" + l.unit_price + (l.unavailable ? " — no longer sold" : "")));
      for (const d of l.discounts) {
        li.append(el("div", { class: "discount" }, d.name + " −¥" + d.amount.replace(/^-/, "")));
      }
      const tools = el("div", { class: "tools" });
      if (!l.weighed) {
        // A scale label is one weighed piece: removing it is its only change.
        const q = parseInt(l.quantity, 10);
        tools.append(lineButton("−", "One less " + (l.name || l.sku), () => setQuantity(l.id, q - 1)));
        tools.append(lineButton("+", "One more " + (l.name || l.sku), () => setQuantity(l.id, q + 1)));
      }
      tools.append(lineButton("Remove", "Remove " + (l.name || l.sku), () => removeLine(l.id)));
      li.append(tools);
      list.append(li);
    }
    $("cart-empty").hidden = cart.lines.length > 0;
    $("cart-subtotal").textContent = cart.subtotal;
    $("cart-discount").textContent = cart.discount_total;
    $("cart-total").textContent = cart.total;
    const c = cart.coupon;
    if (c) {
      $("coupon-state").textContent = c.applied
        ? "Coupon " + c.code + " (" + c.name + "): −¥" + c.amount
        : "Coupon " + c.code + " does not apply yet" + (c.problem ? ": " + c.problem.message : "");
    } else {
      $("coupon-state").textContent = "";
    }
    $("coupon-remove").hidden = !c;
    $("checkout-btn").disabled = cart.lines.length === 0 || state.order !== null;
  }

  function lineButton(text, label, onClick) {
    const b = el("button", { type: "button", class: "small", "aria-label": label }, text);
    b.addEventListener("click", () => run(label, onClick));
    return b;
  }

  async function setQuantity(id, q) {
    if (q < 1) return removeLine(id);
    renderCart(await api("PATCH", CART + "/lines/" + id, { quantity: q }));
  }

  async function removeLine(id) {
    renderCart(await api("DELETE", CART + "/lines/" + id));
  }

  // ---- checkout and payment -----------------------------------------------

  async function checkout() {
    let ord;
    try {
      ord = await api("POST", "/v1/mp/orders", { store_code: STORE, cart_version: state.cart.version },
        { headers: { "Idempotency-Key": newKey() } });
    } catch (err) {
      // The cart moved on (another device, a price change): show the new one.
      if (err.reason === "cart_changed") renderCart(await api("GET", CART));
      throw err;
    }
    showOrder(ord);
    renderCart(await api("GET", CART)); // emptied by the checkout
  }

  // showOrder puts the order in place of the scanner and the cart, as the
  // mini-program's order page does, until "Shop again".
  function showOrder(ord) {
    state.order = ord;
    $("scan-card").hidden = true;
    $("cart-card").hidden = true;
    stopCamera();
    $("order-view").hidden = false;
    $("order-no").textContent = ord.order_no;
    $("order-status").textContent = ord.status;
    $("order-total").textContent = ord.total;
    const pending = ord.status === "pending_payment";
    $("pay-btn").hidden = !pending;
    $("cancel-btn").hidden = !pending;
    $("again-btn").hidden = pending;
    $("checkout-btn").disabled = true;
    window.scrollTo(0, 0);
  }

  // pay does what the mini-program and WeChat do together: start the
  // payment (the app would hand its answer to wx.requestPayment), have the
  // dev stand-in pay, then wait for the notification to mark the order paid.
  async function pay() {
    const no = state.order.order_no;
    await api("POST", "/v1/mp/orders/" + no + "/payments");
    await api("POST", "/v1/dev/orders/" + no + "/pay");
    $("order-status").textContent = "paying";
    const ord = await poll(async () => {
      const o = await api("GET", "/v1/mp/orders/" + no);
      return o.status === "pending_payment" ? null : o;
    }, "the payment to be confirmed");
    showOrder(ord);
    if (ord.status !== "paid") return;
    await showExitPass(no);
    await showReceipt(no);
  }

  // poll calls fn until it answers something, within POLL_FOR_MS.
  async function poll(fn, what) {
    const end = Date.now() + POLL_FOR_MS;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error("Gave up waiting for " + what + ".");
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  // The QR image needs the bearer token, which an <img src> cannot send:
  // fetch it as a blob and show it through an object URL.
  async function showExitPass(no) {
    const pass = await api("GET", "/v1/mp/orders/" + no + "/exit-pass");
    const png = await api("GET", "/v1/mp/orders/" + no + "/exit-pass?format=png", undefined,
      { asBlob: true, headers: { Accept: "image/png" } });
    if (state.passURL) URL.revokeObjectURL(state.passURL);
    state.passURL = URL.createObjectURL(png);
    $("exit-pass-img").src = state.passURL;
    $("exit-pass-payload").value = pass.payload;
    $("exit-pass").hidden = false;
  }

  // The receipt is issued by a job a moment after payment: until then the
  // API answers 404 receipt_not_issued.
  async function showReceipt(no) {
    const r = await poll(async () => {
      try {
        return await api("GET", "/v1/mp/orders/" + no + "/receipt");
      } catch (err) {
        if (err.reason === "receipt_not_issued") return null;
        throw err;
      }
    }, "the receipt");
    renderReceipt(r);
  }

  function renderReceipt(r) {
    const box = $("receipt");
    box.replaceChildren();
    box.append(el("h3", {}, "Receipt " + r.receipt_no));
    box.append(el("p", { class: "muted" }, r.store.name + " · " + r.paid_at_local));
    const table = el("table");
    const head = el("tr");
    head.append(el("th", { scope: "col" }, "Item"), el("th", { scope: "col", class: "num" }, "Qty"), el("th", { scope: "col", class: "num" }, "¥"));
    table.append(head);
    for (const l of r.lines) {
      const tr = el("tr");
      tr.append(el("td", {}, l.name), el("td", { class: "num" }, l.quantity), el("td", { class: "num" }, l.net_amount));
      table.append(tr);
    }
    box.append(table);
    const sums = el("dl", { class: "sums" });
    const add = (k, v, id) => { sums.append(el("dt", {}, k)); const dd = el("dd", id ? { id } : {}, v); sums.append(dd); };
    add("Subtotal", r.subtotal);
    add("Discounts", r.discount_total);
    add("Total", r.total, "receipt-total");
    for (const t of r.tax) add("VAT " + t.rate + " in " + t.taxable, t.tax);
    if (r.refunded_total !== "0.00") add("Refunded", r.refunded_total);
    add("Paid", r.net_paid);
    box.append(sums);
    box.append(el("p", { class: "muted" }, "WeChat Pay transaction " + r.payment.transaction_id));
    box.hidden = false;
  }

  async function cancelOrder() {
    showOrder(await api("POST", "/v1/mp/orders/" + state.order.order_no + "/cancel"));
  }

  function shopAgain() {
    state.order = null;
    if (state.passURL) URL.revokeObjectURL(state.passURL);
    state.passURL = "";
    $("order-view").hidden = true;
    $("scan-card").hidden = false;
    $("cart-card").hidden = false;
    $("exit-pass").hidden = true;
    $("receipt").hidden = true;
    $("receipt").replaceChildren();
    $("exit-pass-img").removeAttribute("src");
    return api("GET", CART).then(renderCart);
  }

  // ---- camera (where the browser has BarcodeDetector) --------------------

  let camera = null;
  async function startCamera() {
    const formats = await BarcodeDetector.getSupportedFormats();
    const wanted = ["ean_13", "ean_8", "upc_a", "upc_e", "code_128"].filter((f) => formats.includes(f));
    if (wanted.length === 0) throw new Error("This browser's barcode detector reads no retail barcodes.");
    const detector = new BarcodeDetector({ formats: wanted });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    const video = $("camera-video");
    video.srcObject = stream;
    await video.play();
    camera = { stream, timer: 0, last: "", lastAt: 0 };
    $("camera").hidden = false;
    $("camera-btn").hidden = true;
    const tick = async () => {
      if (!camera) return;
      try {
        const found = await detector.detect(video);
        const code = found.length ? found[0].rawValue : "";
        // The same code stays in view for a while: scan it once, not every frame.
        if (code && (code !== camera.last || Date.now() - camera.lastAt > 3000)) {
          camera.last = code;
          camera.lastAt = Date.now();
          $("barcode-input").value = code;
          await run("Scanning " + code, () => scan(code));
        }
      } catch (err) { showError(err); }
      if (camera) camera.timer = setTimeout(tick, 250);
    };
    tick();
  }

  function stopCamera() {
    if (!camera) return;
    clearTimeout(camera.timer);
    camera.stream.getTracks().forEach((t) => t.stop());
    camera = null;
    $("camera-video").srcObject = null;
    $("camera").hidden = true;
    $("camera-btn").hidden = !hasCamera();
  }

  function hasCamera() {
    return "BarcodeDetector" in window && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  // ---- wiring --------------------------------------------------------------

  function init() {
    const list = $("demo-list");
    for (const [code, name, price] of DEMO) {
      const li = el("li");
      const b = el("button", { type: "button", class: "demo-item", "data-barcode": code });
      b.append(el("span", {}, name), el("span", { class: "muted" }, "¥" + price), el("span", { class: "muted" }, code));
      b.addEventListener("click", () => run("Scanning " + name, () => scan(code)));
      li.append(b);
      list.append(li);
    }
    $("camera-btn").hidden = !hasCamera();
    $("camera-btn").addEventListener("click", () => run("Starting the camera", startCamera));
    $("camera-stop").addEventListener("click", stopCamera);

    $("login-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const name = $("login-name").value.trim();
      run("Logging in", () => login(name));
    });
    $("logout-btn").addEventListener("click", loggedOut);
    $("scan-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const input = $("barcode-input");
      const code = input.value.trim();
      run("Scanning " + code, async () => { await scan(code); input.value = ""; input.focus(); });
    });
    $("coupon-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const code = $("coupon-input").value.trim();
      if (code) {
        run("Applying " + code, async () => {
          renderCart(await api("PUT", CART + "/coupon", { code }));
          $("coupon-input").value = "";
        });
      }
    });
    $("coupon-remove").addEventListener("click", () => run("Removing the coupon", async () => renderCart(await api("DELETE", CART + "/coupon"))));
    $("checkout-btn").addEventListener("click", () => run("Checking out", checkout));
    $("pay-btn").addEventListener("click", () => run("Paying", pay));
    $("cancel-btn").addEventListener("click", () => run("Cancelling", cancelOrder));
    $("again-btn").addEventListener("click", () => run("Loading the cart", shopAgain));

    // A token kept from before a reload: enter again (a new visit is fine).
    if (state.token) run("Entering the store", enter);
  }

  init();
})();
