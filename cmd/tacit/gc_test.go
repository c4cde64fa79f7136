package main

import (
	"runtime/debug"
	"testing"
)

// gcSettings reads the collector's percent and memory limit without
// changing them.
func gcSettings() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

func TestPauseGCRestoresAfterTheLastProof(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	_, limit := gcSettings()

	first, second := pauseGC(), pauseGC()
	if p, l := gcSettings(); p != -1 || l != proveMemoryLimit {
		t.Fatalf("during a proof: GC percent %d, limit %d; want -1 and %d", p, l, proveMemoryLimit)
	}
	first()
	if p, l := gcSettings(); p != -1 || l != proveMemoryLimit {
		t.Fatalf("with one proof still running: GC percent %d, limit %d; want -1 and %d", p, l, proveMemoryLimit)
	}
	second()
	if p, l := gcSettings(); p != 100 || l != limit {
		t.Fatalf("after the proofs: GC percent %d, limit %d; want 100 and %d", p, l, limit)
	}
}

func TestPauseGCLeavesAnEnvironmentSetting(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "100")
			_, limit := gcSettings()
			restore := pauseGC()
			if p, l := gcSettings(); p != 100 || l != limit {
				t.Fatalf("with %s set: GC percent %d, limit %d; want them unchanged (100, %d)", env, p, l, limit)
			}
			restore()
		})
	}
}
