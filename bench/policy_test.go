package bench

import (
	"os"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/circuits/policyv2"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/internal/fixture/ask"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// The policy workload is the worked example (examples/policy): three
// credentials from three issuers (two banks out of 40 accredited, a tax
// bureau out of 3) and four rules, as of 2026-11, for each version of the
// policy statement with credentials in the layout it reads. BenchmarkProve
// runs them side by side (policy/v1, then policy/v2, in one run).
func init() {
	workloads[policycircuit.ID] = policyWorkload(policycircuit.ID, credential.LayoutV1)
	workloads[policyv2.ID] = policyWorkload(policyv2.ID, credential.LayoutV2)
}

func policyWorkload(id string, layout int) workload {
	data, err := os.ReadFile("../examples/policy/policy.json")
	if err != nil {
		panic(err)
	}
	pol := ask.Request(id, `{"policy":`+string(data)+`,"asOf":"`+asOf.String()+`"}`, asOf)
	mainBank, second, tax := fixture.Issuer("bench-main-bank"), fixture.Issuer("bench-second-bank"), fixture.Issuer("bench-tax-bureau")
	banks := []credential.IssuerKey{mainBank.Public(), second.Public()}
	for i := 0; i < 38; i++ {
		banks = append(banks, fixture.Issuer("bench-bank-"+string(rune('A'+i))).Public())
	}
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, banks); err != nil {
		panic(err)
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, []credential.IssuerKey{tax.Public(),
		fixture.Issuer("bench-accountant-1").Public(), fixture.Issuer("bench-accountant-2").Public()}); err != nil {
		panic(err)
	}
	sign := func(issuer *credential.IssuerSecret, kind credential.Kind, h credential.History) *credential.Credential {
		c, err := credential.Sign(issuer, credential.Terms{Layout: layout, Kind: kind, Subject: holder.Subject(),
			IssuedAt: fixture.Day("2026-10-15"), ExpiresAt: fixture.Day("2027-06-01")}, h)
		if err != nil {
			panic(err)
		}
		return c
	}
	revenue := fixture.History("2024-11", 24, nil)
	for i := range revenue.Months {
		revenue.Months[i].Amount = 5000000 + uint64(i)*25000
	}
	trust := statement.Trust{Registry: reg}
	return workload{
		task: prover.Task{
			Request: pol, Trust: trust, Lender: "bank-a", Nonce: nonce,
			Inputs: statement.Inputs{
				Credentials: []*credential.Credential{
					sign(mainBank, credential.KindPaymentHistory, fixture.History("2022-11", 48, map[int]credential.Status{20: credential.StatusLate30})),
					sign(second, credential.KindPaymentHistory, fixture.History("2024-05", 30, nil)),
					sign(tax, credential.KindRevenue, revenue),
				},
				Holder: holder,
			},
		},
		expect: verifier.Expect{Request: pol, Trust: trust, Lender: "bank-a", Nonce: nonce, AsOf: &asOf},
	}
}
