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

// runService runs the API, the worker or both until ctx is cancelled, then
// shuts down in order: stop accepting and drain HTTP requests, stop the
// relay and the worker, close Redis and the database, all within
// SHUTDOWN_TIMEOUT.
func runService(ctx context.Context, cfg *config.Config, cmd string, log *slog.Logger) error {
	sys, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.close()
	serveHTTP, work := cmd != "worker", cmd != "serve"

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	relayCtx, stopRelay := context.WithCancel(context.Background())
	defer stopRelay()
	wg.Add(1)
	go func() {
		defer wg.Done()
		sys.relay.Run(relayCtx, cfg.OutboxInterval)
	}()

	var ln net.Listener
	if serveHTTP {
		if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		log.Info("http listening", "addr", ln.Addr().String(), "cmd", cmd)
		go func() {
			if err := sys.http.App.Listener(ln); err != nil {
				errs <- fmt.Errorf("http server: %w", err)
			}
		}()
	}
	var worker *asynq.Server
	if work {
		worker = jobs.NewServer(sys.redisOpt, cfg.WorkerConcurrency, log)
		if err := worker.Start(jobs.NewMux()); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		log.Info("worker started", "concurrency", cfg.WorkerConcurrency)
	}

	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	case err = <-errs:
		log.Error("stopping after failure", "err", err)
	}
	deadline := time.Now().Add(cfg.ShutdownTimeout)
	if serveHTTP {
		if herr := sys.http.App.ShutdownWithTimeout(time.Until(deadline)); herr != nil && !errors.Is(herr, context.DeadlineExceeded) {
			log.Warn("http shutdown", "err", herr)
		}
		log.Info("http drained")
	}
	stopRelay()
	wg.Wait()
	if worker != nil {
		worker.Shutdown()
		log.Info("worker stopped")
	}
	log.Info("shutdown complete")
	return err
}
