package policyv2

import (
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits/gadget"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
)

// ID names the statement and its circuit.
const ID = "policy/v2"

// Shape of the circuit, as policy/v1's: credential slots, rule slots and
// months per credential.
const (
	Slots    = policy.Slots
	Rules    = policy.Rules
	Capacity = policy.Capacity
)

// Bit widths of a rule's tally (see tally).
const (
	countBits  = 6                // a count of months, at most Capacity = 60 < 64
	slotBits   = 5 * countBits    // one slot's five status counts
	sumShift   = Slots * slotBits // where the amount sum starts
	tallyBits  = sumShift + policy.SumBits
	amountBits = credential.AmountBits
)

// Slot and Rule are the public inputs of a credential slot and a rule
// slot, as in policy/v1.
type (
	Slot = policy.Slot
	Rule = policy.Rule
)

// Credential is one slot's private witness: a layout-v2 credential's
// signed parts except the amounts (only the amount slot's are read, see
// Circuit.Amounts), its issuer's key and signature, and the issuer's
// membership proof.
type Credential struct {
	PeriodStart frontend.Variable
	Months      frontend.Variable
	IssuedAt    frontend.Variable
	ExpiresAt   frontend.Variable
	// Statuses is the packed statuses element, as signed.
	Statuses frontend.Variable
	// AmountsDigest is the signed digest of the credential's amounts.
	AmountsDigest frontend.Variable
	// Issuer is the issuer's key: private, proven to be in the slot's set.
	Issuer    eddsa.Point
	Signature eddsa.Signature
	// Index and Path are the issuer's leaf index and its siblings, bottom up.
	Index frontend.Variable
	Path  [registry.Depth]frontend.Variable
}

// Circuit is the policy/v2 constraint system. Its public inputs are
// policy/v1's, in the same order; see the package doc for the statement
// and what a verifier must check about each.
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
	// Amounts are the amount slot's packed amounts, as signed: their
	// digest is that slot's AmountsDigest.
	Amounts [credential.AmountElements]frontend.Variable
	// Credentials holds one witness per slot; an unused slot's is padding.
	Credentials [Slots]Credential
}

// slotValues are what the rules read from one credential slot.
type slotValues struct {
	used   frontend.Variable // 1 for a used slot, 0 for padding
	start  frontend.Variable // first month
	months frontend.Variable // number of months, 1..Capacity
	leaf   frontend.Variable // the issuer's leaf
	// tally[i] is 64^min(status_i, 4).
	tally [Capacity]frontend.Variable
}

// ruleValues are a rule's decoded public inputs and its window.
type ruleValues struct {
	is   []frontend.Variable // is[k] = (kind == k)
	sel  [2]frontend.Variable
	lo   frontend.Variable // first month of the window, as a record index
	mask []frontend.Variable
}

// Define declares the constraints.
func (c *Circuit) Define(api frontend.API) error {
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

	var slots [Slots]slotValues
	for k := range slots {
		if slots[k], err = c.slot(api, k, subject); err != nil {
			return err
		}
	}
	// Every used credential comes from a different issuer.
	for k := 0; k < Slots; k++ {
		for l := k + 1; l < Slots; l++ {
			same := api.IsZero(api.Sub(slots[k].leaf, slots[l].leaf))
			api.AssertIsEqual(api.Mul(slots[k].used, slots[l].used, same), 0)
		}
	}

	var rules [Rules]ruleValues
	for j := range rules {
		rules[j] = c.rule(api, j, &slots)
	}
	amounts, err := c.amounts(api, c.minimumBound(api, &rules))
	if err != nil {
		return err
	}
	// One masked sum per rule yields the five status counts of each slot
	// and the amount sum: T_i packs month i of every slot (see tally).
	var packed [Capacity]frontend.Variable
	for i := range packed {
		packed[i] = api.Add(
			slots[0].tally[i],
			api.Mul(slots[1].tally[i], pow2(slotBits)),
			api.Mul(slots[2].tally[i], pow2(2*slotBits)),
			api.Mul(amounts[i], pow2(sumShift)),
		)
	}
	for j := range rules {
		c.predicate(api, j, &rules[j], &packed)
	}
	return nil
}

// slot checks one credential slot: kind, header ranges, issuer key,
// signature, issuer-set membership and expiry. Checks that a padding slot
// could not pass are gated by the slot's used flag.
func (c *Circuit) slot(api frontend.API, k int, subject frontend.Variable) (slotValues, error) {
	s, cr := c.Slots[k], c.Credentials[k]
	used := policy.UsedSlot(api, s)
	policy.AssertHeader(api, cr.PeriodStart, cr.Months, cr.IssuedAt, cr.ExpiresAt)
	v := slotValues{used: used, start: cr.PeriodStart, months: cr.Months, tally: policy.Tallies(api, cr.Statuses)}

	// The v2 message: H(header, subject, statuses, amountsDigest), the
	// header carrying the slot's kind and layout version 2.
	header := api.Add(gadget.HeaderOf(api, 0, credential.LayoutV2, cr.PeriodStart, cr.Months, cr.IssuedAt, cr.ExpiresAt), s.Kind)
	digest, err := gadget.Hash(api, credential.TagCredentialV2, header, subject, cr.Statuses, cr.AmountsDigest)
	if err != nil {
		return v, err
	}
	// A padding slot verifies a fixed valid signature instead (see padding).
	pub := eddsa.Point{X: gate(api, used, cr.Issuer.X, padding.ax), Y: gate(api, used, cr.Issuer.Y, padding.ay)}
	sig := eddsa.Signature{
		R: eddsa.Point{X: gate(api, used, cr.Signature.R.X, padding.rx), Y: gate(api, used, cr.Signature.R.Y, padding.ry)},
		S: gate(api, used, cr.Signature.S, padding.s),
	}
	if err := eddsa.Verify(api, pub, sig, gate(api, used, digest, padding.msg)); err != nil {
		return v, err
	}

	if v.leaf, err = gadget.Hash(api, registry.TagLeaf, cr.Issuer.X, cr.Issuer.Y); err != nil {
		return v, err
	}
	root, err := policy.MerkleRoot(api, v.leaf, cr.Index, cr.Path)
	if err != nil {
		return v, err
	}
	api.AssertIsEqual(api.Mul(used, api.Sub(root, s.Root)), 0)

	// Not expired on the first day of T: ExpiresAt > AsOfDay.
	gadget.AssertBits(api, api.Mul(used, api.Sub(cr.ExpiresAt, c.AsOfDay, 1)), credential.DayBits)
	return v, nil
}

// gate returns v for a used slot and the constant pad for padding.
func gate(api frontend.API, used, v frontend.Variable, pad *big.Int) frontend.Variable {
	return api.Add(pad, api.Mul(used, api.Sub(v, pad)))
}

// rule checks rule j's parameters and its window inside its credential,
// and selects the window's months.
func (c *Circuit) rule(api frontend.API, j int, slots *[Slots]slotValues) ruleValues {
	r := c.Rules[j]
	is := policy.OneHot(api, r.Kind, int(policy.NumRuleKinds))
	none := is[policy.RuleNone]
	on := api.Sub(1, none)
	// A disabled rule is all zeros, so its public inputs are canonical.
	api.AssertIsEqual(api.Mul(none, r.Slot), 0)
	api.AssertIsEqual(api.Mul(none, r.Window), 0)
	api.AssertIsEqual(api.Mul(none, r.Threshold), 0)
	gadget.AssertBits(api, r.Threshold, policy.ThresholdBits)

	// The slot is 0, 1 or 2 and in use.
	sel := policy.SlotSelector(api, r.Slot)
	used := policy.Mux(api, sel, slots[0].used, slots[1].used, slots[2].used)
	api.AssertIsEqual(api.Mul(on, api.Sub(1, used)), 0)
	start := policy.Mux(api, sel, slots[0].start, slots[1].start, slots[2].start)
	months := policy.Mux(api, sel, slots[0].months, slots[1].months, slots[2].months)

	// The window [lo, hi) in the credential's record indices: hi = T - start
	// at most n, lo = hi - W at least 0, W at least 1.
	hi := api.Sub(c.AsOf, start)
	lo := api.Sub(hi, r.Window)
	gadget.AssertBits(api, api.Mul(on, api.Sub(months, hi)), credential.MonthsBits)
	gadget.AssertBits(api, api.Mul(on, lo), credential.MonthsBits)
	gadget.AssertBits(api, api.Mul(on, api.Sub(r.Window, 1)), credential.MonthsBits)

	// Amount rules read the amount slot.
	amountRule := api.Add(is[policy.RuleSum], is[policy.RuleAverage], is[policy.RuleMinimum])
	api.AssertIsEqual(api.Mul(amountRule, api.Sub(r.Slot, c.AmountSlot)), 0)
	return ruleValues{is: is, sel: sel, lo: lo, mask: policy.WindowMask(api, lo, r.Window)}
}

// minimumBound returns b[i] = X for the months i in the minimum rule's
// window and 0 elsewhere, X being its threshold (0 without a minimum
// rule). At most one rule is a minimum rule.
func (c *Circuit) minimumBound(api frontend.API, rules *[Rules]ruleValues) []frontend.Variable {
	var n, x, w, lo frontend.Variable = 0, 0, 0, 0
	for j := range rules {
		is := rules[j].is[policy.RuleMinimum]
		n = api.Add(n, is)
		x = api.Add(x, api.Mul(is, c.Rules[j].Threshold))
		w = api.Add(w, api.Mul(is, c.Rules[j].Window))
		lo = api.Add(lo, api.Mul(is, rules[j].lo))
	}
	api.AssertIsBoolean(n)
	return scaledWindow(api, x, lo, w)
}

// amounts checks the amount slot's packed amounts against its signed
// digest and decomposes them into Capacity amounts below 2^48 (which makes
// the packing injective), each at least bound[i].
func (c *Circuit) amounts(api frontend.API, bound []frontend.Variable) ([Capacity]frontend.Variable, error) {
	var out [Capacity]frontend.Variable
	sel := policy.SlotSelector(api, c.AmountSlot)
	digest, err := gadget.Hash(api, credential.TagAmounts, c.Amounts[:]...)
	if err != nil {
		return out, err
	}
	cr := &c.Credentials
	api.AssertIsEqual(digest, policy.Mux(api, sel, cr[0].AmountsDigest, cr[1].AmountsDigest, cr[2].AmountsDigest))
	for e := 0; e < credential.AmountElements; e++ {
		bits := gadget.AssertBits(api, c.Amounts[e], credential.AmountsPerElement*amountBits)
		for k := 0; k < credential.AmountsPerElement; k++ {
			out[e*credential.AmountsPerElement+k] = api.FromBinary(bits[k*amountBits : (k+1)*amountBits]...)
		}
	}
	// RuleMinimum: amount - bound is a 48-bit value. Outside the window
	// the bound is 0 and this holds already.
	for i := range out {
		gadget.AssertBits(api, api.Sub(out[i], bound[i]), amountBits)
	}
	return out, nil
}

// predicate checks rule j's predicate over its window.
func (c *Circuit) predicate(api frontend.API, j int, rv *ruleValues, packed *[Capacity]frontend.Variable) {
	r, is := c.Rules[j], rv.is
	var acc frontend.Variable = 0
	for i := range packed {
		acc = api.Add(acc, api.Mul(rv.mask[i], packed[i]))
	}
	counts, sum := tally(api, acc, rv.sel)

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
	api.AssertIsEqual(api.Mul(is[policy.RuleNoMonthAtOrAbove], api.Sub(1, known)), 0)

	// Every comparison is lhs - rhs >= 0 on integers far below the field
	// size, checked as a range: |lhs - rhs| < 2^60, so SumBits+1 bits
	// accept exactly the non-negative ones.
	tw := api.Mul(r.Threshold, r.Window)
	diff := api.Add(
		api.Mul(is[policy.RuleNoMonthAtOrAbove], api.Neg(atOrAbove)),
		api.Mul(is[policy.RuleOnTime], api.Sub(api.Mul(counts[0], 1000), tw)),
		api.Mul(is[policy.RuleSum], api.Sub(sum, r.Threshold)),
		api.Mul(is[policy.RuleAverage], api.Sub(sum, tw)),
	)
	gadget.AssertBits(api, diff, policy.SumBits+1)
}

// tally splits a rule's masked sum of packed months into the selected
// slot's five status counts and the amount sum. acc = sum over slots k of
// sum over statuses u of count[k][u] * 2^(30k + 6u), plus sum * 2^90: one
// bit decomposition of tallyBits bits gives every part, and it is unique
// because each honest part fits its width (a count is at most 60, a sum
// of 60 amounts below 2^48 is below 2^54) and the total is below 2^144,
// far below the field's size.
func tally(api frontend.API, acc frontend.Variable, sel [2]frontend.Variable) ([5]frontend.Variable, frontend.Variable) {
	bits := gadget.AssertBits(api, acc, tallyBits)
	var counts [5]frontend.Variable
	for u := range counts {
		var per [Slots]frontend.Variable
		for k := range per {
			at := k*slotBits + u*countBits
			per[k] = api.FromBinary(bits[at : at+countBits]...)
		}
		counts[u] = policy.Mux(api, sel, per[0], per[1], per[2])
	}
	return counts, api.FromBinary(bits[sumShift:]...)
}

func pow2(n int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(n)) }
