package http

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

const (
	localStaff = "staff"
	// staffCookie carries the staff token for browser pages that cannot set
	// an Authorization header (the asynqmon UI). It is scoped to those pages
	// and SameSite=Strict, so the JSON API never accepts it.
	staffCookie = "scanpay_staff"
)

// bearer extracts the token of an "Authorization: Bearer x" header.
func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// requireStaff authenticates the staff member behind the bearer token.
func (s *Server) requireStaff(c *fiber.Ctx) error {
	return s.authenticate(c, bearer(c))
}

// requireStaffPage also accepts the staff cookie, for browser pages.
func (s *Server) requireStaffPage(c *fiber.Ctx) error {
	token := bearer(c)
	if token == "" {
		token = c.Cookies(staffCookie)
		if token != "" && c.Method() != fiber.MethodGet && c.Method() != fiber.MethodHead && !sameOrigin(c) {
			// A cookie rides along on requests other sites trigger; the
			// queue UI's buttons (delete, archive) must come from our page.
			return domain.Errorf(domain.EFORBIDDEN, "cross_site_request", "this change must come from the queue page itself")
		}
	}
	return s.authenticate(c, token)
}

// sameOrigin reports whether the browser says the request comes from our
// own pages: Sec-Fetch-Site when sent, else the Origin's host.
func sameOrigin(c *fiber.Ctx) bool {
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin"
	}
	origin := c.Get(fiber.HeaderOrigin)
	u, err := url.Parse(origin)
	return origin != "" && err == nil && u.Host == c.Hostname()
}

func (s *Server) authenticate(c *fiber.Ctx, token string) error {
	if token == "" {
		return domain.Errorf(domain.EUNAUTHORIZED, "token_missing", "log in and send Authorization: Bearer <token>")
	}
	staff, err := s.deps.Auth.Authenticate(c.UserContext(), token)
	if err != nil {
		return err
	}
	c.Locals(localStaff, staff)
	return c.Next()
}

// requireRole refuses staff below min, before any handler runs.
func requireRole(min domain.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := actor(c).Authorize(min, ""); err != nil {
			return err
		}
		return c.Next()
	}
}

// actor is the authenticated staff member; requireStaff has run.
func actor(c *fiber.Ctx) *domain.Staff {
	s, _ := c.Locals(localStaff).(*domain.Staff)
	if s == nil {
		// A route registered without requireStaff is a bug; fail closed.
		return &domain.Staff{}
	}
	return s
}
