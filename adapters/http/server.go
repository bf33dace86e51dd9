package http

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Check is one readiness probe (database, redis): nil when it answers.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Deps is what the HTTP adapter needs: use cases and a few ops hooks.
type Deps struct {
	Auth   *app.StaffAuth
	Staff  *app.StaffAdmin
	Stores *app.Stores
	// Catalog, StoreItems and Stock are the catalog and stock use cases.
	Catalog    *app.Catalog
	StoreItems *app.StoreItems
	Stock      *app.Stock
	LabelRules *app.LabelRules
	Checks     []Check
	Registry   *prometheus.Registry
	// OpenAPI is the API description served at /openapi.yaml.
	OpenAPI []byte
	// QueuesUI is the asynqmon handler, mounted at /admin/queues for admins.
	QueuesUI http.Handler
	Log      *slog.Logger

	// Imports and Exports are the catalog CSV import and export.
	Imports *app.Imports
	Exports *app.Exports

	// Shoppers logs shoppers in with WeChat; Visits opens and checks their
	// store visits (/v1/mp, shoppers.go).
	Shoppers *app.ShopperAuth
	Visits   *app.Visits

	// Promotions and Coupons are the pricing rules staff set up; Coupons
	// also lists a shopper's granted coupons.
	Promotions *app.Promotions
	Coupons    *app.Coupons
	// Carts is the shopper's cart: scans, lines, coupon, prices.
	Carts *app.Carts

	// Orders is checkout, the order's payment and life, and the WeChat Pay
	// webhooks (orders.go, webhooks.go).
	Orders *app.Orders
	// DevPay, when set (embedded/dev mode only), registers POST
	// /v1/dev/orders/{order_no}/pay: it has the fake WeChat Pay pay the
	// order and send the signed notification (devpay.go).
	DevPay func(ctx context.Context, orderNo string) error

	// BenchFloor, when set (BENCH_FLOOR=true), registers the floor handler
	// `make bench` compares the scan path against (benchfloor.go).
	BenchFloor *app.BenchFloor

	// Reports are the managers' sales reports (reports.go).
	Reports *app.Reports

	// ExitChecks is the shopper's exit pass and the staff's exit checks
	// and audit results (exitchecks.go).
	ExitChecks *app.ExitChecks
}

// Options tune the server.
type Options struct {
	BodyLimit int
	// TrustedProxies lists the load balancers whose X-Forwarded-For is
	// believed; empty means the peer address is the client.
	TrustedProxies []string
	// SecureCookies marks the staff cookie Secure (behind TLS).
	SecureCookies bool
	// RequestTimeout bounds the work of one request (database and Redis
	// calls see it as their context deadline); 0 means 15 s.
	RequestTimeout time.Duration
	// ImportBodyLimit is the largest catalog CSV upload, in bytes; 0 means
	// DefaultImportBodyLimit (50 MiB). BodyLimit applies to every other route.
	ImportBodyLimit int
	// ImportReadTimeout and ExportWriteTimeout let a CSV take longer than
	// the server's 30 s to arrive or to download; 0 means the defaults.
	ImportReadTimeout  time.Duration
	ExportWriteTimeout time.Duration
}

// QueuesPath is where the asynqmon UI lives.
const QueuesPath = "/admin/queues"

// Server holds the fiber app and its dependencies.
type Server struct {
	App     *fiber.App
	deps    Deps
	opts    Options
	trusted []*net.IPNet
}

// New builds the fiber app with every route registered.
func New(deps Deps, opts Options) *Server {
	onError := errorHandler(deps.Log)
	opts = withTransferDefaults(opts)
	cfg := fiber.Config{
		ErrorHandler:          onError,
		BodyLimit:             opts.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           90 * time.Second,
		DisableStartupMessage: true,
		AppName:               "scanpay",
		// Bodies are streamed and their limits enforced by limitBody (see
		// bodylimit.go for why both settings go together).
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
	}
	s := &Server{App: fiber.New(cfg), deps: deps, opts: opts, trusted: trustedNets(opts.TrustedProxies)}
	s.App.Server().Handler = refuseUnknownMethods(s.App.Server().Handler)
	s.App.Server().HeaderReceived = s.headerReceived
	metrics := newHTTPMetrics(deps.Registry)
	s.App.Use(withRequestID, observe(deps.Log, metrics, onError, s.clientIP), recoverPanics, s.limitBody, withTimeout(opts.RequestTimeout))
	s.routes()
	s.shopperRoutes()
	s.orderRoutes()
	s.consoleRoutes()
	s.refundRoutes()
	s.reportRoutes()
	s.receiptRoutes()
	s.exitCheckRoutes()
	s.simulatorRoutes()
	return s
}

func (s *Server) routes() {
	a := s.App
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(s.deps.Registry, promhttp.HandlerOpts{})))
	a.Get("/openapi.yaml", s.openapi)
	if s.deps.BenchFloor != nil {
		a.Get(BenchFloorPath, s.benchFloor)
	}
	if s.deps.QueuesUI != nil {
		ui := adaptor.HTTPHandler(s.deps.QueuesUI)
		a.All(QueuesPath, s.requireStaffPage, requireRole(domain.RoleAdmin), ui)
		a.All(QueuesPath+"/*", s.requireStaffPage, requireRole(domain.RoleAdmin), ui)
	}

	// Auth is attached per route, not to a group: a group middleware would
	// answer 401 for unknown paths and wrong methods instead of 404/405.
	auth, admin := s.requireStaff, requireRole(domain.RoleAdmin)
	v1 := a.Group("/v1/admin")
	v1.Post("/sessions", s.login)
	v1.Get("/me", auth, s.me)
	v1.Get("/staff", auth, admin, s.listStaff)
	v1.Post("/staff", auth, admin, s.createStaff)
	v1.Get("/staff/:id", auth, admin, s.getStaff)
	v1.Patch("/staff/:id", auth, admin, s.updateStaff)
	v1.Get("/stores", auth, s.listStores)
	v1.Post("/stores", auth, admin, s.createStore)
	v1.Get("/stores/:code", auth, s.getStore)
	v1.Patch("/stores/:code", auth, admin, s.updateStore)
	v1.Get("/stores/:code/entry-code", auth, s.entryCode)

	// Catalog and stock: role and store checks live in the use cases, as
	// they depend on the store in the path.
	v1.Get("/products", auth, s.listProducts)
	v1.Post("/products", auth, s.createProduct)
	v1.Get("/products/:sku", auth, s.getProduct)
	v1.Patch("/products/:sku", auth, s.updateProduct)
	v1.Get("/stores/:code/items", auth, s.listStoreItems)
	v1.Get("/stores/:code/items/:sku", auth, s.getStoreItem)
	v1.Put("/stores/:code/items/:sku", auth, s.putStoreItem)
	v1.Post("/stores/:code/stock-movements", auth, s.postMovement)
	v1.Get("/stores/:code/stock", auth, s.listStock)
	v1.Get("/stores/:code/stock/:sku/movements", auth, s.listMovements)
	v1.Get("/stores/:code/stock-alerts", auth, s.listStockAlerts)
	v1.Get("/stores/:code/label-rules", auth, s.listLabelRules)
	v1.Post("/stores/:code/label-rules", auth, s.createLabelRule)
	v1.Post("/stores/:code/label-rules/test", auth, s.testLabel)
	v1.Delete("/stores/:code/label-rules/:id", auth, s.deleteLabelRule)

	// Catalog CSV import and export. The upload path is the one route with
	// a larger body limit (bodylimit.go); roles are checked before its body
	// is read.
	a.Post(importUploadPath, auth, requireRole(domain.RoleManager), s.createImport)
	v1.Get("/imports", auth, s.listImports)
	v1.Get("/imports/:id", auth, s.getImport)
	v1.Get("/stores/:code/items.csv", auth, s.exportStoreItems)

	// Promotions and coupons: role and store scope are checked in the use
	// cases (promotions.go in app), as they depend on the rule's stores.
	v1.Get("/promotions", auth, s.listPromotions)
	v1.Post("/promotions", auth, s.createPromotion)
	v1.Get("/promotions/:id", auth, s.getPromotion)
	v1.Patch("/promotions/:id", auth, s.updatePromotion)
	v1.Get("/coupons", auth, s.listCoupons)
	v1.Post("/coupons", auth, s.createCoupon)
	v1.Get("/coupons/:code", auth, s.getCoupon)
	v1.Patch("/coupons/:code", auth, s.updateCoupon)
	v1.Post("/coupons/:code/grants", auth, s.grantCoupon)
	// The shopper's own granted coupons (requireShopper: shoppers.go).
	a.Get("/v1/mp/coupons", s.requireShopper, s.listShopperCoupons)
	// The cart: reads need no visit, changes do (checked in app.Carts).
	a.Get("/v1/mp/stores/:code/cart", s.requireShopper, s.getCart)
	a.Post("/v1/mp/stores/:code/cart/scans", s.requireShopper, s.scan)
	a.Patch("/v1/mp/stores/:code/cart/lines/:line_id", s.requireShopper, s.setLineQuantity)
	a.Delete("/v1/mp/stores/:code/cart/lines/:line_id", s.requireShopper, s.removeLine)
	a.Put("/v1/mp/stores/:code/cart/coupon", s.requireShopper, s.applyCoupon)
	a.Delete("/v1/mp/stores/:code/cart/coupon", s.requireShopper, s.removeCoupon)
	v1.Get("/stores/:code/unknown-barcodes", auth, s.unknownBarcodes)
}

// Routes lists every registered method and path, for the OpenAPI test.
func (s *Server) Routes() []fiber.Route {
	var out []fiber.Route
	for _, r := range s.App.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == fiber.MethodConnect || r.Method == fiber.MethodTrace || r.Method == fiber.MethodOptions {
			continue
		}
		out = append(out, r)
	}
	return out
}
