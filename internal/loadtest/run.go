package loadtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scenarios describes a run of the scenarios (scan, floor, cart_get,
// checkout, notify, import) against a service that is already up.
type Scenarios struct {
	BaseURL string
	Store   string
	// AdminUser and AdminPassword log in the staff account that reads the
	// store's caps and catalog.
	AdminUser, AdminPassword string
	// LoginCode returns the wx.login code of pool shopper i.
	LoginCode func(i int) string
	// Shoppers scan (or check out) at once (DESIGN §10: 64); Pool is how
	// many scan shoppers are logged in with a visit open, so full carts can
	// be replaced (>= Shoppers). Checkout has Shoppers more of its own.
	Shoppers, Pool int
	// MaxPriceCents keeps dear products out, so a cart takes many scans
	// before it reaches the basket cap.
	MaxPriceCents int64
	// Warmup runs before each scenario's measured phases; Duration is the
	// length of each measured phase.
	Warmup, Duration time.Duration
	// Rate is scan's and floor's paced rate; 0 means TargetRPS when the
	// scan's closed-loop throughput reaches it, else 80 % of that.
	Rate, TargetRPS int
	// FloorPath is the floor handler's path.
	FloorPath string
	// RSS, when set, reads the service's resident memory in bytes; it is
	// sampled during each scenario's measured phases.
	RSS func() (int64, error)
	// CPU, when set, reads the CPU time used so far by the service and by
	// the database server (0 when unknown); the closed-loop phase reports
	// both per successful request.
	CPU func() (service, db time.Duration)
	// Profile, when set, runs alongside the closed-loop phase of scenario
	// ProfileScenario (default scan; for notify, alongside the firing and
	// applying) with that phase's length (e.g. to take a CPU profile).
	Profile         func(ctx context.Context, d time.Duration) error
	ProfileScenario string
	// Only names the scenarios to run, in this order: scan, floor,
	// cart_get, checkout, notify, import; empty runs them all.
	Only []string
	// CartMinLines and CartMaxLines bound the lines of cart_get's carts
	// (each of its Shoppers has one, sizes spread evenly between them).
	CartMinLines, CartMaxLines int
	// ImportRows is the import scenario's file size in rows (DESIGN §10:
	// 50k); ImportTimeout bounds the upload and the wait for the end.
	ImportRows    int
	ImportTimeout time.Duration
	// CheckoutTarget is the checkout target in orders/s (DESIGN §10: 500);
	// the checkout's paced phase runs at it when the closed loop reached it,
	// else at 80 % of what it reached.
	CheckoutTarget int
	// NotifyOrders is how many orders the notify scenario pays and
	// notifies (the newest the checkout made, topped up as needed);
	// NotifyTarget is the accepted/s target (DESIGN §10: 2000), the
	// rate of its paced half when reached; ApplyTimeout bounds the wait
	// until every notified order is paid.
	NotifyOrders, NotifyTarget int
	ApplyTimeout               time.Duration
	// Payer and Ledger are WeChat Pay's side and the service's database,
	// for the notify scenario.
	Payer  Payer
	Ledger Ledger
	// Log gets one progress line per phase.
	Log io.Writer
}

// RunScenarios runs the chosen scenarios (Only) and returns their
// reports in the order scan, floor, cart_get, checkout, notify,
// notify_apply, import; scan's, floor's and cart_get's ratio filled in
// when the floor ran.
func RunScenarios(ctx context.Context, sc Scenarios) ([]Report, error) {
	if sc.Log == nil {
		sc.Log = io.Discard
	}
	run := map[string]bool{}
	for _, n := range sc.Only {
		if !slices.Contains(scenarioNames, n) {
			return nil, fmt.Errorf("unknown scenario %q (have %s)", n, strings.Join(scenarioNames, ", "))
		}
		run[n] = true
	}
	if len(run) == 0 {
		for _, n := range scenarioNames {
			run[n] = true
		}
	}
	client := NewClient(8 * sc.Shoppers)
	defer client.CloseIdleConnections()
	a := &api{base: sc.BaseURL, client: client}
	admin, err := a.staffLogin(ctx, sc.AdminUser, sc.AdminPassword)
	if err != nil {
		return nil, err
	}
	caps, err := a.storeCaps(ctx, admin, sc.Store)
	if err != nil {
		return nil, err
	}
	products, err := a.scannable(ctx, admin, sc.Store, sc.MaxPriceCents)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(sc.Log, "set-up: %d scannable products, caps %+v\n", len(products), caps)
	var out []Report
	if run["scan"] || run["floor"] {
		if out, err = sc.runScan(ctx, a, run, products, caps); err != nil {
			return out, err
		}
	}
	if run["cart_get"] {
		floorRPS := 0.0
		for _, r := range out {
			if r.Scenario == "floor" {
				floorRPS = r.RPS
			}
		}
		r, err := sc.runCartGet(ctx, a, admin, floorRPS)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	if run["checkout"] || run["notify"] {
		pay, err := sc.runPayments(ctx, a, run, products)
		if out = append(out, pay...); err != nil {
			return out, err
		}
	}
	// Last: its 50k new products would change what the others scan and
	// read, and its worker load would spill into them.
	if run["import"] {
		r, err := sc.runImport(ctx, a, admin)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// scenarioNames are the scenarios in the order they run.
var scenarioNames = []string{"scan", "floor", "cart_get", "checkout", "notify", "import"}

// runScan runs scan and floor (either or both) with the pool of shoppers.
func (sc Scenarios) runScan(ctx context.Context, a *api, run map[string]bool, products []Product, caps Caps) ([]Report, error) {
	attack := func(tr vegeta.Targeter) func(Phase) []Sample {
		return func(ph Phase) []Sample { return Attack(ctx, a.client, ph, tr) }
	}
	var out []Report
	rate := sc.Rate
	if run["scan"] {
		t0 := time.Now()
		pool, err := a.shoppers(ctx, sc.Pool, sc.Store, sc.LoginCode)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(sc.Log, "scan set-up: %d shoppers logged in with a visit in %s\n", len(pool), time.Since(t0).Round(time.Millisecond))
		plan, err := NewScanPlan(sc.BaseURL, sc.Store, products, caps, pool, sc.Shoppers)
		if err != nil {
			return nil, err
		}
		scan, pacedRate, err := sc.scenario(ctx, "scan", sc.Shoppers, attack(plan.Targeter()), sc.Rate, sc.TargetRPS)
		if err != nil {
			return nil, err
		}
		carts, scans := plan.Used()
		fmt.Fprintf(sc.Log, "scan: %d scans into %d carts\n", scans, carts)
		out, rate = append(out, scan), pacedRate
	}
	if run["floor"] {
		floor, _, err := sc.scenario(ctx, "floor", sc.Shoppers, attack(FloorTargeter(sc.BaseURL, sc.FloorPath, sc.Store)), rate, sc.TargetRPS)
		if err != nil {
			return out, err
		}
		floor.Ratio = 1
		if len(out) == 1 {
			out[0].Ratio = Ratio(out[0].RPS, floor.RPS)
		}
		out = append(out, floor)
	}
	return out, nil
}

// scenario runs warm-up, the closed-loop phase and the paced phase (at
// rate, or chosen from the closed-loop throughput and target when 0)
// through attack, sampling RSS and CPU, and returns its report and the
// paced rate.
func (sc Scenarios) scenario(ctx context.Context, name string, concurrency int, attack func(Phase) []Sample,
	rate, target int) (Report, int, error) {
	run := func(ph Phase) Summary { return sc.logPhase(ph.Name, Summarize(attack(ph))) }
	var warm Summary
	if sc.Warmup > 0 {
		warm = run(Phase{Name: name + "/warmup", Duration: sc.Warmup, Workers: sc.Shoppers})
	}
	stopRSS := sc.sampleRSS()
	stopProfile := sc.profile(ctx, name)
	cpu0, db0, gen0 := sc.cpu()
	maxPhase := run(Phase{Name: name + "/max", Duration: sc.Duration, Workers: sc.Shoppers})
	cpu1, db1, gen1 := sc.cpu()
	stopProfile()
	pacedRate := rate
	if pacedRate == 0 {
		pacedRate = pacedRateFor(maxPhase.RPS, target)
	}
	paced := run(Phase{Name: name + "/paced", Duration: sc.Duration, Workers: sc.Shoppers, Rate: pacedRate})
	r := NewReport(name, concurrency, maxPhase, paced, pacedRate)
	r.RSSMB, r.RSSEndMB = mibs(stopRSS())
	r.WarmupErrors = warm.Errors
	if maxPhase.OK > 0 {
		r.CPUms = round(ms(cpu1-cpu0)/float64(maxPhase.OK), 3)
		r.DBCPUms = round(ms(db1-db0)/float64(maxPhase.OK), 3)
		r.GenCPUms = round(ms(gen1-gen0)/float64(maxPhase.OK), 3)
	}
	if err := ctx.Err(); err != nil {
		return r, pacedRate, err
	}
	if maxPhase.OK == 0 {
		return r, pacedRate, fmt.Errorf("%s: no request succeeded (%s)", name, maxPhase.TopErrors(3))
	}
	return r, pacedRate, nil
}

// logPhase writes a phase's progress line and returns its summary.
func (sc Scenarios) logPhase(name string, s Summary) Summary {
	fmt.Fprintf(sc.Log, "%-15s %6d req  %8.1f ok/s  p50 %6.2f ms  p99 %7.2f ms  max %7.2f ms  errors %d %s\n",
		name, s.Requests, s.RPS, ms(s.P50), ms(s.P99), ms(s.Max), s.Errors, s.TopErrors(3))
	return s
}

// profile starts sc.Profile over sc.Duration when scenario is the one to
// profile; the returned stop waits for it and logs its error.
func (sc Scenarios) profile(ctx context.Context, scenario string) (stop func()) {
	want := sc.ProfileScenario
	if want == "" {
		want = "scan"
	}
	if sc.Profile == nil || scenario != want {
		return func() {}
	}
	var err error
	var wg sync.WaitGroup
	wg.Go(func() { err = sc.Profile(ctx, sc.Duration) })
	return func() {
		wg.Wait()
		if err != nil {
			fmt.Fprintf(sc.Log, "%s: profile: %v\n", scenario, err)
		}
	}
}

// cpu reads the CPU time used so far by the service, the database server
// (both 0 without sc.CPU) and this process (0 where /proc is missing).
func (sc Scenarios) cpu() (service, db, gen time.Duration) {
	gen, _ = ProcCPU(os.Getpid())
	if sc.CPU == nil {
		return 0, 0, gen
	}
	service, db = sc.CPU()
	return service, db, gen
}

// pacedRateFor is the rate latencies are measured at when none is set:
// the target when the closed loop reached it, else 80 % of what it reached.
func pacedRateFor(maxRPS float64, target int) int {
	if target > 0 && maxRPS >= float64(target) {
		return target
	}
	return max(1, int(math.Round(0.8*maxRPS)))
}

// sampleRSS samples sc.RSS every 100 ms until the returned stop, which
// takes one last sample and returns the peak and that last one (0, 0
// without sc.RSS). The last is DESIGN §10's "RSS under the scan load" as
// the load ends; the peak also catches a transient.
func (sc Scenarios) sampleRSS() (stop func() (peak, last int64)) {
	if sc.RSS == nil {
		return func() (int64, int64) { return 0, 0 }
	}
	var peak, last atomic.Int64
	sample := func() {
		n, err := sc.RSS()
		if err != nil {
			return
		}
		last.Store(n)
		if n > peak.Load() {
			peak.Store(n)
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		sample()
		return peak.Load(), last.Load()
	}
}

func mib(b int64) float64 { return round(float64(b)/(1<<20), 1) }

func mibs(peak, last int64) (float64, float64) { return mib(peak), mib(last) }
