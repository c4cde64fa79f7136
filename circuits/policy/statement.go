package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/strictjson"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/statement"
)

// Statement is policy/v1 as the statement kit sees it.
var Statement statement.Statement = NewStatement(Spec{
	ID:      ID,
	Circuit: func() frontend.Circuit { return &Circuit{} },
	Assign:  func(p Public, w Witness) (frontend.Circuit, error) { return Assign(p, w) },
	Public:  func(p Public) frontend.Circuit { return p.Assignment() },
	Layout: func(c *credential.Credential) error {
		return credential.RequireLayout(c, credential.LayoutV1, ID, "policy/v2")
	},
})

// Spec is what distinguishes one version of the policy statement from
// another: its id and names, its circuit, and how the circuit is assigned.
// Every version shares the policy language, the public inputs (Public),
// the native check (Check), the attestation's policy section and the
// request plumbing below.
type Spec struct {
	ID    string
	Names []string
	// Circuit returns a blank circuit to compile.
	Circuit func() frontend.Circuit
	// Assign builds a full witness; it does not check the statement.
	Assign func(Public, Witness) (frontend.Circuit, error)
	// Public builds the public part of a witness.
	Public func(Public) frontend.Circuit
	// Layout, if set, checks that a credential is of the layout the
	// circuit reads (nil: any layout Verify accepts).
	Layout func(*credential.Credential) error
}

// NewStatement returns the policy statement of spec. Every version made
// here answers the others' requests (Request.For). Call it during package
// initialization only.
func NewStatement(spec Spec) statement.Statement {
	k := &kit{spec}
	versions = append(versions, k)
	return k
}

// versions are the policy statements made by NewStatement.
var versions []*kit

type kit struct{ spec Spec }

func (k *kit) ID() string      { return k.spec.ID }
func (k *kit) Names() []string { return k.spec.Names }

func (*kit) Description() string {
	return fmt.Sprintf("a lender's policy: up to %d credentials bound to one holder, each signed by a member of an accredited-issuer set, "+
		"and up to %d rules over the months before T (no month at or above a status, on-time share, sum, average or minimum amount, history length)", Slots, Rules)
}

// Inputs lists the policy statement's public inputs in circuit order.
func (*kit) Inputs() []statement.Input {
	in := []statement.Input{
		{Name: "policy", Check: "the policy hash; recomputed by the verifier from its own policy document"},
		{Name: "asOf", Check: "the month T; the month the verifier asked for, neither stale nor in the future"},
		{Name: "asOfDay", Check: "the first day of T; recomputed by the verifier from asOf"},
		{Name: "lender", Check: "the verifier's own lender identifier"},
		{Name: "nonce", Check: "the verifier's fresh challenge, used once"},
		{Name: "pseudonym", Check: "output: the holder's pseudonym towards this lender"},
	}
	for k := 0; k < Slots; k++ {
		in = append(in,
			statement.Input{Name: fmt.Sprintf("slot[%d].kind", k), Check: "the credential kind the policy asks for in this slot (0: unused)"},
			statement.Input{Name: fmt.Sprintf("slot[%d].root", k), Check: "the issuer set's Merkle root; the current root of the set the policy names (0: unused)"})
	}
	for j := 0; j < Rules; j++ {
		for _, f := range []statement.Input{
			{Name: "kind", Check: "the rule's predicate, from the verifier's policy (0: disabled, and then every field is 0)"},
			{Name: "slot", Check: "the credential slot the rule reads, from the verifier's policy"},
			{Name: "window", Check: "W, the months before T the rule reads (history: the months covered), from the verifier's policy"},
			{Name: "threshold", Check: "the rule's bound (a status, per mille or an amount), from the verifier's policy"},
		} {
			in = append(in, statement.Input{Name: fmt.Sprintf("rule[%d].%s", j, f.Name), Check: f.Check})
		}
	}
	return in
}

func (k *kit) Circuit() frontend.Circuit { return k.spec.Circuit() }

// Layout: the binding in "public", and the policy section beside it.
func (*kit) Layout() statement.Layout {
	return statement.Layout{Public: []string{"asOf", "lender", "nonce", "pseudonym"}, Extra: "policy"}
}

// Section is a policy/v1 attestation's policy section: which policy it
// answers and the issuer-set roots its credentials were proven against.
// The verifier derives the rules from its own copy of the policy.
type Section struct {
	ID    string   `json:"id"`    // the policy's id (the hash binds it)
	Hash  string   `json:"hash"`  // the policy hash, 64 hex
	Roots []string `json:"roots"` // one issuer-set root per policy credential, 64 hex
}

// Members implements statement.Section.
func (s Section) Members() map[string]any { return map[string]any{"policy": s} }

func (*kit) DecodeSection(m statement.Members) (statement.Section, error) {
	var s Section
	if err := m.Decode("policy", &s); err != nil {
		return nil, err
	}
	path := m.Path("policy")
	switch {
	case s.ID == "":
		return nil, fmt.Errorf("field %q: missing", path+".id")
	case s.Hash == "":
		return nil, fmt.Errorf("field %q: missing", path+".hash")
	case len(s.Roots) == 0:
		return nil, fmt.Errorf("field %q: missing", path+".roots")
	case len(s.Roots) > Slots:
		return nil, fmt.Errorf("field %q: at most %d roots", path+".roots", Slots)
	}
	if _, err := credential.ParseFieldHex(s.Hash); err != nil {
		return nil, fmt.Errorf("field %q: %v", path+".hash", err)
	}
	for k, h := range s.Roots {
		if _, err := credential.ParseFieldHex(h); err != nil {
			return nil, fmt.Errorf("field %q: %v", fmt.Sprintf("%s.roots[%d]", path, k), err)
		}
	}
	return s, nil
}

// Params are a policy request's parameters, as a challenge stores and
// shows them.
type Params struct {
	Policy     json.RawMessage `json:"policy"`
	PolicyHash string          `json:"policyHash,omitempty"`
	AsOf       string          `json:"asOf,omitempty"`
}

// Request is a lender's policy, asked for as of Month.
type Request struct {
	Policy *policydoc.Policy
	Month  credential.Month
	kit    *kit
}

func (k *kit) DecodeRequest(name string, params []byte, now credential.Month) (statement.Request, error) {
	if name != k.spec.ID && !slices.Contains(k.spec.Names, name) {
		return nil, fmt.Errorf("%w %q", statement.ErrUnknown, name)
	}
	var p Params
	if err := strictjson.DecodeAt(params, &p, "params"); err != nil {
		return nil, err
	}
	if len(p.Policy) == 0 {
		return nil, statement.ParamError("policy", "missing")
	}
	doc, err := policydoc.Parse(p.Policy)
	if err != nil {
		return nil, statement.ParamError("policy", "%s", strings.TrimPrefix(err.Error(), "policy: "))
	}
	if p.PolicyHash != "" && p.PolicyHash != doc.HashHex() {
		return nil, statement.ParamError("policyHash", "is not the policy's hash")
	}
	r := Request{Policy: doc, Month: now, kit: k}
	if p.AsOf != "" {
		if r.Month, err = credential.ParseMonth(p.AsOf); err != nil {
			return nil, statement.ParamError("asOf", "must be a month YYYY-MM")
		}
	}
	return r, nil
}

// Claim implements statement.Statement: a policy attestation's public
// inputs hold the policy's rules, which only its document gives.
func (k *kit) Claim(statement.Section, credential.Month) (statement.Request, error) {
	return nil, fmt.Errorf("%w: send the policy document a %s attestation answers", statement.ErrNeedsRequest, k.spec.ID)
}

func (r Request) Statement() statement.Statement { return r.kit }
func (r Request) AsOf() credential.Month         { return r.Month }
func (r Request) Credentials() int               { return len(r.Policy.Credentials) }

func (r Request) Sentence() string {
	return fmt.Sprintf("policy %q as of %s", r.Policy.ID, r.Month)
}

// Params implements statement.Request.
func (r Request) Params() ([]byte, error) {
	return json.Marshal(Params{Policy: r.Policy.Canonical(), PolicyHash: r.Policy.HashHex(), AsOf: r.Month.String()})
}

// Check implements statement.Request: the registry holds every issuer
// set the policy names.
func (r Request) Check(t statement.Trust) error {
	if t.Registry == nil {
		return fmt.Errorf("%w, so policies cannot be proven or checked", statement.ErrNoRegistry)
	}
	return r.Policy.CheckRegistry(t.Registry)
}

// public builds the circuit's public inputs for the request.
func (r Request) public(roots []fr.Element, b statement.Values) (Public, error) {
	return PublicOf(r.Policy, roots, b.AsOf, b.Lender, b.Nonce, b.Pseudonym)
}

// Assign implements statement.Request: it matches the credentials to the
// policy's slots, checks the policy natively, then builds the witness.
func (r Request) Assign(b statement.Values, in statement.Inputs, t statement.Trust) (statement.Section, frontend.Circuit, error) {
	if err := r.Check(t); err != nil {
		return nil, nil, err
	}
	if len(in.Credentials) != len(r.Policy.Credentials) {
		return nil, nil, fmt.Errorf("policy: policy %q asks for %d credentials, got %d", r.Policy.ID, len(r.Policy.Credentials), len(in.Credentials))
	}
	if err := r.checkCredentials(in); err != nil {
		return nil, nil, err
	}
	sets := make([]*registry.Set, len(r.Policy.Credentials))
	roots := make([]fr.Element, len(sets))
	for k, c := range r.Policy.Credentials {
		sets[k], _ = t.Registry.Set(c.IssuerSet) // checked by Check
		roots[k] = sets[k].Root()
	}
	pub, err := r.public(roots, b)
	if err != nil {
		return nil, nil, fmt.Errorf("policy: %w", err)
	}
	w, err := r.match(pub, in, sets)
	if err != nil {
		return nil, nil, err
	}
	assignment, err := r.kit.spec.Assign(pub, w)
	if err != nil {
		return nil, nil, r.unsatisfied(-1, "", "")
	}
	sec := Section{ID: r.Policy.ID, Hash: r.Policy.HashHex()}
	for _, root := range roots {
		sec.Roots = append(sec.Roots, credential.FieldHex(root))
	}
	return sec, assignment, nil
}

// checkCredentials refuses a missing credential and one of a layout the
// circuit does not read.
func (r Request) checkCredentials(in statement.Inputs) error {
	for i, c := range in.Credentials {
		if c == nil {
			return fmt.Errorf("policy: credential %d is missing", i)
		}
		if r.kit.spec.Layout == nil {
			continue
		}
		if err := r.kit.spec.Layout(c); err != nil {
			return &statement.Unsatisfied{Message: err.Error(), Where: fmt.Sprintf("credential %d", i+1), Input: i, Code: statement.CodeCredentialLayout}
		}
	}
	return nil
}

// For implements statement.Versioned: every version of the policy
// statement proves the same policy language over the same public inputs,
// so a lender's policy is answered by an attestation of any of them. A
// policy/v1 attestation keeps its meaning after policy/v2 became the
// default.
func (r Request) For(id string) (statement.Request, bool) {
	for _, k := range versions {
		if k.spec.ID == id {
			r.kit = k
			return r, true
		}
	}
	return nil, false
}

// Refusal implements statement.Refuser.
func (r Request) Refusal() *statement.Unsatisfied { return r.unsatisfied(-1, "", "") }

func (r Request) unsatisfied(input int, where string, reason Reason) *statement.Unsatisfied {
	return &statement.Unsatisfied{
		Message: fmt.Sprintf("the credentials do not satisfy policy %q", r.Policy.ID),
		Where:   where, Reason: string(reason), Input: input, Code: codeOf(reason),
	}
}

// codeOf is a reason's statement.Unsatisfied code.
func codeOf(reason Reason) string {
	switch reason {
	case ReasonHolder:
		return statement.CodeHolderMismatch
	case ReasonExpired:
		return statement.CodeCredentialExpired
	case ReasonCoverage:
		return statement.CodeWindowOutside
	case ReasonIssuerSet:
		return statement.CodeUntrustedIssuer
	}
	return statement.CodeUnsatisfied
}

// Precheck implements statement.Request, credential by credential in the
// order given: the holder secret is the credential's subject's, the
// credential had not expired at the as-of month, its issuer is in the set
// of a slot of its kind (untrusted_issuer otherwise), and some assignment
// of credentials to slots (by kind and issuer set) puts every rule's window
// inside its credential's months. It reads no status or amount; kinds that
// fit no slot, repeated issuers and a failing signature are left to Assign.
func (r Request) Precheck(b statement.Values, in statement.Inputs, t statement.Trust) error {
	if err := r.Check(t); err != nil {
		return err
	}
	n := len(r.Policy.Credentials)
	if len(in.Credentials) != n {
		return fmt.Errorf("policy: policy %q asks for %d credentials, got %d", r.Policy.ID, n, len(in.Credentials))
	}
	if err := r.checkCredentials(in); err != nil {
		return err
	}
	for _, c := range in.Credentials {
		if c.Verify() != nil {
			return nil // left to Assign: a forged credential learns nothing of t
		}
	}
	sets := make([]*registry.Set, n)
	roots := make([]fr.Element, n)
	for k, pc := range r.Policy.Credentials {
		sets[k], _ = t.Registry.Set(pc.IssuerSet) // checked by Check
		roots[k] = sets[k].Root()
	}
	pub, err := r.public(roots, b)
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	where := func(i int) string { return fmt.Sprintf("credential %d", i+1) }
	subject := in.Holder.Subject()
	for i, c := range in.Credentials {
		if !subject.Equal(c.Subject) {
			return r.unsatisfied(i, where(i), ReasonHolder)
		}
	}
	for i, c := range in.Credentials {
		if c.ExpiredAt(b.AsOf.FirstDay()) {
			return r.unsatisfied(i, where(i), ReasonExpired)
		}
	}
	// fits reports whether credential i may fill slot k by kind and issuer.
	fits := func(i, k int) bool {
		c := in.Credentials[i]
		return c.Kind == r.Policy.Credentials[k].Kind && sets[k].Contains(c.Issuer)
	}
	for i, c := range in.Credentials {
		kind, member := false, false
		for k, pc := range r.Policy.Credentials {
			kind = kind || pc.Kind == c.Kind
			member = member || fits(i, k)
		}
		if kind && !member {
			return r.unsatisfied(i, where(i), ReasonIssuerSet)
		}
	}
	var outside *statement.Unsatisfied
	for _, order := range permutations(n) {
		ok := true
		for k, i := range order {
			ok = ok && fits(i, k)
		}
		if !ok {
			continue
		}
		bad := -1
		for _, rule := range pub.Rules {
			if rule.Kind == RuleNone {
				continue
			}
			c := in.Credentials[order[rule.Slot]]
			if start := b.AsOf - credential.Month(rule.Window); start < c.PeriodStart || b.AsOf > c.End() {
				bad = order[rule.Slot]
				break
			}
		}
		if bad < 0 {
			return nil
		}
		if outside == nil {
			outside = r.unsatisfied(bad, where(bad), ReasonCoverage)
		}
	}
	if outside != nil {
		return outside
	}
	return nil
}

// match assigns the request's credentials to the policy's slots: the first
// order (trying the given order first) in which the native check passes.
// Orders that put a credential in a slot of another kind are tried only if
// no order fits the kinds. If no order passes, the refusal names what
// failed in the order that got furthest.
func (r Request) match(pub Public, in statement.Inputs, sets []*registry.Set) (Witness, error) {
	n := len(in.Credentials)
	kindsFit := func(order []int) bool {
		for k, i := range order {
			if in.Credentials[i].Kind != r.Policy.Credentials[k].Kind {
				return false
			}
		}
		return true
	}
	var orders [][]int
	for _, order := range permutations(n) {
		if kindsFit(order) {
			orders = append(orders, order)
		}
	}
	if len(orders) == 0 {
		orders = permutations(n)
	}
	var best *Unsatisfied
	var bestOrder []int
	for _, order := range orders {
		w := Witness{Holder: in.Holder}
		for k, i := range order {
			c := in.Credentials[i]
			w.Credentials[k] = c
			// A credential from outside the set gets no proof; Check then
			// refuses it as outside the issuer set.
			w.Membership[k], _ = sets[k].Prove(c.Issuer)
		}
		err := Check(pub, w)
		if err == nil {
			return w, nil
		}
		var u *Unsatisfied
		if !errors.As(err, &u) {
			return Witness{}, err
		}
		if best == nil || progress(u) > progress(best) {
			best, bestOrder = u, order
		}
	}
	slot, where, input := best.Slot, "", -1
	if best.Rule >= 0 {
		slot = pub.Rules[best.Rule].Slot
	}
	if slot >= 0 {
		input = bestOrder[slot]
		where = "credential " + r.Policy.Credentials[slot].Name
		if best.Rule >= 0 {
			where = fmt.Sprintf("rule %q on %s", r.Policy.Rules[best.Rule].Name, r.Policy.Credentials[slot].Name)
		}
	}
	return Witness{}, r.unsatisfied(input, where, best.Reason)
}

// progress orders refusals by how far Check got: slots in order, then rules.
func progress(u *Unsatisfied) int {
	switch {
	case u.Rule >= 0:
		return Slots + u.Rule
	case u.Slot >= 0:
		return u.Slot
	}
	return -1
}

// permutations lists the orders of n items, the identity first.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, rest := range permutations(n - 1) {
		for pos := len(rest); pos >= 0; pos-- {
			order := append(append(append([]int{}, rest[:pos]...), n-1), rest[pos:]...)
			out = append(out, order)
		}
	}
	return out
}

// Expect implements statement.Request: the attestation answers this
// policy (by hash and id), and each credential's root is the current root
// of the issuer set the policy names for it. A policy fixes every
// parameter, so AtLeast and Exactly agree.
func (r Request) Expect(sec statement.Section, t statement.Trust, _ statement.Match) error {
	s, ok := sec.(Section)
	if !ok {
		return fmt.Errorf("%w: not a %s section", statement.ErrOtherStatement, r.kit.spec.ID)
	}
	if err := r.Check(t); err != nil {
		return err
	}
	p := r.Policy
	if s.Hash != p.HashHex() || s.ID != p.ID {
		return fmt.Errorf("%w: it answers %q (hash %s), not %q (hash %s)", statement.ErrWrongPolicy, s.ID, s.Hash, p.ID, p.HashHex())
	}
	_, err := r.roots(s, t.Registry)
	return err
}

// roots parses the section's roots and, with a registry, checks that each
// is the current root of the issuer set the policy names for its
// credential.
func (r Request) roots(s Section, reg *registry.Registry) ([]fr.Element, error) {
	p := r.Policy
	if len(s.Roots) != len(p.Credentials) {
		return nil, fmt.Errorf("%w: field \"policy.roots\": %d roots for %d credentials", statement.ErrMalformed, len(s.Roots), len(p.Credentials))
	}
	roots := make([]fr.Element, len(s.Roots))
	for k, h := range s.Roots {
		var err error
		if roots[k], err = credential.ParseFieldHex(h); err != nil {
			return nil, fmt.Errorf("%w: field \"policy.roots[%d]\": %v", statement.ErrMalformed, k, err)
		}
		if reg == nil {
			continue
		}
		c := p.Credentials[k]
		err = reg.CheckRoot(c.IssuerSet, c.Kind, roots[k])
		switch {
		case errors.Is(err, statement.ErrRetiredRoot):
			return nil, fmt.Errorf("verifier: credential %s: %w", c.Name, err)
		case err != nil:
			return nil, fmt.Errorf("%w: credential %s: %w", statement.ErrWrongIssuerSet, c.Name, err)
		}
	}
	return roots, nil
}

// Public implements statement.Request.
func (r Request) Public(sec statement.Section, b statement.Values) (frontend.Circuit, error) {
	s, ok := sec.(Section)
	if !ok {
		return nil, fmt.Errorf("%w: not a %s section", statement.ErrOtherStatement, r.kit.spec.ID)
	}
	if s.Hash != r.Policy.HashHex() {
		return nil, fmt.Errorf("%w: it answers another policy", statement.ErrWrongPolicy)
	}
	roots, err := r.roots(s, nil)
	if err != nil {
		return nil, err
	}
	pub, err := r.public(roots, b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", statement.ErrMalformed, err)
	}
	return r.kit.spec.Public(pub), nil
}

// Summary implements statement.Request.
func (r Request) Summary(_ statement.Section, t statement.Trust) statement.Summary {
	p := r.Policy
	sum := statement.Summary{
		Sentence: fmt.Sprintf("policy %q holds as of %s (hash %s)", p.ID, r.Month, p.HashHex()),
		Params:   map[string]string{"policy": p.ID, "policyHash": p.HashHex(), "asOf": r.Month.String()},
		// A policy proof hides which issuer signed: only the issuer sets are known.
		Issuer:  "hidden: one of the accredited issuers of each credential's set",
		Details: map[string][]string{},
	}
	for _, rule := range p.Rules {
		sum.Details["rules"] = append(sum.Details["rules"], rule.Name+": "+rule.Sentence())
	}
	for _, c := range p.Credentials {
		sum.Details["credentials"] = append(sum.Details["credentials"], c.Sentence(t.Registry))
	}
	return sum
}
