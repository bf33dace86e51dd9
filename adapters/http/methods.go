package http

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// knownMethods are the methods fiber routes; it answers any other with a
// plain-text 400 before any middleware runs.
var knownMethods = map[string]bool{
	fiber.MethodGet: true, fiber.MethodHead: true, fiber.MethodPost: true, fiber.MethodPut: true,
	fiber.MethodDelete: true, fiber.MethodConnect: true, fiber.MethodOptions: true,
	fiber.MethodTrace: true, fiber.MethodPatch: true,
}

// refuseUnknownMethods wraps the server's handler so that requests with a
// method fiber does not know (PROPFIND, garbage) also get a problem+json
// 405 with a request id, like every other refusal.
func refuseUnknownMethods(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if knownMethods[string(ctx.Method())] {
			next(ctx)
			return
		}
		id := string(ctx.Request.Header.Peek(fiber.HeaderXRequestID))
		if !requestIDPattern.MatchString(id) {
			id = newRequestID()
		}
		body, _ := json.Marshal(Problem{
			Type: "urn:scanpay:problem:" + codeMethodNotAllowed, Title: "Method Not Allowed",
			Status: fiber.StatusMethodNotAllowed, Detail: "this API does not know that HTTP method",
			Code: codeMethodNotAllowed, Reason: "method_unknown", RequestID: id,
		})
		// The body (streamed, see bodylimit.go) is not read: the connection
		// cannot carry another request after it.
		ctx.SetConnectionClose()
		ctx.Response.Header.Set(fiber.HeaderXRequestID, id)
		ctx.SetContentType("application/problem+json")
		ctx.SetStatusCode(fiber.StatusMethodNotAllowed)
		ctx.SetBody(body)
	}
}
