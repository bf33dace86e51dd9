// Package loadtest is the load generator behind `make bench` (DESIGN §9):
// it drives a running scanpay over HTTP with vegeta
// (github.com/tsenart/vegeta/v12, as a library) and reports one JSON line
// per scenario: {"scenario","rps","p50_ms","p99_ms","errors","ratio",...}.
//
// Each scenario runs three phases against the same service: a short warm-up
// (not reported), a closed-loop phase with a fixed number of concurrent
// shoppers going as fast as the service answers (its throughput is "rps"),
// and an open-loop phase at a fixed request rate (its latencies are "p50_ms"
// and "p99_ms", measured at "paced_rps"). A closed loop of 64 clients always
// waits about 64/rps per request, so only a paced phase says what latency a
// given load gets.
package loadtest

import (
	"encoding/json"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Sample is one request's outcome.
type Sample struct {
	Start   time.Time
	Latency time.Duration
	Code    int    // HTTP status; 0 when no answer came
	Err     string // transport error or HTTP status text; "" for a 2xx
	Reason  string // the problem+json reason of an error answer, if any
	URL     string // the target's URL (set by Attack), to tell targets apart
}

// OK reports whether the request succeeded: a 2xx answer.
func (s Sample) OK() bool { return s.Err == "" && s.Code >= 200 && s.Code < 300 }

// Summary is one phase's numbers.
type Summary struct {
	Requests int
	OK       int
	Errors   int
	// Span runs from the first request's start to the last answer.
	Span time.Duration
	// RPS is successful requests per second of Span.
	RPS      float64
	P50, P99 time.Duration
	Max      time.Duration
	// ErrorKinds counts errors by "status reason" (or transport error).
	ErrorKinds map[string]int
}

// Summarize computes a phase's throughput and latency percentiles. Latency
// percentiles are over every request, failed ones included: a fast error
// is not a fast scan, but leaving errors out would flatter a failing run.
func Summarize(samples []Sample) Summary {
	s := Summary{Requests: len(samples), ErrorKinds: map[string]int{}}
	if len(samples) == 0 {
		return s
	}
	lat := make([]time.Duration, len(samples))
	first, last := samples[0].Start, samples[0].Start.Add(samples[0].Latency)
	for i, x := range samples {
		lat[i] = x.Latency
		if x.Start.Before(first) {
			first = x.Start
		}
		if end := x.Start.Add(x.Latency); end.After(last) {
			last = end
		}
		if x.OK() {
			s.OK++
			continue
		}
		s.Errors++
		s.ErrorKinds[errorKind(x)]++
	}
	slices.Sort(lat)
	s.Span = last.Sub(first)
	if s.Span > 0 {
		s.RPS = float64(s.OK) / s.Span.Seconds()
	}
	s.P50, s.P99, s.Max = Percentile(lat, 0.50), Percentile(lat, 0.99), lat[len(lat)-1]
	return s
}

func errorKind(x Sample) string {
	if x.Code == 0 {
		return x.Err
	}
	k := strconv.Itoa(x.Code)
	if x.Reason != "" {
		k += " " + x.Reason
	}
	return k
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted
// latencies: the smallest value at least a fraction p of them do not
// exceed. It returns 0 for no values.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(n)))
	rank = min(max(rank, 1), n)
	return sorted[rank-1]
}

// Report is one scenario's JSON line. The first six fields are DESIGN §9's;
// the rest say how they were measured.
type Report struct {
	Scenario string  `json:"scenario"`
	RPS      float64 `json:"rps"`    // closed-loop throughput
	P50ms    float64 `json:"p50_ms"` // at PacedRPS
	P99ms    float64 `json:"p99_ms"` // at PacedRPS
	Errors   int     `json:"errors"` // over every measured phase
	Ratio    float64 `json:"ratio"`  // this rps / the floor's rps
	// PacedRPS is the open-loop rate the latencies were measured at, and
	// PacedAchieved what the service answered at that rate.
	PacedRPS      float64 `json:"paced_rps"`
	PacedAchieved float64 `json:"paced_achieved_rps"`
	// MaxP50ms and MaxP99ms are the closed-loop (saturated) latencies.
	MaxP50ms    float64 `json:"max_p50_ms"`
	MaxP99ms    float64 `json:"max_p99_ms"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	// RSSMB is the service's peak resident memory sampled during the
	// scenario (VmRSS, MiB); 0 when not sampled.
	RSSMB float64 `json:"rss_mb,omitempty"`
	// RSSEndMB is the service's VmRSS (MiB) sampled as the scenario ends,
	// after its paced phase: DESIGN §10's memory figure for scan.
	RSSEndMB float64 `json:"rss_end_mb,omitempty"`
	// CPUms and DBCPUms are the CPU milliseconds the service and the
	// database server spent per successful request in the closed-loop
	// phase (the database's includes anything else it served meanwhile).
	CPUms   float64 `json:"cpu_ms_per_req,omitempty"`
	DBCPUms float64 `json:"db_cpu_ms_per_req,omitempty"`
	// GenCPUms is this process's: vegeta and the in-process fakes (WeChat
	// Pay signs every answer), which share the machine's cores.
	GenCPUms float64 `json:"gen_cpu_ms_per_req,omitempty"`
	// WarmupErrors are the warm-up's errors, not counted in Errors.
	WarmupErrors int `json:"warmup_errors"`
	// ApplyS (notify_apply only) runs from the first notification sent to
	// the last order paid; TailMs from the last notification accepted to
	// the last order paid: how far the worker trailed the webhook.
	ApplyS float64 `json:"apply_s,omitempty"`
	TailMs float64 `json:"tail_ms,omitempty"`
	// RowsPerS (import only; its rps too) is rows imported per second
	// from the upload's start to the first progress read that saw the
	// import done; Rows the file's rows, ImportS that time, UploadMs the
	// upload's part of it (answered 202 once the file is stored).
	RowsPerS float64 `json:"rows_per_s,omitempty"`
	Rows     int     `json:"rows,omitempty"`
	ImportS  float64 `json:"import_s,omitempty"`
	UploadMs float64 `json:"upload_ms,omitempty"`
}

// NewReport builds a scenario's line from its closed-loop (max) and paced
// phases.
func NewReport(scenario string, concurrency int, maxPhase, paced Summary, pacedRate int) Report {
	return Report{
		Scenario: scenario, RPS: round(maxPhase.RPS, 1),
		P50ms: ms(paced.P50), P99ms: ms(paced.P99),
		Errors:   maxPhase.Errors + paced.Errors,
		PacedRPS: float64(pacedRate), PacedAchieved: round(paced.RPS, 1),
		MaxP50ms: ms(maxPhase.P50), MaxP99ms: ms(maxPhase.P99),
		Concurrency: concurrency, Requests: maxPhase.Requests + paced.Requests,
	}
}

// Ratio is rps over the floor's rps, to two decimals; 0 when the floor
// did nothing.
func Ratio(rps, floorRPS float64) float64 {
	if floorRPS <= 0 {
		return 0
	}
	return round(rps/floorRPS, 2)
}

// WriteLine writes r as one JSON line.
func (r Report) WriteLine(w io.Writer) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// TopErrors lists up to n error kinds, most frequent first, as "kind ×count".
func (s Summary) TopErrors(n int) string {
	kinds := make([]string, 0, len(s.ErrorKinds))
	for k := range s.ErrorKinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		a, b := s.ErrorKinds[kinds[i]], s.ErrorKinds[kinds[j]]
		return a > b || a == b && kinds[i] < kinds[j]
	})
	if len(kinds) > n {
		kinds = kinds[:n]
	}
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = k + " ×" + strconv.Itoa(s.ErrorKinds[k])
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) float64 { return round(float64(d)/float64(time.Millisecond), 2) }

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}
