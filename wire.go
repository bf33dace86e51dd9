package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/hibiken/asynqmon"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	goredis "github.com/redis/go-redis/v9"
	"github.com/scanpay/scanpay/adapters/bcrypt"
	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/queue"
	redisadapter "github.com/scanpay/scanpay/adapters/redis"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/config"
	"github.com/scanpay/scanpay/docs"
)

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger) (*mysql.DB, error) {
	return mysql.Open(ctx, mysql.Options{DSN: cfg.MySQLDSN, DataDir: cfg.DataDir,
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns, Log: log})
}

// system is every long-lived piece of a running process, built once.
type system struct {
	cfg       *config.Config
	log       *slog.Logger
	db        *mysql.DB
	miniRedis *miniredis.Miniredis // embedded mode only
	redisOpt  asynq.RedisClientOpt
	redis     *goredis.Client
	queue     *queue.Client
	inspector *asynq.Inspector
	relay     *app.OutboxRelay
	registry  *prometheus.Registry
	http      *httpapi.Server
}

// build opens the database and Redis (real or embedded), migrates and seeds
// when configured, and wires the use cases. On error it closes what it
// opened.
func build(ctx context.Context, cfg *config.Config, log *slog.Logger) (s *system, err error) {
	s = &system{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.db, err = openDB(ctx, cfg, log); err != nil {
		return nil, err
	}
	if cfg.MigrateOnStart {
		n, err := s.db.MigrateUp(ctx)
		if err != nil {
			return nil, err
		}
		log.Info("migrations applied", "count", n, "dialect", s.db.Dialect)
	}
	addr := cfg.RedisAddr
	if addr == "" {
		if s.miniRedis, err = queue.StartEmbeddedRedis(); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		addr = s.miniRedis.Addr()
		log.Info("embedded redis started", "addr", addr)
	}
	s.redisOpt = asynq.RedisClientOpt{Addr: addr, Password: cfg.RedisPassword, DB: cfg.RedisDB}
	// Short timeouts and one retry: with Redis down a login should answer
	// 503 in about a second, not after go-redis's default retries.
	s.redis = goredis.NewClient(&goredis.Options{Addr: addr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1})
	s.queue = queue.NewClient(s.redisOpt)
	s.inspector = asynq.NewInspector(s.redisOpt)

	ids, err := idgen.New(cfg.IDNode, cfg.IDShardBits)
	if err != nil {
		return nil, err
	}
	clock := app.SystemClock{}
	hasher := bcrypt.New(0)
	storeRepo, staffRepo := mysql.NewStoreRepo(s.db), mysql.NewStaffRepo(s.db)
	outbox := mysql.NewOutboxRepo(s.db, ids, clock)
	s.relay = app.NewOutboxRelay(outbox, s.queue, clock, relayOwner(), log)
	s.db.OnOutboxCommit(s.relay.Kick)

	if cfg.DemoSeed {
		n, err := app.NewSeeder(s.db, storeRepo, staffRepo, hasher, ids, clock).SeedDemo(ctx)
		if err != nil {
			return nil, fmt.Errorf("demo seed: %w", err)
		}
		log.Info("demo seed", "created", n, "store", app.DemoStoreCode, "admin", "admin / "+app.DemoPassword)
	}

	auth, err := app.NewStaffAuth(staffRepo, hasher, jwt.New(cfg.JWTSecret, cfg.StaffTokenTTL),
		redisadapter.NewRateLimiter(s.redis, "scanpay:rl:"), clock,
		app.LoginLimits{PerIP: cfg.LoginIPLimit, PerUsername: cfg.LoginUserLimit, Window: cfg.LoginWindow})
	if err != nil {
		return nil, err
	}
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queue.NewQueueCollector(s.inspector))
	s.http = httpapi.New(httpapi.Deps{
		Auth:   auth,
		Staff:  app.NewStaffAdmin(s.db, staffRepo, storeRepo, hasher, ids, clock),
		Stores: app.NewStores(s.db, storeRepo, ids, clock),
		Checks: []httpapi.Check{
			{Name: "database", Ping: s.db.Ping},
			{Name: "redis", Ping: func(ctx context.Context) error { return s.redis.Ping(ctx).Err() }},
		},
		Registry: s.registry,
		OpenAPI:  docs.OpenAPI,
		QueuesUI: asynqmon.New(asynqmon.Options{RootPath: httpapi.QueuesPath, RedisConnOpt: s.redisOpt}),
		Log:      log,
	}, httpapi.Options{BodyLimit: cfg.BodyLimitBytes, TrustedProxies: cfg.TrustedProxies})
	return s, nil
}

// close releases everything in reverse order of opening.
func (s *system) close() {
	closeAll := []func() error{}
	if s.inspector != nil {
		closeAll = append(closeAll, s.inspector.Close)
	}
	if s.queue != nil {
		closeAll = append(closeAll, s.queue.Close)
	}
	if s.redis != nil {
		closeAll = append(closeAll, s.redis.Close)
	}
	if s.miniRedis != nil {
		closeAll = append(closeAll, func() error { s.miniRedis.Close(); return nil })
	}
	if s.db != nil {
		closeAll = append(closeAll, s.db.Close)
	}
	for _, c := range closeAll {
		if err := c(); err != nil {
			s.log.Warn("close", "err", err)
		}
	}
}

// relayOwner names this process's outbox relay uniquely.
func relayOwner() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	owner := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	if len(owner) > 64 {
		owner = owner[len(owner)-64:]
	}
	return owner
}
