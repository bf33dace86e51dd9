package http

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
	"github.com/valyala/fasthttp"
)

// Request bodies are streamed (fiber.Config StreamRequestBody), so that a
// 50 MB CSV upload passes through a 32 KiB buffer instead of sitting in
// memory whole. That changes what fasthttp's own limit means, as its
// sources (v1.51, http.go readBodyWithStreaming, ContinueReadBodyStream)
// show: with streaming, MaxRequestBodySize (fiber's BodyLimit) is only how
// much is read ahead, at most 8 KiB; a longer body is left on the
// connection and Request.Body() then reads all of it, however large, and
// multipart bodies of known length would be parsed to temporary files
// before any handler runs (hence DisablePreParseMultipartForm). So the
// limits are enforced here instead, for every route:
//
//   - streamed routes (the CSV upload) get a reader that refuses to go past
//     their own limit (413 body_too_large), and read the body themselves;
//   - every other route has its body read here, up to Options.BodyLimit,
//     and handed to fiber as it was before (c.Body() works unchanged).
//
// fasthttp reads the next request of a keep-alive connection from where
// the handler stopped, so a body left unread (refused, or not read because
// auth failed first) would be taken for the next request: such connections
// are closed after the answer.

// DefaultImportBodyLimit is the largest catalog CSV upload (DESIGN §5).
const DefaultImportBodyLimit = 50 << 20

// DefaultImportReadTimeout is how long an upload may take to arrive: 50 MB
// at a slow 200 KB/s. Other requests keep the server's 30 s.
const DefaultImportReadTimeout = 5 * time.Minute

const importUploadPath = "/v1/admin/products/imports"

// withTransferDefaults fills in the import and export limits left zero.
func withTransferDefaults(o Options) Options {
	if o.ImportBodyLimit <= 0 {
		o.ImportBodyLimit = DefaultImportBodyLimit
	}
	if o.ImportReadTimeout <= 0 {
		o.ImportReadTimeout = DefaultImportReadTimeout
	}
	if o.ExportWriteTimeout <= 0 {
		o.ExportWriteTimeout = DefaultExportWriteTimeout
	}
	return o
}

const localStreamedBody = "streamed_body"

// streamLimit reports whether the request goes to a route that streams its
// body, and that route's limit. The match is fiber's own for a static
// path: case-insensitive, with or without a trailing slash.
func (s *Server) streamLimit(method, path string) (int, bool) {
	if method != fiber.MethodPost {
		return 0, false
	}
	// The console's upload form (console_catalog_imports.go) sends the same
	// files as the API's upload path.
	if p := strings.TrimSuffix(path, "/"); strings.EqualFold(p, importUploadPath) || strings.EqualFold(p, consoleImportPath) {
		return s.opts.ImportBodyLimit, true
	}
	return 0, false
}

// headerReceived gives the upload its longer read timeout and the export
// its longer write timeout, once fasthttp has read the request's headers;
// every other request keeps the server's timeouts.
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	path, _, _ := strings.Cut(string(h.RequestURI()), "?")
	method := string(h.Method())
	if _, ok := s.streamLimit(method, path); ok {
		return fasthttp.RequestConfig{ReadTimeout: s.opts.ImportReadTimeout}
	}
	if isExportPath(method, path) {
		return fasthttp.RequestConfig{WriteTimeout: s.opts.ExportWriteTimeout}
	}
	return fasthttp.RequestConfig{}
}

// limitBody enforces the body limits (see the comment at the top).
func (s *Server) limitBody(c *fiber.Ctx) error {
	req := c.Request()
	size := req.Header.ContentLength() // -1: chunked
	if enc := strings.TrimSpace(string(req.Header.ContentEncoding())); enc != "" && !strings.EqualFold(enc, "identity") {
		// fiber's Body() would inflate gzip/deflate/br without any bound,
		// so a 1 KB "zip bomb" could allocate gigabytes past the limit.
		c.Context().SetConnectionClose()
		return domain.Errorf(domain.EMALFORMED, "unsupported_content_encoding", "send the body uncompressed (Content-Encoding %q is not accepted)", enc)
	}
	if limit, ok := s.streamLimit(c.Method(), c.Path()); ok {
		if size > limit {
			return tooLarge(c, limit)
		}
		body := &streamedBody{limit: int64(limit)}
		if st := req.BodyStream(); st != nil {
			body.r = st
		} else {
			body.r = strings.NewReader(string(req.Body()))
		}
		c.Locals(localStreamedBody, body)
		err := c.Next()
		if !body.eof {
			// Closing with unread bytes makes the kernel reset the
			// connection, and a client still sending may see the reset
			// before the answer. A little of the rest is read and dropped
			// first (as net/http does), so a body just over the limit gets
			// its 413; a far larger one is cut off all the same.
			_, _ = io.CopyN(io.Discard, body.r, drainBeforeClose)
			c.Context().SetConnectionClose()
		}
		return err
	}
	limit := s.opts.BodyLimit
	st := req.BodyStream()
	switch {
	case size > limit:
		return tooLarge(c, limit)
	case st == nil || size == 0:
		return c.Next()
	}
	var buf []byte
	var err error
	if size > 0 {
		buf = make([]byte, size)
		_, err = io.ReadFull(st, buf)
	} else {
		buf, err = io.ReadAll(io.LimitReader(st, int64(limit)+1))
	}
	if err != nil {
		c.Context().SetConnectionClose()
		return domain.Errorf(domain.EMALFORMED, "body_unreadable", "the request body could not be read: it ended early")
	}
	if len(buf) > limit {
		return tooLarge(c, limit)
	}
	req.SetBodyRaw(buf) // also releases the stream, which is read to its end
	return c.Next()
}

// drainBeforeClose bounds what is read and dropped of a refused streamed
// body before the connection closes.
const drainBeforeClose = 256 << 10

func tooLarge(c *fiber.Ctx, limit int) error {
	c.Context().SetConnectionClose()
	return domain.Errorf(domain.ETOOLARGE, "body_too_large", "the request body is larger than the limit of %s", byteSize(limit))
}

// byteSize shows a limit as people write it (1 MiB, 50 MiB, 4096 bytes).
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(n>>10) + " KiB"
	}
	return strconv.Itoa(n) + " bytes"
}

// streamedBody is the body of a streamed route: it reads on until the
// route's limit and then fails with 413; eof records that the body was
// read to its end, so the connection can stay open.
type streamedBody struct {
	r     io.Reader
	n     int64
	limit int64
	eof   bool
}

func (b *streamedBody) Read(p []byte) (int, error) {
	switch {
	case b.eof:
		return 0, io.EOF
	case b.n > b.limit:
		return 0, b.tooLarge()
	}
	if rest := b.limit + 1 - b.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.limit {
		return 0, b.tooLarge()
	}
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *streamedBody) tooLarge() error {
	return domain.Errorf(domain.ETOOLARGE, "body_too_large", "the request body is larger than the limit of %s", byteSize(int(b.limit)))
}

// streamedBodyOf is the body reader limitBody set up for a streamed route.
func streamedBodyOf(c *fiber.Ctx) io.Reader {
	if b, ok := c.Locals(localStreamedBody).(*streamedBody); ok {
		return b
	}
	return strings.NewReader(string(c.Body())) // not streamed: a body within BodyLimit
}
