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
	"github.com/scanpay/scanpay/adapters/wechat"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/config"
	"github.com/scanpay/scanpay/docs"
	"github.com/scanpay/scanpay/jobs"
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
	handlers  jobs.Handlers
	lease     *redisadapter.NodeLease // nil when ID_NODE is set
	wechat    *wechattest.Server      // the fake WeChat, embedded mode only
	wechatpay *wechatpaytest.Server   // the fake WeChat Pay, embedded mode only
	orders    *app.Orders
}

// miniProgram is the WeChat client: on the real API when WECHAT_APPID is
// set, on the in-process fake in embedded mode, else none.
func (s *system) miniProgram() app.MiniProgram {
	cfg := s.cfg
	if cfg.WechatAppID != "" {
		return wechat.New(wechat.Config{AppID: cfg.WechatAppID, Secret: cfg.WechatSecret, BaseURL: cfg.WechatAPIBase})
	}
	if s.wechat == nil {
		return nil
	}
	appID, secret := s.wechat.Credentials()
	// Entry codes of the fake come from "develop": no released page to check.
	return wechat.New(wechat.Config{AppID: appID, Secret: secret, BaseURL: s.wechat.URL, EnvVersion: "develop"})
}

// build opens the database and Redis (real or embedded), migrates (when
// migrate is set) and seeds when configured, and wires the use cases. On
// error it closes what it opened.
func build(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (_ *system, err error) {
	s := &system{cfg: cfg, log: log}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	if s.db, err = openDB(ctx, cfg, log); err != nil {
		return nil, err
	}
	if migrate && cfg.MigrateOnStart {
		n, err := s.db.MigrateUp(ctx)
		if err != nil {
			return nil, err
		}
		log.Info("migrations applied", "count", n, "dialect", s.db.Dialect)
	}
	if cfg.JWTSecret == "" {
		if cfg.JWTSecret, err = embeddedJWTSecret(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	if cfg.Embedded() && cfg.WechatAppID == "" {
		if s.wechat, err = wechattest.Start(); err != nil {
			return nil, fmt.Errorf("start the WeChat stand-in: %w", err)
		}
		s.wechat.SetDevCodes(true)
		log.Info("WeChat stand-in started (embedded mode)", "url", s.wechat.URL)
	}
	addr := cfg.RedisAddr
	if addr == "" {
		if s.miniRedis, err = queue.StartEmbeddedRedis(); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		addr = s.miniRedis.Addr()
		log.Info("embedded redis started", "addr", addr)
	}
	// Short timeouts everywhere Redis is called from a request or a scrape:
	// a silent Redis must become an error in about a second.
	s.redisOpt = asynq.RedisClientOpt{Addr: addr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second}
	// One retry only: with Redis down a login answers 503 in about a
	// second, not after go-redis's default retries.
	s.redis = goredis.NewClient(&goredis.Options{Addr: addr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1})
	s.queue = queue.NewClient(s.redisOpt)
	s.inspector = asynq.NewInspector(s.redisOpt)

	node := cfg.IDNode
	if node < 0 {
		if s.lease, err = redisadapter.LeaseNode(ctx, s.redis, "scanpay:", idgen.MaxNode-1, 30*time.Second, log); err != nil {
			return nil, fmt.Errorf("lease an id node: %w", err)
		}
		node = s.lease.Node()
		log.Info("id node leased", "node", node)
	}
	ids, err := idgen.New(node, cfg.IDShardBits)
	if err != nil {
		return nil, err
	}
	clock := app.SystemClock{}
	hasher := bcrypt.New(0)
	storeRepo, staffRepo := mysql.NewStoreRepo(s.db), mysql.NewStaffRepo(s.db)
	outbox := mysql.NewOutboxRepo(s.db, ids, clock)
	productRepo, itemRepo, stockRepo := mysql.NewProductRepo(s.db), mysql.NewStoreItemRepo(s.db), mysql.NewStockRepo(s.db)
	stock := app.NewStock(s.db, storeRepo, productRepo, itemRepo, stockRepo, outbox, ids, clock)
	bulkRepo := mysql.NewCatalogBulkRepo(s.db)
	imports := app.NewImports(app.ImportsDeps{Tx: s.db, Imports: mysql.NewImportRepo(s.db), Catalog: bulkRepo,
		Stores: storeRepo, Staff: staffRepo, Outbox: outbox, IDs: ids, Clock: clock})
	s.handlers = jobs.Handlers{Stock: stock, Imports: imports}
	s.relay = app.NewOutboxRelay(outbox, s.queue, clock, relayOwner(), log)
	s.db.OnOutboxCommit(s.relay.Kick)

	if cfg.DemoSeed {
		var n int
		err := s.db.Exclusive(ctx, "scanpay_seed", func() (err error) {
			n, err = app.NewSeeder(s.db, mysql.SeedRepos(s.db), hasher, ids, clock).SeedDemo(ctx)
			return err
		})
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
	var benchFloor *app.BenchFloor // make bench's floor handler, BENCH_FLOOR=true only
	if cfg.BenchFloor {
		benchFloor = app.NewBenchFloor(mysql.NewBenchFloorRepo(s.db), ids, clock)
	}
	// Shopper login and store visits; one WeChat client serves them and the
	// entry codes, so the access token is fetched once.
	mp := s.miniProgram()
	wxAppID := cfg.WechatAppID
	if wxAppID == "" && s.wechat != nil {
		wxAppID, _ = s.wechat.Credentials()
	}
	shoppers := app.NewShopperAuth(app.ShopperAuthDeps{Shoppers: mysql.NewShopperRepo(s.db), MiniProgram: mp, AppID: wxAppID,
		Tokens: jwt.NewShopperTokens(cfg.JWTSecret, cfg.ShopperTokenTTL), Limiter: redisadapter.NewRateLimiter(s.redis, "scanpay:rl:"),
		IDs: ids, Clock: clock, LoginPerIP: cfg.ShopperLoginIPLimit, LoginWindow: cfg.LoginWindow,
		DevCodes: s.wechat != nil, // dev:<name> codes only with the embedded stand-in
		CacheTTL: cfg.ScanCacheTTL})
	cachedStores := app.NewCachedStores(storeRepo, clock, cfg.ScanCacheTTL)
	visits := app.NewVisits(cachedStores, mysql.NewVisitRepo(s.db), ids, clock, cfg.VisitTTL)
	promotionRepo, couponRepo := mysql.NewPromotionRepo(s.db), mysql.NewCouponRepo(s.db)
	carts := app.NewCarts(app.CartDeps{Tx: s.db, Stores: cachedStores, Items: itemRepo, CacheTTL: cfg.ScanCacheTTL,
		LabelRules: mysql.NewLabelRuleRepo(s.db), Carts: mysql.NewCartRepo(s.db), Promotions: promotionRepo,
		Coupons: couponRepo, Visits: visits, Limiter: redisadapter.NewRateLimiter(s.redis, "scanpay:rl:"), IDs: ids, Clock: clock},
		app.ScanLimits{PerShopper: cfg.ScanLimit, Window: cfg.ScanWindow})
	gateway, mchID, err := s.paymentGateway(wxAppID)
	if err != nil {
		return nil, err
	}
	orderRepo, paymentRepo := mysql.NewOrderRepo(s.db), mysql.NewPaymentRepo(s.db)
	s.orders = app.NewOrders(app.OrderDeps{Tx: s.db, Orders: orderRepo, Payments: paymentRepo, Receipts: paymentRepo,
		Redemptions: couponRepo, Refunds: mysql.NewRefundRepo(s.db), Stores: storeRepo, CartRepo: mysql.NewCartRepo(s.db), Carts: carts, Visits: visits, Stock: stock,
		Gateway: gateway, Outbox: outbox, IDs: ids, Clock: clock, Random: rand.Reader, TTL: cfg.OrderTTL, ReconcileEvery: cfg.WechatPay.ReconcileInterval,
		AppID: wxAppID, MchID: mchID, Log: log})
	s.handlers.Orders = s.orders
	exitChecks, err := s.exitChecks(orderRepo, storeRepo, productRepo, ids, clock)
	if err != nil {
		return nil, err
	}
	s.handlers.Messages = s.shopperMessages(mp, orderRepo, storeRepo, ids, clock)
	s.registry = prometheus.NewRegistry()
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		queue.NewQueueCollector(s.inspector), queue.NewOutboxCollector(outbox.OutboxBacklog, outbox.ParkedCount),
		paymentGauges(orderRepo, paymentRepo, clock, cfg.OrderTTL))
	s.http = httpapi.New(httpapi.Deps{
		Auth:       auth,
		Staff:      app.NewStaffAdmin(s.db, staffRepo, storeRepo, hasher, ids, clock),
		Stores:     app.NewStores(s.db, storeRepo, ids, clock, mp, cfg.WechatEntryPage),
		Shoppers:   shoppers,
		Visits:     visits,
		Catalog:    app.NewCatalog(s.db, productRepo, ids, clock),
		StoreItems: app.NewStoreItems(s.db, storeRepo, productRepo, itemRepo, clock),
		Stock:      stock,
		LabelRules: app.NewLabelRules(storeRepo, mysql.NewLabelRuleRepo(s.db), itemRepo, ids, clock),
		Imports:    imports,
		Exports:    app.NewExports(storeRepo, itemRepo, bulkRepo),
		Promotions: app.NewPromotions(s.db, promotionRepo, storeRepo, ids, clock),
		Coupons:    app.NewCoupons(s.db, couponRepo, storeRepo, mysql.NewShopperRepo(s.db), ids, clock),
		Carts:      carts,
		Orders:     s.orders,
		DevPay:     s.devPay(),
		Reports:    app.NewReports(app.ReportDeps{Stores: storeRepo, Reports: mysql.NewReportRepo(s.db), Clock: clock}),
		ExitChecks: exitChecks,
		Checks: []httpapi.Check{
			{Name: "database", Ping: s.db.Ping},
			{Name: "redis", Ping: func(ctx context.Context) error { return s.redis.Ping(ctx).Err() }},
		},
		Registry: s.registry,
		OpenAPI:  docs.OpenAPI,
		QueuesUI: asynqmon.New(asynqmon.Options{RootPath: httpapi.QueuesPath, RedisConnOpt: s.redisOpt}),
		Log:      log,

		BenchFloor: benchFloor,
	}, httpapi.Options{BodyLimit: cfg.BodyLimitBytes, TrustedProxies: cfg.TrustedProxies,
		SecureCookies: cfg.SecureCookies, RequestTimeout: cfg.RequestTimeout, ImportBodyLimit: cfg.ImportLimitBytes})
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
	if s.lease != nil {
		// After HTTP and the worker stopped: no id is made after this.
		closeAll = append(closeAll, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			return s.lease.Release(ctx)
		})
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
	if s.wechat != nil {
		closeAll = append(closeAll, s.wechat.Close)
	}
	if s.wechatpay != nil {
		closeAll = append(closeAll, s.wechatpay.Close)
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

// embeddedJWTSecret returns the token secret of an embedded install: made
// at random on first start and kept in DATA_DIR (mode 0600), so tokens
// survive restarts and nobody can mint them from a published default.
func embeddedJWTSecret(dataDir string) (string, error) {
	return embeddedSecret(dataDir, "jwt-secret")
}
