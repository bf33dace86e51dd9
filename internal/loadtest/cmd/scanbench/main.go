// Command scanbench is the load part of `make bench` (DESIGN §9, §10): it
// starts bin/scanpay on a throwaway MariaDB database, a Redis DB of its own,
// a fake WeChat and a fake WeChat Pay (in this process, reached through
// the service's real adapter), logs shoppers in, runs the scenarios with
// vegeta and prints one JSON line per scenario on stdout (progress on
// stderr). Everything it made is removed at the end.
//
//	go run ./internal/loadtest/cmd/scanbench -bin bin/scanpay [-scenarios checkout,notify] [-duration 8s] [-cpuprofile scan.pprof]
//
// Scenarios: scan (scans into priced carts) and floor (the floor handler);
// cart_get (reads of carts of 10-30 lines under a promotion and a coupon);
// checkout (orders/s, each one scan → cart → checkout → prepay at the
// fake); notify (signed payment notifications accepted/s at the webhook)
// with notify_apply (how fast those orders then became paid); import (a
// generated 50k-row catalog CSV, rows/s from upload to done).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/scanpay/scanpay/internal/loadtest"
)

// Demo seed facts (app/seed.go): the store the scenarios run in and the
// admin account that reads its catalog.
const (
	demoStore    = "DEMO01"
	demoAdmin    = "admin"
	demoPassword = "scanpay-demo"
	floorPath    = "/v1/bench/floor"
)

type options struct {
	bin              string
	mysql, redis     string
	duration, warmup time.Duration
	timeout          time.Duration
	shoppers, pool   int
	rate, target     int
	maxPrice         int64
	cpuProfile       string
	profileScenario  string
	scenarios        string
	checkoutTarget   int
	notifyOrders     int
	notifyTarget     int
	cartMinLines     int
	cartMaxLines     int
	importRows       int
	importTimeout    time.Duration
	applyTimeout     time.Duration
	extraEnv         envFlags
	serviceCmd       string
	serviceLog       string
}

type envFlags []string

func (e *envFlags) String() string     { return strings.Join(*e, ",") }
func (e *envFlags) Set(v string) error { *e = append(*e, v); return nil }

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", "bin/scanpay", "the scanpay binary to start")
	flag.StringVar(&o.mysql, "mysql", firstOf(os.Getenv("BENCH_MYSQL_DSN"), os.Getenv("TEST_MYSQL_DSN"), "root@tcp(127.0.0.1:3306)/"),
		"MariaDB server DSN without a database (a throwaway one is created); env BENCH_MYSQL_DSN, TEST_MYSQL_DSN")
	flag.StringVar(&o.redis, "redis", firstOf(os.Getenv("BENCH_REDIS_ADDR"), os.Getenv("TEST_REDIS_ADDR"), "127.0.0.1:6379"),
		"Redis host:port (a free DB 1-15 is claimed and flushed); env BENCH_REDIS_ADDR, TEST_REDIS_ADDR")
	flag.DurationVar(&o.duration, "duration", 8*time.Second, "length of each measured phase (closed loop, then paced)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up before each scenario")
	flag.DurationVar(&o.timeout, "timeout", 4*time.Minute, "bound of the whole run")
	flag.StringVar(&o.scenarios, "scenarios", "scan,floor,cart_get,checkout,notify,import",
		"scenarios to run (comma-separated; they run in this order whatever the order given)")
	flag.IntVar(&o.checkoutTarget, "checkout-target", 500, "checkout + prepay target in orders/s (DESIGN §10)")
	flag.IntVar(&o.notifyOrders, "notify-orders", 2000, "orders the notify scenario pays and notifies (half as fast as possible, half paced)")
	flag.IntVar(&o.notifyTarget, "notify-target", 2000, "notifications accepted target per second (DESIGN §10)")
	flag.DurationVar(&o.applyTimeout, "apply-timeout", 60*time.Second, "bound of the wait until every notified order is paid")
	flag.IntVar(&o.cartMinLines, "cart-min-lines", 10, "fewest lines of a cart_get cart")
	flag.IntVar(&o.cartMaxLines, "cart-max-lines", 30, "most lines of a cart_get cart")
	flag.IntVar(&o.importRows, "import-rows", 50000, "rows of the import scenario's generated catalog CSV (DESIGN §10: 50k in < 30 s)")
	flag.DurationVar(&o.importTimeout, "import-timeout", 60*time.Second, "bound of the import scenario, upload to done")
	flag.IntVar(&o.shoppers, "shoppers", 64, "shoppers scanning at once")
	flag.IntVar(&o.pool, "pool", 320, "shoppers logged in; a full cart passes its turn to a fresh shopper")
	flag.IntVar(&o.rate, "rate", 0, "paced phase rate in req/s (0: -target if reached, else 80% of the closed-loop throughput)")
	flag.IntVar(&o.target, "target", 3000, "scan target rate in req/s (DESIGN §10)")
	maxPrice := flag.String("max-price", "10.00", "scan only products at most this price, so carts take many scans")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the service during one scenario's closed-loop phase to this file")
	flag.StringVar(&o.profileScenario, "profile-scenario", "scan", "the scenario -cpuprofile profiles (scan, floor, cart_get, checkout, notify, import)")
	flag.StringVar(&o.serviceLog, "service-log", "", "keep the service's output in this file (default: a temporary file, removed)")
	flag.StringVar(&o.serviceCmd, "cmd", "all", "scanpay subcommand to run (all: API + worker in one process)")
	flag.Var(&o.extraEnv, "env", "KEY=VALUE added to the service's environment (repeatable), e.g. -env DB_MAX_OPEN_CONNS=40")
	flag.Parse()
	var err error
	if o.maxPrice, err = parseCents(*maxPrice); err != nil {
		fmt.Fprintln(os.Stderr, "scanbench: -max-price:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	if err := run(ctx, o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "scanbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, stdout, log io.Writer) (err error) {
	if _, err := os.Stat(o.bin); err != nil {
		return fmt.Errorf("%w (run make build first)", err)
	}
	started := time.Now()
	env, err := loadtest.NewEnv(ctx, o.mysql, o.redis)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, env.Close()) }()

	addr, err := loadtest.FreeAddr()
	if err != nil {
		return err
	}
	dataDir, err := os.MkdirTemp("", "scanbench-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dataDir)
	appID, secret := env.WeChat.Credentials()
	senv := map[string]string{
		"MYSQL_DSN": env.DSN, "REDIS_ADDR": env.RedisAddr, "REDIS_DB": strconv.Itoa(env.RedisDB),
		"JWT_SECRET": randomSecret(), "EXIT_PASS_SECRET": randomSecret(), "DEMO_SEED": "true", "HTTP_ADDR": addr, "DATA_DIR": dataDir,
		"WECHAT_APPID": appID, "WECHAT_SECRET": secret, "WECHAT_API_BASE": env.WeChat.URL,
		"LOG_LEVEL": "warn", "BENCH_FLOOR": "true",
		// Scans are rate-limited per shopper; the bench scans far faster
		// than a person, so the limit is set out of reach (the Redis
		// check itself still runs on every scan).
		"SCAN_RATE_LIMIT": "1000000", "SCAN_RATE_WINDOW": "1m",
		// Every bench shopper logs in from 127.0.0.1.
		"SHOPPER_LOGIN_IP_LIMIT": "1000000",
	}
	for k, v := range env.PayEnv("http://" + addr) {
		senv[k] = v
	}
	ledger, err := env.OpenLedger()
	if err != nil {
		return err
	}
	defer ledger.Close()
	var pprofAddr string
	if o.cpuProfile != "" {
		if pprofAddr, err = loadtest.FreeAddr(); err != nil {
			return err
		}
		senv["PPROF_ADDR"] = pprofAddr
	}
	for _, kv := range o.extraEnv {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("-env %q: want KEY=VALUE", kv)
		}
		senv[k] = v
	}
	svc, err := loadtest.StartService(ctx, o.bin, []string{o.serviceCmd}, senv, "http://"+addr, o.serviceLog)
	if err != nil {
		return err
	}
	defer func() {
		if serr := svc.Stop(); serr != nil {
			err = errors.Join(err, serr)
		}
	}()
	fmt.Fprintf(log, "service pid %d ready at %s after %s (database %s, redis DB %d)\n",
		svc.PID(), svc.URL, time.Since(started).Round(time.Millisecond), dbName(env.DSN), env.RedisDB)

	run := time.Now().UnixNano()
	sc := loadtest.Scenarios{
		BaseURL: svc.URL, Store: demoStore, AdminUser: demoAdmin, AdminPassword: demoPassword,
		LoginCode: func(i int) string {
			code := fmt.Sprintf("bench-%d-%d", run, i)
			env.WeChat.AddCode(code, fmt.Sprintf("bench-openid-%d", i), "")
			return code
		},
		Shoppers: o.shoppers, Pool: max(o.pool, o.shoppers), MaxPriceCents: o.maxPrice,
		Warmup: o.warmup, Duration: o.duration, Rate: o.rate, TargetRPS: o.target,
		FloorPath: floorPath, RSS: svc.RSS, Log: log,
		Only: strings.Split(o.scenarios, ","), CheckoutTarget: o.checkoutTarget,
		NotifyOrders: o.notifyOrders, NotifyTarget: o.notifyTarget, ApplyTimeout: o.applyTimeout,
		Payer: env.Payer(), Ledger: ledger, ProfileScenario: o.profileScenario,
		CartMinLines: o.cartMinLines, CartMaxLines: o.cartMaxLines,
		ImportRows: o.importRows, ImportTimeout: o.importTimeout,
	}
	dbPID := loadtest.FindProcess("mariadbd", "mysqld") // 0 when the database is not local
	sc.CPU = func() (service, db time.Duration) {
		service, _ = loadtest.ProcCPU(svc.PID())
		if dbPID != 0 {
			db, _ = loadtest.ProcCPU(dbPID)
		}
		return service, db
	}
	if o.cpuProfile != "" {
		sc.Profile = func(ctx context.Context, d time.Duration) error {
			return cpuProfile(ctx, "http://"+pprofAddr, d, o.cpuProfile)
		}
	}
	reports, err := loadtest.RunScenarios(ctx, sc)
	if err != nil {
		fmt.Fprintf(log, "service output (last lines):\n%s\n", svc.Tail(20))
		return err
	}
	for _, r := range reports {
		if err := r.WriteLine(stdout); err != nil {
			return err
		}
	}
	if hwm, err := svc.PeakRSS(); err == nil {
		fmt.Fprintf(log, "service peak RSS over its whole life (VmHWM): %.1f MiB\n", float64(hwm)/(1<<20))
	}
	if o.cpuProfile != "" {
		fmt.Fprintf(log, "CPU profile of the %s phase: go tool pprof -top %s %s\n", o.profileScenario, o.bin, o.cpuProfile)
	}
	fmt.Fprintf(log, "bench took %s\n", time.Since(started).Round(time.Millisecond))
	return nil
}

// cpuProfile saves the service's CPU profile over about d.
func cpuProfile(ctx context.Context, base string, d time.Duration, path string) error {
	secs := max(1, int(d.Seconds())-1)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func dbName(dsn string) string {
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	return name
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func parseCents(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("%q is not a positive amount", s)
	}
	return int64(f*100 + 0.5), nil
}
