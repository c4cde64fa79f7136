package policyv2

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// scaledCircuit takes scaledWindow's values as a witness, so that a test
// can play a dishonest prover.
type scaledCircuit struct {
	B        [Capacity]frontend.Variable
	X, Lo, W frontend.Variable
}

func (c *scaledCircuit) Define(api frontend.API) error {
	assertScaledWindow(api, c.B[:], c.X, c.Lo, c.W)
	return nil
}

// scaled returns the witness with b = x at the given indices.
func scaled(x int64, lo, w int, at ...int) *scaledCircuit {
	c := &scaledCircuit{X: x, Lo: lo, W: w}
	for i := range c.B {
		c.B[i] = 0
	}
	for _, i := range at {
		c.B[i] = x
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

// TestScaledWindowIsTheRun: for x != 0 the only values the constraints
// accept are x on the run [lo, lo+w); for x = 0, only zeros.
func TestScaledWindowIsTheRun(t *testing.T) {
	field := ecc.BN254.ScalarField()
	valid := []*scaledCircuit{scaled(7, 0, 0), scaled(0, 3, 12), scaled(7, 0, 1, 0), scaled(5999999, 59, 1, 59),
		scaled(1<<47, 0, 60, run(0, 60)...), scaled(6000000, 12, 12, run(12, 12)...), scaled(1, 12, 36, run(12, 36)...)}
	for i, c := range valid {
		if err := test.IsSolved(&scaledCircuit{}, c, field); err != nil {
			t.Errorf("valid %d: %v", i, err)
		}
	}
	invalid := map[string]*scaledCircuit{
		"nothing for w = 1":                  scaled(7, 3, 1),
		"run shifted right":                  scaled(7, 3, 2, 4, 5),
		"run shifted left":                   scaled(7, 3, 2, 2, 3),
		"same count and sum, not a run":      scaled(7, 1, 2, 0, 3),
		"same count and sum, wider spread":   scaled(7, 10, 4, 9, 11, 12, 14),
		"one month too many":                 scaled(7, 3, 2, 3, 4, 5),
		"gap in the middle":                  scaled(7, 0, 3, 0, 1, 3),
		"window running past the capacity":   scaled(7, 59, 2, 59),
		"a bound where x = 0":                func() *scaledCircuit { c := scaled(0, 3, 1); c.B[3] = 5; return c }(),
		"half the bound in two months":       func() *scaledCircuit { c := scaled(8, 3, 1); c.B[2], c.B[4] = 4, 4; return c }(),
		"a lower bound in one month":         func() *scaledCircuit { c := scaled(8, 3, 2, 3, 4); c.B[4] = 1; return c }(),
		"twice the bound, half the window":   func() *scaledCircuit { c := scaled(8, 3, 2, 3); c.B[3] = 16; return c }(),
		"minus x and x (sums match for w)":   func() *scaledCircuit { c := scaled(7, 3, 1, 3); c.B[4], c.B[5] = -7, 7; return c }(),
		"the run, one month zeroed":          func() *scaledCircuit { c := scaled(7, 0, 60, run(0, 60)...); c.B[30] = 0; return c }(),
		"the run of a zero bound, nonzero x": scaled(0, 3, 2, 3, 4),
	}
	invalid["the run of a zero bound, nonzero x"].X = 9
	for name, c := range invalid {
		if err := test.IsSolved(&scaledCircuit{}, c, field); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// Every set of w indices with the run's sum but not the run.
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
				if err := test.IsSolved(&scaledCircuit{}, scaled(1000, lo, w, set...), field); err == nil {
					t.Errorf("lo %d, w %d: accepted %v", lo, w, set)
				}
			})
		}
	}
	if tried < 20 {
		t.Fatalf("only %d impostor sets tried", tried)
	}
}

// TestScaledWindowHint: the hint's values are x times policy/v1's window
// mask (the reference), for every window and random bounds.
func TestScaledWindowHint(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for lo := 0; lo < Capacity; lo++ {
		for w := 0; lo+w <= Capacity; w++ {
			x := new(big.Int).SetUint64(rng.Uint64() >> 16)
			out := make([]*big.Int, Capacity)
			for i := range out {
				out[i] = new(big.Int)
			}
			if err := scaledWindowHint(nil, []*big.Int{x, big.NewInt(int64(lo)), big.NewInt(int64(w))}, out); err != nil {
				t.Fatal(err)
			}
			for i, v := range out {
				want := new(big.Int)
				if i >= lo && i < lo+w {
					want.Set(x)
				}
				if v.Cmp(want) != 0 {
					t.Fatalf("lo %d, w %d: b[%d] = %v, want %v", lo, w, i, v, want)
				}
			}
		}
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

// tallyCircuit runs tally on a masked sum and exposes its parts.
type tallyCircuit struct {
	Acc    frontend.Variable
	Sel    [2]frontend.Variable
	Counts [5]frontend.Variable
	Sum    frontend.Variable
}

func (c *tallyCircuit) Define(api frontend.API) error {
	counts, sum := tally(api, c.Acc, c.Sel)
	for u := range counts {
		api.AssertIsEqual(counts[u], c.Counts[u])
	}
	api.AssertIsEqual(sum, c.Sum)
	return nil
}

// TestTallyAgainstReference: tally's parts are the reference split of a
// masked sum for every slot, at the widths' boundaries, and a masked sum
// too wide for any honest tally is refused.
func TestTallyAgainstReference(t *testing.T) {
	field := ecc.BN254.ScalarField()
	maxSum := new(big.Int).Mul(big.NewInt(60), big.NewInt(1<<48-1))
	rng := rand.New(rand.NewPCG(3, 4))
	for n := 0; n < 12; n++ {
		var counts [Slots][5]int64
		for k := range counts {
			left := int64(60)
			for u := range counts[k] {
				c := rng.Int64N(left + 1)
				if n == 0 {
					c = 0
				}
				if n == 1 && u == 4 {
					c = left // every month in the last count
				}
				counts[k][u], left = c, left-c
			}
		}
		sum := new(big.Int).Mul(big.NewInt(rng.Int64N(60)), big.NewInt(rng.Int64N(1<<48)))
		if n < 2 {
			sum.Set(maxSum)
		}
		acc := new(big.Int).Lsh(sum, sumShift)
		for k := range counts {
			for u, c := range counts[k] {
				acc.Add(acc, new(big.Int).Lsh(big.NewInt(c), uint(k*slotBits+u*countBits)))
			}
		}
		for k := 0; k < Slots; k++ {
			c := &tallyCircuit{Acc: acc, Sel: [2]frontend.Variable{k & 1, k >> 1}, Sum: sum}
			for u := range c.Counts {
				c.Counts[u] = counts[k][u]
			}
			if err := test.IsSolved(&tallyCircuit{}, c, field); err != nil {
				t.Fatalf("case %d, slot %d: %v", n, k, err)
			}
			c.Counts[0] = counts[k][0] + 1
			if test.IsSolved(&tallyCircuit{}, c, field) == nil {
				t.Fatalf("case %d, slot %d: a wrong count accepted", n, k)
			}
		}
	}
	wide := &tallyCircuit{Acc: new(big.Int).Lsh(big.NewInt(1), tallyBits), Sel: [2]frontend.Variable{0, 0}, Sum: 0}
	for u := range wide.Counts {
		wide.Counts[u] = 0
	}
	if test.IsSolved(&tallyCircuit{}, wide, field) == nil {
		t.Fatal("a masked sum of 2^144 accepted")
	}
}
