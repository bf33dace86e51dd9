package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// notifySetupLimit bounds the extra checkouts the notify scenario makes
// when the checkout scenario left it too few orders, and the wait for the
// outbox to drain before it fires.
const notifySetupLimit = 30 * time.Second

// runPayments runs checkout and/or notify. Their shoppers are their own
// (login codes after the scan pool's): the scan pool's carts are full, and
// a checkout of a full cart is another workload.
func (sc Scenarios) runPayments(ctx context.Context, a *api, run map[string]bool, products []Product) ([]Report, error) {
	t0 := time.Now()
	pool, err := a.shoppers(ctx, sc.Shoppers, sc.Store, func(i int) string { return sc.LoginCode(sc.Pool + i) })
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(sc.Log, "checkout set-up: %d shoppers logged in with a visit in %s\n", len(pool), time.Since(t0).Round(time.Millisecond))
	shoppers := NewCheckoutShoppers(pool)
	flow, err := NewCheckoutFlow(a.client, sc.BaseURL, sc.Store, products)
	if err != nil {
		return nil, err
	}
	var out []Report
	if run["checkout"] {
		r, _, err := sc.scenario(ctx, "checkout", len(shoppers), func(ph Phase) []Sample {
			s := RunFlow(ctx, ph, shoppers, flow.Run)
			fmt.Fprintf(sc.Log, "%-15s steps: %s\n", ph.Name, flow.StepStats())
			return s
		}, 0, sc.CheckoutTarget)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if run["notify"] {
		rs, err := sc.runNotify(ctx, a.client, flow, shoppers)
		if out = append(out, rs...); err != nil {
			return out, err
		}
	}
	return out, nil
}

// runNotify pays the newest NotifyOrders prepaid orders at WeChat Pay,
// fires their notifications at the webhook (the first half as fast as
// sc.Shoppers clients go: "rps"; the second half paced: the latencies),
// then waits until the service has applied them all. It reports notify
// (the webhook) and notify_apply (notification to paid order).
func (sc Scenarios) runNotify(ctx context.Context, client *http.Client, flow *CheckoutFlow, shoppers []*CheckoutShopper) ([]Report, error) {
	if sc.Payer == nil || sc.Ledger == nil {
		return nil, errNoLedger
	}
	orders, err := sc.notifyOrders(ctx, flow, shoppers)
	if err != nil {
		return nil, err
	}
	n := len(orders)
	// The checkout's follow-up tasks (order expiry) queue in the outbox
	// ahead of the payments' (the relay sends oldest first): let them go
	// first, so notify measures notifications, not the checkout's tail.
	rows, took, err := waitDrained(ctx, sc.Ledger, min(sc.ApplyTimeout, notifySetupLimit))
	if err != nil {
		return nil, err
	}
	if rows > 0 {
		fmt.Fprintf(sc.Log, "notify set-up: waited %s for the outbox backlog of %d rows to drain\n", took.Round(time.Millisecond), rows)
	}
	// Counted before any order is paid at WeChat Pay: the reconcile sweep
	// may apply one by query before its notification arrives.
	base, err := sc.Ledger.PaidCount(ctx)
	if err != nil {
		return nil, err
	}
	since := time.Now()
	batch, err := BuildNotifications(ctx, sc.Payer, sc.BaseURL, orders)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(sc.Log, "notify set-up: %d orders paid at WeChat Pay, their notifications signed in %s\n",
		n, time.Since(since).Round(time.Millisecond))
	stopRSS := sc.sampleRSS()
	stopProfile := sc.profile(ctx, "notify")
	cpu0, db0, gen0 := sc.cpu()
	fire := func(ph Phase, from, to int) ([]Sample, Summary) {
		samples := NotifySamples(Attack(ctx, client, ph, batch.Targeter(from, to)))
		return samples, sc.logPhase(ph.Name, Summarize(samples))
	}
	first := time.Now()
	maxSamples, maxPhase := fire(Phase{Name: "notify/max", Duration: sc.Duration, Workers: sc.Shoppers}, 0, n/2)
	rate := pacedRateFor(maxPhase.RPS, sc.NotifyTarget)
	pacedSamples, paced := fire(Phase{Name: "notify/paced", Duration: sc.Duration, Workers: sc.Shoppers, Rate: rate}, n/2, n)
	fired := time.Now()
	if sent := maxPhase.Requests + paced.Requests; sent < n {
		fmt.Fprintf(sc.Log, "notify: only %d of %d notifications sent within -duration per half\n", sent, n)
	}
	if err := waitApplied(ctx, sc.Ledger, base+maxPhase.OK+paced.OK, sc.ApplyTimeout); err != nil {
		return nil, err
	}
	cpu1, db1, gen1 := sc.cpu()
	stopProfile()
	rss, _ := mibs(stopRSS())
	applied, err := sc.Ledger.Applied(ctx, since)
	if err != nil {
		return nil, err
	}
	// Only accepted notifications can make orders paid; those the phases
	// had no time to send, or the webhook refused, are notify's business.
	accepted := batch.Accepted(append(maxSamples, pacedSamples...))
	res := ComputeApply(acceptedOrders(orders, accepted), first, accepted, applied)
	fmt.Fprintf(sc.Log, "notify/apply    %d of %d orders paid (%d by the reconcile query) %.2f s after the first notification, "+
		"%.0f ms after the last was accepted, %.2f s after the firing ended: %.1f paid/s\n",
		res.Applied, res.Orders, res.ByQuery, res.Span.Seconds(), ms(res.Tail), time.Since(fired).Seconds(), res.Rate)

	notify := NewReport("notify", sc.Shoppers, maxPhase, paced, rate)
	notify.RSSMB = rss
	apply := Report{Scenario: "notify_apply", RPS: round(res.Rate, 1),
		P50ms: ms(Percentile(res.Lag, 0.50)), P99ms: ms(Percentile(res.Lag, 0.99)), Errors: res.Orders - res.Applied,
		MaxP50ms: ms(Percentile(res.Lag, 0.50)), MaxP99ms: ms(Percentile(res.Lag, 0.99)),
		Requests: res.Orders, RSSMB: rss, ApplyS: round(res.Span.Seconds(), 3), TailMs: ms(res.Tail)}
	if res.Applied > 0 {
		// Webhook and worker together, per order: the whole cost of a
		// notification.
		apply.CPUms = round(ms(cpu1-cpu0)/float64(res.Applied), 3)
		apply.DBCPUms = round(ms(db1-db0)/float64(res.Applied), 3)
		apply.GenCPUms = round(ms(gen1-gen0)/float64(res.Applied), 3)
	}
	if maxPhase.OK == 0 {
		return []Report{notify, apply}, fmt.Errorf("notify: no notification accepted (%s)", maxPhase.TopErrors(3))
	}
	return []Report{notify, apply}, ctx.Err()
}

// notifyOrders returns the newest NotifyOrders prepaid orders, making more
// with the checkout flow (not measured) when there are too few, for at
// most notifySetupLimit; then it goes on with what it has.
func (sc Scenarios) notifyOrders(ctx context.Context, flow *CheckoutFlow, shoppers []*CheckoutShopper) ([]string, error) {
	want := max(sc.NotifyOrders, 2)
	orders := flow.Orders()
	if len(orders) < want {
		t0 := time.Now()
		had, errs := len(orders), 0
		for len(orders) < want && time.Since(t0) < notifySetupLimit && ctx.Err() == nil {
			s := Summarize(RunFlow(ctx, Phase{Name: "notify/setup", Duration: time.Second}, shoppers, flow.Run))
			errs += s.Errors
			orders = flow.Orders()
		}
		flow.StepStats()
		fmt.Fprintf(sc.Log, "notify set-up: %d more prepaid orders in %s (%d errors)\n",
			len(orders)-had, time.Since(t0).Round(time.Millisecond), errs)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(orders) < 2 {
		return nil, fmt.Errorf("notify: only %d prepaid orders to notify", len(orders))
	}
	if len(orders) < want {
		fmt.Fprintf(sc.Log, "notify: %d orders wanted, going on with %d\n", want, len(orders))
	}
	return orders[max(0, len(orders)-want):], nil
}

// acceptedOrders keeps the orders whose notification was accepted, in order.
func acceptedOrders(orders []string, accepted map[string]time.Time) []string {
	out := make([]string, 0, len(accepted))
	for _, no := range orders {
		if _, ok := accepted[no]; ok {
			out = append(out, no)
		}
	}
	return out
}
