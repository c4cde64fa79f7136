package verifier_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

var generateV1 = flag.Bool("generate-v1", false, "write testdata/v1 (TestGenerateV1Fixtures); refused while testdata/v1/keys exists")

// TestGenerateV1Fixtures documents how testdata/v1 was made, and remakes it
// only on request:
//
//	rm -r verifier/testdata/v1
//	go test ./verifier -run TestGenerateV1Fixtures -args -generate-v1
//
// It runs a development setup of every circuit in a temporary directory
// and keeps only what keys.LoadVerifying reads (manifest.json and
// verifying.key; the manifest still names the proving key and constraint
// system it was made with). With the proving keys it then proves, for the
// holder fixture.Holder("v1/holder") and lender v1Lender as of v1AsOf, each
// of v1Attestations: the no-default statements over a payment history
// signed by fixture.Issuer("v1/bank"), and the worked example's policy
// (examples/policy/policy.json, copied) over three credentials, against a
// registry of two small issuer sets. The setup and the proofs are
// randomized, so a new run gives new files: never regenerate to make a
// change pass, since the point of the fixtures is that they are old.
func TestGenerateV1Fixtures(t *testing.T) {
	if !*generateV1 {
		t.Skip("pass -args -generate-v1 to write testdata/v1")
	}
	switch _, err := os.Stat(filepath.Join(v1Dir, "keys")); {
	case err == nil:
		t.Fatalf("%s/keys exists: the v1 fixtures pin what users hold; remove %s first to replace them deliberately", v1Dir, v1Dir)
	case !errors.Is(err, fs.ErrNotExist):
		t.Fatal(err)
	}
	logger.Disable()
	setup := t.TempDir()
	if err := keys.Setup(setup, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, info := range circuits.All() {
		for _, name := range []string{keys.ManifestFile, keys.VerifyingFile} {
			data, err := os.ReadFile(filepath.Join(setup, keys.Folder(info.ID), name))
			if err != nil {
				t.Fatal(err)
			}
			writeV1(t, filepath.Join("keys", keys.Folder(info.ID), name), data)
		}
	}

	p := prover.New(setup)
	holder := fixture.Holder("v1/holder")
	asOf := fixture.Month(v1AsOf)
	sign := func(issuer *credential.IssuerSecret, kind credential.Kind, h credential.History) *credential.Credential {
		c, err := credential.Sign(issuer, credential.Terms{Kind: kind, Subject: holder.Subject(),
			IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01")}, h)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	bank := fixture.Issuer("v1/bank")
	if got := bank.Public().Hex(); got != v1Issuer {
		t.Fatalf("fixture.Issuer(\"v1/bank\") is %s, v1Issuer says %s", got, v1Issuer)
	}
	// 2024-05 to 2026-10, late30 in 2025-01 and 2026-01.
	history := fixture.History("2024-05", 30, map[int]credential.Status{8: credential.StatusLate30, 20: credential.StatusLate30})

	mainBank, secondBank, taxBureau := fixture.Issuer("v1/main-bank"), fixture.Issuer("v1/second-bank"), fixture.Issuer("v1/tax-bureau")
	doc, err := os.ReadFile(filepath.Join("..", "examples", "policy", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	writeV1(t, "policy.json", doc)
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory,
		[]credential.IssuerKey{mainBank.Public(), secondBank.Public(), fixture.Issuer("v1/other-bank").Public()}); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue,
		[]credential.IssuerKey{taxBureau.Public(), fixture.Issuer("v1/accountant").Public()}); err != nil {
		t.Fatal(err)
	}
	regDoc, err := reg.MarshalIndent()
	if err != nil {
		t.Fatal(err)
	}
	writeV1(t, "registry.json", regDoc)
	revenue := fixture.History("2024-11", 24, nil)
	for i := range revenue.Months {
		revenue.Months[i].Amount = 5200000
	}

	for _, f := range v1Attestations {
		var att *verifier.Attestation
		var err error
		if f.statement == "" {
			att, err = p.Prove(context.Background(), prover.Task{
				Request: ask.Policy(doc, asOf), Trust: statement.Trust{Registry: reg},
				Inputs: statement.Inputs{Holder: holder, Credentials: []*credential.Credential{
					sign(mainBank, credential.KindPaymentHistory, fixture.History("2022-11", 48, map[int]credential.Status{20: credential.StatusLate30})),
					sign(secondBank, credential.KindPaymentHistory, fixture.History("2024-05", 30, nil)),
					sign(taxBureau, credential.KindRevenue, revenue),
				}},
				Lender: v1Lender, Nonce: f.nonce,
			})
		} else {
			att, err = p.Prove(context.Background(), prover.Task{
				Request: ask.NoDefault(f.statement, f.window, asOf),
				Inputs:  statement.Inputs{Holder: holder, Credentials: []*credential.Credential{sign(bank, credential.KindPaymentHistory, history)}},
				Lender:  v1Lender, Nonce: f.nonce,
			})
		}
		if err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		data, err := att.MarshalIndent()
		if err != nil {
			t.Fatal(err)
		}
		writeV1(t, f.file, data)
	}
}

func writeV1(t *testing.T, name string, data []byte) {
	t.Helper()
	path := filepath.Join(v1Dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s (%d bytes)", path, len(data))
}
