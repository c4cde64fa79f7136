package prover

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/keys"
)

// TestSolverErrorsNeverLeak feeds the solver a witness that breaks the
// statement, bypassing the native check, and asserts that what prove returns
// is ErrUnsatisfied alone while gnark's own message names witness values.
func TestSolverErrorsNeverLeak(t *testing.T) {
	dir := t.TempDir()
	if err := keys.Setup(dir, io.Discard, nodefault.ID, nodefaultv2.ID); err != nil {
		t.Fatal(err)
	}
	bank, holder := fixture.Issuer("bank"), fixture.Holder("acme")
	pub := nodefault.Public{Severity: credential.StatusDefault, Window: 24, AsOf: fixture.Month("2026-11"),
		Issuer: bank.Public(), Lender: fr.NewElement(5), Nonce: fr.NewElement(6), Pseudonym: holder.Pseudonym(fr.NewElement(5))}
	for _, v := range []struct {
		id     string
		layout int
		assign func(*credential.Credential) (frontend.Circuit, error)
	}{
		{nodefault.ID, credential.LayoutV1, func(c *credential.Credential) (frontend.Circuit, error) { return nodefault.Assign(pub, c, holder) }},
		{nodefaultv2.ID, credential.LayoutV2, func(c *credential.Credential) (frontend.Circuit, error) { return nodefaultv2.Assign(pub, c, holder) }},
	} {
		t.Run(v.id, func(t *testing.T) {
			p := New(dir)
			k, err := p.Load(v.id)
			if err != nil {
				t.Fatal(err)
			}
			cred := fixture.CredentialIn(v.layout, bank, holder, fixture.History("2023-11", 36, map[int]credential.Status{30: credential.StatusDefault}), "2027-06-01")
			a, err := v.assign(cred)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := frontend.NewWitness(a, fr.Modulus())
			_, raw := groth16.Prove(k.CCS, k.Key, w)
			if raw == nil {
				t.Fatal("the solver accepted a default inside the window")
			}
			_, err = prove(p.start(v.id), a)
			if err != ErrUnsatisfied {
				t.Fatalf("prove = %v, want exactly ErrUnsatisfied", err)
			}
			if errors.Unwrap(err) != nil || strings.Contains(err.Error(), raw.Error()) {
				t.Fatal("the solver's message travels with the error")
			}
		})
	}
}
