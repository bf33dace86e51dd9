package app

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/scanpay/scanpay/domain"
)

// maxBatchAttempts bounds the retries of a batch whose write lost a race
// (another writer took a SKU or barcode between our read and our write).
const maxBatchAttempts = 3

// Run is the job behind TaskImportProducts. A finished job is left alone;
// a queued or running one is read from the start (re-upserting rows an
// earlier run saved changes nothing), so asynq may run it any number of
// times. A file refused as a whole fails the import and returns nil; an
// error means "try again later" (database down, worker stopping).
func (im *Imports) Run(ctx context.Context, id int64) error {
	job, err := im.d.Imports.StartImport(ctx, id, im.d.Clock.Now())
	if err != nil || job.Status.Finished() {
		return err
	}
	staff, err := im.d.Staff.StaffByID(ctx, job.StaffID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return im.fail(ctx, job, domain.ImportProgress{}, "the staff account that uploaded the file no longer exists")
	}
	if err != nil {
		return err
	}
	if err := staff.Authorize(domain.RoleManager, ""); err != nil {
		return im.fail(ctx, job, domain.ImportProgress{}, "the uploader may no longer import: "+domain.ErrorMessage(err))
	}
	total, err := im.countRows(ctx, job)
	if msg, ok := isFileError(err); ok {
		return im.fail(ctx, job, domain.ImportProgress{}, msg)
	}
	if err != nil {
		return err
	}
	p := domain.ImportProgress{RowsTotal: total}
	if err := im.d.Imports.SaveImportProgress(ctx, job.ID, p, nil); err != nil {
		return err
	}
	r := &importRun{im: im, job: job, staff: staff, progress: p, stores: map[string]storeRef{}}
	if err := r.rows(ctx); err != nil {
		if msg, ok := isFileError(err); ok {
			return im.fail(ctx, job, r.progress, msg)
		}
		return err
	}
	r.progress.RowsTotal = r.progress.RowsDone
	_, err = im.d.Imports.FinishImport(ctx, job.ID, domain.ImportDone, r.progress, "", im.d.Clock.Now())
	return err
}

// countRows reads the file once without touching the catalog: it checks
// the header and that the file is CSV at all (so a file of garbage fails
// before any row is written) and counts the rows for progress reports.
func (im *Imports) countRows(ctx context.Context, job *domain.ImportJob) (int, error) {
	src := &chunkReader{ctx: ctx, repo: im.d.Imports, id: job.ID}
	recs, err := openCSV(src)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if _, err := recs.next(); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		n++
	}
	if src.total != job.SizeBytes {
		return 0, fileErrorf("the stored upload is incomplete (%d of %d bytes); upload the file again", src.total, job.SizeBytes)
	}
	return n, nil
}

// importRun is one pass over the rows of an import.
type importRun struct {
	im       *Imports
	job      *domain.ImportJob
	staff    *domain.Staff
	progress domain.ImportProgress
	stored   int                 // row errors saved so far
	stores   map[string]storeRef // store codes of the file, resolved once
}

// pendingRow is a row waiting for its batch: parsed, or already failed.
type pendingRow struct {
	row  ImportRow
	errs domain.Fields
}

func (r *importRun) rows(ctx context.Context) error {
	recs, err := openCSV(&chunkReader{ctx: ctx, repo: r.im.d.Imports, id: r.job.ID})
	if err != nil {
		return err
	}
	batch := make([]pendingRow, 0, r.im.d.BatchSize)
	for {
		rec, err := recs.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		var pr pendingRow
		if rec.Err != nil {
			pr = pendingRow{row: ImportRow{Line: rec.Line}, errs: domain.Fields{{Field: rec.Err.Field, Message: rec.Err.Message}}}
		} else {
			pr.row, pr.errs = parseRow(recs.header, rec.Line, rec.Fields)
		}
		if batch = append(batch, pr); len(batch) == r.im.d.BatchSize {
			if err := r.flush(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		return r.flush(ctx, batch)
	}
	return nil
}

// flush checks and saves one batch and the progress in one transaction,
// so the counters always match what is in the catalog.
func (r *importRun) flush(ctx context.Context, batch []pendingRow) error {
	if err := r.resolveStores(ctx, batch); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		var p domain.ImportProgress
		var stored int
		err := r.im.d.Tx.WithinTx(ctx, func(ctx context.Context) error {
			p, stored = r.progress, r.stored
			st, err := r.load(ctx, batch)
			if err != nil {
				return err
			}
			var errs []domain.ImportRowError
			for _, pr := range batch {
				fe := pr.errs
				if len(fe) == 0 {
					fe = st.apply(pr.row, r.store)
				}
				p.RowsDone++
				if len(fe) == 0 {
					p.RowsOK++
					continue
				}
				p.RowsFailed++
				for _, e := range rowErrors(pr.row.Line, fe) {
					if stored < domain.MaxImportErrors {
						errs = append(errs, e)
						stored++
					}
				}
			}
			if err := r.im.d.Catalog.SaveCatalogBatch(ctx, st.changes()); err != nil {
				return err
			}
			return r.im.d.Imports.SaveImportProgress(ctx, r.job.ID, p, errs)
		})
		if err == nil {
			r.progress, r.stored = p, stored
			return nil
		}
		if domain.ErrorCode(err) != domain.ECONFLICT || attempt == maxBatchAttempts {
			return err
		}
	}
}

// load reads what the batch's rows may change: their products (locked),
// the owners of their barcodes and the items of their stores.
func (r *importRun) load(ctx context.Context, batch []pendingRow) (*catalogState, error) {
	var skus, gtins []string
	var storeIDs []int64
	seenStore := map[int64]bool{}
	for _, pr := range batch {
		if len(pr.errs) > 0 {
			continue
		}
		skus = append(skus, strings.TrimSpace(pr.row.SKU))
		for _, raw := range pr.row.Barcodes {
			if bc, err := domain.ParseBarcode(raw); err == nil {
				gtins = append(gtins, bc.GTIN)
			}
		}
		if ref := r.stores[pr.row.StoreCode]; ref.store != nil && !seenStore[ref.store.ID] {
			seenStore[ref.store.ID] = true
			storeIDs = append(storeIDs, ref.store.ID)
		}
	}
	products, err := r.im.d.Catalog.LockProductsBySKU(ctx, skus)
	if err != nil {
		return nil, err
	}
	owners, err := r.im.d.Catalog.BarcodeOwners(ctx, gtins)
	if err != nil {
		return nil, err
	}
	productIDs := make([]int64, len(products))
	for i, p := range products {
		productIDs[i] = p.ID
	}
	items, err := r.im.d.Catalog.StoreItemsOf(ctx, storeIDs, productIDs)
	if err != nil {
		return nil, err
	}
	return newCatalogState(products, owners, items, r.im.d.IDs.NewID, r.im.d.Clock.Now()), nil
}

// store returns a store code resolved by resolveStores.
func (r *importRun) store(code string) storeRef {
	if ref, ok := r.stores[code]; ok {
		return ref
	}
	return storeRef{err: "no store has code " + cut(code, 20)}
}

// resolveStores looks up the store codes of a batch not seen before: a
// code no store has, or a store the uploader does not manage, becomes the
// error of every row naming it; a database failure stops the batch.
func (r *importRun) resolveStores(ctx context.Context, batch []pendingRow) error {
	for _, pr := range batch {
		code := pr.row.StoreCode
		if _, done := r.stores[code]; done || code == "" || len(pr.errs) > 0 {
			continue
		}
		st, err := r.im.d.Stores.StoreByCode(ctx, code)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			r.stores[code] = storeRef{err: fmt.Sprintf("no store has code %s", cut(code, 20))}
		case err != nil:
			return err
		default:
			if aerr := r.staff.Authorize(domain.RoleManager, st.Code); aerr != nil {
				r.stores[code] = storeRef{err: domain.ErrorMessage(aerr)}
			} else {
				r.stores[code] = storeRef{store: st}
			}
		}
	}
	return nil
}
