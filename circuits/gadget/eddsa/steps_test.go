package eddsa

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/twistededwards"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/std/hash/poseidon2"
	"github.com/consensys/gnark/test"
)

// Verify's steps, in order (verifySteps): TestCost pins each step's
// constraints and checks that they sum to Verify's; TestEveryConstraint
// removes them one at a time, all 5,005, and shows for each an input that
// the step holding it accepts without it and rejects with it.
//
// A constraint is removed through cutAPI, which numbers the API calls that
// add a constraint as the R1CS builder compiles them:
//   - an assertion (AssertIsEqual, AssertIsBoolean, AssertIsDifferent) is
//     left out;
//   - a computed wire (a product, quotient, inverse or selection of
//     non-constant values) is no longer constrained, so the prover may
//     put any value in it: the mutant takes the attack's value (by default
//     the honest value plus one) and goes on computing from it.
//
// A step that computes values (a hash, a scalar multiplication) is
// observed at its outputs: removing one of its constraints lets the prover
// claim outputs that differ from the true ones (the challenge, [h]A,
// [h < p], ...). A step that asserts is observed by what it accepts:
// removing one of its constraints lets an input through that the step
// exists to refuse (an off-curve point, a key of small order, a
// non-boolean bit, a D that is not of small order).

// cutAPI wraps a frontend.API and removes one constraint-adding call (see
// above). With plan set (while compiling) it records which calls add a
// constraint.
type cutAPI struct {
	frontend.API
	plan  *plan
	cut   int // the call whose constraint is removed; -1 for none
	value func(api frontend.API, honest frontend.Variable) frontend.Variable
	calls int
}

// plan lists a step's constraint-adding calls in order.
type plan struct {
	points []int // call numbers
	multi  int   // calls that add more than one constraint (the harness cannot cut those one at a time)
}

// next numbers a call; n is the number of constraints it adds when
// compiled. It reports whether this call is the one removed.
func (c *cutAPI) next(n int) bool {
	call := c.calls
	c.calls++
	if c.plan != nil && n > 0 {
		c.plan.points = append(c.plan.points, call)
		if n > 1 {
			c.plan.multi++
		}
	}
	return call == c.cut
}

// Compiler keeps Verify's control flow the same while compiling and in
// gnark's test engine. lessStep asks whether a value is the constant 0; in
// the engine every value is a constant, so a wire that happens to be 0
// would skip a call and shift the numbering. Here only Go integers (the
// literals Verify starts from) are constants, as for the R1CS builder.
func (c *cutAPI) Compiler() frontend.Compiler {
	if c.plan != nil {
		return c.API.Compiler()
	}
	return literals{c.API.Compiler()}
}

type literals struct{ frontend.Compiler }

func (literals) ConstantValue(v frontend.Variable) (*big.Int, bool) {
	if x, ok := v.(int); ok {
		return big.NewInt(int64(x)), true
	}
	return nil, false
}

func (c *cutAPI) variable(v frontend.Variable) bool {
	_, ok := c.API.Compiler().ConstantValue(v)
	return !ok
}

// count returns the number of non-constant values among vs.
func (c *cutAPI) count(vs ...frontend.Variable) int {
	n := 0
	for _, v := range vs {
		if c.variable(v) {
			n++
		}
	}
	return n
}

// computed returns the removed call's value chosen by the prover, or the
// honest one.
func (c *cutAPI) computed(removed bool, honest frontend.Variable) frontend.Variable {
	if !removed {
		return honest
	}
	if c.value != nil {
		return c.value(c.API, honest)
	}
	return c.API.Add(honest, 1)
}

func (c *cutAPI) Mul(a, b frontend.Variable, more ...frontend.Variable) frontend.Variable {
	n := c.count(append([]frontend.Variable{a, b}, more...)...) - 1
	return c.computed(c.next(max(n, 0)), c.API.Mul(a, b, more...))
}

func (c *cutAPI) DivUnchecked(a, b frontend.Variable) frontend.Variable {
	n := 0
	if c.variable(b) {
		n = 1
	}
	return c.computed(c.next(n), c.API.DivUnchecked(a, b))
}

func (c *cutAPI) Inverse(a frontend.Variable) frontend.Variable {
	return c.computed(c.next(c.count(a)), c.API.Inverse(a))
}

func (c *cutAPI) Select(b, x, y frontend.Variable) frontend.Variable {
	n := 0
	if c.variable(b) && c.count(x, y) > 0 {
		n = 1
	}
	return c.computed(c.next(n), c.API.Select(b, x, y))
}

func (c *cutAPI) AssertIsEqual(a, b frontend.Variable) {
	if !c.next(min(c.count(a, b), 1)) {
		c.API.AssertIsEqual(a, b)
	}
}

func (c *cutAPI) AssertIsDifferent(a, b frontend.Variable) {
	if !c.next(min(c.count(a, b), 1)) {
		c.API.AssertIsDifferent(a, b)
	}
}

func (c *cutAPI) AssertIsBoolean(v frontend.Variable) {
	n := c.count(v)
	if n > 0 && c.plan != nil && c.API.Compiler().IsBoolean(v) {
		n = 0 // the builder adds nothing for a value already known boolean
	}
	if !c.next(n) {
		c.API.AssertIsBoolean(v)
	}
}

// stepCircuit runs one step of Verify through a cutAPI.
type stepCircuit struct {
	P, Q Point
	X    frontend.Variable
	Bits [hBits]frontend.Variable
	// Want are the step's true outputs; with differ set the circuit asserts
	// that the step's outputs are not all equal to them.
	Want [3]frontend.Variable

	cfg *cutStep // a pointer: gnark's test engine clones the circuit and compares the clone
}

// cutStep is a step with one constraint removed (cut), or none (cut = -1).
type cutStep struct {
	run    func(v *verifier, c *stepCircuit) ([]frontend.Variable, error)
	differ bool // assert that the outputs are not all equal to Want
	cut    int
	value  func(api frontend.API, honest frontend.Variable) frontend.Variable
	plan   *plan // set while compiling
	calls  int   // the calls numbered in the last run
}

func (c *stepCircuit) Define(api frontend.API) error {
	for _, b := range c.Bits {
		api.Compiler().MarkBoolean(b) // as Verify's decompositions leave them
	}
	m := c.cfg
	cut := &cutAPI{API: api, plan: m.plan, cut: m.cut, value: m.value}
	out, err := m.run(&verifier{api: cut}, c)
	if err != nil {
		return err
	}
	m.calls = cut.calls
	if m.differ {
		// sum_i r^i (out_i - want_i) != 0 for a fixed random r: some output
		// differs from its true value (a difference cancelling is a 3/p event).
		r := new(big.Int).SetUint64(0x9e3779b97f4a7c15)
		var acc frontend.Variable = 0
		for i := len(out) - 1; i >= 0; i-- {
			acc = api.Add(api.Mul(acc, r), api.Sub(out[i], c.Want[i]))
		}
		api.AssertIsDifferent(acc, 0)
	}
	return nil
}

// scenario is one attack on a step with one constraint removed: an input,
// the hints' replacements and the prover's value for a removed computation.
type scenario struct {
	name    string
	witness *stepCircuit
	// differ: the attack claims outputs other than the true ones (Want).
	differ bool
	value  func(api frontend.API, honest frontend.Variable) frontend.Variable
	opts   []test.TestEngineOption
}

// step is a part of Verify. copies is how many times Verify runs it, want
// its pinned constraint count; attacks returns the scenarios that may kill
// the mutant without the step's i-th constraint.
type step struct {
	name    string
	copies  int
	want    int
	run     func(v *verifier, c *stepCircuit) ([]frontend.Variable, error)
	attacks func(i int) []scenario
}

// fixture holds the values the steps' attacks use.
type fixture struct {
	a, r, hA, a2 twistededwards.PointAffine
	h, s, msg    *big.Int
	chal         *big.Int
}

func pointOf(p twistededwards.PointAffine) Point { return Point{X: toBig(&p.X), Y: toBig(&p.Y)} }

func bitsOf(x *big.Int, n int) (out [hBits]frontend.Variable) {
	for i := range out {
		out[i] = 0
		if i < n {
			out[i] = x.Bit(i)
		}
	}
	return out
}

// blank returns a witness with every field set.
func blank() *stepCircuit {
	c := &stepCircuit{P: Point{X: 0, Y: 1}, Q: Point{X: 0, Y: 1}, X: 0, Want: [3]frontend.Variable{0, 0, 0}}
	c.Bits = bitsOf(new(big.Int), 0)
	return c
}

func constant(v *big.Int) func(frontend.API, frontend.Variable) frontend.Variable {
	return func(frontend.API, frontend.Variable) frontend.Variable { return v }
}

// verifySteps returns Verify's steps, in order, with their attacks.
func verifySteps(t testing.TB) []step {
	rnd := rand.NewChaCha8([32]byte{5})
	key := signer{a: randomScalar(rnd)}
	sig := key.signWith(randomScalar(rnd), randomMsg(rnd), nil)
	f := fixture{a: sig.pub, r: sig.r, s: sig.s, msg: sig.msg}
	f.chal = challenge(&f.r, &f.a, f.msg)
	f.h = f.chal
	f.a2.Double(&f.a)
	f.hA.ScalarMultiplication(&f.a, f.h)
	modulus := fr.Modulus()
	d := &params().d
	mod := func(x *big.Int) *big.Int { return x.Mod(x, modulus) }
	inv := func(x *big.Int) *big.Int { return new(big.Int).ModInverse(x, modulus) }

	// compute: a step that only computes, observed at its outputs.
	compute := func(in ...*stepCircuit) func(int) []scenario {
		return func(int) []scenario {
			var out []scenario
			for k, w := range in {
				out = append(out, scenario{name: fmt.Sprintf("outputs other than the true ones (input %d)", k+1), witness: w, differ: true})
			}
			return out
		}
	}
	// decomposition: n bits and their sum (n + 1 constraints). The attacks:
	// bit i non-boolean (2, for x = 2^(i+1)), or boolean bits of x + 1.
	decomposition := func(name string, n int, bitsSite, sumSite site) step {
		run := func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
			v.decompose(c.X, n, bitsSite, sumSite)
			return nil, nil
		}
		return step{name: name, copies: 1, want: n + 1, run: run, attacks: func(i int) []scenario {
			if i == n {
				w := blank()
				w.X = 5
				return []scenario{{name: "the bits of 6 for 5", witness: w, opts: []test.TestEngineOption{
					replaceDecomposition(n, func(_ *big.Int, out []*big.Int) { setBits(big.NewInt(6), out) })}}}
			}
			bit := n - 1 - i // decompose asserts from the top bit down
			w := blank()
			w.X = mod(new(big.Int).Lsh(big.NewInt(1), uint(bit+1)))
			return []scenario{{name: fmt.Sprintf("bit %d = 2", bit), witness: w, opts: []test.TestEngineOption{
				replaceDecomposition(n, func(_ *big.Int, out []*big.Int) {
					setBits(new(big.Int), out)
					out[bit].SetInt64(2)
				})}}}
		}}
	}

	offCurve := f.a
	offCurve.X.Add(&offCurve.X, new(fr.Element).SetOne())
	ox, oy := toBig(&offCurve.X), toBig(&offCurve.Y)
	xx, yy := mod(new(big.Int).Mul(ox, ox)), mod(new(big.Int).Mul(oy, oy))

	small := smallOrderPoint(t, 8)
	return []step{
		{name: "A (or R) on the curve", copies: 2, want: 4,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				v.assertOnCurve(c.P, siteOnCurveA)
				return nil, nil
			},
			attacks: func(i int) []scenario {
				w := blank()
				w.P = pointOf(offCurve)
				// The removed wire takes the value that makes -x^2 + y^2 =
				// 1 + d x^2 y^2 hold for the off-curve point.
				var value *big.Int
				switch i {
				case 0: // x^2 := (y^2 - 1) / (1 + d y^2)
					value = mod(new(big.Int).Mul(new(big.Int).Sub(yy, big.NewInt(1)), inv(mod(new(big.Int).Add(big.NewInt(1), new(big.Int).Mul(d, yy))))))
				case 1: // y^2 := (1 + x^2) / (1 - d x^2)
					value = mod(new(big.Int).Mul(new(big.Int).Add(big.NewInt(1), xx), inv(mod(new(big.Int).Sub(big.NewInt(1), new(big.Int).Mul(d, xx))))))
				case 2: // d x^2 y^2 := y^2 - x^2 - 1
					value = mod(new(big.Int).Sub(new(big.Int).Sub(yy, xx), big.NewInt(1)))
				}
				sc := scenario{name: "an off-curve point", witness: w}
				if value != nil {
					sc.value = constant(value)
				}
				return []scenario{sc}
			}},
		{name: "challenge H(R, A, msg)", copies: 1, want: 930,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				h, err := poseidon2.New(v.api)
				if err != nil {
					return nil, err
				}
				h.Write(c.P.X, c.P.Y, c.Q.X, c.Q.Y, c.X)
				return []frontend.Variable{h.Sum()}, nil
			},
			attacks: func() func(int) []scenario {
				w := blank()
				w.P, w.Q, w.X = pointOf(f.r), pointOf(f.a), f.msg
				w.Want[0] = f.chal
				return compute(w)
			}()},
		{name: "[2]A and [8]A != O", copies: 1, want: 7,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				a2 := double(v.api, c.P)
				v.api.AssertIsDifferent(v.api.Mul(a2.X, a2.Y), 0)
				return []frontend.Variable{a2.X, a2.Y}, nil
			},
			attacks: func(int) []scenario {
				w := blank()
				w.P = pointOf(f.a)
				w.Want[0], w.Want[1] = toBig(&f.a2.X), toBig(&f.a2.Y)
				s := blank()
				s.P = pointOf(small)
				return []scenario{
					{name: "[2]A other than the true one", witness: w, differ: true},
					{name: "a key of order 8", witness: s},
				}
			}},
		decomposition("h: 254 bits", hBits, siteHBits, siteHRecompose),
		{name: "[h]A and [h < p]", copies: 1, want: 2663,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				p, lt := v.varBaseMul(c.P, c.Q, c.Bits[:hBits])
				return []frontend.Variable{p.X, p.Y, lt}, nil
			},
			attacks: func() func(int) []scenario {
				w := blank()
				w.P, w.Q, w.Bits = pointOf(f.a), pointOf(f.a2), bitsOf(f.h, hBits)
				w.Want = [3]frontend.Variable{toBig(&f.hA.X), toBig(&f.hA.Y), 1}
				// h = p - 1 shares every 2-bit window above bit 0 with p, so
				// that every step of the comparison reaches its result.
				top := new(big.Int).Sub(modulus, big.NewInt(1))
				var ta twistededwards.PointAffine
				ta.ScalarMultiplication(&f.a, top)
				e := blank()
				e.P, e.Q, e.Bits = pointOf(f.a), pointOf(f.a2), bitsOf(top, hBits)
				e.Want = [3]frontend.Variable{toBig(&ta.X), toBig(&ta.Y), 1}
				return compute(w, e)
			}()},
		{name: "h < p, S < l: the comparison is 1", copies: 2, want: 1,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				v.api.AssertIsEqual(c.X, 1)
				return nil, nil
			},
			attacks: func(int) []scenario {
				return []scenario{{name: "a scalar not below its bound", witness: blank()}}
			}},
		decomposition("S: 251 bits", sBits, siteSBits, siteSRecompose),
		{name: "-R - [h]A + [S]B and [S < l]", copies: 1, want: 884,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				start := add(v.api, neg(v.api, c.P), neg(v.api, c.Q))
				p, lt := v.fixedBaseMul(start, c.Bits[:sBits])
				return []frontend.Variable{p.X, p.Y, lt}, nil
			},
			attacks: func() func(int) []scenario {
				w := blank()
				w.P, w.Q, w.Bits = pointOf(f.r), pointOf(f.hA), bitsOf(f.s, sBits)
				// A valid signature: [S]B - R - [h]A is O.
				w.Want = [3]frontend.Variable{0, 1, 1}
				// S = l - 1 shares every window with l but the lowest (see
				// [h]A): -R - [h]A + [l - 1]B = -R - [h]A - B.
				var d twistededwards.PointAffine
				base := params().base
				d.Add(&f.r, &f.hA)
				d.Add(&d, &base)
				d.Neg(&d)
				e := blank()
				e.P, e.Q, e.Bits = pointOf(f.r), pointOf(f.hA), bitsOf(new(big.Int).Sub(&params().order, big.NewInt(1)), sBits)
				e.Want = [3]frontend.Variable{toBig(&d.X), toBig(&d.Y), 1}
				return compute(w, e)
			}()},
		{name: "[8]D = O", copies: 1, want: 4,
			run: func(v *verifier, c *stepCircuit) ([]frontend.Variable, error) {
				v.assertSmallOrder(c.P)
				return nil, nil
			},
			attacks: func(i int) []scenario {
				w := blank()
				w.P = pointOf(f.a) // of order l, not small
				// The removed wire takes the value that makes x*y*(x^2+y^2) zero.
				var value frontend.Variable
				switch i {
				case 0, 2: // x*y := 0, or the product := 0
					value = 0
				case 1: // (x+y)^2 := 2xy
					value = mod(new(big.Int).Lsh(new(big.Int).Mul(toBig(&f.a.X), toBig(&f.a.Y)), 1))
				}
				sc := scenario{name: "a D of order l", witness: w}
				if value != nil {
					sc.value = func(frontend.API, frontend.Variable) frontend.Variable { return value }
				}
				return []scenario{sc}
			}},
	}
}

// compileStep compiles step s through a recording cutAPI: its constraint
// count, and the calls that add them.
func compileStep(t *testing.T, s step) (int, *cutStep) {
	t.Helper()
	m := &cutStep{run: s.run, cut: -1, plan: &plan{}}
	ccs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, &stepCircuit{cfg: m}, frontend.IgnoreUnconstrainedInputs())
	if err != nil {
		t.Fatalf("%s: %v", s.name, err)
	}
	n := ccs.GetNbConstraints()
	if n != s.want || len(m.plan.points) != n || m.plan.multi != 0 {
		t.Fatalf("%s: %d constraints (pinned %d), %d calls found adding them (%d adding several)", s.name, n, s.want, len(m.plan.points), m.plan.multi)
	}
	return n, m
}
