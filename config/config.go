// Package config loads scanpay's settings from the environment. Nothing else
// in the program reads environment variables, so this file is the complete
// list of knobs.
package config

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// Config is every setting of the service, already parsed and validated.
type Config struct {
	HTTPAddr       string
	BodyLimitBytes int
	// ImportLimitBytes bounds a catalog CSV upload, the one large body.
	ImportLimitBytes int
	// TrustedProxies are the load balancers whose X-Forwarded-For is
	// believed for the client IP (login rate limits); empty trusts none.
	TrustedProxies  []string
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration // deadline of one request's work
	SecureCookies   bool          // mark the staff cookie Secure (behind TLS)

	MySQLDSN       string // empty: embedded SQLite under DataDir
	DataDir        string
	DBMaxOpenConns int
	DBMaxIdleConns int
	MigrateOnStart bool

	RedisAddr     string // empty: in-process miniredis
	RedisPassword string
	RedisDB       int

	JWTSecret     string
	StaffTokenTTL time.Duration
	// ShopperTokenTTL is a shopper token's lifetime; the mini-program logs
	// in again silently (wx.login) when it runs out.
	ShopperTokenTTL time.Duration
	// VisitTTL is how long a store visit lasts without activity.
	VisitTTL time.Duration
	// ShopperLoginIPLimit bounds mini-program logins per client IP per
	// LoginWindow: high, as a store's Wi-Fi or a carrier NAT is one IP.
	ShopperLoginIPLimit int

	LoginIPLimit      int           // login attempts per IP per LoginWindow
	LoginUserLimit    int           // attempts per username per LoginWindow; success clears them
	LoginWindow       time.Duration // the window both limits count in
	OutboxInterval    time.Duration // how often the relay sweeps for unsent rows
	WorkerConcurrency int

	// IDNode is this process's id generator node; -1 (ID_NODE unset) means
	// lease a free one in Redis at start, so replicas never share a node.
	IDNode      int
	IDShardBits int

	LogFormat string // text | json
	LogLevel  string // debug | info | warn | error
	DemoSeed  bool
	OrderTTL  time.Duration

	ExitPassSecret string
	ExitPassTTL    time.Duration // how long an exit pass is valid after payment
	WechatAppID    string
	WechatSecret   string
	WechatAPIBase  string
	// WechatEntryPage is the mini-program page store entry codes open.
	WechatEntryPage string
	// WechatTemplatePaymentSuccess is the subscribe message template of
	// "payment succeeded"; empty sends no such message.
	WechatTemplatePaymentSuccess string
	// WechatOrderPage is the mini-program page a message about an order
	// opens, with ?order_no=.
	WechatOrderPage string
	WechatPay       WechatPay

	// BenchFloor registers GET /v1/bench/floor, the floor handler of
	// `make bench` (one indexed SELECT, one INSERT); never in production.
	BenchFloor bool
	// ScanLimit scans per shopper per ScanWindow (Redis, all processes).
	ScanLimit  int
	ScanWindow time.Duration
	// ScanCacheTTL is how long the scan path may reuse a store, its label
	// rules and its promotions in force before reading them again.
	ScanCacheTTL time.Duration
	// PprofAddr, when set, serves net/http/pprof on this loopback address
	// (profiling a bench run); empty serves nothing.
	PprofAddr string
}

// Embedded reports whether the service runs on its embedded engines (SQLite
// and in-process Redis) rather than real MySQL and Redis.
func (c *Config) Embedded() bool { return c.MySQLDSN == "" }

// Load reads the configuration through getenv and validates it. The error
// lists every bad value, one per line, so one start-up shows them all.
func Load(getenv func(string) string) (*Config, error) {
	r := reader{getenv: getenv}
	c := &Config{
		HTTPAddr:         r.str("HTTP_ADDR", "127.0.0.1:8080"),
		BodyLimitBytes:   r.integer("BODY_LIMIT_BYTES", 1<<20, 1024, 64<<20),
		ImportLimitBytes: r.integer("IMPORT_LIMIT_BYTES", 50<<20, 1024, 1<<30),
		ShutdownTimeout:  r.duration("SHUTDOWN_TIMEOUT", 20*time.Second, time.Second, 5*time.Minute),
		RequestTimeout:   r.duration("REQUEST_TIMEOUT", 15*time.Second, time.Second, 10*time.Minute),

		MySQLDSN:       r.str("MYSQL_DSN", ""),
		DataDir:        r.str("DATA_DIR", "./data"),
		DBMaxOpenConns: r.integer("DB_MAX_OPEN_CONNS", 20, 1, 1000),
		DBMaxIdleConns: r.integer("DB_MAX_IDLE_CONNS", 10, 0, 1000),

		RedisAddr:     r.str("REDIS_ADDR", ""),
		RedisPassword: r.str("REDIS_PASSWORD", ""),
		RedisDB:       r.integer("REDIS_DB", 0, 0, 15),

		JWTSecret:     r.str("JWT_SECRET", ""),
		StaffTokenTTL: r.duration("STAFF_TOKEN_TTL", 8*time.Hour, time.Minute, 7*24*time.Hour),

		ShopperTokenTTL:     r.duration("SHOPPER_TOKEN_TTL", 2*time.Hour, 5*time.Minute, 7*24*time.Hour),
		VisitTTL:            r.duration("VISIT_TTL", 2*time.Hour, time.Minute, 24*time.Hour),
		ShopperLoginIPLimit: r.integer("SHOPPER_LOGIN_IP_LIMIT", 300, 1, 1000000),

		LoginIPLimit:      r.integer("LOGIN_IP_LIMIT", 30, 1, 100000),
		LoginUserLimit:    r.integer("LOGIN_USER_LIMIT", 5, 1, 1000),
		LoginWindow:       r.duration("LOGIN_WINDOW", 15*time.Minute, time.Second, 24*time.Hour),
		OutboxInterval:    r.duration("OUTBOX_INTERVAL", time.Second, 10*time.Millisecond, time.Hour),
		WorkerConcurrency: r.integer("WORKER_CONCURRENCY", 10, 1, 1000),

		IDNode:      r.integer("ID_NODE", -1, 0, 1023),
		IDShardBits: r.integer("ID_SHARD_BITS", 0, 0, 8),

		LogFormat: r.oneOf("LOG_FORMAT", "text", "text", "json"),
		LogLevel:  r.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		OrderTTL:  r.duration("ORDER_TTL", 15*time.Minute, time.Minute, 2*time.Hour),

		ExitPassSecret:  r.str("EXIT_PASS_SECRET", ""),
		ExitPassTTL:     r.duration("EXIT_PASS_TTL", 30*time.Minute, time.Minute, 24*time.Hour),
		WechatAppID:     r.str("WECHAT_APPID", ""),
		WechatSecret:    r.str("WECHAT_SECRET", ""),
		WechatAPIBase:   r.str("WECHAT_API_BASE", "https://api.weixin.qq.com"),
		WechatEntryPage: r.str("WECHAT_ENTRY_PAGE", "pages/index/index"),
		PprofAddr:       r.str("PPROF_ADDR", ""),
	}
	c.WechatPay = loadWechatPay(&r)
	c.loadMessages(&r)
	if c.WechatPay.Enabled() && c.WechatAppID == "" {
		r.fail("WECHAT_APPID", "is required when WECHATPAY_MCHID is set (payments are made for a mini-program)")
	}
	c.TrustedProxies = r.list("TRUSTED_PROXIES")
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				r.fail("TRUSTED_PROXIES", fmt.Sprintf("%q is not an IP address or CIDR", p))
			}
		}
	}
	c.MigrateOnStart = r.boolean("MIGRATE_ON_START", true)
	c.SecureCookies = r.boolean("COOKIE_SECURE", false)
	c.DemoSeed = r.boolean("DEMO_SEED", c.Embedded())
	c.BenchFloor = r.boolean("BENCH_FLOOR", false)
	c.ScanLimit = r.integer("SCAN_RATE_LIMIT", 120, 1, 1_000_000)
	c.ScanWindow = r.duration("SCAN_RATE_WINDOW", time.Minute, time.Second, time.Hour)
	c.ScanCacheTTL = r.duration("SCAN_CACHE_TTL", 5*time.Second, 0, time.Minute)
	if c.PprofAddr != "" && !isLoopback(c.PprofAddr) {
		r.fail("PPROF_ADDR", "must be a loopback host:port (profiles expose the process): "+c.PprofAddr)
	}

	// Embedded mode without JWT_SECRET makes a random one and keeps it in
	// DATA_DIR (see main); a real deployment must name its own.
	switch {
	case c.JWTSecret == "" && !c.Embedded():
		r.fail("JWT_SECRET", "is required when MYSQL_DSN is set (use 32+ random bytes)")
	case c.JWTSecret != "" && len(c.JWTSecret) < 32:
		r.fail("JWT_SECRET", "must be at least 32 characters")
	}
	// Exit passes open the store's exit: like JWT_SECRET, embedded mode
	// makes a random secret in DATA_DIR, a real deployment names its own.
	switch {
	case c.ExitPassSecret == "" && !c.Embedded():
		r.fail("EXIT_PASS_SECRET", "is required when MYSQL_DSN is set (use 32+ random bytes)")
	case c.ExitPassSecret != "" && len(c.ExitPassSecret) < 32:
		r.fail("EXIT_PASS_SECRET", "must be at least 32 characters")
	}
	if c.DemoSeed && !isLoopback(c.HTTPAddr) {
		r.fail("DEMO_SEED", "would publish the demo accounts' known passwords on "+c.HTTPAddr+
			"; listen on 127.0.0.1 or set DEMO_SEED=false")
	}
	if c.MySQLDSN != "" && !strings.Contains(c.MySQLDSN, "@") && !strings.Contains(c.MySQLDSN, "/") {
		r.fail("MYSQL_DSN", "does not look like a go-sql-driver DSN (user:pass@tcp(host:3306)/db)")
	}
	if c.DBMaxIdleConns > c.DBMaxOpenConns {
		r.fail("DB_MAX_IDLE_CONNS", fmt.Sprintf("(%d) must not exceed DB_MAX_OPEN_CONNS (%d)", c.DBMaxIdleConns, c.DBMaxOpenConns))
	}
	if len(r.problems) > 0 {
		return nil, errors.New("invalid configuration:\n  " + strings.Join(r.problems, "\n  "))
	}
	return c, nil
}

// Setting is one configuration value as printed, secrets masked.
type Setting struct{ Key, Value string }

// Settings lists the configuration with secrets masked, so a start-up log
// shows what the process really runs with.
func (c *Config) Settings() []Setting {
	return append([]Setting{
		{Key: "HTTP_ADDR", Value: c.HTTPAddr},
		{Key: "REQUEST_TIMEOUT", Value: c.RequestTimeout.String()},
		{Key: "IMPORT_LIMIT_BYTES", Value: fmt.Sprint(c.ImportLimitBytes)},
		{Key: "COOKIE_SECURE", Value: fmt.Sprint(c.SecureCookies)},
		{Key: "TRUSTED_PROXIES", Value: strings.Join(c.TrustedProxies, ",")},
		{Key: "MYSQL_DSN", Value: maskDSN(c.MySQLDSN)},
		{Key: "DATA_DIR", Value: c.DataDir},
		{Key: "REDIS_ADDR", Value: c.RedisAddr},
		{Key: "REDIS_PASSWORD", Value: mask(c.RedisPassword)},
		{Key: "REDIS_DB", Value: fmt.Sprint(c.RedisDB)},
		{Key: "JWT_SECRET", Value: mask(c.JWTSecret)},
		{Key: "STAFF_TOKEN_TTL", Value: c.StaffTokenTTL.String()},
		{Key: "SHOPPER_TOKEN_TTL", Value: c.ShopperTokenTTL.String()},
		{Key: "VISIT_TTL", Value: c.VisitTTL.String()},
		{Key: "SHOPPER_LOGIN_IP_LIMIT", Value: fmt.Sprint(c.ShopperLoginIPLimit)},
		{Key: "MIGRATE_ON_START", Value: fmt.Sprint(c.MigrateOnStart)},
		{Key: "DEMO_SEED", Value: fmt.Sprint(c.DemoSeed)},
		{Key: "LOG_FORMAT", Value: c.LogFormat},
		{Key: "LOG_LEVEL", Value: c.LogLevel},
		{Key: "ORDER_TTL", Value: c.OrderTTL.String()},
		{Key: "LOGIN_IP_LIMIT", Value: fmt.Sprint(c.LoginIPLimit)},
		{Key: "LOGIN_USER_LIMIT", Value: fmt.Sprint(c.LoginUserLimit)},
		{Key: "LOGIN_WINDOW", Value: c.LoginWindow.String()},
		{Key: "OUTBOX_INTERVAL", Value: c.OutboxInterval.String()},
		{Key: "WORKER_CONCURRENCY", Value: fmt.Sprint(c.WorkerConcurrency)},
		{Key: "ID_NODE", Value: idNode(c.IDNode)},
		{Key: "ID_SHARD_BITS", Value: fmt.Sprint(c.IDShardBits)},
		{Key: "EXIT_PASS_SECRET", Value: mask(c.ExitPassSecret)},
		{Key: "EXIT_PASS_TTL", Value: c.ExitPassTTL.String()},
		{Key: "WECHAT_APPID", Value: c.WechatAppID},
		{Key: "WECHAT_SECRET", Value: mask(c.WechatSecret)},
		{Key: "WECHAT_API_BASE", Value: c.WechatAPIBase},
		{Key: "WECHAT_ENTRY_PAGE", Value: c.WechatEntryPage},
		{Key: "WECHAT_TEMPLATE_PAYMENT_SUCCESS", Value: c.WechatTemplatePaymentSuccess},
		{Key: "WECHAT_ORDER_PAGE", Value: c.WechatOrderPage},
		{Key: "BENCH_FLOOR", Value: fmt.Sprint(c.BenchFloor)},
		{Key: "SCAN_RATE_LIMIT", Value: fmt.Sprint(c.ScanLimit)},
		{Key: "SCAN_RATE_WINDOW", Value: c.ScanWindow.String()},
		{Key: "SCAN_CACHE_TTL", Value: c.ScanCacheTTL.String()},
		{Key: "PPROF_ADDR", Value: c.PprofAddr},
	}, c.WechatPay.settings()...)
}

// Mode names the engines the process runs on.
func (c *Config) Mode() string {
	if c.Embedded() {
		return "embedded (SQLite + in-process Redis)"
	}
	return "mysql+redis"
}

// Print writes the settings one per line, for text logs.
func (c *Config) Print(w io.Writer) {
	fmt.Fprintf(w, "scanpay configuration (%s):\n", c.Mode())
	for _, r := range c.Settings() {
		fmt.Fprintf(w, "  %-20s %s\n", r.Key, r.Value)
	}
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// maskDSN hides the password of user:password@tcp(...)/db.
func maskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	cred := dsn[:at]
	if colon := strings.Index(cred, ":"); colon >= 0 {
		return cred[:colon] + ":****" + dsn[at:]
	}
	return dsn
}

// isLoopback reports whether addr (host:port) only listens on this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && loopbackHost(host)
}

// loopbackHost reports whether host (no port) is this machine.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func idNode(n int) string {
	if n < 0 {
		return "auto (leased in Redis)"
	}
	return fmt.Sprint(n)
}
