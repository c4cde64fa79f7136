package policydoc

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/name"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/registry"
)

// Version is the only policy layout this package reads and writes.
const Version = 1

// Limits of a policy: what one policy/v1 proof can hold.
const (
	MaxCredentials = 3
	MaxRules       = 4
	MaxWindow      = credential.MaxMonths
	MaxNameLength  = 64
	MaxDescription = 500
	// MaxAmount bounds "atLeast" for average and minimum rules (an amount);
	// MaxSum bounds it for sum rules (a sum of MaxWindow amounts).
	MaxAmount = credential.MaxAmount
	MaxSum    = MaxWindow * credential.MaxAmount
)

// HashTag prefixes the canonical document in the policy hash.
const HashTag = "tacit/policy/v1"

// MaxFileSize bounds a policy file; the example policy is about 1 KB.
const MaxFileSize = 1 << 20

// ErrInvalid is wrapped by every refusal of a policy document.
var ErrInvalid = errors.New("policy: invalid policy")

// Credential is one credential a policy asks for.
type Credential struct {
	Name      string          // referenced by rules
	Kind      credential.Kind // what the credential records
	IssuerSet string          // the registry set its issuer must belong to
}

// Rule is one predicate over one credential. Which parameter is set
// depends on Predicate.
type Rule struct {
	Name       string
	Credential string // a Credential's Name
	Predicate  RuleKind
	Window     int               // months before the as-of month; all but history
	Status     credential.Status // no-month-at-or-above
	PerMille   int               // on-time
	AtLeast    uint64            // sum, average, minimum (minor units)
	Months     int               // history
}

// Policy is a lender's policy document: the credentials it asks for and
// the rules they must satisfy.
type Policy struct {
	ID          string
	Description string
	Credentials []Credential
	Rules       []Rule
}

type credentialJSON struct {
	Name      *string `json:"name"`
	Kind      *string `json:"kind"`
	IssuerSet *string `json:"issuerSet"`
}

type ruleJSON struct {
	Name       *string `json:"name"`
	Credential *string `json:"credential"`
	Predicate  *string `json:"predicate"`
	Window     *int    `json:"window,omitempty"`
	Status     *string `json:"status,omitempty"`
	PerMille   *int    `json:"perMille,omitempty"`
	AtLeast    *uint64 `json:"atLeast,omitempty"`
	Months     *int    `json:"months,omitempty"`
}

type policyJSON struct {
	Version     *int             `json:"version"`
	ID          *string          `json:"id"`
	Description *string          `json:"description,omitempty"`
	Credentials []credentialJSON `json:"credentials"`
	Rules       []ruleJSON       `json:"rules"`
}

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: field %q: %s", ErrInvalid, field, fmt.Sprintf(format, args...))
}

// Parse decodes a policy document strictly (no unknown or duplicate
// fields, no trailing data, every required field present, no parameter a
// predicate does not take) and validates it.
func Parse(data []byte) (*Policy, error) {
	var w policyJSON
	if err := strictjson.Decode(data, &w, "policy"); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	switch {
	case w.Version == nil:
		return nil, invalid("version", "missing")
	case *w.Version != Version:
		return nil, invalid("version", "must be %d", Version)
	case w.ID == nil:
		return nil, invalid("id", "missing")
	case w.Credentials == nil:
		return nil, invalid("credentials", "missing")
	case w.Rules == nil:
		return nil, invalid("rules", "missing")
	}
	p := &Policy{ID: *w.ID}
	if w.Description != nil {
		if *w.Description == "" {
			return nil, invalid("description", "must not be empty when present")
		}
		p.Description = *w.Description
	}
	for i, c := range w.Credentials {
		at := func(f string) string { return fmt.Sprintf("credentials[%d].%s", i, f) }
		for _, f := range []struct {
			name string
			v    *string
		}{{"name", c.Name}, {"kind", c.Kind}, {"issuerSet", c.IssuerSet}} {
			if f.v == nil {
				return nil, invalid(at(f.name), "missing")
			}
		}
		kind, err := credential.ParseKind(*c.Kind)
		if err != nil {
			return nil, invalid(at("kind"), "%v", err)
		}
		p.Credentials = append(p.Credentials, Credential{Name: *c.Name, Kind: kind, IssuerSet: *c.IssuerSet})
	}
	for i, r := range w.Rules {
		rule, err := r.rule(i)
		if err != nil {
			return nil, err
		}
		p.Rules = append(p.Rules, rule)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func (r ruleJSON) rule(i int) (Rule, error) {
	at := func(f string) string { return fmt.Sprintf("rules[%d].%s", i, f) }
	for _, f := range []struct {
		name string
		v    *string
	}{{"name", r.Name}, {"credential", r.Credential}, {"predicate", r.Predicate}} {
		if f.v == nil {
			return Rule{}, invalid(at(f.name), "missing")
		}
	}
	kind, err := ParseRuleKind(*r.Predicate)
	if err != nil {
		return Rule{}, invalid(at("predicate"), "%v", err)
	}
	out := Rule{Name: *r.Name, Credential: *r.Credential, Predicate: kind}
	// Each predicate takes exactly its parameters.
	want := map[string]bool{"window": kind != RuleHistory}
	switch kind {
	case RuleNoMonthAtOrAbove:
		want["status"] = true
	case RuleOnTime:
		want["perMille"] = true
	case RuleSum, RuleAverage, RuleMinimum:
		want["atLeast"] = true
	case RuleHistory:
		want["months"] = true
	}
	for _, f := range []struct {
		name string
		set  bool
	}{{"window", r.Window != nil}, {"status", r.Status != nil}, {"perMille", r.PerMille != nil}, {"atLeast", r.AtLeast != nil}, {"months", r.Months != nil}} {
		switch {
		case want[f.name] && !f.set:
			return Rule{}, invalid(at(f.name), "missing (a %s rule needs it)", kind)
		case !want[f.name] && f.set:
			return Rule{}, invalid(at(f.name), "a %s rule does not take it", kind)
		}
	}
	if r.Window != nil {
		out.Window = *r.Window
	}
	if r.Status != nil {
		if out.Status, err = credential.ParseStatus(*r.Status); err != nil {
			return Rule{}, invalid(at("status"), "%v", err)
		}
	}
	if r.PerMille != nil {
		out.PerMille = *r.PerMille
	}
	if r.AtLeast != nil {
		out.AtLeast = *r.AtLeast
	}
	if r.Months != nil {
		out.Months = *r.Months
	}
	return out, nil
}

// ValidateName checks a policy or credential name: 1 to 64 characters of
// a-z, 0-9, '.', '_' and '-' (see package internal/name).
func ValidateName(s string) error {
	if !name.Valid(s, MaxNameLength) {
		return fmt.Errorf("must be 1 to %d characters of a-z, 0-9, '.', '_' and '-'", MaxNameLength)
	}
	return nil
}

// validText checks free text: printable, no control characters.
func validText(s string, max int) error {
	if len(s) == 0 || len(s) > max {
		return fmt.Errorf("must be 1 to %d characters", max)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == '\uFFFD' {
			return errors.New("must be printable text")
		}
	}
	return nil
}

// Validate checks the policy's rules against what policy/v1 can prove.
func (p *Policy) Validate() error {
	if err := ValidateName(p.ID); err != nil {
		return invalid("id", "%v", err)
	}
	if p.Description != "" {
		if err := validText(p.Description, MaxDescription); err != nil {
			return invalid("description", "%v", err)
		}
	}
	if len(p.Credentials) < 1 || len(p.Credentials) > MaxCredentials {
		return invalid("credentials", "must list 1 to %d credentials", MaxCredentials)
	}
	if len(p.Rules) < 1 || len(p.Rules) > MaxRules {
		return invalid("rules", "must list 1 to %d rules", MaxRules)
	}
	index := map[string]int{}
	for i, c := range p.Credentials {
		at := func(f string) string { return fmt.Sprintf("credentials[%d].%s", i, f) }
		if err := ValidateName(c.Name); err != nil {
			return invalid(at("name"), "%v", err)
		}
		if _, dup := index[c.Name]; dup {
			return invalid(at("name"), "%q names two credentials", c.Name)
		}
		index[c.Name] = i
		if c.Kind != credential.KindPaymentHistory && c.Kind != credential.KindRevenue {
			return invalid(at("kind"), "unknown kind")
		}
		if err := ValidateName(c.IssuerSet); err != nil {
			return invalid(at("issuerSet"), "%v", err)
		}
	}
	names := map[string]bool{}
	used := make([]bool, len(p.Credentials))
	amountCredential, minimums := "", 0
	for i, r := range p.Rules {
		at := func(f string) string { return fmt.Sprintf("rules[%d].%s", i, f) }
		if err := validText(r.Name, MaxNameLength); err != nil {
			return invalid(at("name"), "%v", err)
		}
		if names[r.Name] {
			return invalid(at("name"), "%q names two rules", r.Name)
		}
		names[r.Name] = true
		k, ok := index[r.Credential]
		if !ok {
			return invalid(at("credential"), "no credential is named %q", r.Credential)
		}
		used[k] = true
		kind := p.Credentials[k].Kind
		if r.Predicate.ReadsStatuses() && kind != credential.KindPaymentHistory {
			return invalid(at("predicate"), "%s reads payment statuses; %q is a %s credential, whose months all say ok", r.Predicate, r.Credential, kind)
		}
		window := r.Window
		if r.Predicate == RuleHistory {
			window = r.Months
		}
		if window < 1 || window > MaxWindow {
			f := "window"
			if r.Predicate == RuleHistory {
				f = "months"
			}
			return invalid(at(f), "must be 1 to %d months", MaxWindow)
		}
		switch r.Predicate {
		case RuleNoMonthAtOrAbove:
			if r.Status < credential.StatusLate30 || r.Status > credential.StatusDefault {
				return invalid(at("status"), "must be late30, late60, late90 or default")
			}
		case RuleOnTime:
			if r.PerMille < 1 || r.PerMille > 1000 {
				return invalid(at("perMille"), "must be 1 to 1000")
			}
		case RuleSum:
			if r.AtLeast > MaxSum {
				return invalid(at("atLeast"), "must be at most %d", uint64(MaxSum))
			}
		case RuleAverage, RuleMinimum:
			if r.AtLeast > MaxAmount {
				return invalid(at("atLeast"), "must be at most 2^48-1")
			}
		case RuleHistory:
		default:
			return invalid(at("predicate"), "unknown predicate")
		}
		if r.Predicate.ReadsAmounts() {
			if amountCredential != "" && amountCredential != r.Credential {
				return invalid(at("credential"), "every sum, average and minimum rule of a policy must read one credential (here %q)", amountCredential)
			}
			amountCredential = r.Credential
		}
		if r.Predicate == RuleMinimum {
			if minimums++; minimums > 1 {
				return invalid(at("predicate"), "a policy has at most one minimum rule")
			}
		}
	}
	for i, u := range used {
		if !u {
			return invalid(fmt.Sprintf("credentials[%d]", i), "no rule reads %q (a history rule asks only that it exists)", p.Credentials[i].Name)
		}
	}
	return nil
}

func (p *Policy) wire() policyJSON {
	version, id := Version, p.ID
	w := policyJSON{Version: &version, ID: &id, Credentials: []credentialJSON{}, Rules: []ruleJSON{}}
	if p.Description != "" {
		d := p.Description
		w.Description = &d
	}
	for _, c := range p.Credentials {
		name, kind, set := c.Name, c.Kind.String(), c.IssuerSet
		w.Credentials = append(w.Credentials, credentialJSON{Name: &name, Kind: &kind, IssuerSet: &set})
	}
	for _, r := range p.Rules {
		name, cred, pred := r.Name, r.Credential, r.Predicate.String()
		rw := ruleJSON{Name: &name, Credential: &cred, Predicate: &pred}
		if r.Predicate != RuleHistory {
			window := r.Window
			rw.Window = &window
		}
		switch r.Predicate {
		case RuleNoMonthAtOrAbove:
			st := r.Status.String()
			rw.Status = &st
		case RuleOnTime:
			pm := r.PerMille
			rw.PerMille = &pm
		case RuleSum, RuleAverage, RuleMinimum:
			x := r.AtLeast
			rw.AtLeast = &x
		case RuleHistory:
			m := r.Months
			rw.Months = &m
		}
		w.Rules = append(w.Rules, rw)
	}
	return w
}

// Canonical is the policy's one canonical encoding: compact JSON, fields
// in a fixed order, only the parameters each predicate takes. Any two
// documents that parse to the same policy have the same canonical form.
func (p *Policy) Canonical() []byte {
	b, err := json.Marshal(p.wire())
	if err != nil {
		panic(err) // plain strings and integers always marshal
	}
	return b
}

// MarshalIndent writes the policy as an indented document.
func (p *Policy) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(p.wire(), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Hash is the policy hash, a public input of every policy/v1 proof:
// sha256(HashTag || 0x00 || Canonical()) with the top three bits cleared
// (credential.TagDigest), so that it is a canonical field element.
func (p *Policy) Hash() fr.Element {
	return credential.TagDigest(HashTag, p.Canonical())
}

// HashHex is Hash as 64 lowercase hex characters.
func (p *Policy) HashHex() string { return credential.FieldHex(p.Hash()) }

// Load reads and parses a policy file.
func Load(path string) (*Policy, error) {
	data, err := strictjson.ReadFile(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// CheckRegistry checks that every issuer set the policy names exists in
// reg and holds issuers of the credential's kind.
func (p *Policy) CheckRegistry(reg *registry.Registry) error {
	for i, c := range p.Credentials {
		s, err := reg.Set(c.IssuerSet)
		if err != nil {
			return fmt.Errorf("credentials[%d] (%s): %w", i, c.Name, err)
		}
		if s.Kind() != c.Kind {
			return fmt.Errorf("credentials[%d] (%s): %w: %q holds %s issuers, the policy asks for a %s credential",
				i, c.Name, registry.ErrKindMismatch, c.IssuerSet, s.Kind(), c.Kind)
		}
	}
	return nil
}
