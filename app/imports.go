package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"unicode"

	"github.com/scanpay/scanpay/domain"
)

// TaskImportProducts runs a catalog CSV import. Like TaskLowStock it is
// named here because the upload use case writes its outbox row.
const TaskImportProducts = "catalog:import"

// ImportTask is the payload of TaskImportProducts.
type ImportTask struct {
	ImportID int64 `json:"import_id,string"`
}

// DefaultImportBatch is how many rows one transaction upserts: large
// enough that a 50 000 row file needs only 100 round trips of a few
// statements, small enough that a batch holds its locks briefly.
const DefaultImportBatch = 500

// ImportsDeps are what the import use cases work with.
type ImportsDeps struct {
	Tx      Tx
	Imports domain.ImportRepository
	Catalog domain.CatalogBulkRepository
	Stores  domain.StoreRepository
	Staff   domain.StaffRepository
	Outbox  Outbox
	IDs     IDs
	Clock   Clock
	// BatchSize is the rows per transaction; 0 means DefaultImportBatch.
	BatchSize int
}

// Imports is the catalog CSV import: managers upload a file, a job
// upserts its rows by SKU in batches, and anyone with the right role
// follows its progress and row errors.
type Imports struct{ d ImportsDeps }

// NewImports wires the import use cases.
func NewImports(d ImportsDeps) *Imports {
	if d.BatchSize <= 0 {
		d.BatchSize = DefaultImportBatch
	}
	return &Imports{d: d}
}

// Upload is a file to import. Body is read once, in ImportChunkSize
// pieces, inside the transaction that creates the job, so it should be
// quick to read (the HTTP adapter spools the network upload first).
type Upload struct {
	FileName string
	Body     io.Reader
}

// Start stores the upload in chunks, creates the job and queues it, all in
// one transaction: a job exists only with its whole file and its task
// (manager or admin; products are chain-wide).
func (im *Imports) Start(ctx context.Context, actor *domain.Staff, up Upload) (*domain.ImportJob, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	job := &domain.ImportJob{ID: im.d.IDs.NewID(), Kind: domain.ImportKindProducts, StaffID: actor.ID,
		Status: domain.ImportQueued, FileName: cleanFileName(up.FileName), CreatedAt: im.d.Clock.Now()}
	err := im.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
		buf := make([]byte, domain.ImportChunkSize)
		size := int64(0)
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(up.Body, buf)
			if n > 0 {
				if err := im.d.Imports.AddImportChunk(ctx, job.ID, seq, buf[:n]); err != nil {
					return err
				}
				size += int64(n)
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return err
			}
		}
		if size == 0 {
			return domain.Invalid("import_empty", domain.FieldError{Field: "file", Message: "is empty: send a CSV file with a header row"})
		}
		job.SizeBytes = size
		if err := im.d.Imports.CreateImport(ctx, job); err != nil {
			return err
		}
		payload, _ := json.Marshal(ImportTask{ImportID: job.ID})
		_, err := im.d.Outbox.Add(ctx, Message{Type: TaskImportProducts, Queue: QueueLow, Payload: payload})
		return err
	})
	if err != nil {
		return nil, err
	}
	job.Errors = []domain.ImportRowError{}
	return job, nil
}

// Get returns an import with its first row errors (manager or admin: any
// of them may follow any import, as the catalog is shared).
func (im *Imports) Get(ctx context.Context, actor *domain.Staff, id int64) (*domain.ImportJob, error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return nil, err
	}
	return im.d.Imports.ImportByID(ctx, id)
}

// List pages through imports, newest first (manager or admin).
func (im *Imports) List(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.ImportJob], error) {
	if err := actor.Authorize(domain.RoleManager, ""); err != nil {
		return PageResult[*domain.ImportJob]{}, err
	}
	return fetchPage(p, func(j *domain.ImportJob) int64 { return j.ID }, func(p domain.Page) ([]*domain.ImportJob, error) {
		return im.d.Imports.ListImports(ctx, p)
	})
}

// Abandon fails an import whose job will not be retried any more, so
// that whoever polls it sees an end instead of "running" forever. The
// counters stay as the last batch left them.
func (im *Imports) Abandon(ctx context.Context, id int64, cause error) error {
	job, err := im.d.Imports.ImportByID(ctx, id)
	if err != nil || job.Status.Finished() {
		return err
	}
	msg := "the import stopped after repeated failures; upload the file again: " + domain.ErrorMessage(cause)
	_, err = im.d.Imports.FinishImport(ctx, id, domain.ImportFailed, job.ImportProgress, msg, im.d.Clock.Now())
	return err
}

// fail ends an import whose file was refused as a whole.
func (im *Imports) fail(ctx context.Context, job *domain.ImportJob, p domain.ImportProgress, msg string) error {
	_, err := im.d.Imports.FinishImport(ctx, job.ID, domain.ImportFailed, p, msg, im.d.Clock.Now())
	return err
}

// chunkReader reads an upload back from its chunks, one at a time, so a
// 50 MB file never sits in memory whole.
type chunkReader struct {
	ctx   context.Context
	repo  domain.ImportRepository
	id    int64
	seq   int
	buf   []byte
	done  bool
	total int64
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		data, ok, err := r.repo.ImportChunk(r.ctx, r.id, r.seq)
		if err != nil {
			return 0, err
		}
		if !ok {
			r.done = true
			continue
		}
		r.buf, r.seq = data, r.seq+1
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	r.total += int64(n)
	return n, nil
}

// cleanFileName keeps the last path element of a client's file name,
// without control characters, at most 200 characters.
func cleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if name == "" {
		return "upload.csv"
	}
	return cut(name, 200)
}

// isFileError reports a file refused as a whole, and its message.
func isFileError(err error) (string, bool) {
	var fe *fileError
	if errors.As(err, &fe) {
		return fe.msg, true
	}
	return "", false
}
