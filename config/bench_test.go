package config

import (
	"slices"
	"testing"
)

// The bench knobs are off by default; a profile endpoint never faces a network.
func TestBenchKnobs(t *testing.T) {
	c := mustLoad(t, nil)
	if c.BenchFloor || c.PprofAddr != "" {
		t.Fatalf("defaults: BenchFloor=%v PprofAddr=%q, want off", c.BenchFloor, c.PprofAddr)
	}
	c = mustLoad(t, map[string]string{"BENCH_FLOOR": "true", "PPROF_ADDR": "127.0.0.1:6060"})
	if !c.BenchFloor || c.PprofAddr != "127.0.0.1:6060" {
		t.Fatalf("set: BenchFloor=%v PprofAddr=%q", c.BenchFloor, c.PprofAddr)
	}
	_, err := Load(env(map[string]string{"PPROF_ADDR": "0.0.0.0:6060"}))
	if keys := problemKeys(t, err); !slices.Equal(keys, []string{"PPROF_ADDR"}) {
		t.Fatalf("problems %v, want [PPROF_ADDR]", keys)
	}
}
