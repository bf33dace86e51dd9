package mysql

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm/clause"
)

type importJobRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Kind       string
	StaffID    int64
	Status     string
	FileName   string
	SizeBytes  int64
	RowsTotal  int
	RowsDone   int
	RowsOK     int `gorm:"column:rows_ok"`
	RowsFailed int
	Error      string
	CreatedAt  utcTime
	StartedAt  *utcTime
	FinishedAt *utcTime
}

func (importJobRow) TableName() string { return "import_jobs" }

func (r importJobRow) toDomain() *domain.ImportJob {
	j := &domain.ImportJob{ID: r.ID, Kind: r.Kind, StaffID: r.StaffID, Status: domain.ImportStatus(r.Status),
		FileName: r.FileName, SizeBytes: r.SizeBytes, Error: r.Error, CreatedAt: r.CreatedAt.Time(),
		ImportProgress: domain.ImportProgress{RowsTotal: r.RowsTotal, RowsDone: r.RowsDone, RowsOK: r.RowsOK, RowsFailed: r.RowsFailed}}
	if r.StartedAt != nil {
		j.StartedAt = r.StartedAt.Time()
	}
	if r.FinishedAt != nil {
		j.FinishedAt = r.FinishedAt.Time()
	}
	return j
}

type importChunkRow struct {
	ImportID int64 `gorm:"primaryKey;autoIncrement:false"`
	Seq      int   `gorm:"primaryKey;autoIncrement:false"`
	Data     []byte
}

func (importChunkRow) TableName() string { return "import_chunks" }

type importErrorRow struct {
	ImportID int64
	Line     int
	Field    string
	Message  string
}

func (importErrorRow) TableName() string { return "import_errors" }

// Column sizes of import_errors and import_jobs.error, enforced here so
// both engines store the same text.
const (
	importFieldMax   = 32
	importMessageMax = 300
	importErrorMax   = 500
)

// ImportRepo implements domain.ImportRepository.
type ImportRepo struct{ db *DB }

var _ domain.ImportRepository = (*ImportRepo)(nil)

// NewImportRepo returns the import job repository on db.
func NewImportRepo(db *DB) *ImportRepo { return &ImportRepo{db: db} }

// CreateImport inserts the job row.
func (r *ImportRepo) CreateImport(ctx context.Context, j *domain.ImportJob) error {
	row := importJobRow{ID: j.ID, Kind: j.Kind, StaffID: j.StaffID, Status: string(j.Status),
		FileName: cutRunes(j.FileName, 200), SizeBytes: j.SizeBytes, CreatedAt: utcTime(j.CreatedAt)}
	return mapErr(r.db.conn(ctx).Create(&row).Error)
}

// AddImportChunk stores one piece of an upload.
func (r *ImportRepo) AddImportChunk(ctx context.Context, importID int64, seq int, data []byte) error {
	return mapErr(r.db.conn(ctx).Create(&importChunkRow{ImportID: importID, Seq: seq, Data: data}).Error)
}

// ImportChunk reads one piece of an upload back.
func (r *ImportRepo) ImportChunk(ctx context.Context, importID int64, seq int) ([]byte, bool, error) {
	var rows []importChunkRow
	if err := r.db.conn(ctx).Where("import_id = ? AND seq = ?", importID, seq).Limit(1).Find(&rows).Error; err != nil {
		return nil, false, mapErr(err)
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	return rows[0].Data, true, nil
}

// ImportByID loads a job and its first row errors.
func (r *ImportRepo) ImportByID(ctx context.Context, id int64) (*domain.ImportJob, error) {
	var row importJobRow
	if err := r.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "import_not_found", "no import %d", id)
		}
		return nil, mapErr(err)
	}
	var errs []importErrorRow
	err := r.db.conn(ctx).Where("import_id = ?", id).Order("line, field").Limit(domain.MaxImportErrors).Find(&errs).Error
	if err != nil {
		return nil, mapErr(err)
	}
	j := row.toDomain()
	j.Errors = make([]domain.ImportRowError, len(errs))
	for i, e := range errs {
		j.Errors[i] = domain.ImportRowError{Line: e.Line, Field: e.Field, Message: e.Message}
	}
	return j, nil
}

// ListImports pages through jobs, newest first.
func (r *ImportRepo) ListImports(ctx context.Context, p domain.Page) ([]*domain.ImportJob, error) {
	q := r.db.conn(ctx)
	if p.After > 0 {
		q = q.Where("id < ?", p.After)
	}
	var rows []importJobRow
	if err := q.Order("id DESC").Limit(p.Limit).Find(&rows).Error; err != nil {
		return nil, mapErr(err)
	}
	out := make([]*domain.ImportJob, len(rows))
	for i, row := range rows {
		out[i] = row.toDomain()
	}
	return out, nil
}

// StartImport moves a queued job to running with one conditional UPDATE,
// so of two workers only one stamps the start; both then see the job.
func (r *ImportRepo) StartImport(ctx context.Context, id int64, now time.Time) (*domain.ImportJob, error) {
	err := r.db.conn(ctx).Model(&importJobRow{}).Where("id = ? AND status = ?", id, string(domain.ImportQueued)).
		Updates(map[string]any{"status": string(domain.ImportRunning), "started_at": utcTime(now)}).Error
	if err != nil {
		return nil, mapErr(err)
	}
	var row importJobRow
	if err := r.db.conn(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		if isNotFound(err) {
			return nil, domain.Errorf(domain.ENOTFOUND, "import_not_found", "no import %d", id)
		}
		return nil, mapErr(err)
	}
	return row.toDomain(), nil
}

// SaveImportProgress updates the counters of a running job and adds row
// errors, skipping those already stored (same line and field).
func (r *ImportRepo) SaveImportProgress(ctx context.Context, id int64, p domain.ImportProgress, errs []domain.ImportRowError) error {
	return r.db.WithinTx(ctx, func(ctx context.Context) error {
		err := r.db.conn(ctx).Model(&importJobRow{}).Where("id = ? AND status = ?", id, string(domain.ImportRunning)).
			Updates(progressColumns(p)).Error
		if err != nil || len(errs) == 0 {
			return mapErr(err)
		}
		rows := make([]importErrorRow, len(errs))
		for i, e := range errs {
			rows[i] = importErrorRow{ImportID: id, Line: e.Line, Field: cutRunes(e.Field, importFieldMax),
				Message: cutRunes(e.Message, importMessageMax)}
		}
		// INSERT IGNORE (MySQL) / INSERT OR IGNORE (SQLite): the primary key
		// (import_id, line, field) is the table's only unique key, so
		// nothing but the duplicate this is meant for is ignored.
		modifier := "IGNORE"
		if r.db.Dialect == DialectSQLite {
			modifier = "OR IGNORE"
		}
		return mapErr(r.db.conn(ctx).Clauses(clause.Insert{Modifier: modifier}).Create(&rows).Error)
	})
}

// FinishImport ends a job that has not ended yet and deletes its upload,
// which is no longer needed once the rows are in the catalog.
func (r *ImportRepo) FinishImport(ctx context.Context, id int64, status domain.ImportStatus, p domain.ImportProgress, errMsg string, now time.Time) (bool, error) {
	var won bool
	err := r.db.WithinTx(ctx, func(ctx context.Context) error {
		cols := progressColumns(p)
		cols["status"], cols["error"], cols["finished_at"] = string(status), cutRunes(errMsg, importErrorMax), utcTime(now)
		res := r.db.conn(ctx).Model(&importJobRow{}).
			Where("id = ? AND status IN ?", id, []string{string(domain.ImportQueued), string(domain.ImportRunning)}).Updates(cols)
		if res.Error != nil {
			return mapErr(res.Error)
		}
		if won = res.RowsAffected == 1; !won {
			return nil
		}
		return mapErr(r.db.conn(ctx).Where("import_id = ?", id).Delete(&importChunkRow{}).Error)
	})
	return won, err
}

func progressColumns(p domain.ImportProgress) map[string]any {
	return map[string]any{"rows_total": p.RowsTotal, "rows_done": p.RowsDone, "rows_ok": p.RowsOK, "rows_failed": p.RowsFailed}
}

// cutRunes shortens s to at most n runes, the unit of VARCHAR(n), and
// replaces invalid UTF-8 (a file in GBK, say), which MySQL would refuse.
func cutRunes(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
