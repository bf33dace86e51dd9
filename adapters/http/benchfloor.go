package http

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/app"
)

// BenchFloorPath is the floor handler `make bench` measures the scan path
// against. It is registered only when Deps.BenchFloor is set (config
// BENCH_FLOOR=true) and is not part of the public API.
const BenchFloorPath = "/v1/bench/floor"

// benchFloor runs one indexed SELECT and one INSERT through a use case:
// GET /v1/bench/floor?store=CODE (the demo store by default).
func (s *Server) benchFloor(c *fiber.Ctx) error {
	code := c.Query("store", app.DemoStoreCode)
	id, err := s.deps.BenchFloor.Run(c.UserContext(), code)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": strconv.FormatInt(id, 10)})
}
