package policydoc

import (
	"fmt"
	"strings"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/registry"
)

// Explain puts the policy in plain words: what the business must present,
// what it proves, and what the lender learns. With a registry, it also says
// how many issuers each set holds.
func (p *Policy) Explain(reg *registry.Registry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Policy %q (hash %s)\n", p.ID, p.HashHex())
	if p.Description != "" {
		fmt.Fprintf(&b, "%s\n", p.Description)
	}
	n := len(p.Credentials)
	fmt.Fprintf(&b, "\nThe business presents %s, all bound to its one holder secret", plural(n, "credential"))
	if n > 1 {
		b.WriteString(" and each signed by a different issuer")
	}
	b.WriteString(":\n")
	for _, c := range p.Credentials {
		fmt.Fprintf(&b, "  - %s\n", c.Sentence(reg))
	}
	b.WriteString("\nFor the as-of month T that the lender asks for, it proves that:\n")
	for i, r := range p.Rules {
		fmt.Fprintf(&b, "  %d. %s: %s\n", i+1, r.Name, r.Sentence())
	}
	fmt.Fprintf(&b, "  and that no credential had expired on the first day of T.\n")
	b.WriteString("\nThe lender learns that all of this holds, T, its own lender id and nonce, a pseudonym\n" +
		"for the business that only this lender can recognize, and each issuer set's root.\n" +
		"Nothing else: not which issuer signed, no amounts, no statuses, no dates.\n")
	return b.String()
}

// Sentence puts one rule in words.
func (r Rule) Sentence() string {
	months := fmt.Sprintf("the %d months before T", r.Window)
	switch r.Predicate {
	case RuleNoMonthAtOrAbove:
		what := "no month in default"
		if r.Status != credential.StatusDefault {
			what = fmt.Sprintf("no month %s or worse", r.Status)
		}
		return fmt.Sprintf("%s records %s in %s", r.Credential, what, months)
	case RuleOnTime:
		return fmt.Sprintf("%s records at least %s of %s as paid on time (status ok; %d per mille)", r.Credential, percent(r.PerMille), months, r.PerMille)
	case RuleSum:
		return fmt.Sprintf("the amounts %s records over %s add up to at least %s", r.Credential, months, amount(r.AtLeast))
	case RuleAverage:
		return fmt.Sprintf("the average monthly amount %s records over %s is at least %s", r.Credential, months, amount(r.AtLeast))
	case RuleMinimum:
		return fmt.Sprintf("every monthly amount %s records over %s is at least %s", r.Credential, months, amount(r.AtLeast))
	case RuleHistory:
		return fmt.Sprintf("%s covers each of the %d months before T (a history at least %d months long, up to date)", r.Credential, r.Months, r.Months)
	}
	return r.Predicate.String()
}

// Sentence puts one credential of the policy in words; with a registry it
// says how many issuers the set holds.
func (c Credential) Sentence(reg *registry.Registry) string {
	return fmt.Sprintf("%s: %s, signed by %s", c.Name, kindPhrase(c.Kind), issuerPhrase(c.IssuerSet, reg))
}

func kindPhrase(k credential.Kind) string {
	if k == credential.KindRevenue {
		return "a monthly revenue record"
	}
	return "a monthly payment history"
}

func issuerPhrase(set string, reg *registry.Registry) string {
	if reg != nil {
		if s, err := reg.Set(set); err == nil {
			return fmt.Sprintf("one of the %s in the set %q", plural(len(s.Issuers()), "accredited issuer"), set)
		}
	}
	return fmt.Sprintf("one of the accredited issuers in the set %q", set)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// percent writes per mille as a percentage: 950 -> "95%", 975 -> "97.5%".
func percent(perMille int) string {
	s := fmt.Sprintf("%d.%d", perMille/10, perMille%10)
	return strings.TrimSuffix(s, ".0") + "%"
}

// amount writes minor units with thousands separators.
func amount(v uint64) string {
	s := fmt.Sprint(v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + " (minor units)"
}
