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
	WechatAppID    string
	WechatSecret   string
	WechatAPIBase  string
}

// Embedded reports whether the service runs on its embedded engines (SQLite
// and in-process Redis) rather than real MySQL and Redis.
func (c *Config) Embedded() bool { return c.MySQLDSN == "" }

// Load reads the configuration through getenv and validates it. The error
// lists every bad value, one per line, so one start-up shows them all.
func Load(getenv func(string) string) (*Config, error) {
	r := reader{getenv: getenv}
	c := &Config{
		HTTPAddr:        r.str("HTTP_ADDR", "127.0.0.1:8080"),
		BodyLimitBytes:  r.integer("BODY_LIMIT_BYTES", 1<<20, 1024, 64<<20),
		ShutdownTimeout: r.duration("SHUTDOWN_TIMEOUT", 20*time.Second, time.Second, 5*time.Minute),
		RequestTimeout:  r.duration("REQUEST_TIMEOUT", 15*time.Second, time.Second, 10*time.Minute),

		MySQLDSN:       r.str("MYSQL_DSN", ""),
		DataDir:        r.str("DATA_DIR", "./data"),
		DBMaxOpenConns: r.integer("DB_MAX_OPEN_CONNS", 20, 1, 1000),
		DBMaxIdleConns: r.integer("DB_MAX_IDLE_CONNS", 10, 0, 1000),

		RedisAddr:     r.str("REDIS_ADDR", ""),
		RedisPassword: r.str("REDIS_PASSWORD", ""),
		RedisDB:       r.integer("REDIS_DB", 0, 0, 15),

		JWTSecret:     r.str("JWT_SECRET", ""),
		StaffTokenTTL: r.duration("STAFF_TOKEN_TTL", 8*time.Hour, time.Minute, 7*24*time.Hour),

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

		ExitPassSecret: r.str("EXIT_PASS_SECRET", ""),
		WechatAppID:    r.str("WECHAT_APPID", ""),
		WechatSecret:   r.str("WECHAT_SECRET", ""),
		WechatAPIBase:  r.str("WECHAT_API_BASE", "https://api.weixin.qq.com"),
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

	// Embedded mode without JWT_SECRET makes a random one and keeps it in
	// DATA_DIR (see main); a real deployment must name its own.
	switch {
	case c.JWTSecret == "" && !c.Embedded():
		r.fail("JWT_SECRET", "is required when MYSQL_DSN is set (use 32+ random bytes)")
	case c.JWTSecret != "" && len(c.JWTSecret) < 32:
		r.fail("JWT_SECRET", "must be at least 32 characters")
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

// Print writes the configuration one setting per line, secrets masked, so a
// start-up log shows what the process really runs with.
func (c *Config) Print(w io.Writer) {
	rows := []struct{ k, v string }{
		{"HTTP_ADDR", c.HTTPAddr},
		{"REQUEST_TIMEOUT", c.RequestTimeout.String()},
		{"COOKIE_SECURE", fmt.Sprint(c.SecureCookies)},
		{"TRUSTED_PROXIES", strings.Join(c.TrustedProxies, ",")},
		{"MYSQL_DSN", maskDSN(c.MySQLDSN)},
		{"DATA_DIR", c.DataDir},
		{"REDIS_ADDR", c.RedisAddr},
		{"REDIS_PASSWORD", mask(c.RedisPassword)},
		{"REDIS_DB", fmt.Sprint(c.RedisDB)},
		{"JWT_SECRET", mask(c.JWTSecret)},
		{"STAFF_TOKEN_TTL", c.StaffTokenTTL.String()},
		{"MIGRATE_ON_START", fmt.Sprint(c.MigrateOnStart)},
		{"DEMO_SEED", fmt.Sprint(c.DemoSeed)},
		{"LOG_FORMAT", c.LogFormat},
		{"LOG_LEVEL", c.LogLevel},
		{"ORDER_TTL", c.OrderTTL.String()},
		{"LOGIN_IP_LIMIT", fmt.Sprint(c.LoginIPLimit)},
		{"LOGIN_USER_LIMIT", fmt.Sprint(c.LoginUserLimit)},
		{"LOGIN_WINDOW", c.LoginWindow.String()},
		{"OUTBOX_INTERVAL", c.OutboxInterval.String()},
		{"WORKER_CONCURRENCY", fmt.Sprint(c.WorkerConcurrency)},
		{"ID_NODE", idNode(c.IDNode)},
		{"ID_SHARD_BITS", fmt.Sprint(c.IDShardBits)},
		{"EXIT_PASS_SECRET", mask(c.ExitPassSecret)},
		{"WECHAT_APPID", c.WechatAppID},
		{"WECHAT_SECRET", mask(c.WechatSecret)},
		{"WECHAT_API_BASE", c.WechatAPIBase},
	}
	mode := "mysql+redis"
	if c.Embedded() {
		mode = "embedded (SQLite + in-process Redis)"
	}
	fmt.Fprintf(w, "scanpay configuration (%s):\n", mode)
	for _, r := range rows {
		fmt.Fprintf(w, "  %-20s %s\n", r.k, r.v)
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
	if err != nil {
		return false
	}
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
