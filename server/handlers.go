package server

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/circuits"
	policycircuit "github.com/tacit-zk/tacit/circuits/policy"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/verifier"
)

// --- operations ---

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(c echo.Context) error {
	if s.cfg.Ping != nil {
		if err := s.cfg.Ping(c.Request().Context()); err != nil {
			return errUnavailable
		}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// --- challenges ---

// Params are a no-default statement's parameters.
type Params struct {
	Window   int    `json:"window"`
	AsOf     string `json:"asOf,omitempty"`
	Severity string `json:"severity,omitempty"`
}

type challengeRequest struct {
	Statement string          `json:"statement,omitempty"`
	Params    *Params         `json:"params,omitempty"`
	Policy    json.RawMessage `json:"policy,omitempty"`
	AsOf      string          `json:"asOf,omitempty"` // with a policy
}

type challengeResponse struct {
	ID        string    `json:"id"`
	Nonce     string    `json:"nonce"`
	Lender    string    `json:"lender"`
	Statement string    `json:"statement"`
	Params    Params    `json:"params"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// challengeID derives a challenge's id from its nonce, so that a
// verification can find the challenge its attestation answers.
func challengeID(nonce string) string {
	sum := sha256.Sum256([]byte("tacit/challenge/v1\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func (s *Server) createChallenge(c echo.Context) error {
	var req challengeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if len(req.Policy) > 0 {
		if req.Statement != "" || req.Params != nil {
			return badRequest("field \"policy\": send either a statement with params, or a policy")
		}
		return s.createPolicyChallenge(c, req.Policy, req.AsOf)
	}
	if req.AsOf != "" {
		return badRequest("field \"asOf\": goes in params for a statement")
	}
	severity, ok := prover.Statements[req.Statement]
	if !ok {
		return badRequest("field \"statement\": unknown statement (want no-default, no-late90, no-late60 or no-late30)")
	}
	if req.Params == nil {
		return badRequest("field \"params\": missing")
	}
	p := *req.Params
	if p.Window < 1 || p.Window > credential.MaxMonths {
		return badRequest("field \"params.window\": must be 1 to %d", credential.MaxMonths)
	}
	if p.Severity != "" {
		return badRequest("field \"params.severity\": set by the statement, not a parameter")
	}
	if p.AsOf == "" {
		p.AsOf = credential.MonthOf(s.now()).String()
	} else if _, err := credential.ParseMonth(p.AsOf); err != nil {
		return badRequest("field \"params.asOf\": must be a month YYYY-MM")
	}
	p.Severity = severity.String()
	params, _ := json.Marshal(p)
	ch, err := s.newChallenge(c, req.Statement, params)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, challengeResponse{ch.ID, ch.Nonce, ch.Lender, ch.Statement, p, ch.ExpiresAt})
}

// newChallenge stores a fresh challenge for the calling lender.
func (s *Server) newChallenge(c echo.Context, statement string, params json.RawMessage) (challenges.Challenge, error) {
	nonce, err := verifier.NewNonce(nil)
	if err != nil {
		return challenges.Challenge{}, err
	}
	ch := challenges.Challenge{
		ID: challengeID(nonce), Lender: principal(c).Name, Nonce: nonce, Statement: statement,
		Params: params, ExpiresAt: s.now().Add(s.cfg.ChallengeTTL).UTC().Truncate(time.Second),
	}
	return ch, s.cfg.Challenges.Create(c.Request().Context(), ch, s.cfg.ChallengeTTL)
}

func challengeParams(ch challenges.Challenge) (Params, error) {
	var p Params
	if err := json.Unmarshal(ch.Params, &p); err != nil {
		return p, err
	}
	return p, nil
}

// --- proof jobs ---

type proofRequest struct {
	ChallengeID  string            `json:"challengeId"`
	Credential   json.RawMessage   `json:"credential"`
	Credentials  []json.RawMessage `json:"credentials"` // for a policy challenge
	HolderSecret string            `json:"holderSecret"`
}

type proofResponse struct {
	ID          string                `json:"id"`
	Status      jobs.Status           `json:"status"`
	Attestation *verifier.Attestation `json:"attestation,omitempty"`
	Reason      string                `json:"reason,omitempty"`
}

// payload is what a proof job carries, sealed, to a worker.
type payload struct {
	Statement    string            `json:"statement"`
	Window       int               `json:"window,omitempty"`
	AsOf         string            `json:"asOf"`
	Lender       string            `json:"lender"`
	Nonce        string            `json:"nonce"`
	Credential   json.RawMessage   `json:"credential,omitempty"`
	Policy       json.RawMessage   `json:"policy,omitempty"`
	Registry     json.RawMessage   `json:"registry,omitempty"`
	Credentials  []json.RawMessage `json:"credentials,omitempty"`
	HolderSecret string            `json:"holderSecret"`
}

const maxIdempotencyKey = 128

func (s *Server) createProof(c echo.Context) error {
	var req proofRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	idem := c.Request().Header.Get("Idempotency-Key")
	if len(idem) > maxIdempotencyKey || strings.ContainsFunc(idem, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
		return badRequest("header Idempotency-Key: 1 to %d printable ASCII characters", maxIdempotencyKey)
	}
	if req.ChallengeID == "" {
		return badRequest("field \"challengeId\": missing")
	}
	switch {
	case len(req.Credential) == 0 && len(req.Credentials) == 0:
		return badRequest("field \"credential\": missing")
	case len(req.Credential) > 0 && len(req.Credentials) > 0:
		return badRequest("field \"credentials\": send \"credential\" for a statement or \"credentials\" for a policy, not both")
	case len(req.Credential) > 0:
		if _, err := credential.ParseCredential(req.Credential); err != nil {
			return badRequest("field \"credential\": %s", strings.TrimPrefix(err.Error(), "credential: "))
		}
	}
	for i, raw := range req.Credentials {
		if _, err := credential.ParseCredential(raw); err != nil {
			return badRequest("field \"credentials[%d]\": %s", i, strings.TrimPrefix(err.Error(), "credential: "))
		}
	}
	if _, err := credential.ParseHolderSecret(req.HolderSecret); err != nil {
		return badRequest("field \"holderSecret\": must be 64 lowercase hex characters of a non-zero field element")
	}
	ch, err := s.cfg.Challenges.Get(c.Request().Context(), req.ChallengeID)
	if err != nil {
		return err
	}
	var work payload
	if ch.Statement == policycircuit.ID {
		if len(req.Credential) > 0 {
			return badRequest("field \"credential\": a policy challenge takes \"credentials\", one per policy credential")
		}
		if work, err = s.policyPayload(ch, req.Credentials, req.HolderSecret); err != nil {
			return err
		}
	} else {
		if len(req.Credentials) > 0 {
			return badRequest("field \"credentials\": this challenge takes one \"credential\"")
		}
		p, err := challengeParams(ch)
		if err != nil {
			return err
		}
		work = payload{Statement: ch.Statement, Window: p.Window, AsOf: p.AsOf, Lender: ch.Lender, Nonce: ch.Nonce, Credential: req.Credential, HolderSecret: req.HolderSecret}
	}
	plain, err := json.Marshal(work)
	if err != nil {
		return err
	}
	id := jobs.NewID()
	sealedPayload := s.cfg.Box.Seal([]byte(id), plain)
	clear(plain)
	job, _, err := s.cfg.Queue.Enqueue(c.Request().Context(), id, principal(c).Name, sealedPayload, idem)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, proofResponse{ID: string(job.ID), Status: job.Status})
}

func (s *Server) getProof(c echo.Context) error {
	id := jobs.ID(c.Param("id"))
	if !id.Valid() {
		return errNotFound
	}
	job, err := s.cfg.Queue.Get(c.Request().Context(), principal(c).Name, id)
	if err != nil {
		return err
	}
	resp := proofResponse{ID: string(job.ID), Status: job.Status, Reason: job.Reason}
	if job.Status == jobs.StatusDone {
		att, err := verifier.ParseAttestation(job.Result)
		if err != nil {
			return err
		}
		resp.Attestation = att
	}
	return c.JSON(http.StatusOK, resp)
}

// --- verification ---

type verificationRequest struct {
	Attestation json.RawMessage `json:"attestation"`
	// Policy is the policy document a policy/v1 attestation answers (auditor
	// re-checks only; a lender's verification uses the challenge's policy).
	Policy json.RawMessage `json:"policy,omitempty"`
}

type verificationResponse struct {
	Valid         bool   `json:"valid"`
	Statement     string `json:"statement"`
	Params        Params `json:"params"`
	Pseudonym     string `json:"pseudonym"`
	Issuer        string `json:"issuer"`
	IssuerTrusted *bool  `json:"issuerTrusted,omitempty"`
}

func (s *Server) readAttestation(c echo.Context) (*verifier.Attestation, json.RawMessage, error) {
	var req verificationRequest
	if err := bind(c, &req); err != nil {
		return nil, nil, err
	}
	if len(req.Attestation) == 0 {
		return nil, nil, badRequest("field \"attestation\": missing")
	}
	att, err := verifier.ParseAttestation(req.Attestation)
	if err != nil {
		return nil, nil, badRequest("field \"attestation\": %s", strings.TrimPrefix(err.Error(), "attestation: "))
	}
	if err := checkPublic(att.Public, att.Statement == policycircuit.ID); err != nil {
		return nil, nil, err
	}
	return att, req.Policy, nil
}

// checkPublic refuses public values that are not in their one canonical
// form, naming the field, before any lookup or check uses them.
func checkPublic(p verifier.Public, isPolicy bool) error {
	fields := []struct {
		name string
		err  error
	}{
		{"asOf", errOf(credential.ParseMonth(p.AsOf))},
		{"lender", verifier.ValidateLender(p.Lender)},
		{"nonce", errOf(verifier.ParseNonce(p.Nonce))},
		{"pseudonym", errOf(credential.ParseFieldHex(p.Pseudonym))},
	}
	if !isPolicy { // a policy attestation names no severity and no issuer
		fields = append(fields, []struct {
			name string
			err  error
		}{
			{"severity", errOf(credential.ParseStatus(p.Severity))},
			{"issuer", errOf(credential.ParseIssuerKey(p.Issuer))},
		}...)
	}
	for _, f := range fields {
		if f.err != nil {
			return badRequest("field \"attestation.public.%s\": not in canonical form", f.name)
		}
	}
	return nil
}

// errOf drops a parse result and keeps its error.
func errOf[T any](_ T, err error) error { return err }

func (s *Server) trustedIssuers(c echo.Context) ([]credential.IssuerKey, error) {
	list, err := s.cfg.Issuers.List(c.Request().Context())
	if err != nil {
		return nil, err
	}
	return issuers.Keys(list)
}

// verifyForLender verifies an attestation against the challenge it
// answers and consumes the challenge: one challenge verifies at most once.
func (s *Server) verifyForLender(c echo.Context) error {
	att, _, err := s.readAttestation(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	id := challengeID(att.Public.Nonce)
	ch, err := s.cfg.Challenges.Get(ctx, id)
	if err != nil {
		return err
	}
	me := principal(c).Name
	if ch.Lender != me {
		return challenges.ErrWrongLender
	}
	if (ch.Statement == policycircuit.ID) != (att.Statement == policycircuit.ID) {
		return unprocessable("statement_mismatch", "the attestation proves another statement than the challenge asked for")
	}
	if ch.Statement == policycircuit.ID {
		return s.verifyPolicyForLender(c, att, ch)
	}
	p, err := challengeParams(ch)
	if err != nil {
		return err
	}
	trusted, err := s.trustedIssuers(c)
	if err != nil {
		return err
	}
	if len(trusted) == 0 {
		return unprocessable("untrusted_issuer", "no trusted issuers are configured")
	}
	asOf, _ := credential.ParseMonth(p.AsOf)
	severity := prover.Statements[ch.Statement]
	res, err := s.verifier.Verify(att, verifier.Expect{
		Issuers: trusted, Lender: me, Nonce: ch.Nonce, AsOf: &asOf, MinWindow: p.Window, MaxSeverity: severity,
	})
	if err != nil {
		s.metrics.verifications.WithLabelValues("invalid").Inc()
		return err
	}
	// The statement and parameters must be exactly the challenge's.
	if res.Window != p.Window || res.Severity != severity {
		return unprocessable("statement_mismatch", "the attestation proves another statement than the challenge asked for")
	}
	if _, err := s.cfg.Challenges.Consume(ctx, id, me); err != nil {
		return err
	}
	s.metrics.verifications.WithLabelValues("valid").Inc()
	return c.JSON(http.StatusOK, resultResponse(res, nil))
}

func resultResponse(res *verifier.Result, trusted *bool) verificationResponse {
	return verificationResponse{
		Valid: true, Statement: res.Statement,
		Params:    Params{Window: res.Window, AsOf: res.AsOf.String(), Severity: res.Severity.String()},
		Pseudonym: res.Pseudonym, Issuer: res.Issuer.Hex(), IssuerTrusted: trusted,
	}
}

// verifyArchived re-checks an archived attestation against its own public
// inputs. It consumes nothing and does not look at the clock.
func (s *Server) verifyArchived(c echo.Context) error {
	att, policyDoc, err := s.readAttestation(c)
	if err != nil {
		return err
	}
	if att.Statement == policycircuit.ID {
		return s.verifyArchivedPolicy(c, att, policyDoc)
	}
	asOf, err := credential.ParseMonth(att.Public.AsOf)
	if err != nil {
		return badRequest("field \"attestation.public.asOf\": must be a month YYYY-MM")
	}
	issuer, err := credential.ParseIssuerKey(att.Public.Issuer)
	if err != nil {
		return badRequest("field \"attestation.public.issuer\": not a valid issuer key")
	}
	trustedList, err := s.trustedIssuers(c)
	if err != nil {
		return err
	}
	trusted := false
	for _, k := range trustedList {
		trusted = trusted || k.Equal(issuer)
	}
	res, err := s.verifier.Verify(att, verifier.Expect{
		Issuers: []credential.IssuerKey{issuer}, Lender: att.Public.Lender, Nonce: att.Public.Nonce, AsOf: &asOf,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resultResponse(res, &trusted))
}

// --- circuits ---

type circuitResponse struct {
	ID                     string           `json:"id"`
	Description            string           `json:"description"`
	PublicInputs           []circuits.Input `json:"publicInputs"`
	Constraints            int              `json:"constraints"`
	ConstraintSystemDigest string           `json:"constraintSystemDigest"`
	VerifyingKey           verifyingKeyJSON `json:"verifyingKey"`
	Setup                  keys.SetupInfo   `json:"setup"`
}

type verifyingKeyJSON struct {
	Fingerprint string `json:"fingerprint"`
	Data        string `json:"data"` // base64 of verifying.key
}

func (s *Server) circuit(info circuits.Info) (circuitResponse, bool) {
	k, ok := s.verifier.Key(info.ID)
	if !ok {
		return circuitResponse{}, false
	}
	return circuitResponse{
		ID: info.ID, Description: info.Description, PublicInputs: info.Inputs,
		Constraints: k.Manifest.Constraints, ConstraintSystemDigest: k.Manifest.ConstraintSystemDigest,
		VerifyingKey: verifyingKeyJSON{Fingerprint: k.Fingerprint, Data: base64.StdEncoding.EncodeToString(k.Data)},
		Setup:        k.Manifest.Setup,
	}, true
}

func (s *Server) listCircuits(c echo.Context) error {
	out := []circuitResponse{}
	for _, info := range circuits.All() {
		if r, ok := s.circuit(info); ok {
			out = append(out, r)
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getCircuit(c echo.Context) error {
	id := c.Param("id")
	if c.Request().URL.RawPath != "" {
		// echo routed on the escaped path (no-default%2Fv1), so the
		// parameter is still escaped.
		var err error
		if id, err = url.PathUnescape(id); err != nil {
			return errNotFound
		}
	}
	for _, info := range circuits.All() {
		if info.ID == id || keys.Folder(info.ID) == id {
			if r, ok := s.circuit(info); ok {
				return c.JSON(http.StatusOK, r)
			}
		}
	}
	return errNotFound
}

// --- issuers ---

func (s *Server) listIssuers(c echo.Context) error {
	list, err := s.cfg.Issuers.List(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, list)
}

type issuerRequest struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

func (s *Server) addIssuer(c echo.Context) error {
	var req issuerRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if _, err := credential.ParseIssuerKey(req.Key); err != nil {
		return badRequest("field \"key\": %s", strings.TrimPrefix(err.Error(), "credential: issuer key: "))
	}
	if req.Name == "" || len(req.Name) > 128 {
		return badRequest("field \"name\": must be 1 to 128 characters")
	}
	is := issuers.Issuer{Key: req.Key, Name: req.Name, AddedAt: s.now().UTC().Truncate(time.Second)}
	if err := s.cfg.Issuers.Add(c.Request().Context(), is); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, is)
}

func (s *Server) removeIssuer(c echo.Context) error {
	err := s.cfg.Issuers.Remove(c.Request().Context(), c.Param("key"))
	if errors.Is(err, issuers.ErrNotFound) {
		return errNotFound
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
