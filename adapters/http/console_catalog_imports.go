package http

import (
	"context"
	"io"
	"mime"
	"os"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

type catImportsView struct {
	Items []*domain.ImportJob
	Next  string
	Zone  string
}

// consoleImports lists recent imports, newest first, under the upload
// form (manager+: the use case refuses a clerk).
func (s *Server) consoleImports(c *fiber.Ctx) error {
	v, err := s.importsView(c)
	if err != nil {
		return s.renderPageError(c, "imports", "CSV import", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "imports", "CSV import", v)
}

func (s *Server) importsView(c *fiber.Ctx) (catImportsView, error) {
	v := catImportsView{Zone: s.catZone(c).String()}
	p, err := catPage(c, "cursor")
	if err != nil {
		return v, err
	}
	res, err := s.deps.Imports.List(c.UserContext(), actor(c), p)
	if err != nil {
		return v, err
	}
	v.Items, v.Next = res.Items, catNextURL(c, "cursor", res.NextAfter)
	return v, nil
}

// consoleUploadCSRF runs before consoleAuth on the upload: the form's
// token comes in the action's query string, because reading it from the
// multipart body would make fasthttp parse the whole upload (unbounded,
// to temporary files) before the handler streams it. Without a query
// token consoleAuth would fall back to exactly that, so it is refused
// here first.
func (s *Server) consoleUploadCSRF(c *fiber.Ctx) error {
	if c.Query(csrfField) == "" {
		c.Context().SetConnectionClose()
		return domain.Errorf(domain.EFORBIDDEN, "csrf_failed", "this form is stale or did not come from the console; reload the page")
	}
	return c.Next()
}

// consoleUpload receives the upload form's CSV, spooled to a temporary
// file while it arrives as createImport does, starts the import and goes
// to its progress page. The role is checked before the body is read.
func (s *Server) consoleUpload(c *fiber.Ctx) error {
	if err := actor(c).Authorize(domain.RoleManager, ""); err != nil {
		v, _ := s.importsView(c)
		return s.renderPageError(c, "imports", "CSV import", v, err)
	}
	job, err := s.spoolAndStart(c)
	if err != nil {
		v, verr := s.importsView(c)
		if verr != nil {
			return verr
		}
		return s.renderPageError(c, "imports", "CSV import", v, err)
	}
	return catRedirect(c, ConsolePath+"/imports/"+strconv.FormatInt(job.ID, 10), "File received: the import is queued")
}

func (s *Server) spoolAndStart(c *fiber.Ctx) (*domain.ImportJob, error) {
	mediaType, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if mediaType != "multipart/form-data" {
		return nil, domain.Errorf(domain.EMALFORMED, "unsupported_media_type", "send the file from the upload form")
	}
	spool, err := os.CreateTemp("", "scanpay-import-*.csv")
	if err != nil {
		return nil, &domain.Error{Code: domain.EINTERNAL, Message: "cannot spool the upload", Err: err}
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	name, err := spoolFilePart(streamedBodyOf(c), params["boundary"], spool)
	if err != nil {
		return nil, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return nil, &domain.Error{Code: domain.EINTERNAL, Message: "cannot read the spooled upload", Err: err}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importStoreTimeout)
	defer cancel()
	return s.deps.Imports.Start(ctx, actor(c), app.Upload{FileName: name, Body: spool})
}

// catImportView is one import; the page and its polled fragment share it.
type catImportView struct {
	Job  *domain.ImportJob
	Zone string
	// Running is true until the job is done or failed: the fragment polls
	// while it is.
	Running bool
	Percent int
}

func (s *Server) importView(c *fiber.Ctx) (catImportView, error) {
	v := catImportView{Zone: s.catZone(c).String()}
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		id = 0 // no import has it: the use case checks the role, then answers not found
	}
	job, err := s.deps.Imports.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return v, err
	}
	v.Job = job
	v.Running = job.Status == domain.ImportQueued || job.Status == domain.ImportRunning
	switch {
	case !v.Running:
		v.Percent = 100
	case job.RowsTotal > 0:
		v.Percent = job.RowsDone * 100 / job.RowsTotal
	}
	return v, nil
}

// consoleImport is an import's page: the progress bar, counts and row
// errors, refreshed by polling the fragment while the job runs.
func (s *Server) consoleImport(c *fiber.Ctx) error {
	v, err := s.importView(c)
	if err != nil {
		return s.renderPageError(c, "import", "Import", v, err)
	}
	return s.renderPage(c, fiber.StatusOK, "import", "Import "+v.Job.FileName, v)
}

// consoleImportProgress is the polled fragment (console.js data-poll):
// the same section the page shows, without data-poll once the job ended.
func (s *Server) consoleImportProgress(c *fiber.Ctx) error {
	v, err := s.importView(c)
	if err != nil {
		return err
	}
	t, err := consolePage("import")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Cache-Control", "no-store")
	return t.ExecuteTemplate(c.Response().BodyWriter(), "import-progress", v)
}
