package http

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// importStoreTimeout bounds storing an upload once it has arrived: the
// request's own deadline (RequestTimeout) may have been spent receiving it.
const importStoreTimeout = 2 * time.Minute

type importErrorDTO struct {
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type importDTO struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	Status     string  `json:"status"`
	StaffID    string  `json:"staff_id"`
	FileName   string  `json:"file_name"`
	SizeBytes  int64   `json:"size_bytes"`
	RowsTotal  int     `json:"rows_total"`
	RowsDone   int     `json:"rows_done"`
	RowsOK     int     `json:"rows_ok"`
	RowsFailed int     `json:"rows_failed"`
	Error      string  `json:"error"`
	CreatedAt  string  `json:"created_at"`
	StartedAt  *string `json:"started_at"`
	FinishedAt *string `json:"finished_at"`
}

// importDetailDTO is one import with its row errors (the list leaves them out).
type importDetailDTO struct {
	importDTO
	Errors []importErrorDTO `json:"errors"`
}

func toImportDTO(j *domain.ImportJob) importDTO {
	d := importDTO{ID: strconv.FormatInt(j.ID, 10), Kind: j.Kind, Status: string(j.Status), StaffID: strconv.FormatInt(j.StaffID, 10),
		FileName: j.FileName, SizeBytes: j.SizeBytes, RowsTotal: j.RowsTotal, RowsDone: j.RowsDone, RowsOK: j.RowsOK,
		RowsFailed: j.RowsFailed, Error: j.Error, CreatedAt: timestamp(j.CreatedAt),
		StartedAt: optTimestamp(j.StartedAt), FinishedAt: optTimestamp(j.FinishedAt)}
	return d
}

func toImportDetailDTO(j *domain.ImportJob) importDetailDTO {
	d := importDetailDTO{importDTO: toImportDTO(j), Errors: make([]importErrorDTO, len(j.Errors))}
	for i, e := range j.Errors {
		d.Errors[i] = importErrorDTO{Line: e.Line, Field: e.Field, Message: e.Message}
	}
	return d
}

func optTimestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timestamp(t)
	return &s
}

// createImport receives a catalog CSV, as the raw body (text/csv) or as
// the "file" part of a form, spools it to a temporary file while it
// arrives (memory stays flat whatever its size) and hands it to the
// import use case, which stores it and queues the job.
func (s *Server) createImport(c *fiber.Ctx) error {
	if enc := c.Get(fiber.HeaderContentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return domain.Errorf(domain.EMALFORMED, "unsupported_content_encoding", "send the file uncompressed, not %s", enc)
	}
	body := streamedBodyOf(c)
	name := utils.CopyString(c.Query("file_name"))
	spool, err := os.CreateTemp("", "scanpay-import-*.csv")
	if err != nil {
		return &domain.Error{Code: domain.EINTERNAL, Message: "cannot spool the upload", Err: err}
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	mediaType, params, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	switch mediaType {
	case "text/csv", "application/csv", "text/plain":
		if _, err := io.Copy(spool, body); err != nil {
			return uploadError(err)
		}
	case "multipart/form-data":
		if name, err = spoolFilePart(body, params["boundary"], spool); err != nil {
			return err
		}
	default:
		return domain.Errorf(domain.EMALFORMED, "unsupported_media_type",
			"send the file as text/csv, or as multipart/form-data with a part named file")
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return &domain.Error{Code: domain.EINTERNAL, Message: "cannot read the spooled upload", Err: err}
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), importStoreTimeout)
	defer cancel()
	job, err := s.deps.Imports.Start(ctx, actor(c), app.Upload{FileName: name, Body: spool})
	if err != nil {
		return err
	}
	c.Location("/v1/admin/imports/" + strconv.FormatInt(job.ID, 10))
	return c.Status(fiber.StatusAccepted).JSON(toImportDetailDTO(job))
}

// spoolFilePart copies the form's "file" part to w and reads the form to
// its end; it returns the part's file name.
func spoolFilePart(body io.Reader, boundary string, w io.Writer) (string, error) {
	if boundary == "" {
		return "", domain.Errorf(domain.EMALFORMED, "multipart_malformed", "the multipart/form-data Content-Type has no boundary")
	}
	mr := multipart.NewReader(body, boundary)
	name, found := "", false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", uploadError(err)
		}
		dst := io.Discard
		if part.FormName() == "file" && !found {
			found, name, dst = true, part.FileName(), w
		}
		if _, err := io.Copy(dst, part); err != nil {
			return "", uploadError(err)
		}
	}
	if !found {
		return "", domain.Invalid("import_file_missing", domain.FieldError{Field: "file", Message: "is required: a form part named file holding the CSV"})
	}
	return name, nil
}

// uploadError keeps a 413 from the body limit and calls anything else
// reading the upload malformed (cut off, a broken multipart body).
func uploadError(err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return de
	}
	return domain.Errorf(domain.EMALFORMED, "upload_malformed", "the upload could not be read: %v", err)
}

func (s *Server) getImport(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id <= 0 {
		return domain.Errorf(domain.ENOTFOUND, "import_not_found", "no such import")
	}
	job, err := s.deps.Imports.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(toImportDetailDTO(job))
}

func (s *Server) listImports(c *fiber.Ctx) error {
	p, err := pageParams(c)
	if err != nil {
		return err
	}
	res, err := s.deps.Imports.List(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(mapList(res.Items, res.NextAfter, toImportDTO))
}
