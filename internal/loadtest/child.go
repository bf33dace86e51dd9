package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Service is the scanpay binary running as a child process.
type Service struct {
	URL  string
	cmd  *exec.Cmd
	out  *os.File // its stdout and stderr
	keep bool     // keep the output file after Stop
	// done is closed when the process has exited; err is then its status.
	done chan struct{}
	err  error
}

// StartService runs bin with args and env (added to this process's PATH
// and HOME only: the service reads nothing else), its output going to
// logPath (kept) or, when empty, to a temporary file removed by Stop, and
// waits until GET /readyz answers 200 at baseURL.
func StartService(ctx context.Context, bin string, args []string, env map[string]string, baseURL, logPath string) (*Service, error) {
	var out *os.File
	var err error
	if logPath != "" {
		out, err = os.Create(logPath)
	} else {
		out, err = os.CreateTemp("", "scanbench-service-*.log")
	}
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		_ = out.Close()
		_ = os.Remove(out.Name())
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Service{URL: baseURL, cmd: cmd, out: out, keep: logPath != "", done: make(chan struct{})}
	go func() { s.err = cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, 60*time.Second); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Service) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.URL + "/readyz")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("the service exited before it was ready (%v):\n%s", s.err, s.Tail(40))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the service was not ready after %s:\n%s", limit, s.Tail(40))
		}
	}
}

// PID is the service's process id.
func (s *Service) PID() int { return s.cmd.Process.Pid }

// RSS reads the service's resident set size (VmRSS) from /proc, in bytes.
func (s *Service) RSS() (int64, error) { return procStatusBytes(s.PID(), "VmRSS") }

// PeakRSS reads the service's resident set high-water mark (VmHWM), in bytes.
func (s *Service) PeakRSS() (int64, error) { return procStatusBytes(s.PID(), "VmHWM") }

func procStatusBytes(pid int, field string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != field {
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, fmt.Errorf("/proc/%d/status: %s: %q", pid, field, v)
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		return kb << 10, err
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// Tail returns up to n last lines of the service's output.
func (s *Service) Tail(n int) string {
	b, _ := os.ReadFile(s.out.Name())
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop sends SIGTERM, waits for the graceful shutdown (SIGKILL after 30 s)
// and removes a temporary output file. An exit status other than 0 after
// SIGTERM is an error.
func (s *Service) Stop() error {
	defer func() {
		_ = s.out.Close()
		if !s.keep {
			_ = os.Remove(s.out.Name())
		}
	}()
	select {
	case <-s.done:
		return fmt.Errorf("the service had already exited (%v):\n%s", s.err, s.Tail(20))
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
		return errors.New("the service did not stop within 30 s of SIGTERM; killed")
	}
	if s.err != nil {
		return fmt.Errorf("the service stopped with %v:\n%s", s.err, s.Tail(20))
	}
	return nil
}

// FreeAddr returns a loopback host:port nobody listens on right now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// ProcCPU reads the user+system CPU time process pid has used, from
// /proc/<pid>/stat (in USER_HZ = 100 ticks per second).
func ProcCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after it are plain.
	rest := string(b)
	if i := strings.LastIndexByte(rest, ')'); i >= 0 {
		rest = rest[i+1:]
	}
	f := strings.Fields(rest) // f[0] is field 3 (state); utime, stime are fields 14, 15
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// FindProcess returns the pid of a local process whose command name is one
// of names (e.g. the database server), or 0.
func FindProcess(names ...string) int {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err == nil && slices.Contains(names, strings.TrimSpace(string(comm))) {
			return pid
		}
	}
	return 0
}
