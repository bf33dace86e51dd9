package loadtest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// WebhookPath is where WeChat Pay posts payment notifications.
const WebhookPath = "/v1/webhooks/wechatpay/transactions"

// Payer is WeChat Pay's side of the notify scenario: it pays an order
// whose prepay it made (without telling anyone) and builds that payment's
// signed notification. The bench runs it in process (wechatpaytest).
type Payer interface {
	MarkPaid(orderNo string) error
	// Notification returns the headers and body WeChat Pay would post.
	Notification(orderNo string) (http.Header, []byte, error)
}

// Ledger reads what the service applied, from its database: polling over
// HTTP would add thousands of requests to the load being measured.
type Ledger interface {
	// PaidCount is how many orders are paid (any order, any time).
	PaidCount(ctx context.Context) (int, error)
	// Applied lists the payments recorded since t, as the service's clock
	// stamped them.
	Applied(ctx context.Context, since time.Time) ([]Applied, error)
	// Backlog is how many outbox rows wait for the relay (parked ones
	// left out).
	Backlog(ctx context.Context) (int, error)
}

// Applied is one payment the service applied to an order.
type Applied struct {
	OrderNo string
	At      time.Time
	Source  string // "notification" or "query" (the reconcile sweep)
}

// NotifyBatch holds one signed notification per order, ready to fire.
// Each target's URL carries its index (?bench=i; the webhook reads only
// the signed body and headers), so a sample tells which order it was.
type NotifyBatch struct {
	Orders  []string
	targets []vegeta.Target
}

// BuildNotifications marks every order paid at the fake and builds its
// notification, on every CPU (each is an RSA signature). Build shortly
// before firing: the service refuses notifications whose
// Wechatpay-Timestamp is over 5 minutes old.
func BuildNotifications(ctx context.Context, payer Payer, baseURL string, orders []string) (*NotifyBatch, error) {
	b := &NotifyBatch{Orders: orders, targets: make([]vegeta.Target, len(orders))}
	var next atomic.Int64
	errs := make(chan error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range cap(errs) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(orders); i = int(next.Add(1) - 1) {
				if err := ctx.Err(); err != nil {
					errs <- err
					return
				}
				if err := payer.MarkPaid(orders[i]); err != nil {
					errs <- err
					return
				}
				h, body, err := payer.Notification(orders[i])
				if err != nil {
					errs <- err
					return
				}
				b.targets[i] = vegeta.Target{Method: http.MethodPost,
					URL: baseURL + WebhookPath + "?bench=" + strconv.Itoa(i), Header: h, Body: body}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("build notifications: %w", err)
	}
	return b, nil
}

// Targeter hands out the notifications from..to-1 once each, then
// vegeta.ErrNoTargets (which ends the attack); it is safe for concurrent use.
func (b *NotifyBatch) Targeter(from, to int) vegeta.Targeter {
	var next atomic.Int64
	next.Store(int64(from))
	return func(t *vegeta.Target) error {
		i := int(next.Add(1) - 1)
		if i >= to {
			return vegeta.ErrNoTargets
		}
		*t = b.targets[i]
		return nil
	}
}

// Accepted maps each order whose notification was answered 204 to the
// time the answer arrived.
func (b *NotifyBatch) Accepted(samples []Sample) map[string]time.Time {
	out := make(map[string]time.Time, len(samples))
	for _, s := range samples {
		if s.Code != http.StatusNoContent || s.Err != "" {
			continue
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		if i, err := strconv.Atoi(u.Query().Get("bench")); err == nil && i >= 0 && i < len(b.Orders) {
			out[b.Orders[i]] = s.Start.Add(s.Latency)
		}
	}
	return out
}

// NotifySamples drops the marks vegeta leaves when a targeter runs out
// (they are no requests) and counts any answer but 204 as an error: that
// is the only answer that tells WeChat Pay the notification is stored.
func NotifySamples(samples []Sample) []Sample {
	noTargets := vegeta.ErrNoTargets.Error()
	out := samples[:0]
	for _, s := range samples {
		if s.Code == 0 && s.Err == noTargets {
			continue
		}
		if s.OK() && s.Code != http.StatusNoContent {
			s.Err = strconv.Itoa(s.Code) + " instead of 204"
		}
		out = append(out, s)
	}
	return out
}

// ApplyResult is how fast accepted notifications turned into paid orders.
type ApplyResult struct {
	Orders  int // whose notification was accepted
	Applied int // paid, by the notification or by a query
	ByQuery int // of Applied, paid by the reconcile sweep first
	// Span runs from the first notification sent to the last order paid;
	// Tail from the last notification accepted to the last order paid.
	Span, Tail time.Duration
	Rate       float64 // Applied per second of Span
	// Lag is, per order paid by its notification, the time from the
	// notification's 204 to the payment's record, sorted.
	Lag []time.Duration
}

// ComputeApply matches the payments applied to orders with the
// notifications' answers. firstSent is when the first notification left.
// Orders paid twice keep their first payment; payments of other orders
// are ignored.
func ComputeApply(orders []string, firstSent time.Time, accepted map[string]time.Time, applied []Applied) ApplyResult {
	r := ApplyResult{Orders: len(orders)}
	ours := make(map[string]bool, len(orders))
	for _, no := range orders {
		ours[no] = true
	}
	first := map[string]Applied{}
	for _, a := range applied {
		if p, seen := first[a.OrderNo]; ours[a.OrderNo] && (!seen || a.At.Before(p.At)) {
			first[a.OrderNo] = a
		}
	}
	var last, lastAccepted time.Time
	for _, t := range accepted {
		if t.After(lastAccepted) {
			lastAccepted = t
		}
	}
	for no, a := range first {
		r.Applied++
		if a.At.After(last) {
			last = a.At
		}
		if a.Source != "notification" {
			r.ByQuery++
			continue
		}
		if t, ok := accepted[no]; ok {
			r.Lag = append(r.Lag, max(0, a.At.Sub(t)))
		}
	}
	slices.Sort(r.Lag)
	if r.Applied > 0 {
		r.Span = last.Sub(firstSent)
		if !lastAccepted.IsZero() {
			r.Tail = last.Sub(lastAccepted)
		}
	}
	if r.Span > 0 {
		r.Rate = float64(r.Applied) / r.Span.Seconds()
	}
	return r
}

// waitApplied polls the ledger every 100 ms until want orders are paid or
// limit passes; a deadline is not an error (the report counts the rest).
func waitApplied(ctx context.Context, l Ledger, want int, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		n, err := l.PaidCount(ctx)
		if err != nil {
			return err
		}
		if n >= want || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// waitDrained waits, up to limit, until the service's outbox backlog is
// gone, and returns how many rows it had and how long they took.
func waitDrained(ctx context.Context, l Ledger, limit time.Duration) (rows int, took time.Duration, err error) {
	t0 := time.Now()
	for {
		n, err := l.Backlog(ctx)
		if err != nil {
			return rows, time.Since(t0), err
		}
		rows = max(rows, n)
		if n == 0 || time.Since(t0) > limit {
			return rows, time.Since(t0), nil
		}
		select {
		case <-ctx.Done():
			return rows, time.Since(t0), ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// errNoLedger stops a notify run that could not measure the applying.
var errNoLedger = errors.New("loadtest: the notify scenario needs a Payer and a Ledger")
