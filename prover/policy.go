package prover

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/verifier"
)

// PolicyRequest is one policy proof to make.
type PolicyRequest struct {
	// Policy is the lender's policy document.
	Policy *policydoc.Policy
	// Registry holds the issuer sets the policy names; the proof uses each
	// set's current root and the issuer's membership proof.
	Registry *registry.Registry
	// Credentials are the holder's credentials, one per policy credential,
	// in any order: they are matched to the policy by kind, issuer set and
	// rules.
	Credentials []*credential.Credential
	AsOf        credential.Month
	Holder      credential.HolderSecret
	Lender      string
	Nonce       string // 64 hex
}

// Validate checks the request's own fields (not the policy's rules).
func (r PolicyRequest) Validate() error {
	if r.Policy == nil {
		return errors.New("prover: missing policy")
	}
	if err := r.Policy.Validate(); err != nil {
		return err
	}
	if r.Registry == nil {
		return errors.New("prover: missing issuer registry")
	}
	if err := r.Policy.CheckRegistry(r.Registry); err != nil {
		return fmt.Errorf("prover: %w", err)
	}
	if len(r.Credentials) != len(r.Policy.Credentials) {
		return fmt.Errorf("prover: policy %q asks for %d credentials, got %d", r.Policy.ID, len(r.Policy.Credentials), len(r.Credentials))
	}
	for i, c := range r.Credentials {
		if c == nil {
			return fmt.Errorf("prover: credential %d is missing", i)
		}
	}
	return validateBinding(r.AsOf, r.Holder, r.Lender, r.Nonce)
}

// PolicyUnsatisfiedError says that the credentials do not satisfy a
// policy. Its message is a plain sentence with no private value;
// Credential, Rule and Reason are for the holder's own eyes.
type PolicyUnsatisfiedError struct {
	Policy     string
	Credential string // the policy credential (slot) that failed, if one did
	Rule       string // the rule that failed, if one did
	// Input is the index in PolicyRequest.Credentials of the credential that
	// failed or that the failed rule read (-1 if none).
	Input  int
	Reason policycircuit.Reason
}

func (e *PolicyUnsatisfiedError) Error() string {
	return fmt.Sprintf("the credentials do not satisfy policy %q", e.Policy)
}

func (e *PolicyUnsatisfiedError) Unwrap() error { return ErrUnsatisfied }

// Detail names the failing rule or credential and the reason, for the
// holder. input names the request's credentials (a file name, say).
func (e *PolicyUnsatisfiedError) Detail(input func(i int) string) string {
	as := ""
	if e.Input >= 0 && input != nil {
		as = fmt.Sprintf(" (%s)", input(e.Input))
	}
	switch {
	case e.Rule != "":
		return fmt.Sprintf("rule %q on %s%s: %s", e.Rule, e.Credential, as, e.Reason)
	case e.Credential != "":
		return fmt.Sprintf("credential %s%s: %s", e.Credential, as, e.Reason)
	}
	return string(e.Reason)
}

// ProvePolicy makes a policy/v1 attestation, or returns an error wrapping
// ErrUnsatisfied.
func (p *Prover) ProvePolicy(ctx context.Context, r PolicyRequest) (*verifier.Attestation, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	lender, _ := verifier.LenderID(r.Lender)
	nonce, _ := verifier.ParseNonce(r.Nonce)
	sets := make([]*registry.Set, len(r.Policy.Credentials))
	roots := make([]fr.Element, len(sets))
	for k, c := range r.Policy.Credentials {
		sets[k], _ = r.Registry.Set(c.IssuerSet) // checked by Validate
		roots[k] = sets[k].Root()
	}
	pub, err := r.Policy.Public(roots, r.AsOf, lender, nonce, r.Holder.Pseudonym(lender))
	if err != nil {
		return nil, fmt.Errorf("prover: %w", err)
	}
	w, err := match(pub, r, sets)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	k, err := p.Load(policycircuit.ID)
	if err != nil {
		return nil, err
	}
	unsatisfied := &PolicyUnsatisfiedError{Policy: r.Policy.ID, Input: -1}
	assignment, err := policycircuit.Assign(pub, w)
	if err != nil {
		return nil, unsatisfied
	}
	proof, err := prove(k, assignment)
	if err != nil {
		return nil, unsatisfied
	}
	att := &verifier.Attestation{
		Version:      verifier.AttestationVersion,
		Statement:    policycircuit.ID,
		VerifyingKey: k.Manifest.Files[keys.VerifyingFile],
		Public: verifier.Public{
			AsOf: r.AsOf.String(), Lender: r.Lender, Nonce: r.Nonce,
			Pseudonym: credential.FieldHex(pub.Pseudonym),
		},
		Policy: &verifier.PolicyPublic{ID: r.Policy.ID, Hash: r.Policy.HashHex()},
		Proof:  hex.EncodeToString(proof),
	}
	for _, root := range roots {
		att.Policy.Roots = append(att.Policy.Roots, credential.FieldHex(root))
	}
	return att, nil
}

// match assigns the request's credentials to the policy's slots: the first
// order (trying the given order first) in which the native check passes.
// Orders that put a credential in a slot of another kind are tried only if
// no order fits the kinds. If no order passes, the refusal names what
// failed in the order that got furthest.
func match(pub policycircuit.Public, r PolicyRequest, sets []*registry.Set) (policycircuit.Witness, error) {
	n := len(r.Credentials)
	kindsFit := func(order []int) bool {
		for k, i := range order {
			if r.Credentials[i].Kind != r.Policy.Credentials[k].Kind {
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
	var best *policycircuit.Unsatisfied
	var bestOrder []int
	for _, order := range orders {
		w := policycircuit.Witness{Holder: r.Holder}
		for k, i := range order {
			c := r.Credentials[i]
			w.Credentials[k] = c
			// A credential from outside the set gets no proof; Check then
			// refuses it as outside the issuer set.
			w.Membership[k], _ = sets[k].Prove(c.Issuer)
		}
		err := policycircuit.Check(pub, w)
		if err == nil {
			return w, nil
		}
		var u *policycircuit.Unsatisfied
		if !errors.As(err, &u) {
			return policycircuit.Witness{}, err
		}
		if best == nil || progress(u) > progress(best) {
			best, bestOrder = u, order
		}
	}
	out := &PolicyUnsatisfiedError{Policy: r.Policy.ID, Input: -1, Reason: best.Reason}
	slot := best.Slot
	if best.Rule >= 0 {
		out.Rule = r.Policy.Rules[best.Rule].Name
		slot = pub.Rules[best.Rule].Slot
	}
	if slot >= 0 {
		out.Credential = r.Policy.Credentials[slot].Name
		out.Input = bestOrder[slot]
	}
	return policycircuit.Witness{}, out
}

// progress orders refusals by how far Check got: slots in order, then rules.
func progress(u *policycircuit.Unsatisfied) int {
	switch {
	case u.Rule >= 0:
		return policycircuit.Slots + u.Rule
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
