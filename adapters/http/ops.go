package http

import (
	"context"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyz pings every dependency in parallel with a short timeout and says
// which are down, so a load balancer stops sending traffic and an operator
// sees why.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	res := readiness{Status: "ok", Checks: make(map[string]string, len(s.deps.Checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, chk := range s.deps.Checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := "ok"
			if err := chk.Ping(ctx); err != nil {
				// The cause (hosts, ports) goes to the log, not to whoever
				// can reach this unauthenticated endpoint.
				state = "down"
				s.deps.Log.Warn("readiness check failed", "check", chk.Name, "err", err)
			}
			mu.Lock()
			defer mu.Unlock()
			res.Checks[chk.Name] = state
			if state != "ok" {
				res.Status = "unavailable"
			}
		}()
	}
	wg.Wait()
	if res.Status != "ok" {
		c.Status(fiber.StatusServiceUnavailable)
	}
	return c.JSON(res)
}

func (s *Server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml")
	return c.Send(s.deps.OpenAPI)
}
