package verifier_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// testdata/v1 pins what users hold: verifying keys, attestations and a
// policy with its registry, made by TestGenerateV1Fixtures with the code of
// the commit that added them. Every later version of this package must
// parse, re-encode and verify them unchanged; they are never regenerated
// to make a change pass.
const v1Dir = "testdata/v1"

// What the lender of every v1 fixture expects.
const (
	v1Lender = "bank-a"
	v1AsOf   = "2026-11"
	// v1Issuer is the no-default attestations' issuer,
	// fixture.Issuer("v1/bank").
	v1Issuer = "08342849445aa791e8a6f5fbff79828a0553b688eb2962c28049d68148edc0a3"
	// v1PolicyID is the id of testdata/v1/policy.json, a copy of the worked
	// example's examples/policy/policy.json.
	v1PolicyID = "sme-working-capital-v1"
)

// v1Attestation is one attestation in testdata/v1 and what it answers.
type v1Attestation struct {
	file      string
	statement string // the prover's statement name; "" for policy/v1
	window    int
	severity  credential.Status
	nonce     string
}

var v1Attestations = []v1Attestation{
	{file: "att-no-default.json", statement: "no-default", window: 24, severity: credential.StatusDefault,
		nonce: "140b68d856b4ad39e4d5cc9867fab5739d2f53d01709a9e17921ab84332a90d1"},
	{file: "att-no-late60.json", statement: "no-late60", window: 12, severity: credential.StatusLate60,
		nonce: "21fc20cfe60c9eb55ea469f849ec1b592c1fe67be04985e13b943d6d8520a14e"},
	{file: "att-policy.json",
		nonce: "0cb7a64ace0821ef529445e1e20d29e0af5e2fe7ba288578bff9b3ca4c3adc51"},
}

// v1Clock is a time in the fixtures' as-of month.
func v1Clock() time.Time { return time.Date(2026, 11, 16, 9, 0, 0, 0, time.UTC) }

// TestV1AttestationsStillVerify: each v1 attestation parses, re-encodes
// byte for byte and verifies with the current API against the v1 verifying
// keys; a copy with one public value changed (and the lender's expectation
// changed to match) fails the proof check.
func TestV1AttestationsStillVerify(t *testing.T) {
	v, err := verifier.New(filepath.Join(v1Dir, "keys"), verifier.WithClock(v1Clock))
	if err != nil {
		t.Fatal(err)
	}
	asOf, err := credential.ParseMonth(v1AsOf)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := credential.ParseIssuerKey(v1Issuer)
	if err != nil {
		t.Fatal(err)
	}
	polDoc, err := os.ReadFile(filepath.Join(v1Dir, "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	pol := ask.Policy(polDoc, asOf)
	reg, err := registry.Load(filepath.Join(v1Dir, "registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	const otherNonce = "0000000000000000000000000000000000000000000000000000000000000001"

	for _, f := range v1Attestations {
		t.Run(f.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(v1Dir, f.file))
			if err != nil {
				t.Fatal(err)
			}
			// verify parses doc and checks it against the lender's
			// expectation, with nonce and window as given.
			verify := func(doc []byte, nonce string, window int) error {
				att, err := verifier.ParseAttestation(doc)
				if err != nil {
					t.Fatalf("parsing: %v", err)
				}
				if f.statement == "" {
					res, err := v.Verify(att, verifier.Expect{Request: pol, Trust: statement.Trust{Registry: reg}, Lender: v1Lender, Nonce: nonce, AsOf: &asOf})
					if err == nil && (res.Params.(map[string]string)["policy"] != v1PolicyID || res.AsOf != asOf || res.Pseudonym != att.Binding.Pseudonym) {
						t.Errorf("result %+v", res)
					}
					return err
				}
				res, err := v.Verify(att, verifier.Expect{
					Request: ask.NoDefault(f.statement, window, asOf),
					Trust:   statement.Trust{Issuers: []credential.IssuerKey{issuer}}, Lender: v1Lender, Nonce: nonce, AsOf: &asOf,
				})
				if err == nil {
					p := res.Params.(nodefault.Params)
					if p.Window != window || p.Severity != f.severity.String() || res.AsOf != asOf || res.Issuer != issuer.Hex() || res.Pseudonym != att.Binding.Pseudonym {
						t.Errorf("result %+v", res)
					}
				}
				return err
			}

			att, err := verifier.ParseAttestation(data)
			if err != nil {
				t.Fatal(err)
			}
			out, err := att.MarshalIndent()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("re-encoding changed the file:\n%s\nwant:\n%s", out, data)
			}
			if err := verify(data, f.nonce, f.window); err != nil {
				t.Fatalf("the v1 attestation no longer verifies: %v", err)
			}

			// A copy with one public value changed, checked against an
			// expectation changed to match, must fail the proof itself.
			type tamper struct {
				field, old, new, nonce string
				window                 int
			}
			tampers := []tamper{{"nonce", `"nonce": "` + f.nonce + `"`, `"nonce": "` + otherNonce + `"`, otherNonce, f.window}}
			if f.statement != "" {
				tampers = append(tampers, tamper{"window", fmt.Sprintf(`"window": %d,`, f.window), fmt.Sprintf(`"window": %d,`, f.window-1), f.nonce, f.window - 1})
			}
			for _, tc := range tampers {
				if n := bytes.Count(data, []byte(tc.old)); n != 1 {
					t.Fatalf("%q occurs %d times", tc.old, n)
				}
				doc := bytes.Replace(data, []byte(tc.old), []byte(tc.new), 1)
				if err := verify(doc, tc.nonce, tc.window); !errors.Is(err, verifier.ErrBadProof) {
					t.Errorf("%s changed: got %v, want %v", tc.field, err, verifier.ErrBadProof)
				}
			}
		})
	}
}
