// Package policydoc is a lender's policy document: which credentials a
// business must present (up to 3, each of a kind and from a named
// accredited-issuer set) and which rules they must satisfy (up to 4
// predicates over a window of months of one credential). One policy/v1
// proof answers one policy; the circuit and its keys are the same for
// every policy, whose rules are public inputs.
//
// A document looks like this (all fields required unless noted):
//
//	{
//	  "version": 1,
//	  "id": "sme-working-capital",
//	  "description": "optional free text",
//	  "credentials": [
//	    {"name": "main-bank", "kind": "payment-history", "issuerSet": "accredited-banks"},
//	    {"name": "revenue", "kind": "revenue", "issuerSet": "tax-authorities"}
//	  ],
//	  "rules": [
//	    {"name": "no default", "credential": "main-bank", "predicate": "no-month-at-or-above", "status": "default", "window": 24},
//	    {"name": "on time", "credential": "main-bank", "predicate": "on-time", "perMille": 950, "window": 36},
//	    {"name": "revenue", "credential": "revenue", "predicate": "average", "atLeast": 5000000, "window": 12},
//	    {"name": "customer", "credential": "main-bank", "predicate": "history", "months": 36}
//	  ]
//	}
//
// Predicates: no-month-at-or-above (status late30..default), on-time
// (perMille of the window's months with status ok), sum, average and
// minimum of the amounts (atLeast, in minor units), and history (the
// credential covers the months before the as-of month). Every window is
// the months just before the as-of month T the lender asks for.
//
// Rules that read statuses apply to payment histories only: a revenue
// credential has the same format and signing rules, but its statuses carry
// no meaning (issuers write "ok"), so no policy reads them. All sum,
// average and minimum rules of one policy read one credential, and a
// policy has at most one minimum rule: the circuit decomposes one
// credential's amounts and checks one bound per month.
//
// The policy hash (Hash) is sha256 over a domain tag and the canonical
// encoding, reduced to a field element; it is a public input, so a proof
// made for one policy does not verify for another. Names and the
// description are part of the hash.
//
// Trust: a policy is public. It names issuer sets, not keys: the registry
// (package registry) says which issuers a set holds today, and a verifier
// accepts only each set's current root.
package policydoc
