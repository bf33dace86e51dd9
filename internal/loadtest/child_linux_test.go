package loadtest

import (
	"os"
	"testing"
	"time"
)

// The /proc readers work on this very process.
func TestProcReaders(t *testing.T) {
	pid := os.Getpid()
	rss, err := procStatusBytes(pid, "VmRSS")
	if err != nil || rss < 1<<20 {
		t.Fatalf("VmRSS = %d, %v", rss, err)
	}
	if _, err := procStatusBytes(pid, "NoSuchField"); err == nil {
		t.Error("a missing field read without error")
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ { // burn some CPU
		_ = x * x
	}
	cpu, err := ProcCPU(pid)
	if err != nil || cpu < 100*time.Millisecond {
		t.Fatalf("ProcCPU = %v, %v; want at least the 300 ms just spent", cpu, err)
	}
	if FindProcess("no-such-command-here") != 0 {
		t.Error("FindProcess found a process that does not exist")
	}
}
