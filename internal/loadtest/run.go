package loadtest

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scenarios describes a run of the scan and floor scenarios against a
// service that is already up.
type Scenarios struct {
	BaseURL string
	Store   string
	// AdminUser and AdminPassword log in the staff account that reads the
	// store's caps and catalog.
	AdminUser, AdminPassword string
	// LoginCode returns the wx.login code of pool shopper i.
	LoginCode func(i int) string
	// Shoppers scan at once (DESIGN §10: 64); Pool is how many are logged
	// in with a visit open, so full carts can be replaced (>= Shoppers).
	Shoppers, Pool int
	// MaxPriceCents keeps dear products out, so a cart takes many scans
	// before it reaches the basket cap.
	MaxPriceCents int64
	// Warmup runs before each scenario's measured phases; Duration is the
	// length of each measured phase.
	Warmup, Duration time.Duration
	// Rate is the paced phase's rate; 0 means TargetRPS when the scan's
	// closed-loop throughput reaches it, else 80 % of that throughput.
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
	// Profile, when set, runs alongside the scan's closed-loop phase with
	// that phase's length (e.g. to take a CPU profile of the service).
	Profile func(ctx context.Context, d time.Duration) error
	// Log gets one progress line per phase.
	Log io.Writer
}

// RunScenarios sets up the shoppers, runs scan then floor, and returns
// their reports (scan first), the ratio filled in.
func RunScenarios(ctx context.Context, sc Scenarios) ([]Report, error) {
	if sc.Log == nil {
		sc.Log = io.Discard
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
	t0 := time.Now()
	pool, err := a.shoppers(ctx, sc.Pool, sc.Store, sc.LoginCode)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(sc.Log, "set-up: %d scannable products, caps %+v, %d shoppers logged in with a visit in %s\n",
		len(products), caps, len(pool), time.Since(t0).Round(time.Millisecond))
	plan, err := NewScanPlan(sc.BaseURL, sc.Store, products, caps, pool, sc.Shoppers)
	if err != nil {
		return nil, err
	}

	scan, rate, err := sc.scenario(ctx, client, "scan", plan.Targeter(), 0, sc.Profile)
	if err != nil {
		return nil, err
	}
	carts, scans := plan.Used()
	fmt.Fprintf(sc.Log, "scan: %d scans into %d carts\n", scans, carts)
	floor, _, err := sc.scenario(ctx, client, "floor", FloorTargeter(sc.BaseURL, sc.FloorPath, sc.Store), rate, nil)
	if err != nil {
		return nil, err
	}
	scan.Ratio, floor.Ratio = Ratio(scan.RPS, floor.RPS), 1
	return []Report{scan, floor}, nil
}

// scenario runs warm-up, the closed-loop phase and the paced phase (at
// rate, or chosen from the closed-loop throughput when 0), sampling RSS
// and CPU, and returns its report and the paced rate.
func (sc Scenarios) scenario(ctx context.Context, client *http.Client, name string, tr vegeta.Targeter, rate int,
	profile func(context.Context, time.Duration) error) (Report, int, error) {
	run := func(ph Phase) Summary {
		s := Summarize(Attack(ctx, client, ph, tr))
		fmt.Fprintf(sc.Log, "%-12s %6d req  %8.1f ok/s  p50 %6.2f ms  p99 %7.2f ms  max %7.2f ms  errors %d %s\n",
			ph.Name, s.Requests, s.RPS, ms(s.P50), ms(s.P99), ms(s.Max), s.Errors, s.TopErrors(3))
		return s
	}
	var warm Summary
	if sc.Warmup > 0 {
		warm = run(Phase{Name: name + "/warmup", Duration: sc.Warmup, Workers: sc.Shoppers})
	}
	stopRSS := sc.sampleRSS()
	var profErr error
	var wg sync.WaitGroup
	if profile != nil {
		wg.Go(func() { profErr = profile(ctx, sc.Duration) })
	}
	cpu0, db0 := sc.cpu()
	maxPhase := run(Phase{Name: name + "/max", Duration: sc.Duration, Workers: sc.Shoppers})
	cpu1, db1 := sc.cpu()
	wg.Wait()
	if profErr != nil {
		fmt.Fprintf(sc.Log, "%s: profile: %v\n", name, profErr)
	}
	pacedRate := rate
	if pacedRate == 0 {
		pacedRate = sc.pacedRate(maxPhase.RPS)
	}
	paced := run(Phase{Name: name + "/paced", Duration: sc.Duration, Workers: sc.Shoppers, Rate: pacedRate})
	r := NewReport(name, sc.Shoppers, maxPhase, paced, pacedRate)
	r.RSSMB, r.WarmupErrors = mib(stopRSS()), warm.Errors
	if maxPhase.OK > 0 {
		r.CPUms = round(ms(cpu1-cpu0)/float64(maxPhase.OK), 3)
		r.DBCPUms = round(ms(db1-db0)/float64(maxPhase.OK), 3)
	}
	if err := ctx.Err(); err != nil {
		return r, pacedRate, err
	}
	if maxPhase.OK == 0 {
		return r, pacedRate, fmt.Errorf("%s: no request succeeded (%s)", name, maxPhase.TopErrors(3))
	}
	return r, pacedRate, nil
}

func (sc Scenarios) cpu() (service, db time.Duration) {
	if sc.CPU == nil {
		return 0, 0
	}
	return sc.CPU()
}

// pacedRate is the rate latencies are measured at: Rate when set, the
// target when the service reached it, else 80 % of what it reached.
func (sc Scenarios) pacedRate(maxRPS float64) int {
	switch {
	case sc.Rate > 0:
		return sc.Rate
	case sc.TargetRPS > 0 && maxRPS >= float64(sc.TargetRPS):
		return sc.TargetRPS
	}
	return max(1, int(math.Round(0.8*maxRPS)))
}

// sampleRSS samples sc.RSS every 100 ms until the returned stop, which
// returns the peak (0 without sc.RSS).
func (sc Scenarios) sampleRSS() (stop func() int64) {
	if sc.RSS == nil {
		return func() int64 { return 0 }
	}
	var peak atomic.Int64
	sample := func() {
		if n, err := sc.RSS(); err == nil && n > peak.Load() {
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
	return func() int64 {
		close(done)
		wg.Wait()
		sample()
		return peak.Load()
	}
}

func mib(b int64) float64 { return round(float64(b)/(1<<20), 1) }
