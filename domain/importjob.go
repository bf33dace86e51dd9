package domain

import (
	"context"
	"time"
)

// ImportStatus is where a bulk import job is. The only moves are
// queued -> running -> done|failed; a running job that is run again (the
// worker died, asynq retried) stays running and starts over, which is
// safe because every row is an upsert.
type ImportStatus string

const (
	ImportQueued  ImportStatus = "queued"
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"   // every row was read; some may have failed
	ImportFailed  ImportStatus = "failed" // the file as a whole was refused (header, not CSV)
)

// ImportKindProducts is the catalog CSV import, the only kind so far; the
// kind column leaves room for others (promotions, stock counts).
const ImportKindProducts = "products"

// Import limits that are part of the contract.
const (
	// ImportChunkSize is the most bytes of an upload stored per row, under
	// MySQL's default max_allowed_packet (4 MiB in 8.0, 16 MiB in MariaDB).
	ImportChunkSize = 1 << 20
	// MaxImportErrors is how many row errors an import keeps: enough to fix
	// a file, bounded so that a file of garbage cannot fill the database.
	MaxImportErrors = 1000
)

// Finished reports whether s is an end state: running such a job again
// does nothing.
func (s ImportStatus) Finished() bool { return s == ImportDone || s == ImportFailed }

// ImportRowError is one problem with one line of an imported file; Field
// names the column ("" when the line as a whole is wrong).
type ImportRowError struct {
	Line    int
	Field   string
	Message string
}

// ImportProgress counts the data rows of an import: RowsDone = RowsOK +
// RowsFailed, and RowsTotal is known once the file has been read through.
type ImportProgress struct {
	RowsTotal  int
	RowsDone   int
	RowsOK     int
	RowsFailed int
}

// ImportJob is one uploaded file and what became of it.
type ImportJob struct {
	ID        int64
	Kind      string
	StaffID   int64 // who uploaded it; rows are checked against their stores
	Status    ImportStatus
	FileName  string
	SizeBytes int64
	ImportProgress
	// Error says why a failed import failed as a whole.
	Error      string
	CreatedAt  time.Time
	StartedAt  time.Time // zero until the worker picks it up
	FinishedAt time.Time
	// Errors are the first row errors by line (loaded by ImportByID only).
	Errors []ImportRowError
}

// ImportRepository keeps import jobs, their uploaded bytes and row errors.
type ImportRepository interface {
	// CreateImport inserts a job row, inside the caller's transaction.
	CreateImport(ctx context.Context, j *ImportJob) error
	// AddImportChunk stores the seq-th piece (from 0) of a job's upload.
	AddImportChunk(ctx context.Context, importID int64, seq int, data []byte) error
	// ImportChunk returns the seq-th piece; ok is false past the last one.
	ImportChunk(ctx context.Context, importID int64, seq int) (data []byte, ok bool, err error)
	// ImportByID loads a job with its first MaxImportErrors row errors by
	// line; ENOTFOUND import_not_found.
	ImportByID(ctx context.Context, id int64) (*ImportJob, error)
	// ListImports pages through jobs newest first (After is the smallest
	// id of the previous page), without their row errors.
	ListImports(ctx context.Context, p Page) ([]*ImportJob, error)
	// StartImport moves a queued job to running (stamping StartedAt) and
	// returns the job as it is then, whatever its status.
	StartImport(ctx context.Context, id int64, now time.Time) (*ImportJob, error)
	// SaveImportProgress sets the counters of a running job and adds row
	// errors; an error already stored for the same line and field is kept
	// as it is, so a job that starts over stores each error once.
	SaveImportProgress(ctx context.Context, id int64, p ImportProgress, errs []ImportRowError) error
	// FinishImport moves a queued or running job to done or failed with
	// its final counters and drops its uploaded bytes. It reports false when
	// the job had finished already (another run got there first).
	FinishImport(ctx context.Context, id int64, status ImportStatus, p ImportProgress, errMsg string, now time.Time) (bool, error)
}
