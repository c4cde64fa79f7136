package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/internal/ids"
	"github.com/tacit-zk/tacit/verifier"
)

// The presentation flow, after OpenID4VP's shape: a lender's challenge is
// a request a business fetches by URI (GET /v1/requests/{id}) and answers
// by posting an attestation to a response URI
// (POST /v1/requests/{id}/response). The business needs no API key: the
// challenge id, 128 random bits, is the capability, and these routes are
// rate-limited per client address. The business proves where its data
// lives, with the proving key and constraint system this file serves;
// the lender reads the verdict (GET /v1/challenges/{id}).

// DefaultPublicURL is the public URL of a server whose Config sets none:
// `tacit serve`'s default address.
const DefaultPublicURL = "http://127.0.0.1:8080"

// ValidatePublicURL reports whether u can prefix the service's absolute URLs:
// an absolute http or https URL with a host and no query, fragment or
// user info.
func ValidatePublicURL(u string) error {
	p, err := url.Parse(u)
	switch {
	case err != nil:
		return fmt.Errorf("server: public URL: %w", err)
	case p.Scheme != "http" && p.Scheme != "https":
		return fmt.Errorf("server: public URL %q: must be an absolute http or https URL", u)
	case p.Host == "" || p.Opaque != "":
		return fmt.Errorf("server: public URL %q: has no host", u)
	case p.User != nil:
		return fmt.Errorf("server: public URL %q: must not hold user info", u)
	case p.RawQuery != "" || p.ForceQuery || p.Fragment != "" || strings.ContainsAny(u, "?#"):
		return fmt.Errorf("server: public URL %q: must have no query or fragment", u)
	}
	return nil
}

// link is the absolute URL of path under the public URL.
func (s *Server) link(path string) string { return s.publicURL + path }

func (s *Server) requestURI(id string) string      { return s.link("/v1/requests/" + id) }
func (s *Server) presentationURL(id string) string { return s.link("/present/" + id) }

// --- key artefacts ---

// artefact is a file of a circuit's key directory that businesses fetch
// to prove themselves: the proving key or the constraint system.
type artefact struct {
	path   string
	sha256 string
	size   int64
	// compressible: worth offering gzip (a constraint system; a proving
	// key is compressed curve points, which gzip does not shrink).
	compressible bool
	gzOnce       sync.Once
	gz           []byte // the file gzip-compressed, made once; nil: not offered
}

// gzipped returns the artefact gzip-compressed, made on first use and
// kept, or nil if it is not offered: not compressible, or gzip saves less
// than a tenth, or the file no longer has its fingerprint.
func (a *artefact) gzipped() []byte {
	if !a.compressible {
		return nil
	}
	a.gzOnce.Do(func() {
		data, err := os.ReadFile(a.path)
		if err != nil || keys.Fingerprint(data) != a.sha256 {
			return
		}
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		w.Write(data)
		w.Close()
		if buf.Len() < len(data)*9/10 {
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// artefactRef is how a request names an artefact.
type artefactRef struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// The artefacts, by the last segment of their route.
const (
	provingKeyRoute       = "proving-key"
	constraintSystemRoute = "constraint-system"
)

// loadArtefacts finds each circuit's proving key and constraint system as
// its manifest lists them and checks their sha256 once, so that what is
// served under a fingerprint has it. A circuit without them (a
// verify-only key directory) serves none.
func loadArtefacts(dir string, v *verifier.Verifier) (map[string]map[string]*artefact, error) {
	out := map[string]map[string]*artefact{}
	for _, info := range circuits.All() {
		k, ok := v.Key(info.ID)
		if !ok {
			continue
		}
		files := map[string]*artefact{}
		for route, name := range map[string]string{provingKeyRoute: keys.ProvingFile, constraintSystemRoute: keys.CircuitFile} {
			a := &artefact{path: filepath.Join(dir, keys.Folder(info.ID), name), sha256: k.Manifest.Files[name], compressible: route == constraintSystemRoute}
			f, err := os.Open(a.path)
			if errors.Is(err, os.ErrNotExist) || a.sha256 == "" {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("server: %w", err)
			}
			sum, n, err := fingerprintFile(f)
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("server: %s: %w", a.path, err)
			}
			if sum != a.sha256 {
				return nil, fmt.Errorf("server: %s does not match its manifest's sha256 fingerprint", a.path)
			}
			a.size = n
			files[route] = a
		}
		out[info.ID] = files
	}
	return out, nil
}

// artefactRefs names circuit id's artefacts for a request.
func (s *Server) artefactRefs(id string) (pk, ccs artefactRef) {
	ref := func(route string) artefactRef {
		a, ok := s.artefacts[id][route]
		if !ok {
			a = &artefact{}
		}
		return artefactRef{URL: s.link("/v1/circuits/" + keys.Folder(id) + "/" + route), SHA256: a.sha256, Size: a.size}
	}
	return ref(provingKeyRoute), ref(constraintSystemRoute)
}

// artefactChunk is how much of an artefact is written under one write
// deadline: a client that stalls for artefactStall is dropped, a slow one
// that keeps reading is not.
const (
	artefactChunk = 256 << 10
	artefactStall = 30 * time.Second
)

// serveArtefact serves one artefact, content-addressed: its sha256 is its
// ETag, it never changes under its URL, and it is streamed from the file.
// A constraint system is sent gzip-compressed to a client that accepts it
// (compressed once, on first use, and kept; its ETag is then the weak
// W/"sha256", since the bytes sent differ). A proving key is always sent
// as it is: gzip does not shrink it (BENCHMARKS.md).
func (s *Server) serveArtefact(route string) echo.HandlerFunc {
	return func(c echo.Context) error {
		info, ok := s.circuitParam(c)
		if !ok {
			return errNotFound
		}
		a, ok := s.artefacts[info.ID][route]
		if !ok {
			return errNotFound
		}
		var gz []byte
		if acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
			gz = a.gzipped()
		}
		h := c.Response().Header()
		etag := `"` + a.sha256 + `"`
		if gz != nil {
			etag = "W/" + etag
		}
		h.Set("ETag", etag)
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		if a.compressible {
			h.Set("Vary", "Accept-Encoding")
		}
		if etagMatch(c.Request().Header.Get("If-None-Match"), a.sha256) {
			return c.NoContent(http.StatusNotModified)
		}
		h.Set(echo.HeaderContentType, echo.MIMEOctetStream)
		if gz != nil {
			h.Set("Content-Encoding", "gzip")
			s.stream(c, bytes.NewReader(gz), int64(len(gz)))
			return nil
		}
		f, err := os.Open(a.path)
		if err != nil {
			return err
		}
		defer f.Close()
		s.stream(c, f, a.size)
		return nil
	}
}

// stream answers 200 with size bytes of r, a chunk at a time, each under
// its own write deadline: a client that stalls for artefactStall is
// dropped, a slow one that keeps reading is not.
func (s *Server) stream(c echo.Context, r io.Reader, size int64) {
	c.Response().Header().Set(echo.HeaderContentLength, strconv.FormatInt(size, 10))
	c.Response().WriteHeader(http.StatusOK)
	rc := http.NewResponseController(c.Response().Writer)
	buf := make([]byte, artefactChunk)
	for sent := int64(0); sent < size; {
		n, err := r.Read(buf[:min(int64(len(buf)), size-sent)])
		if n == 0 && err != nil {
			s.log.Warn("artefact read ended early", "request_id", requestIDOf(c), "route", c.Path(), "error", safeError(err))
			return // the client sees a short body and its sha256 check fails
		}
		_ = rc.SetWriteDeadline(time.Now().Add(artefactStall)) // not every writer has deadlines
		if _, err := c.Response().Write(buf[:n]); err != nil {
			return // the client went away
		}
		sent += int64(n)
	}
}

// etagMatch reports whether an If-None-Match header names the entity
// tag "sum" (weak comparison, as RFC 9110 asks for If-None-Match), or is *.
func etagMatch(header, sum string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == `"`+sum+`"` {
			return true
		}
	}
	return false
}

// --- the request ---

// requestCircuit is the circuit a request is proven with.
type requestCircuit struct {
	ID               string      `json:"id"`
	Constraints      int         `json:"constraints"`
	ProvingKey       artefactRef `json:"provingKey"`
	ConstraintSystem artefactRef `json:"constraintSystem"`
	// VerifyingKeySHA256 is the verifying key's fingerprint, which an
	// attestation names (the service checks it).
	VerifyingKeySHA256 string `json:"verifyingKeySha256"`
}

// requestResponse is GET /v1/requests/{id}: what a business needs to know,
// decide and prove.
type requestResponse struct {
	ID          string          `json:"id"`
	Lender      string          `json:"lender"`
	Statement   string          `json:"statement"`
	Params      json.RawMessage `json:"params"`
	Sentence    string          `json:"sentence"`
	AsOf        string          `json:"asOf"`
	Credentials int             `json:"credentials"`
	Nonce       string          `json:"nonce"`
	ExpiresAt   time.Time       `json:"expiresAt"`
	ResponseURI string          `json:"responseUri"`
	Circuit     requestCircuit  `json:"circuit"`
	// Registry is the issuer registry a policy names its issuer sets in
	// (the file `tacit registry build` writes): a policy proof needs the
	// sets' members. Public; absent for other statements.
	Registry json.RawMessage `json:"registry,omitempty"`
}

// openRequest returns the challenge id names if a business may still
// answer it: not_found if unknown (or past retention), challenge_used
// (409) if answered, challenge_expired (410) if expired.
func (s *Server) openRequest(c echo.Context) (challenges.Challenge, error) {
	id := c.Param("id")
	if !ids.Valid(id) {
		return challenges.Challenge{}, errNotFound
	}
	rec, err := s.cfg.Challenges.Record(c.Request().Context(), id)
	if errors.Is(err, challenges.ErrNotFound) {
		return challenges.Challenge{}, errNotFound
	}
	if err != nil {
		return challenges.Challenge{}, err
	}
	switch rec.State(s.now()) {
	case challenges.StateVerified, challenges.StateRefused:
		return challenges.Challenge{}, errRequestAnswered
	case challenges.StateExpired:
		return challenges.Challenge{}, errRequestExpired
	}
	return rec.Challenge, nil
}

func (s *Server) getRequest(c echo.Context) error {
	ch, err := s.openRequest(c)
	if err != nil {
		return err
	}
	r, err := requestOf(ch)
	if err != nil {
		return err
	}
	id := r.Statement().ID()
	k, ok := s.verifier.Key(id)
	if !ok {
		return fmt.Errorf("server: no keys for %s", id)
	}
	pk, ccs := s.artefactRefs(id)
	resp := requestResponse{
		ID: ch.ID, Lender: ch.Lender, Statement: ch.Statement, Params: ch.Params, Sentence: r.Sentence(),
		AsOf: r.AsOf().String(), Credentials: r.Credentials(), Nonce: ch.Nonce, ExpiresAt: ch.ExpiresAt,
		ResponseURI: s.requestURI(ch.ID) + "/response",
		Circuit: requestCircuit{
			ID: id, Constraints: k.Manifest.Constraints, ProvingKey: pk, ConstraintSystem: ccs,
			VerifyingKeySHA256: k.Manifest.Files[keys.VerifyingFile],
		},
	}
	if takesPolicy(r.Statement()) && s.cfg.Registry != nil {
		if resp.Registry, err = s.cfg.Registry.MarshalIndent(); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, resp)
}

// answerRequest is POST /v1/requests/{id}/response: the business's
// attestation, verified exactly as POST /v1/verifications verifies it for
// the lender. The first answer that parses consumes the challenge and its
// verdict, verified or refused, is kept for the lender; a body that does
// not parse as an attestation changes nothing.
func (s *Server) answerRequest(c echo.Context) (err error) {
	defer func() { s.metrics.verified("presentation", err) }()
	ch, err := s.openRequest(c)
	if err != nil {
		return err
	}
	att, doc, err := s.readAttestation(c)
	if err != nil {
		return err
	}
	if doc != nil {
		return badRequest("field \"policy\": a response carries only the attestation; the challenge names its policy")
	}
	res, verr := s.checkAnswer(c, ch, att)
	var body verificationResponse
	var verdict challenges.Verdict
	if verr != nil {
		refusal := toAPIError(verr)
		if refusal.Status != http.StatusUnprocessableEntity {
			return verr // the service's fault (storage, internal): nothing consumed
		}
		verdict = challenges.Verdict{Code: refusal.Code, Message: refusal.Message, At: s.now().UTC().Truncate(time.Second)}
	} else {
		body = resultResponse(res, nil)
		if verdict, err = verifiedVerdict(body, att, s.now()); err != nil {
			return err
		}
	}
	if err := s.consume(c, ch.ID, ch.Lender, &verdict); err != nil {
		if errors.Is(err, challenges.ErrConsumed) {
			return errRequestAnswered // another answer won the race
		}
		return err
	}
	if verr != nil {
		return verr
	}
	return c.JSON(http.StatusOK, body)
}

// verifiedVerdict is the verdict on an answer that verified: the
// verification response and the attestation, archived.
func verifiedVerdict(body verificationResponse, att *verifier.Attestation, now time.Time) (challenges.Verdict, error) {
	v := challenges.Verdict{Verified: true, At: now.UTC().Truncate(time.Second)}
	var err error
	if v.Result, err = json.Marshal(body); err != nil {
		return v, err
	}
	v.Attestation, err = att.MarshalIndent()
	return v, err
}

// consume consumes challenge id for lender, and keeps v, the verdict on
// the answer, in the same step. A consume Redis did not confirm durable
// counts as done (see the README's Redis section); the window in which a
// crash could bring the challenge back is logged.
func (s *Server) consume(c echo.Context, id, lender string, v *challenges.Verdict) error {
	_, err := s.cfg.Challenges.Consume(c.Request().Context(), id, lender, v)
	if errors.Is(err, challenges.ErrNotDurable) {
		s.log.Warn("challenge consumed but not confirmed durable", "request_id", requestIDOf(c), "error", err.Error())
		return nil
	}
	return err
}

// --- the lender's view ---

// challengeState is GET /v1/challenges/{id}.
type challengeState struct {
	ID              string           `json:"id"`
	State           challenges.State `json:"state"`
	Statement       string           `json:"statement"`
	Params          json.RawMessage  `json:"params"`
	Sentence        string           `json:"sentence"`
	AsOf            string           `json:"asOf"`
	Nonce           string           `json:"nonce"`
	CreatedAt       time.Time        `json:"createdAt"`
	ExpiresAt       time.Time        `json:"expiresAt"`
	RequestURI      string           `json:"requestUri"`
	PresentationURL string           `json:"presentationUrl"`
	Verdict         json.RawMessage  `json:"verdict,omitempty"`
	AnsweredAt      *time.Time       `json:"answeredAt,omitempty"`
	Attestation     json.RawMessage  `json:"attestation,omitempty"`
}

func (s *Server) stateOf(rec challenges.Record) (challengeState, error) {
	ch := rec.Challenge
	r, err := requestOf(ch)
	if err != nil {
		return challengeState{}, err
	}
	out := challengeState{
		ID: ch.ID, State: rec.State(s.now()), Statement: ch.Statement, Params: ch.Params, Sentence: r.Sentence(),
		AsOf: r.AsOf().String(), Nonce: ch.Nonce, CreatedAt: ch.CreatedAt.UTC(), ExpiresAt: ch.ExpiresAt,
		RequestURI: s.requestURI(ch.ID), PresentationURL: s.presentationURL(ch.ID),
	}
	if v := rec.Verdict; v != nil {
		at := v.At.UTC()
		out.AnsweredAt = &at
		if v.Verified {
			out.Verdict, out.Attestation = v.Result, v.Attestation
		} else if out.Verdict, err = json.Marshal(map[string]string{"code": v.Code, "message": v.Message}); err != nil {
			return challengeState{}, err
		}
	}
	return out, nil
}

func (s *Server) getChallenge(c echo.Context) error {
	rec, err := s.ownChallenge(c)
	if err != nil {
		return err
	}
	out, err := s.stateOf(rec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// defaultListed is how many challenges GET /v1/challenges lists without ?limit.
const defaultListed = 50

func (s *Server) listChallenges(c echo.Context) error {
	limit := defaultListed
	if q := c.QueryParam("limit"); q != "" || c.QueryParams().Has("limit") {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > challenges.MaxListed {
			return badRequest("query \"limit\": must be 1 to %d", challenges.MaxListed)
		}
		limit = n
	}
	list, err := s.cfg.Challenges.List(c.Request().Context(), principal(c).Name, limit)
	if err != nil {
		return err
	}
	out := make([]challengeState, 0, len(list))
	for _, rec := range list {
		st, err := s.stateOf(rec)
		if err != nil {
			return err
		}
		out = append(out, st)
	}
	return c.JSON(http.StatusOK, out)
}

// --- rate limits by address ---

// limitAddress rate-limits a route without an API key by client address
// (echo's IPExtractor: the peer's address, never a client-supplied
// header). With failOpen, a route that reads no stored state is served
// without a limit while the limiter's storage is down.
func (s *Server) limitAddress(failOpen bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			// A principal's name has no space, so no API key shares a counter with an address.
			if err := s.allow(c, "address "+c.RealIP(), failOpen); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// fingerprintFile returns the hex sha256 of what f holds and its size.
func fingerprintFile(f io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
