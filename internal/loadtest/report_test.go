package loadtest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"one value", ms(7), 0.99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 0.5, 2 * time.Millisecond},
		{"median of five is the third", ms(1, 2, 3, 4, 5), 0.5, 3 * time.Millisecond},
		{"p99 of 1..100 is 99", ms(hundred...), 0.99, 99 * time.Millisecond},
		{"p50 of 1..100 is 50", ms(hundred...), 0.50, 50 * time.Millisecond},
		{"p100 is the max", ms(hundred...), 1, 100 * time.Millisecond},
		{"p99 of ten is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.99, 10 * time.Millisecond},
		{"tiny p is the min", ms(3, 4), 0.0001, 3 * time.Millisecond},
	}
	for _, c := range cases {
		if got := Percentile(c.sorted, c.p); got != c.want {
			t.Errorf("%s: Percentile(%v) = %v, want %v", c.name, c.p, got, c.want)
		}
	}
}

func TestSummarize(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var samples []Sample
	// 100 requests started 10 ms apart, latencies 1..100 ms; four fail.
	for i := range 100 {
		s := Sample{Start: t0.Add(time.Duration(i) * 10 * time.Millisecond), Latency: time.Duration(i+1) * time.Millisecond, Code: 201}
		switch i {
		case 10, 20:
			s.Code, s.Err, s.Reason = 422, "422 Unprocessable Entity", "cap_basket_amount"
		case 30:
			s.Code, s.Err = 0, "connection refused"
		case 40:
			s.Code, s.Err = 500, "500 Internal Server Error"
		}
		samples = append(samples, s)
	}
	s := Summarize(samples)
	// The last request starts at 990 ms and takes 100 ms: span 1.09 s.
	if s.Requests != 100 || s.OK != 96 || s.Errors != 4 || s.Span != 1090*time.Millisecond {
		t.Fatalf("counts: %+v", s)
	}
	if want := 96 / 1.09; s.RPS < want-1e-9 || s.RPS > want+1e-9 {
		t.Errorf("RPS = %v, want %v", s.RPS, want)
	}
	if s.P50 != 50*time.Millisecond || s.P99 != 99*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("latencies p50 %v p99 %v max %v", s.P50, s.P99, s.Max)
	}
	if got, want := s.TopErrors(2), "422 cap_basket_amount ×2, 500 ×1"; got != want {
		t.Errorf("TopErrors = %q, want %q", got, want)
	}
	if s.ErrorKinds["connection refused"] != 1 {
		t.Errorf("transport errors: %v", s.ErrorKinds)
	}
	if empty := Summarize(nil); empty.Requests != 0 || empty.RPS != 0 || empty.P99 != 0 {
		t.Errorf("empty summary: %+v", empty)
	}
}

func TestReportLine(t *testing.T) {
	maxPhase := Summary{Requests: 30000, Errors: 1, RPS: 3012.3456, P50: 20_456 * time.Microsecond, P99: 41_999 * time.Microsecond}
	paced := Summary{Requests: 24000, Errors: 2, RPS: 2999.95, P50: 3_204 * time.Microsecond, P99: 12_345_678 * time.Nanosecond}
	r := NewReport("scan", 64, maxPhase, paced, 3000)
	r.Ratio = Ratio(r.RPS, 4567.8)
	r.RSSMB, r.RSSEndMB = mibs(48_500_000, 47_000_000)
	var buf bytes.Buffer
	if err := r.WriteLine(&buf); err != nil {
		t.Fatal(err)
	}
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.HasSuffix(line, "\n") {
		t.Fatalf("not one line: %q", line)
	}
	want := `{"scenario":"scan","rps":3012.3,"p50_ms":3.2,"p99_ms":12.35,"errors":3,"ratio":0.66,` +
		`"paced_rps":3000,"paced_achieved_rps":3000,"max_p50_ms":20.46,"max_p99_ms":42,` +
		`"concurrency":64,"requests":54000,"rss_mb":46.3,"rss_end_mb":44.8,"warmup_errors":0}` + "\n"
	if line != want {
		t.Fatalf("line\n got %s want %s", line, want)
	}
	// DESIGN §9's keys come first, in order.
	var keys []string
	dec := json.NewDecoder(strings.NewReader(line))
	_, _ = dec.Token()
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var v any
		_ = dec.Decode(&v)
	}
	if got := strings.Join(keys[:6], ","); got != "scenario,rps,p50_ms,p99_ms,errors,ratio" {
		t.Errorf("leading keys %s", got)
	}
}

func TestRatio(t *testing.T) {
	for _, c := range []struct{ rps, floor, want float64 }{
		{3000, 5000, 0.6},
		{2999, 5000, 0.6}, // 0.5998 rounds to two places
		{1000, 3000, 0.33},
		{2000, 3000, 0.67},
		{10, 0, 0},
	} {
		if got := Ratio(c.rps, c.floor); got != c.want {
			t.Errorf("Ratio(%v, %v) = %v, want %v", c.rps, c.floor, got, c.want)
		}
	}
}

func TestParseCents(t *testing.T) {
	for in, want := range map[string]int64{"5000.00": 500000, "12.3": 1230, "7": 700, "0.05": 5} {
		if got, err := parseCents(in); err != nil || got != want {
			t.Errorf("parseCents(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.234", "abc", "-1.00", "1.x"} {
		if _, err := parseCents(bad); err == nil {
			t.Errorf("parseCents(%q) accepted", bad)
		}
	}
}

func TestPacedRate(t *testing.T) {
	if got := pacedRateFor(4500, 3000); got != 3000 {
		t.Errorf("target reached: %d, want 3000", got)
	}
	if got := pacedRateFor(2000, 3000); got != 1600 {
		t.Errorf("target missed: %d, want 80%% of 2000", got)
	}
	if got := pacedRateFor(100, 0); got != 80 {
		t.Errorf("no target: %d, want 80%% of 100", got)
	}
	if got := pacedRateFor(0, 500); got != 1 {
		t.Errorf("nothing reached: %d, want the floor of 1/s", got)
	}
}
