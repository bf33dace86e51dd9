package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/config"
	"github.com/scanpay/scanpay/jobs"
)

// runService runs the API, the worker or both until ctx is cancelled or a
// part fails. Shutdown always runs, whatever the way out: stop accepting
// and drain HTTP while the worker finishes its tasks (both at once), then
// stop the relay, then close Redis and the database, all within
// SHUTDOWN_TIMEOUT.
func runService(ctx context.Context, cfg *config.Config, cmd string, log *slog.Logger) (err error) {
	serveHTTP, work := cmd != "worker", cmd != "serve"
	// Only the API migrates: a worker of a new release waits for the API
	// (or `scanpay migrate up`) rather than racing it.
	sys, err := build(ctx, cfg, log, serveHTTP)
	if err != nil {
		return err
	}
	defer sys.close()

	var (
		worker   *asynq.Server
		sched    *asynq.Scheduler
		httpUp   bool
		relayWG  sync.WaitGroup
		failures = make(chan error, 1)
	)
	relayCtx, stopRelay := context.WithCancel(context.Background())
	defer func() {
		deadline := time.Now().Add(cfg.ShutdownTimeout)
		var wg sync.WaitGroup
		if httpUp {
			wg.Go(func() {
				if herr := sys.http.App.ShutdownWithTimeout(time.Until(deadline)); herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
					log.Warn("http shutdown", "err", herr)
				}
				log.Info("http drained")
			})
		}
		if sched != nil {
			sched.Shutdown()
		}
		if worker != nil {
			wg.Go(func() {
				worker.Shutdown()
				log.Info("worker stopped")
			})
		}
		wg.Wait()
		stopRelay()
		relayWG.Wait()
		log.Info("shutdown complete", "took", cfg.ShutdownTimeout-time.Until(deadline))
	}()

	relayWG.Go(func() { sys.relay.Run(relayCtx, cfg.OutboxInterval) })
	if work {
		// asynq waits this long for running tasks, so the whole shutdown
		// stays inside the budget.
		worker = jobs.NewServer(sys.redisOpt, cfg.WorkerConcurrency, cfg.ShutdownTimeout-2*time.Second, log)
		if err := worker.Start(jobs.NewMux(sys.handlers)); err != nil {
			worker = nil
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info("worker started", "concurrency", cfg.WorkerConcurrency)
		// The periodic sweeps run beside the worker; every worker process
		// has a scheduler, and the task id keeps one sweep per slot.
		sched = jobs.NewScheduler(sys.redisOpt, cfg.WechatPay.ReconcileInterval, log)
		if err := sched.Start(); err != nil {
			sched = nil
			return fmt.Errorf("start scheduler: %w", err)
		}
	}
	if serveHTTP {
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		httpUp = true
		log.Info("http listening", "addr", ln.Addr().String(), "cmd", cmd)
		go func() {
			if err := sys.http.App.Listener(ln); err != nil {
				failures <- fmt.Errorf("http server: %w", err)
			}
		}()
	}

	if cfg.PprofAddr != "" {
		stopPprof, err := servePprof(cfg.PprofAddr, log)
		if err != nil {
			return err
		}
		defer stopPprof()
	}

	var lost <-chan struct{} // nil (never ready) without a lease
	if sys.lease != nil {
		lost = sys.lease.Lost()
	}
	select {
	case <-lost:
		// Another process holds our id node: ids made from now on could
		// collide with its ids, so stop rather than corrupt data.
		log.Error("id node lease lost; shutting down")
		return errors.New("id node lease lost")
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
		return nil
	case err := <-failures:
		log.Error("stopping after failure", "err", err)
		return err
	}
}
