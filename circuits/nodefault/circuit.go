package nodefault

import (
	"errors"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/hash/poseidon2"

	"github.com/tacit-zk/tacit/circuits/gadget"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsa"
	"github.com/tacit-zk/tacit/circuits/gadget/eddsav1"
	"github.com/tacit-zk/tacit/credential"
)

// ID names the statement and its circuit.
const ID = "no-default/v1"

// Capacity is the number of months the circuit holds.
const Capacity = credential.MaxMonths

// Circuit is the no-default/v1 constraint system. See the package doc for
// what each public input means and what a verifier must check about it.
type Circuit struct {
	// Severity is the lowest status the window must not contain (1..4).
	Severity frontend.Variable `gnark:",public"`
	// Window is the number of months in the window (1..Capacity).
	Window frontend.Variable `gnark:",public"`
	// AsOf is the month index T; the window is [T-Window, T).
	AsOf frontend.Variable `gnark:",public"`
	// AsOfDay is the day number of the first day of AsOf.
	AsOfDay frontend.Variable `gnark:",public"`
	// Issuer is the issuer's public key.
	Issuer eddsa.Point `gnark:",public"`
	// Lender is the lender's identifier.
	Lender frontend.Variable `gnark:",public"`
	// Nonce is the lender's challenge.
	Nonce frontend.Variable `gnark:",public"`
	// Pseudonym is H(tacit/pseudonym/v1, Secret, Lender).
	Pseudonym frontend.Variable `gnark:",public"`

	// Secret is the holder secret.
	Secret frontend.Variable
	// PeriodStart, Months, IssuedAt and ExpiresAt are the credential's header fields.
	PeriodStart frontend.Variable
	Months      frontend.Variable
	IssuedAt    frontend.Variable
	ExpiresAt   frontend.Variable
	// Status holds each month's status, padded with 0 past Months.
	Status [Capacity]frontend.Variable
	// Amounts holds the packed amounts exactly as signed.
	Amounts [credential.AmountElements]frontend.Variable
	// Signature is the issuer's signature over the message hash.
	Signature eddsa.Signature
}

// Define declares the constraints.
func (c *Circuit) Define(api frontend.API) error {
	// Range checks, before any comparison.
	gadget.AssertBits(api, api.Sub(c.Severity, 1), 2)      // 1 <= S <= 4
	gadget.AssertBits(api, api.Sub(c.Window, 1), 6)        // 1 <= W
	gadget.AssertBits(api, api.Sub(Capacity, c.Window), 6) // W <= 60
	gadget.AssertBits(api, c.AsOf, credential.MonthBits)
	gadget.AssertBits(api, c.AsOfDay, credential.DayBits)
	gadget.AssertBits(api, c.PeriodStart, credential.MonthBits)
	gadget.AssertBits(api, api.Sub(c.Months, 1), credential.MonthsBits)        // 1 <= n
	gadget.AssertBits(api, api.Sub(Capacity, c.Months), credential.MonthsBits) // n <= 60
	gadget.AssertBits(api, c.IssuedAt, credential.DayBits)
	gadget.AssertBits(api, c.ExpiresAt, credential.DayBits)
	for i := range c.Status {
		gadget.AssertBits(api, c.Status[i], credential.StatusBits)
	}

	subject, err := gadget.Hash(api, credential.TagSubject, c.Secret)
	if err != nil {
		return err
	}
	if err := verifySignature(api, c, subject); err != nil {
		return err
	}

	// Window [lo, hi) in record indices: lo = T - W - start must be one of
	// 0..Capacity-1, and hi = lo + W <= n.
	lo := api.Sub(c.AsOf, c.Window, c.PeriodStart)
	hi := api.Add(lo, c.Window)
	gadget.AssertBits(api, api.Sub(c.Months, hi), credential.MonthsBits)
	var loHits frontend.Variable = 0
	var atOrAfterLo, atOrAfterHi frontend.Variable = 0, 0
	for i := 0; i < Capacity; i++ {
		isLo := api.IsZero(api.Sub(lo, i))
		loHits = api.Add(loHits, isLo)
		atOrAfterLo = api.Add(atOrAfterLo, isLo)
		if i > 0 {
			atOrAfterHi = api.Add(atOrAfterHi, api.IsZero(api.Sub(hi, i)))
		}
		inWindow := api.Sub(atOrAfterLo, atOrAfterHi)
		// Inside the window, S - 1 - status must be a 3-bit value, i.e. status < S.
		gadget.AssertBits(api, api.Mul(inWindow, api.Sub(c.Severity, 1, c.Status[i])), credential.StatusBits)
	}
	api.AssertIsEqual(loHits, 1)

	// Not expired at the first day of T: ExpiresAt > AsOfDay.
	gadget.AssertBits(api, api.Sub(c.ExpiresAt, c.AsOfDay, 1), credential.DayBits)

	pseudonym, err := gadget.Hash(api, credential.TagPseudonym, c.Secret, c.Lender)
	if err != nil {
		return err
	}
	api.AssertIsEqual(c.Pseudonym, pseudonym)

	// Bind the nonce: a public input that enters no constraint would not be
	// bound by the proof (its verifying-key term would be the identity).
	// N*N puts N in a constraint without restricting its value.
	api.Mul(c.Nonce, c.Nonce)
	return nil
}

// verifySignature checks the issuer key and its signature over the message.
func verifySignature(api frontend.API, c *Circuit, subject frontend.Variable) error {
	curve := eddsav1.NewCurve(api)
	curve.AssertIsOnCurve(c.Issuer)
	// gnark's eddsa.Verify does not check that R is on the curve; the
	// addition law says nothing useful about points off it.
	curve.AssertIsOnCurve(c.Signature.R)
	// A small-order key would let anyone forge: [8]I must not be the identity.
	cleared := curve.Double(curve.Double(curve.Double(c.Issuer)))
	api.AssertIsDifferent(cleared.X, 0)

	statuses := gadget.Pack(api, credential.StatusBits, c.Status[:]...)
	msg := []frontend.Variable{
		gadget.Header(api, credential.KindPaymentHistory, c.PeriodStart, c.Months, c.IssuedAt, c.ExpiresAt),
		subject, c.Issuer.X, c.Issuer.Y, statuses,
	}
	msg = append(msg, c.Amounts[:]...)
	if len(msg) != credential.MessageElements {
		return errors.New("nodefault: message layout does not match credential.MessageElements")
	}
	digest, err := gadget.Hash(api, credential.TagCredential, msg...)
	if err != nil {
		return err
	}
	hasher, err := poseidon2.New(api)
	if err != nil {
		return err
	}
	return eddsav1.Verify(curve, c.Signature, digest, c.Issuer, hasher)
}
