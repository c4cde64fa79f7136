package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// --- operations ---

func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz says whether jobs can progress: the storage answers and at least
// one worker (in this process or standalone) has a live heartbeat.
func (s *Server) readyz(c echo.Context) error {
	notReady := func(reason string) error {
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "not ready", "reason": reason})
	}
	// One bound for the whole check: a hung Redis says "not ready" within
	// PingTimeout, not after the client's own timeouts and retries.
	ctx, cancel := context.WithTimeout(c.Request().Context(), PingTimeout)
	defer cancel()
	if s.cfg.Ping != nil {
		if err := s.cfg.Ping(ctx); err != nil {
			return notReady("storage does not answer")
		}
	}
	st, err := s.cfg.Queue.Stats(ctx)
	if err != nil {
		return notReady("storage does not answer")
	}
	if st.Workers == 0 {
		return notReady("no worker is alive")
	}
	return c.JSON(http.StatusOK, map[string]any{"status": "ready", "workers": st.Workers})
}

// --- challenges ---

// challengeRequest asks for a statement with parameters, or for a policy
// (the shorthand {"policy": {...}, "asOf": ...} of statement "policy").
type challengeRequest struct {
	Statement string          `json:"statement,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Policy    json.RawMessage `json:"policy,omitempty"`
	AsOf      string          `json:"asOf,omitempty"` // with a policy
}

type challengeResponse struct {
	ID        string          `json:"id"`
	Nonce     string          `json:"nonce"`
	Lender    string          `json:"lender"`
	Statement string          `json:"statement"`
	Params    json.RawMessage `json:"params"`
	ExpiresAt time.Time       `json:"expiresAt"`
	// RequestURI is where a business fetches the request (GET
	// /v1/requests/{id}); PresentationURL the web page it opens.
	RequestURI      string `json:"requestUri"`
	PresentationURL string `json:"presentationUrl"`
}

// challengeID derives a challenge's id from its nonce, so that a
// verification can find the challenge its attestation answers.
func challengeID(nonce string) string {
	sum := sha256.Sum256([]byte("tacit/challenge/v1\x00" + nonce))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// shorthand is the statement name a {"policy": ...} challenge asks for.
const shorthand = "policy"

func (s *Server) createChallenge(c echo.Context) error {
	var req challengeRequest
	if err := bind(c, &req); err != nil {
		return err
	}
	if string(req.Params) == "null" {
		req.Params = nil
	}
	name, params, prefix := req.Statement, []byte(req.Params), "params."
	switch {
	case len(req.Policy) > 0:
		if req.Statement != "" || req.Params != nil {
			return badRequest("field \"policy\": send either a statement with params, or a policy")
		}
		name, prefix = shorthand, ""
		var err error
		if params, err = json.Marshal(map[string]any{"policy": req.Policy, "asOf": req.AsOf}); err != nil {
			return err
		}
		if req.AsOf == "" {
			params, _ = json.Marshal(map[string]any{"policy": req.Policy})
		}
	case req.AsOf != "":
		return badRequest("field \"asOf\": goes in params for a statement")
	}
	st, err := circuits.Resolve(name)
	if err != nil {
		return badRequest("field \"statement\": unknown statement (want %s)", statementNames())
	}
	if len(params) == 0 {
		return badRequest("field \"params\": missing")
	}
	r, err := st.DecodeRequest(name, params, credential.MonthOf(s.now()))
	if err != nil {
		return badRequest("%s", strings.Replace(err.Error(), `"params.`, `"`+prefix, 1))
	}
	if err := r.Check(s.trustFor(c)); err != nil {
		field := "params"
		if prefix == "" {
			field = shorthand
		}
		return checkFailed(field, err)
	}
	canonical, err := r.Params()
	if err != nil {
		return err
	}
	stored := name
	if prefix == "" {
		stored = st.ID()
	}
	ch, err := s.newChallenge(c, stored, canonical)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, challengeResponse{ch.ID, ch.Nonce, ch.Lender, ch.Statement, canonical, ch.ExpiresAt, s.requestURI(ch.ID), s.presentationURL(ch.ID)})
}

// checkFailed is the answer to a request this service cannot take
// (Request.Check): a missing registry is the service's own setting
// (errors.go says so), anything else a 400 naming field.
func checkFailed(field string, err error) error {
	if errors.Is(err, statement.ErrNoRegistry) {
		return err
	}
	return badRequest("field %q: %s", field, err.Error())
}

// takesPolicy reports whether st is a version of the statement a
// {"policy": ...} challenge asks for: its challenges take a "credentials" list however
// many credentials the policy names (the API's shape for policies).
func takesPolicy(st statement.Statement) bool {
	return st.Layout().Extra == shorthand // every version of the policy statement
}

// statementNames lists the names a lender may ask for.
func statementNames() string {
	var names []string
	for _, info := range circuits.All() {
		names = append(names, info.Statement.Names()...)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// newChallenge stores a fresh challenge for the calling lender.
func (s *Server) newChallenge(c echo.Context, name string, params json.RawMessage) (challenges.Challenge, error) {
	nonce, err := statement.NewNonce(nil)
	if err != nil {
		return challenges.Challenge{}, err
	}
	now := s.now().UTC().Truncate(time.Second)
	ch := challenges.Challenge{
		ID: challengeID(nonce), Lender: principal(c).Name, Nonce: nonce, Statement: name,
		Params: params, ExpiresAt: now.Add(s.cfg.ChallengeTTL), CreatedAt: now,
	}
	return ch, s.cfg.Challenges.Create(c.Request().Context(), ch, s.cfg.ChallengeTTL)
}

// requestOf decodes what a stored challenge asks for.
func requestOf(ch challenges.Challenge) (statement.Request, error) {
	st, err := circuits.Resolve(ch.Statement)
	if err != nil {
		return nil, err
	}
	return st.DecodeRequest(st.ID(), ch.Params, 0)
}

// --- proof jobs ---

type proofRequest struct {
	ChallengeID  string            `json:"challengeId"`
	Credential   json.RawMessage   `json:"credential"`
	Credentials  []json.RawMessage `json:"credentials"` // when the challenge takes several
	HolderSecret string            `json:"holderSecret"`
}

type proofResponse struct {
	ID          string                `json:"id"`
	Status      jobs.Status           `json:"status"`
	Attestation *verifier.Attestation `json:"attestation,omitempty"`
	Reason      string                `json:"reason,omitempty"`
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
	r, err := requestOf(ch)
	if err != nil {
		return err
	}
	// A policy challenge takes "credentials" however many the policy
	// names; any other takes one "credential", or "credentials" if several.
	creds, n, policy := req.Credentials, r.Credentials(), takesPolicy(r.Statement())
	switch {
	case policy && len(req.Credential) > 0:
		return badRequest("field \"credential\": a policy challenge takes \"credentials\", one per policy credential")
	case policy && len(creds) != n:
		return badRequest("field \"credentials\": the policy asks for %d credentials, got %d", n, len(creds))
	case policy:
	case n == 1 && len(req.Credentials) > 0:
		return badRequest("field \"credentials\": this challenge takes one \"credential\"")
	case n == 1:
		creds = []json.RawMessage{req.Credential}
	case len(req.Credential) > 0:
		return badRequest("field \"credential\": this challenge takes \"credentials\", %d of them", n)
	case len(creds) != n:
		return badRequest("field \"credentials\": the challenge asks for %d credentials, got %d", n, len(creds))
	}
	trust, err := s.trust(c)
	if err != nil {
		return err
	}
	if err := r.Check(trust); err != nil {
		if errors.Is(err, statement.ErrNoRegistry) {
			return err
		}
		return badRequest("%s", err.Error())
	}
	holder, _ := credential.ParseHolderSecret(req.HolderSecret) // checked above
	in := statement.Inputs{Holder: holder}
	for _, raw := range creds {
		cr, _ := credential.ParseCredential(raw) // checked above
		in.Credentials = append(in.Credentials, cr)
	}
	if err := s.precheck(ch, r, in, trust, len(req.Credentials) > 0); err != nil {
		return err
	}
	fingerprint, err := s.fingerprint(ch.ID, in)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(worker.Payload{
		Statement: ch.Statement, Params: ch.Params, Lender: ch.Lender, Nonce: ch.Nonce,
		Credentials: creds, HolderSecret: req.HolderSecret,
	})
	if err != nil {
		return err
	}
	id := jobs.NewID()
	sealedPayload := s.cfg.Box.Seal([]byte(id), plain)
	clear(plain)
	job, _, err := s.cfg.Queue.Enqueue(c.Request().Context(), id, principal(c).Name, sealedPayload, jobs.Idempotency{Key: idem, Fingerprint: fingerprint})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, proofResponse{ID: string(job.ID), Status: job.Status})
}

// precheck refuses a proof job the business can fix before it is queued:
// a holder secret that is not the credential's, a credential expired at
// the as-of month, a window outside the credential's months, an issuer
// the service does not trust (statement.Request.Precheck). The refusal
// goes only to the business that sent the job, names the credential by
// its field, and is logged nowhere.
//
// A credential that simply fails the statement (a default in the window)
// is still queued and fails with the job's constant reason. Precheck reads
// only what the business's own inputs and the service's public trust tell
// (secret, dates, issuer), never a status or an amount, so whether a job
// is accepted says nothing about whether the statement holds; the answer
// to that stays where it has always been, in the job's outcome, and a
// lender sees the same thing whatever the business sent: no attestation.
func (s *Server) precheck(ch challenges.Challenge, r statement.Request, in statement.Inputs, trust statement.Trust, several bool) error {
	lender, err := statement.LenderID(ch.Lender)
	if err != nil {
		return err
	}
	nonce, err := statement.ParseNonce(ch.Nonce)
	if err != nil {
		return err
	}
	b := statement.Values{AsOf: r.AsOf(), Lender: lender, Nonce: nonce, Pseudonym: in.Holder.Pseudonym(lender)}
	err = r.Precheck(b, in, trust)
	var u *statement.Unsatisfied
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &u):
		return err
	case !refusable(u.Code):
		return nil // the job's outcome answers it
	case several && u.Input >= 0:
		return &refusedProof{field: fmt.Sprintf("credentials[%d]", u.Input), code: u.Code}
	case several:
		return &refusedProof{field: "credentials", code: u.Code}
	}
	return &refusedProof{field: "credential", code: u.Code}
}

// fingerprint is the keyed digest an Idempotency-Key is stored with: of
// the challenge, the credentials (canonical) and the holder secret, under
// the sealing key, so that the store cannot test a guessed secret against
// it.
func (s *Server) fingerprint(challenge string, in statement.Inputs) (string, error) {
	msg, err := json.Marshal(struct {
		Challenge   string                   `json:"challenge"`
		Credentials []*credential.Credential `json:"credentials"`
		Holder      string                   `json:"holder"`
	}{challenge, in.Credentials, in.Holder.Hex()})
	if err != nil {
		return "", err
	}
	defer clear(msg)
	return hex.EncodeToString(s.cfg.Box.Digest("tacit/proof-request/v1", msg)), nil
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
	// re-checks only; a lender's verification uses the challenge's request).
	Policy json.RawMessage `json:"policy,omitempty"`
}

type verificationResponse struct {
	Valid         bool     `json:"valid"`
	Statement     string   `json:"statement"`
	Params        any      `json:"params"`
	Pseudonym     string   `json:"pseudonym"`
	Issuer        string   `json:"issuer"`
	Rules         []string `json:"rules,omitempty"`
	Credentials   []string `json:"credentials,omitempty"`
	IssuerTrusted *bool    `json:"issuerTrusted,omitempty"`
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
	if errors.Is(err, verifier.ErrUnknownStatement) {
		return nil, nil, unprocessable("unknown_statement", strings.TrimPrefix(err.Error(), "attestation: "))
	}
	if err != nil {
		// A member's error names it by its path in the attestation
		// ("public.nonce"); the reply names it by its path in the request.
		msg := strings.TrimPrefix(err.Error(), "attestation: ")
		if rest, ok := strings.CutPrefix(msg, `field "`); ok {
			return nil, nil, badRequest(`field "attestation.%s`, rest)
		}
		return nil, nil, badRequest("field \"attestation\": %s", msg)
	}
	return att, req.Policy, nil
}

// trustFor is what this service trusts: the issuer list (keys parsed once
// and cached) and the issuer registry.
func (s *Server) trustFor(c echo.Context) statement.Trust {
	t, _ := s.trust(c)
	return t
}

func (s *Server) trust(c echo.Context) (statement.Trust, error) {
	t := statement.Trust{Registry: s.cfg.Registry}
	list, err := s.cfg.Issuers.List(c.Request().Context())
	if err != nil {
		return t, err
	}
	t.Issuers, err = s.issuerKeys.Keys(list)
	return t, err
}

// verifyForLender verifies an attestation against the challenge it
// answers and consumes the challenge: one challenge verifies at most once.
func (s *Server) verifyForLender(c echo.Context) (err error) {
	defer func() { s.metrics.verified("lender", err) }()
	att, _, err := s.readAttestation(c)
	if err != nil {
		return err
	}
	id := challengeID(att.Binding.Nonce)
	ch, err := s.cfg.Challenges.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	if ch.Lender != principal(c).Name {
		return challenges.ErrWrongLender
	}
	res, err := s.checkAnswer(c, ch, att)
	if err != nil {
		return err
	}
	body := resultResponse(res, nil)
	v, err := verifiedVerdict(body, att, s.now())
	if err != nil {
		return err
	}
	if err := s.consume(c, id, ch.Lender, &v); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, body)
}

// checkAnswer verifies att as the answer to challenge ch: exactly the
// challenge's request, its lender and nonce, under the service's trust.
// The lender's verification and the business's response share it.
func (s *Server) checkAnswer(c echo.Context, ch challenges.Challenge, att *verifier.Attestation) (*verifier.Result, error) {
	r, err := requestOf(ch)
	if err != nil {
		return nil, err
	}
	if att.Statement != r.Statement().ID() {
		return nil, unprocessable("statement_mismatch", "the attestation proves another statement than the challenge asked for")
	}
	trust, err := s.trust(c)
	if err != nil {
		return nil, err
	}
	asOf := r.AsOf()
	return s.verifier.Verify(att, verifier.Expect{
		Request: r, Trust: trust, Lender: ch.Lender, Nonce: ch.Nonce, AsOf: &asOf, Match: statement.Exactly,
	})
}

func resultResponse(res *verifier.Result, trusted *bool) verificationResponse {
	return verificationResponse{
		Valid: true, Statement: res.Statement, Params: res.Params, Pseudonym: res.Pseudonym, Issuer: res.Issuer,
		Rules: res.Details["rules"], Credentials: res.Details["credentials"], IssuerTrusted: trusted,
	}
}

// verifyArchived re-checks an archived attestation against its own public
// inputs. It consumes nothing and does not look at the clock. An
// attestation whose request cannot be rebuilt from it alone (policy/v1) is
// re-checked against the policy document the auditor sends.
func (s *Server) verifyArchived(c echo.Context) (err error) {
	defer func() { s.metrics.verified("audit", err) }()
	att, doc, err := s.readAttestation(c)
	if err != nil {
		return err
	}
	trust, err := s.trust(c)
	if err != nil {
		return err
	}
	r, err := verifier.Claim(att)
	switch {
	case errors.Is(err, verifier.ErrNeedsRequest):
		if len(doc) == 0 {
			return badRequest("field \"policy\": a %s attestation is re-checked against its policy document", att.Statement)
		}
		st, _ := circuits.Resolve(att.Statement) // known: the attestation parsed
		params, err := json.Marshal(map[string]any{"policy": doc, "asOf": att.Binding.AsOf})
		if err != nil {
			return err
		}
		if r, err = st.DecodeRequest(st.ID(), params, 0); err != nil {
			return badRequest("%s", strings.Replace(err.Error(), `"params.`, `"`, 1))
		}
		if err := r.Check(trust); err != nil {
			return checkFailed("policy", err)
		}
	case err != nil:
		return err
	}
	// A statement whose issuers the trusted-issuer list decides is answered
	// with issuerTrusted. Others are checked against the rest of the trust
	// configuration (a policy's issuer-set roots must be current).
	trusted := issuerTrusted(r, att.Section, trust)
	if trusted == nil {
		if err := r.Expect(att.Section, trust, statement.AtLeast); err != nil {
			return err
		}
	}
	res, err := s.verifier.Audit(att, r, trust)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resultResponse(res, trusted))
}

// issuerTrusted says whether the service's trusted-issuer list accepts the
// issuer an attestation names, or nil if the list does not decide it (a
// policy proof hides its issuers and is checked against issuer sets).
func issuerTrusted(r statement.Request, sec statement.Section, trust statement.Trust) *bool {
	if !errors.Is(r.Expect(sec, statement.Trust{Registry: trust.Registry}, statement.AtLeast), verifier.ErrWrongIssuer) {
		return nil
	}
	trusted := !errors.Is(r.Expect(sec, trust, statement.AtLeast), verifier.ErrWrongIssuer)
	return &trusted
}

// listRegistries is GET /v1/registries: the current root of every issuer
// set, and its retired roots.
func (s *Server) listRegistries(c echo.Context) error {
	if s.cfg.Registry == nil {
		return c.JSON(http.StatusOK, []registry.RootInfo{})
	}
	return c.JSON(http.StatusOK, s.cfg.Registry.Roots())
}

// --- circuits ---

type circuitResponse struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// Names are the short names a lender asks for the statement by.
	Names                  []string         `json:"names"`
	PublicInputs           []circuits.Input `json:"publicInputs"`
	Constraints            int              `json:"constraints"`
	ConstraintSystemDigest string           `json:"constraintSystemDigest"`
	VerifyingKey           verifyingKeyJSON `json:"verifyingKey"`
	Setup                  keys.SetupInfo   `json:"setup"`
	// Breakdown is where the constraints go, largest block first (as
	// `tacit circuits explain` prints it); omitted if not computed.
	Breakdown []blockJSON `json:"breakdown,omitempty"`
	// Files is the manifest's sha256 fingerprint of each key file.
	Files map[string]string `json:"files"`
	// Warning is set when a non-development server runs single-party keys.
	Warning string `json:"warning,omitempty"`
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
		ID: info.ID, Description: info.Description, Names: info.Statement.Names(), PublicInputs: info.Inputs,
		Constraints: k.Manifest.Constraints, ConstraintSystemDigest: k.Manifest.ConstraintSystemDigest,
		VerifyingKey: verifyingKeyJSON{Fingerprint: k.Fingerprint, Data: base64.StdEncoding.EncodeToString(k.Data)},
		Setup:        k.Manifest.Setup,
		Breakdown:    s.breakdown[info.ID],
		Files:        k.Manifest.Files,
		Warning:      s.devKeys[info.ID],
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
	info, ok := s.circuitParam(c)
	if !ok {
		return errNotFound
	}
	if r, ok := s.circuit(info); ok {
		return c.JSON(http.StatusOK, r)
	}
	return errNotFound
}

// circuitParam is the circuit the path's {id} names: its id URL-encoded
// (no-default%2Fv1) or its folder (no-default-v1).
func (s *Server) circuitParam(c echo.Context) (circuits.Info, bool) {
	id := c.Param("id")
	if c.Request().URL.RawPath != "" {
		// echo routed on the escaped path (no-default%2Fv1), so the
		// parameter is still escaped.
		var err error
		if id, err = url.PathUnescape(id); err != nil {
			return circuits.Info{}, false
		}
	}
	for _, info := range circuits.All() {
		if info.ID == id || keys.Folder(info.ID) == id {
			return info, true
		}
	}
	return circuits.Info{}, false
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
	if req.Name == "" || utf8.RuneCountInString(req.Name) > 128 {
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
