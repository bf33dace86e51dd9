package loadtest

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// actorGuard fails the test when two flows use one actor at once.
type actorGuard struct {
	mu    sync.Mutex
	busy  map[int]bool
	calls int
	clash bool
}

func (g *actorGuard) flow(ctx context.Context, a int) Sample {
	g.mu.Lock()
	g.clash = g.clash || g.busy[a]
	g.busy[a] = true
	g.calls++
	g.mu.Unlock()
	start := time.Now()
	time.Sleep(2 * time.Millisecond)
	g.mu.Lock()
	g.busy[a] = false
	g.mu.Unlock()
	return Sample{Start: start, Latency: time.Since(start), Code: 200}
}

// The closed loop keeps every actor busy for the phase and no longer; no
// actor ever runs two flows at once.
func TestRunFlowClosedLoop(t *testing.T) {
	g := &actorGuard{busy: map[int]bool{}}
	t0 := time.Now()
	samples := RunFlow(context.Background(), Phase{Duration: 100 * time.Millisecond}, []int{1, 2, 3}, g.flow)
	took := time.Since(t0)
	if g.clash {
		t.Fatal("an actor ran two flows at once")
	}
	// Three actors × about 100 ms / 2 ms each.
	if len(samples) != g.calls || len(samples) < 30 || len(samples) > 160 {
		t.Fatalf("%d samples (%d calls)", len(samples), g.calls)
	}
	if took < 100*time.Millisecond || took > time.Second {
		t.Fatalf("took %s", took)
	}
}

// The paced loop starts flows at the rate while actors are free, and
// waits for a free actor rather than sharing one.
func TestRunFlowPaced(t *testing.T) {
	g := &actorGuard{busy: map[int]bool{}}
	samples := RunFlow(context.Background(), Phase{Duration: 300 * time.Millisecond, Rate: 100}, []int{1, 2}, g.flow)
	if g.clash {
		t.Fatal("an actor ran two flows at once")
	}
	if n := len(samples); n < 15 || n > 32 {
		t.Fatalf("%d flows at 100/s over 300 ms, want about 30", n)
	}
	// One actor and flows slower than the rate: the rate is not reached.
	slow := func(ctx context.Context, a int) Sample { time.Sleep(20 * time.Millisecond); return Sample{Code: 200} }
	if n := len(RunFlow(context.Background(), Phase{Duration: 200 * time.Millisecond, Rate: 1000}, []int{1}, slow)); n > 12 {
		t.Fatalf("%d flows with one 20 ms actor in 200 ms", n)
	}
}

// An ended context stops both loops at once.
func TestRunFlowStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := &actorGuard{busy: map[int]bool{}}
	for _, rate := range []int{0, 50} {
		if s := RunFlow(ctx, Phase{Duration: time.Hour, Rate: rate}, []int{1}, g.flow); len(s) > 1 {
			t.Fatalf("rate %d: %d flows after cancel", rate, len(s))
		}
	}
}

type stubPayer struct {
	mu   sync.Mutex
	paid []string
	fail string // an order whose notification cannot be built
}

func (p *stubPayer) MarkPaid(no string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.paid = append(p.paid, no)
	return nil
}

func (p *stubPayer) Notification(no string) (http.Header, []byte, error) {
	if no == p.fail {
		return nil, nil, errors.New("no such order")
	}
	return http.Header{"Wechatpay-Signature": {"sig-" + no}}, []byte(`{"order":"` + no + `"}`), nil
}

// Every order is paid and gets its own target, handed out once; samples
// map back to their orders by URL, and only 204 counts as accepted.
func TestNotifyBatch(t *testing.T) {
	payer := &stubPayer{}
	orders := []string{"A", "B", "C", "D"}
	b, err := BuildNotifications(context.Background(), payer, "http://svc", orders)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(payer.paid)
	if !slices.Equal(payer.paid, orders) {
		t.Fatalf("paid %v", payer.paid)
	}
	tr := b.Targeter(1, 3)
	var got []string
	var tg vegeta.Target
	for tr(&tg) == nil {
		if !strings.HasPrefix(tg.URL, "http://svc"+WebhookPath+"?bench=") || tg.Method != http.MethodPost {
			t.Fatalf("target %s %s", tg.Method, tg.URL)
		}
		got = append(got, string(tg.Body)+" "+tg.Header.Get("Wechatpay-Signature"))
	}
	if want := []string{`{"order":"B"} sig-B`, `{"order":"C"} sig-C`}; !slices.Equal(got, want) {
		t.Fatalf("targets %v, want %v", got, want)
	}
	if err := tr(&tg); !errors.Is(err, vegeta.ErrNoTargets) {
		t.Fatalf("after the last: %v", err)
	}

	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	samples := NotifySamples([]Sample{
		{URL: b.targets[0].URL, Start: t0, Latency: 5 * time.Millisecond, Code: 204},
		{URL: b.targets[1].URL, Start: t0, Latency: time.Millisecond, Code: 200},               // not 204
		{URL: b.targets[2].URL, Start: t0, Latency: time.Millisecond, Code: 401, Err: "401 x"}, // refused
		{Start: t0, Err: vegeta.ErrNoTargets.Error()},                                          // no request
		{URL: b.targets[3].URL + "&x", Start: t0.Add(time.Second), Latency: time.Millisecond, Code: 204},
	})
	if s := Summarize(samples); s.Requests != 4 || s.Errors != 2 || s.OK != 2 {
		t.Fatalf("summary %+v", s)
	}
	acc := b.Accepted(samples)
	if len(acc) != 2 || !acc["A"].Equal(t0.Add(5*time.Millisecond)) || !acc["D"].Equal(t0.Add(time.Second+time.Millisecond)) {
		t.Fatalf("accepted %v", acc)
	}

	payer.fail = "C"
	if _, err := BuildNotifications(context.Background(), payer, "http://svc", orders); err == nil {
		t.Fatal("a notification that cannot be built went unnoticed")
	}
}

func TestComputeApply(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	orders := []string{"A", "B", "C", "D", "E"}
	accepted := map[string]time.Time{"A": at(10), "B": at(20), "C": at(30), "D": at(40)} // E refused
	applied := []Applied{
		{OrderNo: "A", At: at(110), Source: "notification"},
		{OrderNo: "B", At: at(15), Source: "notification"}, // recorded before its 204 arrived: lag 0
		{OrderNo: "C", At: at(400), Source: "notification"},
		{OrderNo: "C", At: at(900), Source: "query"},         // a later second payment: ignored
		{OrderNo: "D", At: at(500), Source: "query"},         // the reconcile sweep came first
		{OrderNo: "X", At: at(2000), Source: "notification"}, // not ours
	}
	r := ComputeApply(orders, t0, accepted, applied)
	if r.Orders != 5 || r.Applied != 4 || r.ByQuery != 1 {
		t.Fatalf("counts %+v", r)
	}
	if r.Span != 500*time.Millisecond || r.Tail != 460*time.Millisecond || r.Rate != 8 {
		t.Fatalf("span %s tail %s rate %v", r.Span, r.Tail, r.Rate)
	}
	want := []time.Duration{0, 100 * time.Millisecond, 370 * time.Millisecond}
	if !slices.Equal(r.Lag, want) {
		t.Fatalf("lag %v, want %v", r.Lag, want)
	}
	if z := ComputeApply(orders, t0, accepted, nil); z.Applied != 0 || z.Rate != 0 || z.Span != 0 || len(z.Lag) != 0 {
		t.Fatalf("nothing applied: %+v", z)
	}
}
