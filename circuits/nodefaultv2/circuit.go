package nodefaultv2

import (
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits/gadget"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/credential"
)

// ID names the statement and its circuit.
const ID = "no-default/v2"

// Capacity is the number of months the circuit holds.
const Capacity = credential.MaxMonths

// Circuit is the no-default/v2 constraint system. Its public inputs are
// no-default/v1's, in the same order; see the package doc for what a
// verifier must check about each.
type Circuit struct {
	// The public inputs, each as in no-default/v1 (nodefault.Circuit):
	// severity S (1..4), window W (1..60), as-of month T and its first day,
	// the issuer key, the lender, its nonce and the pseudonym
	// H(tacit/pseudonym/v1, Secret, Lender).
	Severity  frontend.Variable `gnark:",public"`
	Window    frontend.Variable `gnark:",public"`
	AsOf      frontend.Variable `gnark:",public"`
	AsOfDay   frontend.Variable `gnark:",public"`
	Issuer    eddsa.Point       `gnark:",public"`
	Lender    frontend.Variable `gnark:",public"`
	Nonce     frontend.Variable `gnark:",public"`
	Pseudonym frontend.Variable `gnark:",public"`

	// Secret is the holder secret.
	Secret frontend.Variable
	// PeriodStart, Months, IssuedAt and ExpiresAt are the credential's header fields.
	PeriodStart frontend.Variable
	Months      frontend.Variable
	IssuedAt    frontend.Variable
	ExpiresAt   frontend.Variable
	// Statuses is the packed statuses part, exactly as signed: month i in
	// bits [3i, 3i+3).
	Statuses frontend.Variable
	// AmountsDigest is the amounts part, exactly as signed; the statement
	// does not read amounts.
	AmountsDigest frontend.Variable
	// Signature is the issuer's signature over the message hash.
	Signature eddsa.Signature
}

// Define declares the constraints.
func (c *Circuit) Define(api frontend.API) error {
	// Range checks, before any comparison. Each header field is bounded to
	// its width so that the header packing is injective.
	gadget.AssertBits(api, api.Sub(c.Severity, 1), 2)        // 1 <= S <= 4
	wBits := gadget.AssertBits(api, api.Sub(c.Window, 1), 6) // 1 <= W <= 64; W <= 60 below
	gadget.AssertBits(api, c.AsOf, credential.MonthBits)
	gadget.AssertBits(api, c.AsOfDay, credential.DayBits)
	gadget.AssertBits(api, c.PeriodStart, credential.MonthBits)
	gadget.AssertBits(api, c.Months, credential.MonthsBits)
	gadget.AssertBits(api, c.IssuedAt, credential.DayBits)
	gadget.AssertBits(api, c.ExpiresAt, credential.DayBits)
	// Every status is 3 bits (so the packing is injective): the statuses
	// part is below 2^180. Its bits are the statuses the window reads.
	bits := gadget.AssertBits(api, c.Statuses, Capacity*credential.StatusBits)

	subject, err := gadget.Hash(api, credential.TagSubject, c.Secret)
	if err != nil {
		return err
	}
	header := gadget.HeaderOf(api, credential.KindPaymentHistory, credential.LayoutV2, c.PeriodStart, c.Months, c.IssuedAt, c.ExpiresAt)
	msg, err := gadget.Hash(api, credential.TagCredentialV2, header, subject, c.Statuses, c.AmountsDigest)
	if err != nil {
		return err
	}
	if err := eddsa.Verify(api, c.Issuer, c.Signature, msg); err != nil {
		return err
	}

	// The window [lo, hi) in record indices. lo = T - W - start is 6 bits,
	// so the window starts at or after the first month; hi = lo + W <= n,
	// so it ends at or before the last; n < 64 and the mask below bound
	// hi by 60, and so W by 60.
	lo := api.Sub(c.AsOf, c.Window, c.PeriodStart)
	loBits := gadget.AssertBits(api, lo, 6)
	gadget.AssertBits(api, api.Sub(c.Months, lo, c.Window), credential.MonthsBits)
	// The mask m_i = [lo <= i < hi] is the binary expansion of
	// 2^hi - 2^lo = 2^lo * (2^W - 1), which is unique below 2^60.
	pLo := pow2(api, loBits)
	pW := api.Mul(pow2(api, wBits), 2) // 2^W
	mask := gadget.AssertBits(api, api.Mul(pLo, api.Sub(pW, 1)), Capacity)

	// In the window, status < S: x = (S-1) - status lies in {0,1,2,3}
	// (status is 0..7, so x is -7..3 as an integer). Outside it x = S-1,
	// which does. x is in {0,1,2,3} exactly when (x-1)(x-2)/2 is 0 or 1:
	// the roots of (x-1)(x-2) are 1, 2 and those of (x-1)(x-2) - 2 =
	// x(x-3) are 0, 3.
	s := api.Sub(c.Severity, 1)
	half := new(big.Int).ModInverse(big.NewInt(2), api.Compiler().Field())
	for i := range Capacity {
		b := bits[credential.StatusBits*i : credential.StatusBits*(i+1)]
		status := api.Add(b[0], api.Mul(b[1], 2), api.Mul(b[2], 4))
		x := api.Sub(s, api.Mul(mask[i], status))
		api.AssertIsBoolean(api.Mul(api.Sub(x, 1), api.Sub(x, 2), half))
	}

	// Not expired at the first day of T: ExpiresAt > AsOfDay.
	gadget.AssertBits(api, api.Sub(c.ExpiresAt, c.AsOfDay, 1), credential.DayBits)

	pseudonym, err := gadget.Hash(api, credential.TagPseudonym, c.Secret, c.Lender)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Pseudonym, pseudonym)

	// Bind the nonce: a public input that enters no constraint would not be
	// bound by the proof. N*N puts N in a constraint without restricting it.
	api.Mul(c.Nonce, c.Nonce)
	return nil
}

// pow2 returns 2^v from v's little-endian bits: the product of
// 1 + (2^(2^k) - 1) * bit_k, one constraint per bit after the first.
func pow2(api frontend.API, bits []frontend.Variable) frontend.Variable {
	acc := frontend.Variable(1)
	for k, b := range bits {
		f := new(big.Int).Lsh(big.NewInt(1), 1<<k)
		acc = api.Mul(acc, api.Add(1, api.Mul(b, f.Sub(f, big.NewInt(1)))))
	}
	return acc
}
