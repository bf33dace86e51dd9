package http

import (
	"embed"

	"github.com/gofiber/fiber/v2"
)

// The shopper simulator (issue 9): a phone-sized page at /try/ that plays
// the WeChat mini-program against the real /v1/mp API with fetch, so
// anyone trying scanpay can scan, pay and leave without a phone. It is a
// static page plus one hand-written script: everything it does, it does
// through the public API, so it shows nothing a mini-program could not.

//go:embed simulator/index.html simulator/app.js simulator/app.css
var simulatorFiles embed.FS

// simulatorCSP keeps the page to its own script and style and to our own
// API. blob: images are the exit-pass QR, fetched with the bearer token
// and shown through an object URL; the camera preview is a MediaStream.
const simulatorCSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' blob: data:; media-src 'self' blob: mediastream:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// simulatorRoutes registers /try/ only where the dev payment route exists
// (embedded/dev mode): the simulator "pays" through it, and a production
// server has no business serving a page that pretends to be a shopper.
func (s *Server) simulatorRoutes() {
	if s.deps.DevPay == nil {
		return
	}
	a := s.App
	// Routing is not strict, so this also answers /try; the page links its
	// files by absolute path, so both work.
	a.Get(SimulatorPath+"/", simulatorFile("simulator/index.html", fiber.MIMETextHTMLCharsetUTF8))
	a.Get(SimulatorPath+"/app.js", simulatorFile("simulator/app.js", fiber.MIMETextJavaScriptCharsetUTF8))
	a.Get(SimulatorPath+"/app.css", simulatorFile("simulator/app.css", "text/css; charset=utf-8"))
}

// simulatorFile answers one embedded file. The files change only with the
// binary, but a dev server is rebuilt often: no-cache makes the browser
// revalidate rather than run yesterday's script.
func simulatorFile(name, contentType string) fiber.Handler {
	body, err := simulatorFiles.ReadFile(name)
	if err != nil {
		panic("simulator: " + err.Error()) // the embed directive lists it: a build mistake
	}
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, contentType)
		c.Set(fiber.HeaderCacheControl, "no-cache")
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderContentSecurityPolicy, simulatorCSP)
		c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
		return c.Send(body)
	}
}
