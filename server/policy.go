package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/policydoc"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/verifier"
)

// Policies: a challenge may carry a policy document instead of a
// statement. The business then submits one credential per policy
// credential, the worker proves policy/v1, and the lender's verification
// checks the proof against the challenge's policy and the service's current
// issuer-set roots (GET /v1/registries).

// policyParams is what a policy challenge stores and returns as params.
type policyParams struct {
	Policy     json.RawMessage `json:"policy"`
	PolicyHash string          `json:"policyHash"`
	AsOf       string          `json:"asOf"`
}

// errUnreadable: a job payload that does not decode.
var errUnreadable = errors.New("server: unreadable job payload")

var errNoRegistry = badRequest("this service has no issuer registry, so it takes no policies (start it with --registry FILE)")

// parsePolicy validates a policy document against the service's registry.
func (s *Server) parsePolicy(raw json.RawMessage, field string) (*policydoc.Policy, error) {
	if s.cfg.Registry == nil {
		return nil, errNoRegistry
	}
	p, err := policydoc.Parse(raw)
	if err != nil {
		return nil, badRequest("field %q: %s", field, strings.TrimPrefix(err.Error(), "policy: "))
	}
	if err := p.CheckRegistry(s.cfg.Registry); err != nil {
		return nil, badRequest("field %q: %s", field, err.Error())
	}
	return p, nil
}

// createPolicyChallenge is POST /v1/challenges with {"policy": {...}}.
func (s *Server) createPolicyChallenge(c echo.Context, raw json.RawMessage, asOf string) error {
	p, err := s.parsePolicy(raw, "policy")
	if err != nil {
		return err
	}
	if asOf == "" {
		asOf = credential.MonthOf(s.now()).String()
	} else if _, err := credential.ParseMonth(asOf); err != nil {
		return badRequest("field \"asOf\": must be a month YYYY-MM")
	}
	params, err := json.Marshal(policyParams{Policy: p.Canonical(), PolicyHash: p.HashHex(), AsOf: asOf})
	if err != nil {
		return err
	}
	ch, err := s.newChallenge(c, policycircuit.ID, params)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": ch.ID, "nonce": ch.Nonce, "lender": ch.Lender, "statement": ch.Statement,
		"params": json.RawMessage(params), "expiresAt": ch.ExpiresAt,
	})
}

func policyOf(ch challenges.Challenge) (*policydoc.Policy, policyParams, error) {
	var pp policyParams
	if err := json.Unmarshal(ch.Params, &pp); err != nil {
		return nil, pp, err
	}
	p, err := policydoc.Parse(pp.Policy)
	return p, pp, err
}

// policyPayload builds a policy job's payload: the policy and the current
// registry travel with it, so that standalone workers need neither.
func (s *Server) policyPayload(ch challenges.Challenge, creds []json.RawMessage, holder string) (payload, error) {
	if s.cfg.Registry == nil {
		return payload{}, errNoRegistry
	}
	p, pp, err := policyOf(ch)
	if err != nil {
		return payload{}, err
	}
	if len(creds) != len(p.Credentials) {
		return payload{}, badRequest("field \"credentials\": the policy asks for %d credentials, got %d", len(p.Credentials), len(creds))
	}
	reg, err := s.cfg.Registry.MarshalIndent()
	if err != nil {
		return payload{}, err
	}
	return payload{
		Statement: ch.Statement, AsOf: pp.AsOf, Lender: ch.Lender, Nonce: ch.Nonce,
		Policy: pp.Policy, Registry: reg, Credentials: creds, HolderSecret: holder,
	}, nil
}

// provePolicy is the worker's half of a policy job.
func (w *Worker) provePolicy(p payload, holder credential.HolderSecret, asOf credential.Month) (*verifier.Attestation, error) {
	pol, err1 := policydoc.Parse(p.Policy)
	reg, err2 := registry.Parse(p.Registry)
	if err := errors.Join(err1, err2); err != nil {
		return nil, errUnreadable
	}
	creds := make([]*credential.Credential, len(p.Credentials))
	for i, raw := range p.Credentials {
		c, err := credential.ParseCredential(raw)
		if err != nil {
			return nil, errUnreadable
		}
		creds[i] = c
	}
	return w.Prover.ProvePolicy(context.Background(), prover.PolicyRequest{
		Policy: pol, Registry: reg, Credentials: creds, AsOf: asOf, Holder: holder, Lender: p.Lender, Nonce: p.Nonce,
	})
}

// verifyPolicyForLender verifies a policy/v1 attestation against its
// challenge's policy and the current registry, then consumes the challenge.
func (s *Server) verifyPolicyForLender(c echo.Context, att *verifier.Attestation, ch challenges.Challenge) error {
	if s.cfg.Registry == nil {
		return errNoRegistry
	}
	p, pp, err := policyOf(ch)
	if err != nil {
		return err
	}
	asOf, _ := credential.ParseMonth(pp.AsOf)
	res, err := s.verifier.VerifyPolicy(att, verifier.PolicyExpect{
		Policy: p, Registry: s.cfg.Registry, Lender: ch.Lender, Nonce: ch.Nonce, AsOf: &asOf,
	})
	if err != nil {
		s.metrics.verifications.WithLabelValues("invalid").Inc()
		return err
	}
	if _, err := s.cfg.Challenges.Consume(c.Request().Context(), ch.ID, ch.Lender); err != nil {
		return err
	}
	s.metrics.verifications.WithLabelValues("valid").Inc()
	return c.JSON(http.StatusOK, policyResponse(res, nil))
}

type policyVerification struct {
	Valid         bool     `json:"valid"`
	Statement     string   `json:"statement"`
	Params        any      `json:"params"`
	Pseudonym     string   `json:"pseudonym"`
	Issuer        string   `json:"issuer"`
	Rules         []string `json:"rules"`
	Credentials   []string `json:"credentials"`
	IssuerTrusted *bool    `json:"issuerTrusted,omitempty"`
}

func policyResponse(res *verifier.PolicyResult, trusted *bool) policyVerification {
	return policyVerification{
		Valid: true, Statement: res.Statement,
		Params:    map[string]string{"policy": res.Policy, "policyHash": res.Hash, "asOf": res.AsOf.String()},
		Pseudonym: res.Pseudonym,
		// A policy proof hides which issuer signed: only the issuer sets are known.
		Issuer: "hidden: one of the accredited issuers of each credential's set",
		Rules:  res.Rules, Credentials: res.Credentials, IssuerTrusted: trusted,
	}
}

// verifyArchivedPolicy re-checks a policy/v1 attestation; the auditor sends
// the policy document it was made for.
func (s *Server) verifyArchivedPolicy(c echo.Context, att *verifier.Attestation, raw json.RawMessage) error {
	if len(raw) == 0 {
		return badRequest("field \"policy\": a policy/v1 attestation is re-checked against its policy document")
	}
	p, err := s.parsePolicy(raw, "policy")
	if err != nil {
		return err
	}
	asOf, err := credential.ParseMonth(att.Public.AsOf)
	if err != nil {
		return badRequest("field \"attestation.public.asOf\": must be a month YYYY-MM")
	}
	res, err := s.verifier.VerifyPolicy(att, verifier.PolicyExpect{
		Policy: p, Registry: s.cfg.Registry, Lender: att.Public.Lender, Nonce: att.Public.Nonce, AsOf: &asOf,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, policyResponse(res, nil))
}

// listRegistries is GET /v1/registries: the current root of every issuer
// set, and its retired roots.
func (s *Server) listRegistries(c echo.Context) error {
	if s.cfg.Registry == nil {
		return c.JSON(http.StatusOK, []registry.RootInfo{})
	}
	return c.JSON(http.StatusOK, s.cfg.Registry.Roots())
}
