package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// importPoll is how often the import's progress is read: often enough
// that the end is seen within a tenth of a second (at 50k rows in ~10 s,
// 1 %), rarely enough that the polls cost the worker nothing measurable.
const importPoll = 100 * time.Millisecond

// ImportStatus is what GET /v1/admin/imports/{id} says (the fields used).
type ImportStatus struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	RowsTotal  int    `json:"rows_total"`
	RowsDone   int    `json:"rows_done"`
	RowsOK     int    `json:"rows_ok"`
	RowsFailed int    `json:"rows_failed"`
	Error      string `json:"error"`
	Errors     []struct {
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// ImportRun is one import from upload to its end.
type ImportRun struct {
	Final ImportStatus
	// Upload is the POST's latency (spooling the file and storing it in
	// the database happen before the 202); Total runs from the POST to the
	// first poll that saw the import finished.
	Upload, Total time.Duration
	// Polls are the progress reads while the import ran: what an admin
	// page's progress bar gets while the worker writes.
	Polls []Sample
}

// done reports whether the import has ended, either way.
func (s ImportStatus) done() bool { return s.Status == "done" || s.Status == "failed" }

// importCSV uploads file as a catalog import (text/csv, as the README's
// curl does) and polls its progress until it ends or ctx does.
func (a *api) importCSV(ctx context.Context, token, fileName string, file []byte) (ImportRun, error) {
	var run ImportRun
	u := "/v1/admin/products/imports?file_name=" + url.QueryEscape(fileName)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+u, bytes.NewReader(file))
	if err != nil {
		return run, err
	}
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Authorization", "Bearer "+token)
	t0 := time.Now()
	// The shared client's 10 s timeout is for single API calls; a large
	// upload on a loaded machine gets its own bound from ctx.
	upload := *a.client
	upload.Timeout = 0
	resp, err := upload.Do(req)
	if err != nil {
		return run, fmt.Errorf("import upload: %w", err)
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	run.Upload = time.Since(t0)
	if resp.StatusCode != http.StatusAccepted {
		return run, fmt.Errorf("import upload: %d %s", resp.StatusCode, strings.TrimSpace(string(raw)))
	}
	if err := json.Unmarshal(raw, &run.Final); err != nil || run.Final.ID == "" {
		return run, fmt.Errorf("import upload: no id in %.200s (%v)", raw, err)
	}
	path := "/v1/admin/imports/" + url.PathEscape(run.Final.ID)
	tick := time.NewTicker(importPoll)
	defer tick.Stop()
	for !run.Final.done() {
		select {
		case <-ctx.Done():
			return run, fmt.Errorf("import %s: %d of %d rows done when stopped: %w",
				run.Final.ID, run.Final.RowsDone, run.Final.RowsTotal, ctx.Err())
		case <-tick.C:
		}
		start := time.Now()
		var st ImportStatus
		err := a.call(ctx, http.MethodGet, path, token, nil, &st)
		s := Sample{Start: start, Latency: time.Since(start), Code: http.StatusOK, URL: path}
		if err != nil {
			s.Code, s.Err = 0, err.Error()
		} else {
			run.Final = st
		}
		run.Polls = append(run.Polls, s)
	}
	run.Total = time.Since(t0)
	if run.Final.Status == "failed" {
		return run, fmt.Errorf("import %s failed: %s", run.Final.ID, run.Final.Error)
	}
	return run, nil
}

// ImportReport is the import scenario's line: the standard fields, with
// rps = rows_per_s (rows imported per second, upload to the end, the
// DESIGN §10 figure: 50k rows < 30 s is >= 1667 rows/s); p50/p99 are the
// progress reads' latencies during the import; errors are the rows the
// importer refused plus failed reads.
func ImportReport(run ImportRun) Report {
	polls := Summarize(run.Polls)
	rate := 0.0
	if run.Total > 0 {
		rate = round(float64(run.Final.RowsOK)/run.Total.Seconds(), 1)
	}
	return Report{
		Scenario: "import", RPS: rate, RowsPerS: rate,
		P50ms: ms(polls.P50), P99ms: ms(polls.P99), Errors: run.Final.RowsFailed + polls.Errors,
		MaxP50ms: ms(polls.P50), MaxP99ms: ms(polls.P99),
		Concurrency: 1, Requests: 1 + polls.Requests,
		Rows: run.Final.RowsTotal, ImportS: round(run.Total.Seconds(), 3), UploadMs: ms(run.Upload),
	}
}

// runImport uploads a generated catalog of sc.ImportRows new products
// (priced in the store) and waits for the import to finish.
func (sc Scenarios) runImport(ctx context.Context, a *api, admin string) (Report, error) {
	spec := CatalogSpec{Rows: sc.ImportRows, SKUPrefix: "IMP", BarcodePrefix: "6991", Store: sc.Store,
		Category: "bench-import", MinCents: 100, MaxCents: 9999}
	file, err := CatalogCSV(spec)
	if err != nil {
		return Report{}, err
	}
	fmt.Fprintf(sc.Log, "import set-up: %d rows, %.1f MiB of CSV\n", spec.Rows, float64(len(file))/(1<<20))
	ctx, cancel := context.WithTimeout(ctx, sc.ImportTimeout)
	defer cancel()
	stopRSS := sc.sampleRSS()
	stopProfile := sc.profile(ctx, "import")
	cpu0, db0, gen0 := sc.cpu()
	run, err := a.importCSV(ctx, admin, "bench.csv", file)
	cpu1, db1, gen1 := sc.cpu()
	stopProfile()
	r := ImportReport(run)
	r.RSSMB, r.RSSEndMB = mibs(stopRSS())
	if ok := run.Final.RowsOK; ok > 0 {
		// Per row, not per request: the import's cost is its rows.
		r.CPUms = round(ms(cpu1-cpu0)/float64(ok), 3)
		r.DBCPUms = round(ms(db1-db0)/float64(ok), 3)
		r.GenCPUms = round(ms(gen1-gen0)/float64(ok), 3)
	}
	fmt.Fprintf(sc.Log, "import          %d of %d rows ok (%d failed) in %.2f s (upload %.0f ms): %.0f rows/s; %d progress reads p50 %.2f p99 %.2f ms\n",
		run.Final.RowsOK, run.Final.RowsTotal, run.Final.RowsFailed, run.Total.Seconds(), ms(run.Upload), r.RowsPerS,
		len(run.Polls), r.P50ms, r.P99ms)
	for _, e := range run.Final.Errors[:min(3, len(run.Final.Errors))] {
		fmt.Fprintf(sc.Log, "import: line %d %s: %s\n", e.Line, e.Field, e.Message)
	}
	if err != nil {
		return r, err
	}
	if run.Final.RowsOK == 0 {
		return r, fmt.Errorf("import: no row imported")
	}
	return r, nil
}
