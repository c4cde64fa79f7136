package nodefault

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/statement"
)

// Statement is no-default/v1 as the statement kit sees it. It reads layout
// v1 credentials; no-default/v2 (circuits/nodefaultv2) is the default
// version and answers to the short names.
var Statement = NewStatement(Version{
	ID: ID, Layout: credential.LayoutV1, Other: "no-default/v2",
	Circuit: func() frontend.Circuit { return &Circuit{} },
	Assign: func(p Public, c *credential.Credential, s credential.HolderSecret) (frontend.Circuit, error) {
		return Assign(p, c, s)
	},
	Public: func(p Public) frontend.Circuit { return p.Assignment() },
})

// Version is one version of the no-default statement: its circuit and the
// credential layout that circuit reads. Everything else (names, requests,
// sections, the native check) is this package's, shared by every version.
type Version struct {
	ID string
	// Short says whether the version answers to the short names
	// (no-default, no-late90, ...); exactly one registered version does.
	Short bool
	// Layout is the credential layout the circuit reads; Other is the id
	// of a version that reads the other layout, named in a LayoutError.
	Layout int
	Other  string
	// Circuit returns a blank circuit; Assign a full witness for a
	// credential that passed Check; Public the public part.
	Circuit func() frontend.Circuit
	Assign  func(Public, *credential.Credential, credential.HolderSecret) (frontend.Circuit, error)
	Public  func(Public) frontend.Circuit
}

// NewStatement returns the statement kit of a version. Call it once per
// version, from a package variable.
func NewStatement(v Version) statement.Statement {
	k := &kit{v}
	versions = append(versions, k)
	return k
}

// versions are the kits NewStatement made, for Request.For.
var versions []*kit

// names maps each short name to the severity it presets.
var names = []struct {
	name     string
	severity credential.Status
}{
	{"no-default", credential.StatusDefault},
	{"no-late90", credential.StatusLate90},
	{"no-late60", credential.StatusLate60},
	{"no-late30", credential.StatusLate30},
}

type kit struct{ v Version }

func (k *kit) ID() string { return k.v.ID }

func (k *kit) Names() []string {
	if !k.v.Short {
		return nil
	}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n.name
	}
	return out
}

func (k *kit) Description() string {
	return "layout " + credential.LayoutName(k.v.Layout) + " credentials: no month at or above a severity (default: 'default') in the W months before T, in a payment history the issuer signed for this holder"
}

func (*kit) Inputs() []statement.Input {
	return []statement.Input{
		{Name: "severity", Check: "the status the statement forbids; the one the verifier's policy names"},
		{Name: "window", Check: "months in the window, 1-60; at least the verifier's minimum"},
		{Name: "asOf", Check: "the month T; the month the verifier asked for, neither stale nor in the future"},
		{Name: "asOfDay", Check: "the first day of T; recomputed by the verifier from asOf"},
		{Name: "issuer.x", Check: "issuer key, x; a key the verifier trusts"},
		{Name: "issuer.y", Check: "issuer key, y; a key the verifier trusts"},
		{Name: "lender", Check: "the verifier's own lender identifier"},
		{Name: "nonce", Check: "the verifier's fresh challenge, used once"},
		{Name: "pseudonym", Check: "output: the holder's pseudonym towards this lender"},
	}
}

func (k *kit) Circuit() frontend.Circuit { return k.v.Circuit() }

// Layout keeps the member order of the attestations v1 has always written.
func (*kit) Layout() statement.Layout {
	return statement.Layout{Public: []string{"severity", "window", "asOf", "issuer", "lender", "nonce", "pseudonym"}}
}

// Section is no-default/v1's part of an attestation: the severity it
// forbids, the window and the issuer key.
type Section struct {
	Severity credential.Status
	Window   int
	Issuer   credential.IssuerKey
}

// Members implements statement.Section.
func (s Section) Members() map[string]any {
	return map[string]any{"severity": s.Severity.String(), "window": s.Window, "issuer": s.Issuer.Hex()}
}

func (*kit) DecodeSection(m statement.Members) (statement.Section, error) {
	var sev, issuer string
	var s Section
	if err := m.Decode("severity", &sev); err != nil {
		return nil, err
	}
	if err := m.Decode("window", &s.Window); err != nil {
		return nil, err
	}
	if err := m.Decode("issuer", &issuer); err != nil {
		return nil, err
	}
	var err error
	if s.Severity, err = credential.ParseStatus(sev); err != nil || s.Severity < credential.StatusLate30 {
		return nil, m.Invalid("severity", errors.New("must be late30, late60, late90 or default"))
	}
	if s.Window < 1 || s.Window > Capacity {
		return nil, m.Invalid("window", fmt.Errorf("must be 1 to %d months", Capacity))
	}
	if s.Issuer, err = credential.ParseIssuerKey(issuer); err != nil {
		return nil, m.Invalid("issuer", err)
	}
	return s, nil
}

// Params are a no-default request's parameters, as a challenge stores and
// shows them.
type Params struct {
	Window   int    `json:"window"`
	AsOf     string `json:"asOf,omitempty"`
	Severity string `json:"severity,omitempty"`
}

// Request is what a lender asks: no month at or above Severity in the
// Window months before Month.
type Request struct {
	st       *kit
	Severity credential.Status
	Window   int
	Month    credential.Month
	// Name is the name it was asked by ("no-late60"); it words refusals.
	Name string
}

// DecodeRequest decodes a request by the statement's id or, for every
// version, by a short name (a direct caller may ask no-default/v1 for
// "no-late60"; the registry resolves short names to the Short version).
func (k *kit) DecodeRequest(name string, params []byte, now credential.Month) (statement.Request, error) {
	r := Request{st: k, Name: name}
	preset := false
	for _, n := range names {
		if n.name == name {
			r.Severity, preset = n.severity, true
		}
	}
	if !preset && name != k.v.ID {
		return nil, fmt.Errorf("%w %q", statement.ErrUnknown, name)
	}
	var p Params
	if err := strictjson.DecodeAt(params, &p, "params"); err != nil {
		return nil, err
	}
	if p.Window < 1 || p.Window > credential.MaxMonths {
		return nil, statement.ParamError("window", "must be 1 to %d", credential.MaxMonths)
	}
	r.Window = p.Window
	switch {
	case preset && p.Severity != "":
		return nil, statement.ParamError("severity", "set by the statement, not a parameter")
	case !preset:
		s, err := credential.ParseStatus(p.Severity)
		if err != nil || s < credential.StatusLate30 {
			return nil, statement.ParamError("severity", "must be late30, late60, late90 or default")
		}
		r.Severity, r.Name = s, nameOf(s)
	}
	r.Month = now
	if p.AsOf != "" {
		m, err := credential.ParseMonth(p.AsOf)
		if err != nil {
			return nil, statement.ParamError("asOf", "must be a month YYYY-MM")
		}
		r.Month = m
	}
	return r, nil
}

// nameOf is the short name of a severity.
func nameOf(s credential.Status) string {
	for _, n := range names {
		if n.severity == s {
			return n.name
		}
	}
	return ID
}

func (k *kit) Claim(sec statement.Section, asOf credential.Month) (statement.Request, error) {
	s, ok := sec.(Section)
	if !ok {
		return nil, fmt.Errorf("%w: not a %s section", statement.ErrMalformed, k.v.ID)
	}
	return Request{st: k, Severity: s.Severity, Window: s.Window, Month: asOf, Name: nameOf(s.Severity)}, nil
}

func (r Request) Statement() statement.Statement { return r.st }
func (r Request) AsOf() credential.Month         { return r.Month }
func (Request) Credentials() int                 { return 1 }
func (r Request) Sentence() string               { return Describe(r.Severity, r.Window, r.Month) }

// Params implements statement.Request.
func (r Request) Params() ([]byte, error) {
	return json.Marshal(Params{Window: r.Window, AsOf: r.Month.String(), Severity: r.Severity.String()})
}

// Refusal implements statement.Refuser.
func (r Request) Refusal() *statement.Unsatisfied { return r.unsatisfied("") }

func (r Request) unsatisfied(rule Rule) *statement.Unsatisfied {
	return &statement.Unsatisfied{
		Message: fmt.Sprintf("the credential does not satisfy %s over %d months", r.Name, r.Window),
		Reason:  string(rule), Input: 0, Code: codeOf(rule),
	}
}

// codeOf is a rule's statement.Unsatisfied code.
func codeOf(rule Rule) string {
	switch rule {
	case RuleHolder:
		return statement.CodeHolderMismatch
	case RuleExpired:
		return statement.CodeCredentialExpired
	case RuleCoverage:
		return statement.CodeWindowOutside
	case RuleUntrusted:
		return statement.CodeUntrustedIssuer
	}
	return statement.CodeUnsatisfied
}

// RuleUntrusted is not a rule of the circuit, which takes any issuer key:
// the verifier refuses an issuer it does not trust, so Precheck refuses it
// first.
const RuleUntrusted = Rule("the credential's issuer is not one this service trusts")

// Precheck implements statement.Request. It runs Check, whose rules up to
// and including RuleExpired come before the severity rule and never read a
// month's status, and keeps only the rules a submission is refused for.
func (r Request) Precheck(b statement.Values, in statement.Inputs, t statement.Trust) error {
	if len(in.Credentials) != 1 || in.Credentials[0] == nil {
		return fmt.Errorf("nodefault: a proof takes one credential, got %d", len(in.Credentials))
	}
	c := in.Credentials[0]
	if err := r.layout(c); err != nil {
		return err
	}
	pub := Public{Severity: r.Severity, Window: r.Window, AsOf: b.AsOf, Issuer: c.Issuer, Lender: b.Lender, Nonce: b.Nonce, Pseudonym: b.Pseudonym}
	err := Check(pub, c, in.Holder)
	var u *Unsatisfied
	if err != nil && !errors.As(err, &u) {
		return err
	}
	if u != nil && (u.Rule == RuleSignature || u.Rule == RuleKind) {
		return nil // left to Assign: a forged credential learns nothing of t
	}
	if !t.Trusts(c.Issuer) {
		return r.unsatisfied(RuleUntrusted)
	}
	if u != nil && u.Rule != RuleSeverity {
		return r.unsatisfied(u.Rule)
	}
	return nil
}

// Assign implements statement.Request: it checks the credential natively,
// then builds the witness.
func (r Request) Assign(b statement.Values, in statement.Inputs, _ statement.Trust) (statement.Section, frontend.Circuit, error) {
	if len(in.Credentials) != 1 || in.Credentials[0] == nil {
		return nil, nil, fmt.Errorf("nodefault: a proof takes one credential, got %d", len(in.Credentials))
	}
	c := in.Credentials[0]
	if err := r.layout(c); err != nil {
		return nil, nil, err
	}
	pub := Public{Severity: r.Severity, Window: r.Window, AsOf: b.AsOf, Issuer: c.Issuer, Lender: b.Lender, Nonce: b.Nonce, Pseudonym: b.Pseudonym}
	if err := Check(pub, c, in.Holder); err != nil {
		var u *Unsatisfied
		if errors.As(err, &u) {
			return nil, nil, r.unsatisfied(u.Rule)
		}
		return nil, nil, err
	}
	w, err := r.st.v.Assign(pub, c, in.Holder)
	if err != nil {
		return nil, nil, r.unsatisfied("")
	}
	return Section{Severity: r.Severity, Window: r.Window, Issuer: c.Issuer}, w, nil
}

// Expect implements statement.Request: the issuer is trusted, the window
// at least as long and the severity at least as strict (Exactly: equal).
func (r Request) Expect(sec statement.Section, t statement.Trust, m statement.Match) error {
	s, ok := sec.(Section)
	if !ok {
		return fmt.Errorf("%w: not a %s section", statement.ErrOtherStatement, r.st.v.ID)
	}
	switch {
	case len(t.Issuers) == 0:
		return fmt.Errorf("%w: no trusted issuers are configured", statement.ErrWrongIssuer)
	case !t.Trusts(s.Issuer):
		return fmt.Errorf("%w: %s is not a trusted issuer", statement.ErrWrongIssuer, s.Issuer.Hex())
	case s.Window < r.Window:
		return fmt.Errorf("%w: %d months, at least %d required", statement.ErrWindowTooShort, s.Window, r.Window)
	case s.Severity > r.Severity:
		return fmt.Errorf("%w: forbids %s, %s required", statement.ErrWeakerStatement, s.Severity, r.Severity)
	case m == statement.Exactly && (s.Window != r.Window || s.Severity != r.Severity):
		return fmt.Errorf("%w: %s, not %s", statement.ErrOtherStatement, Describe(s.Severity, s.Window, r.Month), r.Sentence())
	}
	return nil
}

// Public implements statement.Request.
func (r Request) Public(sec statement.Section, b statement.Values) (frontend.Circuit, error) {
	s, ok := sec.(Section)
	if !ok {
		return nil, fmt.Errorf("%w: not a %s section", statement.ErrOtherStatement, r.st.v.ID)
	}
	pub := Public{Severity: s.Severity, Window: s.Window, AsOf: b.AsOf, Issuer: s.Issuer, Lender: b.Lender, Nonce: b.Nonce, Pseudonym: b.Pseudonym}
	if err := pub.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", statement.ErrMalformed, err)
	}
	return r.st.v.Public(pub), nil
}

// layout refuses a credential of another layout than the circuit reads,
// with a sentence that says what to do. The layout is public in the
// credential file, so this answer tells nothing private, and it comes
// before the signature check: a credential of the other layout would fail
// it.
func (r Request) layout(c *credential.Credential) error {
	err := credential.RequireLayout(c, r.st.v.Layout, r.st.v.ID, r.st.v.Other)
	if err == nil {
		return nil
	}
	return &statement.Unsatisfied{Message: err.Error(), Input: 0, Code: statement.CodeCredentialLayout}
}

// For implements statement.Versioned: a request answered by an attestation
// of another version of no-default, with the same parameters. A v1
// attestation keeps its meaning after v2 became the default.
func (r Request) For(id string) (statement.Request, bool) {
	if id == r.st.v.ID {
		return r, true
	}
	for _, v := range versions {
		if v.v.ID == id {
			r.st = v
			return r, true
		}
	}
	return nil, false
}

// Summary implements statement.Request: what the section proves.
func (r Request) Summary(sec statement.Section, _ statement.Trust) statement.Summary {
	s, _ := sec.(Section)
	return statement.Summary{
		Sentence: Describe(s.Severity, s.Window, r.Month),
		Params:   Params{Window: s.Window, AsOf: r.Month.String(), Severity: s.Severity.String()},
		Issuer:   s.Issuer.Hex(),
	}
}

// Check implements statement.Request: a no-default request needs nothing
// from the trust configuration to be proven.
func (Request) Check(statement.Trust) error { return nil }

// Describe puts a no-default statement in words.
func Describe(severity credential.Status, window int, asOf credential.Month) string {
	what := "no month in default"
	if severity != credential.StatusDefault {
		what = fmt.Sprintf("no month %s or worse", severity)
	}
	return fmt.Sprintf("%s in the %d months before %s (%s to %s)", what, window, asOf, asOf-credential.Month(window), asOf-1)
}
