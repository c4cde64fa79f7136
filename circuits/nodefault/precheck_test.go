package nodefault_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/statement"
)

// TestPrecheck: the submission check refuses what the business can fix
// and never reads a month's status.
func TestPrecheck(t *testing.T) {
	params, _ := json.Marshal(map[string]any{"window": 24, "asOf": "2026-11"})
	r, err := nodefault.Statement.DecodeRequest("no-default", params, 0)
	if err != nil {
		t.Fatal(err)
	}
	asOf := fixture.Month("2026-11")
	b := statement.Values{AsOf: asOf, Lender: lender, Nonce: fr.NewElement(7), Pseudonym: holder.Pseudonym(lender)}
	trust := statement.Trust{Issuers: []credential.IssuerKey{issuer.Public()}}
	cred := func(signer *credential.IssuerSecret, start string, n int, defaults map[int]credential.Status, expires string) *credential.Credential {
		return fixture.Credential(signer, holder, fixture.History(start, n, defaults), expires)
	}
	defaulted := map[int]credential.Status{30: credential.StatusDefault}
	forged := *cred(fixture.Issuer("rogue"), "2023-11", 36, nil, "2027-06-01")
	forged.Signature[0] ^= 1

	for _, tt := range []struct {
		name   string
		c      *credential.Credential
		secret credential.HolderSecret
		code   string
	}{
		{"satisfied", cred(issuer, "2023-11", 36, nil, "2027-06-01"), holder, ""},
		{"a default", cred(issuer, "2023-11", 36, defaulted, "2027-06-01"), holder, ""},
		{"another holder", cred(issuer, "2023-11", 36, defaulted, "2027-06-01"), fixture.Holder("other"), statement.CodeHolderMismatch},
		{"expired", cred(issuer, "2023-11", 36, defaulted, "2026-11-01"), holder, statement.CodeCredentialExpired},
		{"too short", cred(issuer, "2024-12", 23, nil, "2027-06-01"), holder, statement.CodeWindowOutside},
		{"ends before the as-of month", cred(issuer, "2023-10", 36, nil, "2027-06-01"), holder, statement.CodeWindowOutside},
		{"untrusted issuer", cred(fixture.Issuer("rogue"), "2023-11", 36, defaulted, "2027-06-01"), holder, statement.CodeUntrustedIssuer},
		{"forged", &forged, holder, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := r.Precheck(b, statement.Inputs{Credentials: []*credential.Credential{tt.c}, Holder: tt.secret}, trust)
			var u *statement.Unsatisfied
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("Precheck = %v, want nil", err)
			case tt.code == "":
			case !errors.As(err, &u) || u.Code != tt.code:
				t.Fatalf("Precheck = %#v, want %s", err, tt.code)
			}
		})
	}
}
