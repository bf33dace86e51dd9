package loadtest

import (
	"context"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// RunFlow runs one phase of a multi-request flow (e.g. scan → cart →
// checkout → prepay), which vegeta's one-request-per-target attacker cannot
// express: each step needs the previous answer. Every call of flow is one
// sample, made with one of actors (a shopper), which no two calls use at
// the same time.
//
// With ph.Rate 0 it is a closed loop: one goroutine per actor, each
// starting its next flow when the last ended, until ph.Duration is up.
// Otherwise flows start on vegeta's constant pacer at ph.Rate per second,
// each with a free actor; when every actor is busy the next start waits
// for one (the achieved rate then falls behind ph.Rate, as vegeta's does
// when it runs out of workers). Flows in flight when the time is up finish
// and count. It stops early when ctx ends.
func RunFlow[A any](ctx context.Context, ph Phase, actors []A, flow func(context.Context, A) Sample) []Sample {
	var (
		mu  sync.Mutex
		out []Sample
		wg  sync.WaitGroup
	)
	record := func(s Sample) {
		mu.Lock()
		out = append(out, s)
		mu.Unlock()
	}
	began := time.Now()
	over := func() bool { return ctx.Err() != nil || time.Since(began) >= ph.Duration }
	if ph.Rate <= 0 {
		for _, a := range actors {
			wg.Go(func() {
				for !over() {
					record(flow(ctx, a))
				}
			})
		}
		wg.Wait()
		return out
	}
	free := make(chan A, len(actors))
	for _, a := range actors {
		free <- a
	}
	pacer := vegeta.ConstantPacer{Freq: ph.Rate, Per: time.Second}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for hits := uint64(0); !over(); {
		wait, stop := pacer.Pace(time.Since(began), hits)
		if stop {
			break
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
			case <-timer.C:
			}
			continue
		}
		var a A
		select {
		case <-ctx.Done():
			continue
		case a = <-free:
		}
		hits++
		wg.Go(func() {
			record(flow(ctx, a))
			free <- a
		})
	}
	wg.Wait()
	return out
}
