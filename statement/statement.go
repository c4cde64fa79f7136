package statement

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/registry"
)

// Statement is one provable statement and its circuit. Implementations are
// stateless values, registered once in package circuits.
type Statement interface {
	// ID names the statement and its constraint system, "name/vN".
	ID() string
	// Names are the names a lender may ask for it by, besides ID; a name may
	// preset parameters ("no-late60" is no-default/v1 with severity late60).
	Names() []string
	// Description says what the statement proves, for auditors.
	Description() string
	// Inputs lists the public inputs in circuit order, each with what a
	// verifier must check about it.
	Inputs() []Input
	// Circuit returns a blank circuit to compile.
	Circuit() frontend.Circuit
	// Layout is where the statement's values sit in an attestation.
	Layout() Layout
	// DecodeSection strictly decodes the statement's own members of an
	// attestation. Errors name the member.
	DecodeSection(m Members) (Section, error)
	// DecodeRequest strictly decodes what a lender asks for under the given
	// name (ID or one of Names). Under ID every parameter is given; a short
	// name presets some, which must then be absent. A missing as-of month
	// is now. Errors name the parameter.
	DecodeRequest(name string, params []byte, now credential.Month) (Request, error)
	// Claim is the request an attestation's section answers exactly, for an
	// auditor who re-checks an archived attestation. A statement whose
	// public inputs cannot be rebuilt from the section alone (policy/v1
	// needs its policy document) returns ErrNeedsRequest.
	Claim(s Section, asOf credential.Month) (Request, error)
}

// Input describes one public input.
type Input struct {
	Name  string `json:"name"`
	Check string `json:"check"` // what a verifier must check about it
}

// Layout places a statement's values in an attestation:
//
//	{"version":1,"statement":ID,"verifyingKey":...,
//	 "public":{<Public, in order>},<Extra>:{...},"proof":...}
//
// Public lists the members of "public" in order, the binding's four
// (asOf, lender, nonce, pseudonym) among them; Extra, if set, names one
// more top-level member the statement owns.
type Layout struct {
	Public []string
	Extra  string
}

// Own returns the statement's own member names: Public without the
// binding's, then Extra.
func (l Layout) Own() []string {
	var out []string
	for _, k := range l.Public {
		if !IsBindingMember(k) {
			out = append(out, k)
		}
	}
	if l.Extra != "" {
		out = append(out, l.Extra)
	}
	return out
}

// Members are a statement's own members of one attestation, as raw JSON.
// The envelope has already refused unknown, duplicate and case-folded
// names; every name of Layout.Own is present.
type Members struct {
	raw   map[string]json.RawMessage
	paths map[string]string
}

// NewMembers holds raw members; paths gives each member's path in the
// attestation ("public.window", "policy").
func NewMembers(raw map[string]json.RawMessage, paths map[string]string) Members {
	return Members{raw: raw, paths: paths}
}

// Path is the member's path in the attestation.
func (m Members) Path(name string) string {
	if p, ok := m.paths[name]; ok {
		return p
	}
	return name
}

// Decode strictly decodes one member into v; errors name the member.
func (m Members) Decode(name string, v any) error {
	raw, ok := m.raw[name]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return m.Invalid(name, errors.New("missing"))
	}
	return strictjson.DecodeAt(raw, v, m.Path(name))
}

// Invalid is the error for a member whose value is refused.
func (m Members) Invalid(name string, err error) error {
	return fmt.Errorf("field %q: %v", m.Path(name), err)
}

// Section is a statement's own part of an attestation, decoded.
type Section interface {
	// Members returns each of the statement's own members (Layout.Own) as
	// a value encoding/json writes in canonical form.
	Members() map[string]any
}

// Summary is what a verified attestation tells its reader.
type Summary struct {
	// Sentence is the statement with its parameters, in words.
	Sentence string
	// Params are the proven parameters, as the API shows them.
	Params any
	// Issuer says who signed: a key, or that it is hidden.
	Issuer string
	// Details lists further facts in words, by heading ("rules",
	// "credentials" of a policy).
	Details map[string][]string
}

// Request is what a lender asks a business to prove.
type Request interface {
	// Statement is the statement the request is for.
	Statement() Statement
	// AsOf is the month T the proof must be made for.
	AsOf() credential.Month
	// Credentials is how many credentials a proof takes.
	Credentials() int
	// Sentence is the request in words ("no month in default in the 24
	// months before 2026-11 (2024-11 to 2026-10)").
	Sentence() string
	// Params is the request's canonical JSON: what a challenge stores and
	// returns, and what DecodeRequest(ID, ...) reads back.
	Params() ([]byte, error)

	// Assign turns a business's inputs into a witness: the section its
	// attestation will carry and the full assignment. It first checks the
	// statement natively and returns an *Unsatisfied naming the first
	// unmet rule, with no private value in its message.
	Assign(b Values, in Inputs, t Trust) (Section, frontend.Circuit, error)
	// Precheck is what a proof job is refused for at submission: nil, or
	// an *Unsatisfied whose Code is one of CodeHolderMismatch,
	// CodeCredentialExpired, CodeWindowOutside and CodeUntrustedIssuer.
	// It never reads what the statement is about (statuses, amounts), so
	// its answer does not depend on whether the statement holds; and it
	// answers only for credentials whose signature verifies, so a forged
	// credential cannot probe t. Any other fault is left to Assign. t is
	// what the service trusts: its issuer list, its registry. It is cheap
	// (no witness, no solver).
	Precheck(b Values, in Inputs, t Trust) error

	// Expect checks a decoded section against the request: nil if it proves
	// at least what was asked (AtLeast) or exactly it (Exactly). Errors wrap
	// this package's sentinels.
	Expect(s Section, t Trust, m Match) error
	// Public is the public witness the proof is checked against, rebuilt
	// from the request and the section (call Expect first).
	Public(s Section, b Values) (frontend.Circuit, error)
	// Summary says what a section that answers the request proves, in
	// public values only.
	Summary(s Section, t Trust) Summary
	// Check reports whether the request can be proven and checked under t
	// (a policy's issuer sets must be in the registry).
	Check(t Trust) error
}

// Versioned is implemented by requests that an attestation of another
// version of the same statement answers (no-default/v1 for a no-default/v2
// request): For returns the request with the same parameters for the
// statement id, or false.
type Versioned interface {
	For(id string) (Request, bool)
}

// Refuser is implemented by requests that word their own refusal: the
// prover uses it when the solver, not the native check, refuses a witness.
type Refuser interface {
	Refusal() *Unsatisfied
}

// Match says how closely a section must answer a request.
type Match int

const (
	// AtLeast accepts a section that proves at least as much (a longer
	// window, a stricter severity).
	AtLeast Match = iota
	// Exactly accepts only the parameters asked for (a challenge).
	Exactly
)

// Inputs are a business's private inputs to a proof.
type Inputs struct {
	Credentials []*credential.Credential
	Holder      credential.HolderSecret
}

// Trust is what the verifier trusts and the prover proves against: issuer
// keys for statements that name their issuer, the accredited-issuer sets
// for those that hide it.
type Trust struct {
	Issuers  []credential.IssuerKey
	Registry *registry.Registry
}

// Trusts reports whether k is one of t.Issuers.
func (t Trust) Trusts(k credential.IssuerKey) bool {
	for _, i := range t.Issuers {
		if i.Equal(k) {
			return true
		}
	}
	return false
}

// Unsatisfied says that a business's inputs do not satisfy a request. Its
// message is a plain sentence with no private value. Where and Reason name
// the first unmet rule for the holder's own eyes; Input is the index of
// the credential it concerns (-1: none).
type Unsatisfied struct {
	Message string // "the credential does not satisfy no-default over 24 months"
	Where   string // the rule or credential that failed, "" if the whole
	Reason  string // why, "" when the solver (not the native check) refused
	Input   int
	// Code names the unmet rule for machines: one of the Code constants,
	// CodeUnsatisfied when no other fits.
	Code string
}

// Codes of an Unsatisfied. The first five say the inputs cannot answer
// the request whatever the credential's contents; CodeUnsatisfied says
// the statement itself does not hold (or a rule the others do not name).
const (
	CodeHolderMismatch    = "holder_mismatch"           // the holder secret is not the credential's subject's
	CodeCredentialExpired = "credential_expired"        // expired at the as-of month
	CodeWindowOutside     = "window_outside_credential" // a window leaves the credential's months
	CodeUntrustedIssuer   = "untrusted_issuer"          // the issuer is not one the request trusts
	CodeCredentialLayout  = "credential_layout"         // signed in a layout the statement does not read
	CodeUnsatisfied       = "unsatisfied"
)

func (e *Unsatisfied) Error() string { return e.Message }

// Unwrap makes errors.Is(err, ErrUnsatisfied) hold.
func (e *Unsatisfied) Unwrap() error { return ErrUnsatisfied }

// Detail names what failed and why, for the holder. name names the
// request's credentials (a file name, say); it may be nil.
func (e *Unsatisfied) Detail(name func(i int) string) string {
	where := e.Where
	if e.Input >= 0 && name != nil && where != "" {
		where += " (" + name(e.Input) + ")"
	}
	switch {
	case where != "" && e.Reason != "":
		return where + ": " + e.Reason
	case where != "":
		return where
	}
	return e.Reason
}

// Sentinels the generic layers branch on. verifier re-exports the checks.
var (
	ErrUnknown      = errors.New("verifier: unknown statement")
	ErrUnsatisfied  = errors.New("statement: the credentials do not satisfy the statement")
	ErrNeedsRequest = errors.New("statement: the attestation is re-checked against the request it answers")
	// ErrNoRegistry: the request names issuer sets and no issuer registry
	// is configured (Request.Check).
	ErrNoRegistry      = errors.New("statement: no issuer registry is configured")
	ErrMalformed       = errors.New("verifier: malformed attestation")
	ErrWrongIssuer     = errors.New("verifier: wrong issuer")
	ErrWindowTooShort  = errors.New("verifier: window shorter than required")
	ErrWeakerStatement = errors.New("verifier: the statement is weaker than required")
	ErrOtherStatement  = errors.New("verifier: the attestation proves other parameters than required")
	ErrWrongPolicy     = errors.New("verifier: the attestation answers another policy")
	ErrWrongIssuerSet  = errors.New("verifier: not a root of the required issuer set")
	ErrRetiredRoot     = registry.ErrRetiredRoot
)

// ParamError is the error for a request parameter that is refused; it
// names the parameter under "params".
func ParamError(param, format string, args ...any) error {
	return fmt.Errorf("field %q: %s", "params."+param, fmt.Sprintf(format, args...))
}

// Malformed wraps ErrMalformed for a member that does not decode.
func Malformed(member string, err error) error {
	return fmt.Errorf("%w: field %q: %v", ErrMalformed, member, err)
}
