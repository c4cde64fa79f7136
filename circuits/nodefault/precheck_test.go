package nodefault_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/circuits/nodefault"
	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/statement"
)

// TestPrecheck: the submission check refuses what the business can fix
// and never reads a month's status.
// Each version refuses a credential of the other layout with a sentence
// that says what to do.
func TestPrecheck(t *testing.T) {
	for _, v := range []struct {
		st     statement.Statement
		layout int
		other  int
	}{{nodefault.Statement, credential.LayoutV1, credential.LayoutV2}, {nodefaultv2.Statement, credential.LayoutV2, credential.LayoutV1}} {
		t.Run(v.st.ID(), func(t *testing.T) { testPrecheck(t, v.st, v.layout, v.other) })
	}
}

func testPrecheck(t *testing.T, st statement.Statement, layout, otherLayout int) {
	params, _ := json.Marshal(map[string]any{"window": 24, "asOf": "2026-11"})
	r, err := st.DecodeRequest("no-default", params, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Statement().ID() != st.ID() {
		t.Fatalf("request for %s", r.Statement().ID())
	}
	asOf := fixture.Month("2026-11")
	b := statement.Values{AsOf: asOf, Lender: lender, Nonce: fr.NewElement(7), Pseudonym: holder.Pseudonym(lender)}
	trust := statement.Trust{Issuers: []credential.IssuerKey{issuer.Public()}}
	cred := func(signer *credential.IssuerSecret, start string, n int, defaults map[int]credential.Status, expires string) *credential.Credential {
		return fixture.CredentialIn(layout, signer, holder, fixture.History(start, n, defaults), expires)
	}
	mixed := fixture.CredentialIn(otherLayout, issuer, holder, fixture.History("2023-11", 36, nil), "2027-06-01")
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
		{"other layout", mixed, holder, statement.CodeCredentialLayout},
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
			// Assign refuses what Precheck refuses, with the same answer.
			if tt.code == statement.CodeCredentialLayout {
				_, _, aerr := r.Assign(b, statement.Inputs{Credentials: []*credential.Credential{tt.c}, Holder: tt.secret}, trust)
				if aerr == nil || aerr.Error() != err.Error() {
					t.Fatalf("Assign = %v, want %v", aerr, err)
				}
				want := fmt.Sprintf("this credential uses layout %s; statement %s needs layout %s: ask the issuer to re-sign it in layout %s, or use ",
					credential.LayoutName(otherLayout), st.ID(), credential.LayoutName(layout), credential.LayoutName(layout))
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("refusal %q does not say %q", err, want)
				}
			}
		})
	}
}
