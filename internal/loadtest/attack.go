package loadtest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Phase is one timed attack.
type Phase struct {
	Name     string
	Duration time.Duration
	// Workers is the number of concurrent clients. With Rate 0 they form a
	// closed loop: each sends its next request when the last is answered.
	Workers int
	// Rate is requests per second (open loop: requests leave on schedule
	// whether or not earlier ones were answered, with up to MaxWorkers in
	// flight); 0 means as fast as Workers allow.
	Rate       int
	MaxWorkers int // for Rate > 0; 0 means 8 × Workers
}

// NewClient returns the HTTP client every phase shares, so keep-alive
// connections carry over from one phase to the next as a real client's do.
func NewClient(maxConns int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        maxConns,
			MaxIdleConnsPerHost: maxConns,
			// Below the service's 30 s ReadTimeout: a keep-alive
			// connection left idle since an earlier scenario was answered
			// with an unsolicited 400 request_timeout as the service closed
			// it (seen before the import scenario), and a request sent on
			// it at that moment would take that for its answer. Closing
			// idle connections first keeps it out of the figures.
			IdleConnTimeout:    20 * time.Second,
			DisableCompression: true,
		},
	}
}

// Attack runs one phase with vegeta and returns every request's sample.
// It stops early when ctx ends or the targeter fails (the failure is the
// last sample's Err).
func Attack(ctx context.Context, client *http.Client, ph Phase, tr vegeta.Targeter) []Sample {
	workers := uint64(max(ph.Workers, 1))
	maxWorkers := workers
	if ph.Rate > 0 {
		maxWorkers = uint64(ph.MaxWorkers)
		if maxWorkers == 0 {
			maxWorkers = 8 * workers
		}
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(client),
		vegeta.Workers(workers),
		vegeta.MaxWorkers(maxWorkers),
		// Enough of an error answer to read its reason; 2xx bodies are
		// drained and dropped.
		vegeta.MaxBody(512),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	rate := vegeta.Rate{Freq: ph.Rate, Per: time.Second}
	var out []Sample
	if ph.Rate > 0 {
		out = make([]Sample, 0, int(float64(ph.Rate)*ph.Duration.Seconds())+16)
	}
	for res := range atk.Attack(tr, rate, ph.Duration, ph.Name) {
		s := Sample{Start: res.Timestamp, Latency: res.Latency, Code: int(res.Code), Err: res.Error, URL: res.URL}
		if !s.OK() {
			s.Reason = problemReason(res.Body)
		}
		out = append(out, s)
	}
	return out
}

// problemReason reads the reason of a problem+json answer (DESIGN §5).
func problemReason(body []byte) string {
	var p struct {
		Reason string `json:"reason"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return p.Reason
}
