package policy

import (
	"errors"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/poseidon2"

	"github.com/tacit-zk/tacit/circuits/gadget"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsav1"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
)

// ID names the statement and its circuit.
const ID = "policy/v1"

// Shape of the circuit: credential slots, rule slots and months per
// credential. Changing any of them is a new circuit.
const (
	Slots    = policydoc.MaxCredentials
	Rules    = policydoc.MaxRules
	Capacity = credential.MaxMonths
)

// Bit widths of the values the circuit compares.
const (
	// ThresholdBits bounds every rule threshold: 0 <= threshold < 2^54,
	// enough for a sum of Capacity amounts below 2^48.
	ThresholdBits = 54
	// SumBits bounds a sum of at most Capacity amounts.
	SumBits = 54
	// countBits bounds a count of months (at most Capacity = 60 < 64).
	countBits = 6
	// tallyShift is where the amount sum starts in a rule's tally, above
	// the five 6-bit status counts.
	tallyShift = 5 * countBits
)

// Slot is one credential slot's public inputs.
type Slot struct {
	// Kind is the credential kind the slot requires (1 payment-history,
	// 2 revenue) or 0 for an unused slot. The verifier derives it from the
	// policy.
	Kind frontend.Variable
	// Root is the Merkle root of the issuer set the slot's credential must
	// come from (0 for an unused slot). The verifier checks it is the
	// current root of the set the policy names for the slot.
	Root frontend.Variable
}

// Rule is one rule slot's public inputs, all derived by the verifier from
// the policy.
type Rule struct {
	// Kind is a RuleKind; RuleNone disables the rule and then every other
	// field must be 0.
	Kind frontend.Variable
	// Slot is the credential slot (0..Slots-1) the rule reads; it must be
	// a used slot.
	Slot frontend.Variable
	// Window is W, 1..Capacity: the rule reads the months [T-W, T). For
	// RuleHistory it is the number of months the credential must cover.
	Window frontend.Variable
	// Threshold is the rule's bound: a status (1..4) for
	// RuleNoMonthAtOrAbove, per mille for RuleOnTime, an amount in minor
	// units for RuleSum, RuleAverage and RuleMinimum, 0 otherwise.
	Threshold frontend.Variable
}

// Credential is one slot's private witness: a credential as signed, its
// issuer's key and signature, and the issuer's membership proof.
type Credential struct {
	PeriodStart frontend.Variable
	Months      frontend.Variable
	IssuedAt    frontend.Variable
	ExpiresAt   frontend.Variable
	// Statuses and Amounts are the packed message elements, as signed.
	Statuses frontend.Variable
	Amounts  [credential.AmountElements]frontend.Variable
	// Issuer is the issuer's key: private, proven to be in the slot's set.
	Issuer    eddsa.Point
	Signature eddsa.Signature
	// Index and Path are the issuer's leaf index and its siblings, bottom up.
	Index frontend.Variable
	Path  [registry.Depth]frontend.Variable
}

// Circuit is the policy/v1 constraint system. See the package doc for the
// statement and what a verifier must check about each public input.
type Circuit struct {
	// Policy is the policy's canonical hash; the verifier recomputes it from
	// its own policy document.
	Policy frontend.Variable `gnark:",public"`
	// AsOf is the month index T; every window ends just before it.
	AsOf frontend.Variable `gnark:",public"`
	// AsOfDay is the day number of the first day of T; the verifier
	// recomputes it from AsOf.
	AsOfDay frontend.Variable `gnark:",public"`
	// Lender is the verifier's lender identifier (statement.LenderID).
	Lender frontend.Variable `gnark:",public"`
	// Nonce is the verifier's fresh challenge.
	Nonce frontend.Variable `gnark:",public"`
	// Pseudonym is H(tacit/pseudonym/v1, Secret, Lender), an output.
	Pseudonym frontend.Variable `gnark:",public"`
	// Slots and Rules are the policy's shape, derived from the policy.
	Slots [Slots]Slot `gnark:",public"`
	Rules [Rules]Rule `gnark:",public"`

	// Secret is the holder secret every used credential is bound to.
	Secret frontend.Variable
	// AmountSlot is the slot whose amounts the amount rules read.
	AmountSlot frontend.Variable
	// Credentials holds one witness per slot; an unused slot's is padding.
	Credentials [Slots]Credential
}

// slotValues are what the rules read from one credential slot.
type slotValues struct {
	used   frontend.Variable // 1 for a used slot, 0 for padding
	start  frontend.Variable // first month
	months frontend.Variable // number of months, 1..Capacity
	leaf   frontend.Variable // the issuer's leaf
	// tally[i] is 64^min(status_i, 4): a masked sum of these counts the
	// months at each status (4 and above share the last count).
	tally [Capacity]frontend.Variable
}

// Define declares the constraints.
func (c *Circuit) Define(api frontend.API) error {
	if credential.HeaderKindShift != 0 {
		return errors.New("policy: the circuit adds the kind at bit 0 of the header")
	}
	gadget.AssertBits(api, c.AsOf, credential.MonthBits)
	gadget.AssertBits(api, c.AsOfDay, credential.DayBits)
	// Bind the nonce and the policy hash: a public input in no constraint
	// is not bound by the proof. X*X constrains nothing else.
	api.Mul(c.Nonce, c.Nonce)
	api.Mul(c.Policy, c.Policy)

	subject, err := gadget.Hash(api, credential.TagSubject, c.Secret)
	if err != nil {
		return err
	}
	pseudonym, err := gadget.Hash(api, credential.TagPseudonym, c.Secret, c.Lender)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Pseudonym, pseudonym)

	curve := eddsav1.NewCurve(api)
	var slots [Slots]slotValues
	for k := range slots {
		if slots[k], err = c.slot(api, curve, k, subject); err != nil {
			return err
		}
	}
	// Every used credential comes from a different issuer, so "two banks"
	// cannot be one bank's credential twice.
	for k := 0; k < Slots; k++ {
		for l := k + 1; l < Slots; l++ {
			same := api.IsZero(api.Sub(slots[k].leaf, slots[l].leaf))
			api.AssertIsEqual(api.Mul(slots[k].used, slots[l].used, same), 0)
		}
	}

	amounts := c.amounts(api)
	var minimum [Capacity]frontend.Variable
	for i := range minimum {
		minimum[i] = 0
	}
	for j := range c.Rules {
		c.rule(api, j, &slots, &amounts, &minimum)
	}
	// RuleMinimum: every amount in its window is at least the threshold.
	// Outside it the bound is 0, and amount - 0 < 2^48 holds already.
	for i := range amounts {
		gadget.AssertBits(api, api.Sub(amounts[i], minimum[i]), credential.AmountBits)
	}
	return nil
}

// slot checks one credential slot: kind, header ranges, issuer key,
// signature, issuer-set membership and expiry. Checks that a padding slot
// could not pass are gated by the slot's used flag.
func (c *Circuit) slot(api frontend.API, curve *eddsav1.Curve, k int, subject frontend.Variable) (slotValues, error) {
	s, cr := c.Slots[k], c.Credentials[k]
	used := UsedSlot(api, s)
	AssertHeader(api, cr.PeriodStart, cr.Months, cr.IssuedAt, cr.ExpiresAt)
	v := slotValues{used: used, start: cr.PeriodStart, months: cr.Months, tally: Tallies(api, cr.Statuses)}

	// The issuer key is private now: it must be on the curve and not of
	// small order (a small-order key lets anyone "sign"). R must be on the
	// curve too.
	curve.AssertIsOnCurve(cr.Issuer)
	cleared := curve.Double(curve.Double(curve.Double(cr.Issuer)))
	api.AssertIsDifferent(cleared.X, 0)
	curve.AssertIsOnCurve(cr.Signature.R)

	header := api.Add(gadget.Header(api, 0, cr.PeriodStart, cr.Months, cr.IssuedAt, cr.ExpiresAt), s.Kind)
	msg := []frontend.Variable{header, subject, cr.Issuer.X, cr.Issuer.Y, cr.Statuses}
	msg = append(msg, cr.Amounts[:]...)
	if len(msg) != credential.MessageElements {
		return v, errors.New("policy: message layout does not match credential.MessageElements")
	}
	digest, err := gadget.Hash(api, credential.TagCredential, msg...)
	if err != nil {
		return v, err
	}
	hasher, err := poseidon2.New(api)
	if err != nil {
		return v, err
	}
	valid, err := eddsav1.IsValid(curve, cr.Signature, digest, cr.Issuer, hasher)
	if err != nil {
		return v, err
	}
	api.AssertIsEqual(api.Mul(used, api.Sub(1, valid)), 0)

	if v.leaf, err = gadget.Hash(api, registry.TagLeaf, cr.Issuer.X, cr.Issuer.Y); err != nil {
		return v, err
	}
	root, err := MerkleRoot(api, v.leaf, cr.Index, cr.Path)
	if err != nil {
		return v, err
	}
	api.AssertIsEqual(api.Mul(used, api.Sub(root, s.Root)), 0)

	// Not expired on the first day of T: ExpiresAt > AsOfDay.
	gadget.AssertBits(api, api.Mul(used, api.Sub(cr.ExpiresAt, c.AsOfDay, 1)), credential.DayBits)
	return v, nil
}

// UsedSlot checks a slot's kind (0, 1 or 2) and that an unused slot's root
// is 0, and returns the slot's used flag.
func UsedSlot(api frontend.API, s Slot) frontend.Variable {
	// Kind is 0, 1 or 2: k^3 = 3k^2 - 2k. used = k(3-k)/2 is 0 for 0 and 1 for 1 or 2.
	kk := api.Mul(s.Kind, s.Kind)
	api.AssertIsEqual(api.Mul(kk, s.Kind), api.Sub(api.Mul(kk, 3), api.Mul(s.Kind, 2)))
	used := api.Mul(api.Sub(api.Mul(s.Kind, 3), kk), inverseOf2)
	api.AssertIsEqual(api.Mul(api.Sub(1, used), s.Root), 0) // an unused slot's root is 0
	return used
}

// AssertHeader range-checks a credential's header fields.
func AssertHeader(api frontend.API, periodStart, months, issuedAt, expiresAt frontend.Variable) {
	gadget.AssertBits(api, periodStart, credential.MonthBits)
	gadget.AssertBits(api, api.Sub(months, 1), credential.MonthsBits)        // 1 <= n
	gadget.AssertBits(api, api.Sub(Capacity, months), credential.MonthsBits) // n <= 60
	gadget.AssertBits(api, issuedAt, credential.DayBits)
	gadget.AssertBits(api, expiresAt, credential.DayBits)
}

// Tallies decomposes a packed statuses element (which makes the packing
// injective) and returns 64^min(status_i, 4) for each month: a masked sum
// of these counts the months at each status (4 and above share the last
// count).
func Tallies(api frontend.API, statuses frontend.Variable) [Capacity]frontend.Variable {
	var tally [Capacity]frontend.Variable
	bits := gadget.AssertBits(api, statuses, credential.StatusBits*Capacity)
	for i := range tally {
		b0, b1, b2 := bits[3*i], bits[3*i+1], bits[3*i+2]
		low := api.Mul(api.Add(1, api.Mul(b0, 63)), api.Add(1, api.Mul(b1, 4095))) // 64^(b0+2b1)
		tally[i] = api.Add(low, api.Mul(b2, api.Sub(1<<24, low)))                  // 64^4 when b2 = 1
	}
	return tally
}

// MerkleRoot recomputes registry.Proof.Root in circuit.
func MerkleRoot(api frontend.API, leaf, index frontend.Variable, path [registry.Depth]frontend.Variable) (frontend.Variable, error) {
	bits := gadget.AssertBits(api, index, registry.Depth)
	cur := leaf
	for d, sib := range path {
		left := api.Add(cur, api.Mul(bits[d], api.Sub(sib, cur))) // bit 1: cur is the right child
		right := api.Sub(api.Add(cur, sib), left)
		var err error
		if cur, err = gadget.Hash(api, registry.TagNode, left, right); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// amounts decomposes the amount slot's packed amounts into Capacity
// 48-bit values. The decomposition is what makes the packing injective: a
// prover cannot move value between months of a signed element.
func (c *Circuit) amounts(api frontend.API) [Capacity]frontend.Variable {
	sel := SlotSelector(api, c.AmountSlot)
	var out [Capacity]frontend.Variable
	for e := 0; e < credential.AmountElements; e++ {
		packed := Mux(api, sel, c.Credentials[0].Amounts[e], c.Credentials[1].Amounts[e], c.Credentials[2].Amounts[e])
		bits := gadget.AssertBits(api, packed, credential.AmountsPerElement*credential.AmountBits)
		for k := 0; k < credential.AmountsPerElement; k++ {
			out[e*credential.AmountsPerElement+k] = api.FromBinary(bits[k*credential.AmountBits : (k+1)*credential.AmountBits]...)
		}
	}
	return out
}

// rule checks rule j: its parameters, its window inside its credential,
// and its predicate. RuleMinimum adds its bound to minimum, which Define
// checks once for all rules.
func (c *Circuit) rule(api frontend.API, j int, slots *[Slots]slotValues, amounts *[Capacity]frontend.Variable, minimum *[Capacity]frontend.Variable) {
	r := c.Rules[j]
	is := OneHot(api, r.Kind, int(numRuleKinds))
	none := is[RuleNone]
	on := api.Sub(1, none)
	// A disabled rule is all zeros, so its public inputs are canonical.
	api.AssertIsEqual(api.Mul(none, r.Slot), 0)
	api.AssertIsEqual(api.Mul(none, r.Window), 0)
	api.AssertIsEqual(api.Mul(none, r.Threshold), 0)
	gadget.AssertBits(api, r.Threshold, ThresholdBits)

	// The slot is 0, 1 or 2 and in use.
	sel := SlotSelector(api, r.Slot)
	used := Mux(api, sel, slots[0].used, slots[1].used, slots[2].used)
	api.AssertIsEqual(api.Mul(on, api.Sub(1, used)), 0)
	start := Mux(api, sel, slots[0].start, slots[1].start, slots[2].start)
	months := Mux(api, sel, slots[0].months, slots[1].months, slots[2].months)

	// The window [lo, hi) in the credential's record indices: hi = T - start
	// must be at most n, lo = hi - W at least 0, and W at least 1. (The mask
	// alone already rules out lo < 0: no W non-negative indices sum to less
	// than 0+1+...+(W-1). The check keeps the argument local.)
	hi := api.Sub(c.AsOf, start)
	lo := api.Sub(hi, r.Window)
	gadget.AssertBits(api, api.Mul(on, api.Sub(months, hi)), credential.MonthsBits)
	gadget.AssertBits(api, api.Mul(on, lo), credential.MonthsBits)
	gadget.AssertBits(api, api.Mul(on, api.Sub(r.Window, 1)), credential.MonthsBits)
	mask := WindowMask(api, lo, r.Window)

	// One masked sum gives the five status counts and the amount sum.
	var acc frontend.Variable = 0
	for i := 0; i < Capacity; i++ {
		t := Mux(api, sel, slots[0].tally[i], slots[1].tally[i], slots[2].tally[i])
		acc = api.Add(acc, api.Mul(mask[i], api.Add(t, api.Mul(amounts[i], new(big.Int).Lsh(big.NewInt(1), tallyShift)))))
	}
	counts, sum := splitTally(api, acc)

	// Amount rules read the amount slot.
	amountRule := api.Add(is[RuleSum], is[RuleAverage], is[RuleMinimum])
	api.AssertIsEqual(api.Mul(amountRule, api.Sub(r.Slot, c.AmountSlot)), 0)

	// RuleNoMonthAtOrAbove: the threshold is a status 1..4; count the
	// months at or above it.
	var atOrAbove, known frontend.Variable = 0, 0
	for s := 1; s <= int(credential.StatusDefault); s++ {
		isS := api.IsZero(api.Sub(r.Threshold, s))
		known = api.Add(known, isS)
		var above frontend.Variable = 0
		for u := s; u < len(counts); u++ {
			above = api.Add(above, counts[u])
		}
		atOrAbove = api.Add(atOrAbove, api.Mul(isS, above))
	}
	api.AssertIsEqual(api.Mul(is[RuleNoMonthAtOrAbove], api.Sub(1, known)), 0)

	// Every comparison is lhs - rhs >= 0 on integers far below the field
	// size, checked as a range: a negative difference wraps to a huge value.
	// |lhs - rhs| < 2^60, so SumBits+1 bits accept exactly the non-negative ones.
	tw := api.Mul(r.Threshold, r.Window)
	diff := api.Add(
		api.Mul(is[RuleNoMonthAtOrAbove], api.Neg(atOrAbove)),          // no month at or above: count = 0
		api.Mul(is[RuleOnTime], api.Sub(api.Mul(counts[0], 1000), tw)), // 1000*ok >= p*W
		api.Mul(is[RuleSum], api.Sub(sum, r.Threshold)),                // sum >= X
		api.Mul(is[RuleAverage], api.Sub(sum, tw)),                     // sum >= X*W
	)
	gadget.AssertBits(api, diff, SumBits+1)

	bound := api.Mul(is[RuleMinimum], r.Threshold)
	for i := range minimum {
		minimum[i] = api.Add(minimum[i], api.Mul(bound, mask[i]))
	}
}

// WindowMask returns Capacity booleans that are 1 exactly on [lo, lo+w),
// for 0 <= lo and lo+w <= Capacity (the caller checks both when w > 0;
// w = 0 gives all zeros). A hint proposes the mask; the constraints pin it:
// w booleans whose indices sum to those of the run and whose squares sum
// to those of the run. Among sets of w distinct integers with a given sum,
// the run of consecutive integers is the only one with the smallest sum of
// squares (write the sorted set as lo + k + y_k with y non-decreasing; the
// sums force sum(y) = 0 and sum(y^2) + 2 sum(k y_k) = 0, and both terms are
// non-negative with equality only for y = 0). Everything stays below 2^17,
// so the field equations are integer equations.
func WindowMask(api frontend.API, lo, w frontend.Variable) []frontend.Variable {
	mask, err := api.Compiler().NewHint(maskHint, Capacity, lo, w)
	if err != nil {
		panic(err) // only for a wrong number of inputs
	}
	AssertWindow(api, mask, lo, w)
	return mask
}

// AssertWindow constrains mask to be 1 exactly on [lo, lo+w) (see WindowMask).
func AssertWindow(api frontend.API, mask []frontend.Variable, lo, w frontend.Variable) {
	var n, s1, s2 frontend.Variable = 0, 0, 0
	for i, m := range mask {
		api.AssertIsBoolean(m)
		n = api.Add(n, m)
		s1 = api.Add(s1, api.Mul(m, i))
		s2 = api.Add(s2, api.Mul(m, i*i))
	}
	api.AssertIsEqual(n, w)
	wlo, ww := api.Mul(w, lo), api.Mul(w, w)
	// 2*sum(i) = 2*w*lo + w(w-1)
	api.AssertIsEqual(api.Mul(s1, 2), api.Add(api.Mul(wlo, 2), api.Sub(ww, w)))
	// 6*sum(i^2) = 6*w*lo^2 + 6*lo*w(w-1) + w(w-1)(2w-1)
	www := api.Mul(ww, w)
	rhs := api.Add(api.Mul(api.Mul(wlo, lo), 6), api.Mul(api.Mul(lo, api.Sub(ww, w)), 6), api.Mul(www, 2), api.Mul(ww, -3), w)
	api.AssertIsEqual(api.Mul(s2, 6), rhs)
}

// splitTally splits a rule's masked sum into five 6-bit status counts and
// a SumBits-bit amount sum: acc = sum(counts[v] * 64^v) + sum * 2^30.
// With every part range-checked and the total below 2^84, the split is
// unique.
func splitTally(api frontend.API, acc frontend.Variable) ([5]frontend.Variable, frontend.Variable) {
	parts, err := api.Compiler().NewHint(tallyHint, 6, acc)
	if err != nil {
		panic(err)
	}
	return assertTally(api, acc, parts)
}

// assertTally constrains parts to be acc's split (see splitTally).
func assertTally(api frontend.API, acc frontend.Variable, parts []frontend.Variable) ([5]frontend.Variable, frontend.Variable) {
	var counts [5]frontend.Variable
	var recomposed frontend.Variable = 0
	for v := range counts {
		counts[v] = parts[v]
		gadget.AssertBits(api, counts[v], countBits)
		recomposed = api.Add(recomposed, api.Mul(counts[v], new(big.Int).Lsh(big.NewInt(1), uint(countBits*v))))
	}
	sum := parts[5]
	gadget.AssertBits(api, sum, SumBits)
	api.AssertIsEqual(acc, api.Add(recomposed, api.Mul(sum, new(big.Int).Lsh(big.NewInt(1), tallyShift))))
	return counts, sum
}

// SlotSelector constrains v to 0, 1 or 2 and returns its two bits.
func SlotSelector(api frontend.API, v frontend.Variable) [2]frontend.Variable {
	b := gadget.AssertBits(api, v, 2)
	api.AssertIsEqual(api.Mul(b[0], b[1]), 0)
	return [2]frontend.Variable{b[0], b[1]}
}

// Mux returns v[sel] for a selector from slotSelector.
func Mux(api frontend.API, sel [2]frontend.Variable, v0, v1, v2 frontend.Variable) frontend.Variable {
	return api.Add(v0, api.Mul(sel[0], api.Sub(v1, v0)), api.Mul(sel[1], api.Sub(v2, v0)))
}

// OneHot returns is[i] = (v == i) for i < n and constrains v to [0, n).
func OneHot(api frontend.API, v frontend.Variable, n int) []frontend.Variable {
	is := make([]frontend.Variable, n)
	var total frontend.Variable = 0
	for i := range is {
		is[i] = api.IsZero(api.Sub(v, i))
		total = api.Add(total, is[i])
	}
	api.AssertIsEqual(total, 1)
	return is
}

// inverseOf2 is 1/2 in BN254's scalar field.
var inverseOf2 = new(big.Int).Rsh(new(big.Int).Add(fr.Modulus(), big.NewInt(1)), 1)
