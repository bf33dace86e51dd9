package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/scanpay/scanpay/domain"
)

const (
	localRequestID = "request_id"
	localUnmatched = "unmatched_route"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID returns the request's id, making one if the request-id
// middleware has not run (errors raised by fiber before routing).
func requestID(c *fiber.Ctx) string {
	if id, ok := c.Locals(localRequestID).(string); ok {
		return id
	}
	id := incomingRequestID(c)
	c.Locals(localRequestID, id)
	return id
}

// incomingRequestID keeps a caller's X-Request-Id when it is sane, so one id
// follows a request through the load balancer and our logs; otherwise it
// makes a new random one.
func incomingRequestID(c *fiber.Ctx) string {
	if in := c.Get(fiber.HeaderXRequestID); requestIDPattern.MatchString(in) {
		return utils.CopyString(in)
	}
	return newRequestID()
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// withRequestID sets the id on the request and the response.
func withRequestID(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXRequestID, requestID(c))
	return c.Next()
}

// recoverPanics turns a panic into a 500 problem (and a log line with the
// stack's cause) instead of a dropped connection.
func recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &domain.Error{Code: domain.EINTERNAL, Message: "internal error", Err: fmt.Errorf("panic: %v\n%s", r, debug.Stack())}
		}
	}()
	return c.Next()
}

// httpMetrics are the request counters and latency histogram of /metrics.
type httpMetrics struct {
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	m := &httpMetrics{duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "scanpay_http_request_duration_seconds",
		Help:    "HTTP requests by route pattern, method and status, with latency.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"route", "method", "status"})}
	reg.MustRegister(m.duration)
	return m
}

// observe logs and measures every request. It calls the error handler
// itself so that the status it records is the one the client gets.
func observe(log *slog.Logger, m *httpMetrics, onError fiber.ErrorHandler, clientIP func(*fiber.Ctx) string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			if herr := onError(c, err); herr != nil {
				return herr
			}
		}
		status := c.Response().StatusCode()
		route := routeLabel(c)
		elapsed := time.Since(start)
		m.duration.WithLabelValues(route, utils.CopyString(c.Method()), strconv.Itoa(status)).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		attrs := []slog.Attr{
			slog.String("request_id", requestID(c)), slog.String("method", c.Method()),
			slog.String("route", route), slog.String("path", c.Path()), slog.Int("status", status),
			slog.Duration("duration", elapsed), slog.String("ip", clientIP(c)),
		}
		if s, ok := c.Locals(localStaff).(*domain.Staff); ok {
			attrs = append(attrs, slog.Int64("staff_id", s.ID))
		}
		log.LogAttrs(c.UserContext(), level, "http request", attrs...)
		return nil
	}
}

// routeLabel is the matched route pattern, never the raw path, so metrics
// keep a bounded set of labels; requests that matched no route share one.
func routeLabel(c *fiber.Ctx) string {
	if unmatched, _ := c.Locals(localUnmatched).(bool); unmatched || c.Route() == nil {
		return "unmatched"
	}
	return c.Route().Path
}

// withTimeout gives each request a deadline that database and Redis calls
// inherit, so a stalled dependency yields a 503 instead of a hung request.
func withTimeout(d time.Duration) fiber.Handler {
	if d <= 0 {
		d = 15 * time.Second
	}
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), d)
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
}
