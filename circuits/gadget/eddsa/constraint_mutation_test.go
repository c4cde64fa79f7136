//go:build !race

// The race detector slows this test's 5,000-odd runs of gnark's test engine
// about fivefold and finds nothing in it (one goroutine): `make mutation`,
// part of `make test`, runs it without -race.

package eddsa

import (
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/test"
)

// TestEveryConstraint removes each of Verify's constraints in turn (see
// steps_test.go; TestCost checks that the steps hold all of Verify's) and
// requires, for each, an attack that the step refuses with the constraint
// and accepts without it.
func TestEveryConstraint(t *testing.T) {
	field := ecc.BN254.ScalarField()
	total := 0
	for _, s := range verifySteps(t) {
		n, compiled := compileStep(t, s)
		p := compiled.plan
		total += s.copies * n
		t.Run(s.name, func(t *testing.T) {
			refused := map[string]bool{} // attacks the whole step refuses
			for i, call := range p.points {
				killed := false
				var tried []string
				for _, sc := range s.attacks(i) {
					if !refused[sc.name] {
						full := &stepCircuit{cfg: &cutStep{run: s.run, cut: -1, differ: sc.differ}}
						if err := test.IsSolved(full, sc.witness, field, sc.opts...); err == nil {
							t.Fatalf("constraint %d: the whole step accepts the attack %q", i, sc.name)
						}
						refused[sc.name] = true
					}
					cut := &stepCircuit{cfg: &cutStep{run: s.run, cut: call, differ: sc.differ, value: sc.value}}
					err := test.IsSolved(cut, sc.witness, field, sc.opts...)
					if err == nil {
						// The mutant ran to its end: it must have numbered the
						// calls as the compiler did, or another call was cut.
						if cut.cfg.calls != compiled.calls {
							t.Fatalf("attack %q: %d calls in the test engine, %d while compiling", sc.name, cut.cfg.calls, compiled.calls)
						}
						killed = true
						break
					}
					tried = append(tried, sc.name)
				}
				if !killed {
					t.Errorf("constraint %d (call %d) removed: no test fails (tried %v)", i, call, tried)
				}
			}
		})
	}
	if !t.Failed() {
		t.Logf("removed each of Verify's %d constraints in turn; an attack got through each time", total)
	}
}
