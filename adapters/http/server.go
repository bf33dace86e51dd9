package http

import (
	"context"
	"log/slog"
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
	Auth     *app.StaffAuth
	Staff    *app.StaffAdmin
	Stores   *app.Stores
	Checks   []Check
	Registry *prometheus.Registry
	// OpenAPI is the API description served at /openapi.yaml.
	OpenAPI []byte
	// QueuesUI is the asynqmon handler, mounted at /admin/queues for admins.
	QueuesUI http.Handler
	Log      *slog.Logger
}

// Options tune the server.
type Options struct {
	BodyLimit int
	// TrustedProxies lists the load balancers whose X-Forwarded-For is
	// believed; empty means the peer address is the client.
	TrustedProxies []string
	// SecureCookies marks the staff cookie Secure (behind TLS).
	SecureCookies bool
}

// QueuesPath is where the asynqmon UI lives.
const QueuesPath = "/admin/queues"

// Server holds the fiber app and its dependencies.
type Server struct {
	App  *fiber.App
	deps Deps
	opts Options
}

// New builds the fiber app with every route registered.
func New(deps Deps, opts Options) *Server {
	onError := errorHandler(deps.Log)
	cfg := fiber.Config{
		ErrorHandler:          onError,
		BodyLimit:             opts.BodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           90 * time.Second,
		DisableStartupMessage: true,
		AppName:               "scanpay",
	}
	if len(opts.TrustedProxies) > 0 {
		cfg.ProxyHeader = fiber.HeaderXForwardedFor
		cfg.EnableTrustedProxyCheck = true
		cfg.TrustedProxies = opts.TrustedProxies
	}
	s := &Server{App: fiber.New(cfg), deps: deps, opts: opts}
	metrics := newHTTPMetrics(deps.Registry)
	s.App.Use(withRequestID, observe(deps.Log, metrics, onError), recoverPanics)
	s.routes()
	return s
}

func (s *Server) routes() {
	a := s.App
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(s.deps.Registry, promhttp.HandlerOpts{})))
	a.Get("/openapi.yaml", s.openapi)
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
