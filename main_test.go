package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/adapters/redis/redistest"
)

// env is a test environment for run: unset keys read as "".
type env map[string]string

func (e env) get(k string) string { return e[k] }

// syncBuffer is a bytes.Buffer safe to write from the service's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// service is scanpay started through run, as main starts it.
type service struct {
	addr   string
	out    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

func startService(t *testing.T, e env, args ...string) *service {
	t.Helper()
	if e["HTTP_ADDR"] == "" {
		e["HTTP_ADDR"] = freeAddr(t)
	}
	if e["MYSQL_DSN"] != "" && e["EXIT_PASS_SECRET"] == "" {
		e["EXIT_PASS_SECRET"] = "test-exit-pass-secret-0123456789abcdef" // required outside embedded mode
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &service{addr: e["HTTP_ADDR"], out: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, args, e.get, s.out) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("service did not stop")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case err := <-s.done:
			t.Fatalf("service exited early: %v\n%s", err, s.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("service not ready after 60s\n%s", s.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop cancels the service's context, as SIGTERM does, and waits for run.
func (s *service) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // let the cleanup see it too
		return err
	case <-time.After(25 * time.Second):
		t.Fatal("run did not return within the 20 s shutdown budget")
		return nil
	}
}

func (s *service) login(t *testing.T, user, pass string) (int, map[string]any) {
	t.Helper()
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, user, pass)
	resp, err := http.Post("http://"+s.addr+"/v1/admin/sessions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func embeddedEnv(t *testing.T) env {
	return env{"DATA_DIR": t.TempDir(), "LOG_FORMAT": "json"}
}

// make run's promise: with nothing configured the whole service starts on
// its embedded engines, seeds the demo and lets the demo admin in.
func TestRunEmbeddedServesDemo(t *testing.T) {
	s := startService(t, embeddedEnv(t))
	code, body := s.login(t, "admin", "scanpay-demo")
	if code != http.StatusCreated || body["token"] == "" {
		t.Fatalf("demo admin login: %d %v", code, body)
	}
	// The WeChat stand-in runs in-process: entry codes work offline.
	req, _ := http.NewRequest(http.MethodGet, "http://"+s.addr+"/v1/admin/stores/DEMO01/entry-code", nil)
	req.Header.Set("Authorization", "Bearer "+body["token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("entry code in embedded mode: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !strings.Contains(s.out.String(), "embedded (SQLite + in-process Redis)") {
		t.Fatalf("start-up output does not say embedded mode:\n%s", s.out.String())
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("run returned %v", err)
	}
}

// With MYSQL_DSN and REDIS_ADDR the same binary runs on MariaDB and Redis.
func TestRunOnMariaDBAndRedis(t *testing.T) {
	if !mysqltest.MariaDBAvailable() {
		mysqltest.Open(t) // fails on CI, warns elsewhere
		t.Log("MariaDB not available off CI: covered by the embedded test only")
		return
	}
	addr, db := redistest.Addr(t)
	secret := "test-secret-that-is-long-enough-0123456789"
	s := startService(t, env{"MYSQL_DSN": mysqltest.CreateDatabase(t), "REDIS_ADDR": addr,
		"REDIS_DB": strconv.Itoa(db), "JWT_SECRET": secret, "DEMO_SEED": "true"}, "all")
	if code, body := s.login(t, "manager1", "scanpay-demo"); code != http.StatusCreated {
		t.Fatalf("login on MariaDB: %d %v", code, body)
	}
	out := s.out.String()
	if !strings.Contains(out, "mysql+redis") || strings.Contains(out, secret) {
		t.Fatalf("start-up output must name the mode and mask the secret:\n%s", out)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// SIGTERM during a request: the listener closes at once, but the request
// already in flight is served to the end before run returns.
func TestGracefulShutdownFinishesInFlightRequest(t *testing.T) {
	s := startService(t, embeddedEnv(t))
	body := `{"username":"admin","password":"scanpay-demo"}`
	conn, err := net.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /v1/admin/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:half])

	stopped := make(chan error, 1)
	go func() { stopped <- s.stop(t) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, 200*time.Millisecond)
		if err != nil {
			break // no longer accepting: shutdown has begun
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("server still accepting connections 5s after shutdown began")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The client is slow: the rest of its body comes 2 s later. run must
	// wait for it rather than finish shutting down underneath it.
	select {
	case err := <-stopped:
		t.Fatalf("run returned (%v) while a request was still in flight", err)
	case <-time.After(2 * time.Second):
	}
	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no response: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight login answered %d, want 201", resp.StatusCode)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run returned %v after shutdown", err)
	}
	if !strings.Contains(s.out.String(), "shutdown complete") {
		t.Fatalf("no ordered shutdown in the log:\n%s", s.out.String())
	}
}

// A bad configuration stops the start with one line per bad value.
func TestRunRejectsBadConfig(t *testing.T) {
	e := env{"MYSQL_DSN": "root@tcp(127.0.0.1:3306)/x", "ORDER_TTL": "soon", "LOG_FORMAT": "xml"}
	err := run(context.Background(), []string{"serve"}, e.get, io.Discard)
	if err == nil {
		t.Fatal("run accepted a bad configuration")
	}
	for _, want := range []string{"JWT_SECRET is required", `ORDER_TTL "soon" is not a duration`, `LOG_FORMAT "xml" must be one of`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
}

func TestRunRejectsUnknownCommand(t *testing.T) {
	err := run(context.Background(), []string{"launch"}, env{}.get, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown command "launch"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestMigrateStatusCommand(t *testing.T) {
	e := embeddedEnv(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "up"}, e.get, &out); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"migrate", "status"}, e.get, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "00001") || strings.Contains(out.String(), "pending") {
		t.Fatalf("status after up:\n%s", out.String())
	}
}

// A fresh production install has no staff: create-admin makes the first
// admin, who can then log in; a second run with the same name is refused.
func TestCreateAdminCommand(t *testing.T) {
	e := embeddedEnv(t)
	e["DEMO_SEED"] = "false"
	e["ADMIN_PASSWORD"] = "a-strong-password"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"create-admin", "boss"}, e.get, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"create-admin", "boss"}, e.get, io.Discard); err == nil || !strings.Contains(err.Error(), "username_taken") {
		t.Fatalf("second create-admin: %v", err)
	}
	e["ADMIN_PASSWORD"] = "short"
	if err := run(context.Background(), []string{"create-admin", "boss2"}, e.get, io.Discard); err == nil || !strings.Contains(err.Error(), "ADMIN_PASSWORD") {
		t.Fatalf("short password: %v", err)
	}
	delete(e, "ADMIN_PASSWORD")
	s := startService(t, e)
	if code, body := s.login(t, "boss", "a-strong-password"); code != http.StatusCreated {
		t.Fatalf("new admin login: %d %v", code, body)
	}
	if code, _ := s.login(t, "admin", "scanpay-demo"); code != http.StatusUnauthorized {
		t.Fatalf("demo admin exists with DEMO_SEED=false: %d", code)
	}
}

// A start-up failure (database unreachable) is an error naming the cause,
// never a panic.
func TestRunReportsUnreachableDatabase(t *testing.T) {
	e := env{"MYSQL_DSN": "root@tcp(" + freeAddr(t) + ")/scanpay", "JWT_SECRET": strings.Repeat("s", 40), "HTTP_ADDR": freeAddr(t),
		"EXIT_PASS_SECRET": strings.Repeat("x", 40)}
	err := run(context.Background(), []string{"serve"}, e.get, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "mysql") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("run with an unreachable database: %v", err)
	}
}
