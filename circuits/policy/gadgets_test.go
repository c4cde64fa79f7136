package policy

import (
	"fmt"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// The gadgets take their values from hints; these circuits take them as
// witnesses instead, so that a test can play a dishonest prover.

type windowCircuit struct {
	Mask  [Capacity]frontend.Variable
	Lo, W frontend.Variable
}

func (c *windowCircuit) Define(api frontend.API) error {
	AssertWindow(api, c.Mask[:], c.Lo, c.W)
	return nil
}

type tallyCircuit struct {
	Acc   frontend.Variable
	Parts [6]frontend.Variable
}

func (c *tallyCircuit) Define(api frontend.API) error {
	assertTally(api, c.Acc, c.Parts[:])
	return nil
}

func window(lo, w int, ones ...int) *windowCircuit {
	c := &windowCircuit{Lo: lo, W: w}
	for i := range c.Mask {
		c.Mask[i] = 0
	}
	for _, i := range ones {
		c.Mask[i] = 1
	}
	return c
}

func run(lo, n int) []int {
	var out []int
	for i := lo; i < lo+n; i++ {
		out = append(out, i)
	}
	return out
}

// TestWindowMaskIsTheRun: the only mask the constraints accept for (lo, w)
// is the run [lo, lo+w).
func TestWindowMaskIsTheRun(t *testing.T) {
	field := ecc.BN254.ScalarField()
	valid := []*windowCircuit{window(0, 0), window(5, 0), window(0, 1, 0), window(59, 1, 59), window(0, 60, run(0, 60)...),
		window(24, 24, run(24, 24)...), window(12, 36, run(12, 36)...)}
	for i, c := range valid {
		if err := test.IsSolved(&windowCircuit{}, c, field); err != nil {
			t.Errorf("valid %d: %v", i, err)
		}
	}
	invalid := map[string]*windowCircuit{
		"empty mask for w = 1":                 window(3, 1),
		"run shifted right":                    window(3, 2, 4, 5),
		"run shifted left":                     window(3, 2, 2, 3),
		"same count and sum, not a run":        window(1, 2, 0, 3),
		"same count and sum, wider spread":     window(10, 4, 9, 11, 12, 14),
		"one month too many":                   window(3, 2, 3, 4, 5),
		"gap in the middle":                    window(0, 3, 0, 1, 3),
		"mask of 2 (not a boolean)":            func() *windowCircuit { c := window(3, 1); c.Mask[3] = 2; return c }(),
		"minus one and two (sums match for w)": func() *windowCircuit { c := window(3, 1, 3); c.Mask[4], c.Mask[5] = -1, 1; return c }(),
		"window running past the capacity":     window(59, 2, 59),
	}
	for name, c := range invalid {
		if err := test.IsSolved(&windowCircuit{}, c, field); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Every set of w indices with the run's sum but not the run, for small
	// windows near the start: the sum of squares must tell them apart.
	tried := 0
	for w := 2; w <= 4; w++ {
		for lo := 0; lo <= 3; lo++ {
			target := w*lo + w*(w-1)/2
			forEachSubset(12, w, func(set []int) {
				sum := 0
				for _, i := range set {
					sum += i
				}
				if sum != target || set[0] == lo && set[w-1] == lo+w-1 {
					return
				}
				tried++
				if err := test.IsSolved(&windowCircuit{}, window(lo, w, set...), field); err == nil {
					t.Errorf("lo %d, w %d: accepted %v", lo, w, set)
				}
			})
		}
	}
	if tried < 20 {
		t.Fatalf("only %d impostor sets tried", tried)
	}
}

func forEachSubset(n, k int, fn func([]int)) {
	set := make([]int, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(set) == k {
			fn(set)
			return
		}
		for i := start; i < n; i++ {
			set = append(set, i)
			rec(i + 1)
			set = set[:len(set)-1]
		}
	}
	rec(0)
}

// TestTallySplitIsUnique: a dishonest split that moves value between the
// counts or into the amount sum is refused.
func TestTallySplitIsUnique(t *testing.T) {
	field := ecc.BN254.ScalarField()
	acc := func(counts [5]int64, sum int64) *big.Int {
		v := new(big.Int).Lsh(big.NewInt(sum), tallyShift)
		for i, c := range counts {
			v.Add(v, new(big.Int).Lsh(big.NewInt(c), uint(countBits*i)))
		}
		return v
	}
	honest := acc([5]int64{20, 3, 0, 0, 1}, 1234567)
	parts := func(p ...any) *tallyCircuit {
		c := &tallyCircuit{Acc: honest}
		for i := range c.Parts {
			c.Parts[i] = p[i]
		}
		return c
	}
	if err := test.IsSolved(&tallyCircuit{}, parts(20, 3, 0, 0, 1, 1234567), field); err != nil {
		t.Fatalf("honest split: %v", err)
	}
	for i, c := range []*tallyCircuit{
		parts(20+64, 2, 0, 0, 1, 1234567),                                               // borrow from the next count
		parts(20, 3, 0, 0, 1+64, 1234566),                                               // borrow from the sum
		parts(20, 3, 0, 0, 0, 1234567),                                                  // drop a default
		parts(fmt.Sprint(new(big.Int).Sub(field, big.NewInt(44))), 4, 0, 0, 1, 1234567), // a "negative" count
	} {
		if err := test.IsSolved(&tallyCircuit{}, c, field); err == nil {
			t.Errorf("dishonest split %d accepted", i)
		}
	}
}
