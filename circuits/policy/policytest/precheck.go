package policytest

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
)

// examplePolicy is the worked example's policy, from a test's directory
// two levels below the repository root.
func examplePolicy() string { return "../../examples/policy/policy.json" }

// Precheck tests st's submission check, with credentials in layout: it
// names the credential a business can fix, reads no status or amount, and
// does not depend on the order the credentials come in.
func Precheck(t *testing.T, st statement.Statement, layout int) {
	banks, taxes := Sets()
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, banks.Issuers()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, taxes.Issuers()); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(examplePolicy())
	if err != nil {
		t.Fatal(err)
	}
	params, _ := json.Marshal(map[string]any{"policy": json.RawMessage(doc), "asOf": "2026-11"})
	r, err := st.DecodeRequest(st.ID(), params, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := statement.Values{AsOf: AsOf, Lender: Lender, Nonce: fr.NewElement(7), Pseudonym: Holder.Pseudonym(Lender)}
	trust := statement.Trust{Registry: reg}

	bank := func(issuer *credential.IssuerSecret, start string, n int, secret credential.HolderSecret, expires string) *credential.Credential {
		return Sign(t, layout, issuer, credential.KindPaymentHistory, secret, fixture.History(start, n, nil), expires)
	}
	main := bank(BankA, "2022-11", 48, Holder, "2027-06-01")
	second := bank(BankB, "2023-11", 36, Holder, "2027-06-01")
	revenue24 := Sign(t, layout, Tax, credential.KindRevenue, Holder, Revenue("2024-11", 24, 6000000), "2027-06-01")
	defaulted := Sign(t, layout, BankA, credential.KindPaymentHistory, Holder, fixture.History("2022-11", 48, map[int]credential.Status{40: credential.StatusDefault}), "2027-06-01")
	poor := Sign(t, layout, Tax, credential.KindRevenue, Holder, Revenue("2024-11", 24, 1), "2027-06-01")
	forged := *bank(Rogue, "2023-11", 36, Holder, "2027-06-01")
	forged.Signature[0] ^= 1

	for _, tt := range []struct {
		name  string
		creds []*credential.Credential
		code  string
		input int
	}{
		{"the worked example", []*credential.Credential{main, second, revenue24}, "", 0},
		{"in another order", []*credential.Credential{revenue24, second, main}, "", 0},
		{"a default and too little revenue", []*credential.Credential{defaulted, second, poor}, "", 0},
		{"another holder's credential", []*credential.Credential{main, bank(BankB, "2023-11", 36, fixture.Holder("policy/other"), "2027-06-01"), revenue24}, statement.CodeHolderMismatch, 1},
		{"an expired credential", []*credential.Credential{main, second, Sign(t, layout, Tax, credential.KindRevenue, Holder, Revenue("2024-11", 24, 6000000), "2026-11-01")}, statement.CodeCredentialExpired, 2},
		{"an issuer outside the set", []*credential.Credential{main, bank(Rogue, "2023-11", 36, Holder, "2027-06-01"), revenue24}, statement.CodeUntrustedIssuer, 1},
		{"a forged credential", []*credential.Credential{main, &forged, revenue24}, "", 0},
		{"a credential of the other layout", []*credential.Credential{main, Sign(t, credential.LayoutV1+credential.LayoutV2-layout, BankB, credential.KindPaymentHistory, Holder, fixture.History("2023-11", 36, nil), "2027-06-01"), revenue24}, statement.CodeCredentialLayout, 1},
		{"too short for either bank slot", []*credential.Credential{main, bank(BankB, "2025-11", 12, Holder, "2027-06-01"), revenue24}, statement.CodeWindowOutside, 1},
		// 30 months cover the second bank's 24 but not the main bank's 36.
		{"long enough in the other slot", []*credential.Credential{bank(BankB, "2024-05", 30, Holder, "2027-06-01"), main, revenue24}, "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Precheck(b, statement.Inputs{Credentials: tt.creds, Holder: Holder}, trust)
			var u *statement.Unsatisfied
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("Precheck = %v, want nil", err)
			case tt.code == "":
			case !errors.As(err, &u) || u.Code != tt.code || u.Input != tt.input:
				t.Fatalf("Precheck = %#v, want %s on credential %d", err, tt.code, tt.input)
			}
		})
	}
}
