package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// env turns a map into a getenv, so tests never touch the process env.
func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func mustLoad(t *testing.T, kv map[string]string) *Config {
	t.Helper()
	c, err := Load(env(kv))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// problemKeys returns the variable named at the start of each problem line.
func problemKeys(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		t.Fatal("Load accepted a bad configuration")
	}
	lines := strings.Split(err.Error(), "\n")
	if lines[0] != "invalid configuration:" {
		t.Fatalf("first line = %q", lines[0])
	}
	var keys []string
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "  ") {
			t.Errorf("problem line %q is not indented", l)
		}
		key, msg, ok := strings.Cut(strings.TrimSpace(l), " ")
		if !ok || msg == "" {
			t.Errorf("problem line %q has no message", l)
		}
		keys = append(keys, key)
	}
	return keys
}

func TestLoadDefaults(t *testing.T) {
	c := mustLoad(t, nil)
	checks := []struct {
		name      string
		got, want any
	}{
		{"HTTPAddr", c.HTTPAddr, "127.0.0.1:8080"},
		{"Embedded", c.Embedded(), true},
		{"MySQLDSN", c.MySQLDSN, ""},
		{"RedisAddr", c.RedisAddr, ""},
		{"DataDir", c.DataDir, "./data"},
		{"DemoSeed", c.DemoSeed, true},
		{"MigrateOnStart", c.MigrateOnStart, true},
		{"JWTSecret", c.JWTSecret, ""}, // made at random in DATA_DIR at start
		{"BodyLimitBytes", c.BodyLimitBytes, 1 << 20},
		{"ShutdownTimeout", c.ShutdownTimeout, 20 * time.Second},
		{"OrderTTL", c.OrderTTL, 15 * time.Minute},
		{"ExitPassTTL", c.ExitPassTTL, 30 * time.Minute},
		{"ExitPassSecret", c.ExitPassSecret, ""}, // made at random in DATA_DIR at start
		{"LogFormat", c.LogFormat, "text"},
		{"LogLevel", c.LogLevel, "info"},
		{"DBMaxOpenConns", c.DBMaxOpenConns, 20},
		{"DBMaxIdleConns", c.DBMaxIdleConns, 10},
		{"RedisDB", c.RedisDB, 0},
		{"StaffTokenTTL", c.StaffTokenTTL, 8 * time.Hour},
		{"TrustedProxies", len(c.TrustedProxies), 0},
		{"WechatAPIBase", c.WechatAPIBase, "https://api.weixin.qq.com"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestLoadMySQLModeNeedsJWTSecret(t *testing.T) {
	_, err := Load(env(map[string]string{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/scanpay", "EXIT_PASS_SECRET": strings.Repeat("x", 32)}))
	if keys := problemKeys(t, err); !slices.Equal(keys, []string{"JWT_SECRET"}) {
		t.Fatalf("problems %v, want [JWT_SECRET]; error:\n%v", keys, err)
	}
	if !strings.Contains(err.Error(), "MYSQL_DSN") {
		t.Errorf("error does not say why JWT_SECRET is needed: %v", err)
	}

	c := mustLoad(t, map[string]string{
		"MYSQL_DSN":        "root@tcp(127.0.0.1:3306)/scanpay",
		"JWT_SECRET":       strings.Repeat("k", 32),
		"EXIT_PASS_SECRET": strings.Repeat("x", 32),
	})
	if c.Embedded() || c.DemoSeed || c.JWTSecret != strings.Repeat("k", 32) {
		t.Errorf("mysql mode: embedded=%v demo=%v secret=%q", c.Embedded(), c.DemoSeed, c.JWTSecret)
	}
}

func TestLoadReportsEveryBadValueOnce(t *testing.T) {
	_, err := Load(env(map[string]string{
		"BODY_LIMIT_BYTES":  "abc",
		"SHUTDOWN_TIMEOUT":  "forever",
		"LOG_FORMAT":        "xml",
		"REDIS_DB":          "99",
		"DB_MAX_OPEN_CONNS": "10",
		"DB_MAX_IDLE_CONNS": "50",
		"JWT_SECRET":        "short",
		"HTTP_ADDR":         "0.0.0.0:9000", // good values around bad ones stay quiet
		"DEMO_SEED":         "false",
	}))
	got := problemKeys(t, err)
	want := []string{"BODY_LIMIT_BYTES", "SHUTDOWN_TIMEOUT", "DB_MAX_IDLE_CONNS", "REDIS_DB", "JWT_SECRET", "LOG_FORMAT"}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("problem lines name %v, want %v; error:\n%v", got, want, err)
	}
	for _, frag := range []string{`"abc"`, `"forever"`, `"xml"`, "99", "0..15", "(50)", "(10)", "32"} {
		if !strings.Contains(err.Error(), frag) {
			t.Errorf("error does not mention %s:\n%v", frag, err)
		}
	}
}

func TestLoadRejectsEachBadValue(t *testing.T) {
	tests := map[string]string{
		"BODY_LIMIT_BYTES":   "100",       // below 1024
		"SHUTDOWN_TIMEOUT":   "10m",       // above 5m
		"DB_MAX_OPEN_CONNS":  "0",         // below 1
		"REDIS_DB":           "-1",        // below 0
		"STAFF_TOKEN_TTL":    "30s",       // below 1m
		"LOGIN_IP_LIMIT":     "1.5",       // not whole
		"LOGIN_WINDOW":       "15",        // no unit
		"OUTBOX_INTERVAL":    "1ms",       // below 10ms
		"WORKER_CONCURRENCY": "0",         // below 1
		"ID_NODE":            "1024",      // above 1023
		"ID_SHARD_BITS":      "9",         // above 8
		"LOG_LEVEL":          "verbose",   // not a level
		"ORDER_TTL":          "3h",        // above 2h
		"MIGRATE_ON_START":   "sometimes", // not a bool
		"DEMO_SEED":          "yes",       // not a bool
		"MYSQL_DSN":          "scanpay",   // not a DSN
		"EXIT_PASS_TTL":      "10s",       // below 1m
	}
	for key, val := range tests {
		t.Run(key, func(t *testing.T) {
			kv := map[string]string{key: val, "JWT_SECRET": strings.Repeat("s", 32), "EXIT_PASS_SECRET": strings.Repeat("x", 32)}
			_, err := Load(env(kv))
			if got := problemKeys(t, err); !slices.Equal(got, []string{key}) {
				t.Fatalf("%s=%q: problems %v, want [%s]; error:\n%v", key, val, got, key, err)
			}
		})
	}
}

func TestLoadParsesValues(t *testing.T) {
	c := mustLoad(t, map[string]string{
		"DEMO_SEED":        "false",
		"MIGRATE_ON_START": "0",
		"LOG_FORMAT":       " JSON ",
		"SHUTDOWN_TIMEOUT": "45s",
		"BODY_LIMIT_BYTES": "2048",
		"DATA_DIR":         "/var/lib/scanpay",
		"TRUSTED_PROXIES":  " 10.0.0.1, ,10.0.0.0/8 ,, ::1 ",
	})
	if c.DemoSeed || c.MigrateOnStart {
		t.Errorf("DemoSeed=%v MigrateOnStart=%v, want both false", c.DemoSeed, c.MigrateOnStart)
	}
	if c.LogFormat != "json" || c.ShutdownTimeout != 45*time.Second || c.BodyLimitBytes != 2048 || c.DataDir != "/var/lib/scanpay" {
		t.Errorf("parsed %q %s %d %q", c.LogFormat, c.ShutdownTimeout, c.BodyLimitBytes, c.DataDir)
	}
	if want := []string{"10.0.0.1", "10.0.0.0/8", "::1"}; !slices.Equal(c.TrustedProxies, want) {
		t.Errorf("TrustedProxies = %q, want %q", c.TrustedProxies, want)
	}

	withDSN := mustLoad(t, map[string]string{"MYSQL_DSN": "u:p@tcp(db:3306)/s", "JWT_SECRET": strings.Repeat("j", 40),
		"EXIT_PASS_SECRET": strings.Repeat("x", 32), "DEMO_SEED": "true", "EXIT_PASS_TTL": "45m"})
	if withDSN.ExitPassTTL != 45*time.Minute {
		t.Errorf("EXIT_PASS_TTL=45m read as %s", withDSN.ExitPassTTL)
	}
	if !withDSN.DemoSeed {
		t.Error("DEMO_SEED=true not honoured outside embedded mode")
	}
}

func TestPrintMasksSecrets(t *testing.T) {
	secrets := map[string]string{
		"JWT_SECRET":       "jwt-0123456789-0123456789-0123456789",
		"REDIS_PASSWORD":   "redis-hunter2",
		"WECHAT_SECRET":    "wechat-s3cr3t",
		"EXIT_PASS_SECRET": "exit-pass-k3y-0123456789-0123456789",
	}
	for _, dsn := range []string{
		"scanpay:secretpw@tcp(db:3306)/scanpay?parseTime=true",
		"scanpay:sec@retpw@tcp(db:3306)/scanpay", // '@' inside the password
		"scanpay:sec:retpw@tcp(db:3306)/scanpay", // ':' inside the password
	} {
		t.Run(dsn, func(t *testing.T) {
			kv := map[string]string{"MYSQL_DSN": dsn, "REDIS_ADDR": "redis:6379", "WECHAT_APPID": "wx123"}
			for k, v := range secrets {
				kv[k] = v
			}
			c := mustLoad(t, kv)
			var b strings.Builder
			c.Print(&b)
			out := b.String()
			for k, v := range secrets {
				if strings.Contains(out, v) {
					t.Errorf("%s printed in clear:\n%s", k, out)
				}
			}
			for _, leak := range []string{"secretpw", "retpw", "sec@", "sec:"} {
				if strings.Contains(out, leak) {
					t.Errorf("DSN password fragment %q printed:\n%s", leak, out)
				}
			}
			for _, want := range []string{"****", "scanpay:****@tcp(db:3306)/scanpay", "mysql+redis", "wx123", "redis:6379"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestPrintEmbeddedShowsMode(t *testing.T) {
	var b strings.Builder
	mustLoad(t, nil).Print(&b)
	out := b.String()
	if !strings.Contains(out, "embedded") {
		t.Errorf("embedded print:\n%s", out)
	}
	for _, key := range []string{"HTTP_ADDR", "MYSQL_DSN", "JWT_SECRET", "DEMO_SEED", "LOG_FORMAT"} {
		if !strings.Contains(out, key) {
			t.Errorf("print lacks %s", key)
		}
	}
}

func TestTrustedProxiesMustBeIPsOrCIDRs(t *testing.T) {
	_, err := Load(env(map[string]string{"TRUSTED_PROXIES": "10.0.0.1, 10.0.0.0/33,lb.local"}))
	if err == nil {
		t.Fatal("bad TRUSTED_PROXIES accepted")
	}
	for _, bad := range []string{`"10.0.0.0/33"`, `"lb.local"`} {
		if !strings.Contains(err.Error(), bad) {
			t.Errorf("error does not name %s:\n%v", bad, err)
		}
	}
	if strings.Contains(err.Error(), `"10.0.0.1"`) {
		t.Errorf("a valid IP was reported:\n%v", err)
	}
}

// The demo accounts have published passwords: seeding them on a public
// address is refused, on loopback it is fine.
func TestDemoSeedOnlyOnLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{"127.0.0.1:8080": true, "localhost:80": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "10.1.2.3:8080": false} {
		_, err := Load(env(map[string]string{"HTTP_ADDR": addr}))
		if (err == nil) != ok {
			t.Errorf("HTTP_ADDR=%s with the demo seed: err=%v, want ok=%v", addr, err, ok)
		}
		if !ok && !strings.Contains(fmt.Sprint(err), "DEMO_SEED") {
			t.Errorf("error does not name DEMO_SEED: %v", err)
		}
		if _, err := Load(env(map[string]string{"HTTP_ADDR": addr, "DEMO_SEED": "false"})); err != nil {
			t.Errorf("HTTP_ADDR=%s without the seed: %v", addr, err)
		}
	}
}

// Exit passes open the exit: a real deployment names its own secret of 32+
// characters; embedded mode leaves it empty and makes one at start.
func TestExitPassSecretRules(t *testing.T) {
	mysqlMode := map[string]string{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/scanpay", "JWT_SECRET": strings.Repeat("s", 32)}
	_, err := Load(env(mysqlMode))
	if keys := problemKeys(t, err); !slices.Equal(keys, []string{"EXIT_PASS_SECRET"}) || !strings.Contains(err.Error(), "MYSQL_DSN") {
		t.Fatalf("mysql mode without EXIT_PASS_SECRET: problems %v; error:\n%v", keys, err)
	}
	for _, kv := range []map[string]string{{"EXIT_PASS_SECRET": "short"}, {"EXIT_PASS_SECRET": strings.Repeat("x", 31)}} {
		_, err := Load(env(kv))
		if keys := problemKeys(t, err); !slices.Equal(keys, []string{"EXIT_PASS_SECRET"}) || !strings.Contains(err.Error(), "32") {
			t.Errorf("%d-character secret: problems %v; error:\n%v", len(kv["EXIT_PASS_SECRET"]), keys, err)
		}
	}
	mysqlMode["EXIT_PASS_SECRET"] = strings.Repeat("x", 32)
	if c := mustLoad(t, mysqlMode); c.ExitPassSecret != strings.Repeat("x", 32) {
		t.Errorf("secret %q", c.ExitPassSecret)
	}
	settings := map[string]string{}
	for _, st := range mustLoad(t, mysqlMode).Settings() {
		settings[st.Key] = st.Value
	}
	if settings["EXIT_PASS_SECRET"] != "****" || settings["EXIT_PASS_TTL"] != "30m0s" {
		t.Errorf("settings show EXIT_PASS_SECRET %q, EXIT_PASS_TTL %q", settings["EXIT_PASS_SECRET"], settings["EXIT_PASS_TTL"])
	}
}
