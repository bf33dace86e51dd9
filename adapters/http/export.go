package http

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// DefaultExportWriteTimeout is how long an export download may take to
// send; other answers keep the server's 30 s.
const DefaultExportWriteTimeout = 5 * time.Minute

// isExportPath matches GET /v1/admin/stores/{code}/items.csv as fiber does
// (case-insensitive, trailing slash optional).
func isExportPath(method, path string) bool {
	p := strings.ToLower(strings.TrimSuffix(path, "/"))
	code, ok := strings.CutPrefix(p, "/v1/admin/stores/")
	return (method == fiber.MethodGet || method == fiber.MethodHead) && ok &&
		strings.HasSuffix(code, "/items.csv") && strings.Count(code, "/") == 1
}

// exportStoreItems streams a store's items as the import's CSV. The
// rows are written into a pipe by a goroutine, a page of items at a time,
// while fasthttp sends them chunked; nothing holds the whole file. Should
// the database fail part way, the pipe is closed with the error and
// fasthttp cuts the connection without the final chunk, so the client
// sees a broken download instead of a short file that looks complete.
func (s *Server) exportStoreItems(c *fiber.Ctx) error {
	x, err := s.deps.Exports.StoreItems(c.UserContext(), actor(c), storeCode(c))
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	// The request's context ends when the handler returns, before the body
	// is sent: the writer gets its own deadline.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), s.opts.ExportWriteTimeout)
	rid := requestID(c)
	go func() {
		defer cancel()
		err := x.WriteCSV(ctx, pw)
		if err != nil && !errors.Is(err, io.ErrClosedPipe) { // closed: the client went away
			s.deps.Log.Error("export failed part way; the download was cut off", "request_id", rid, "err", err)
		}
		_ = pw.CloseWithError(err)
	}()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+x.FileName+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Context().SetBodyStream(pr, -1)
	return nil
}
