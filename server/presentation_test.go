package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/statement"
)

// The presentation flow's bodies.
type (
	artefactReply struct {
		URL, SHA256 string
		Size        int64
	}
	requestReply struct {
		ID, Lender, Statement string
		Params                params
		Sentence, AsOf        string
		Credentials           int
		Nonce                 string
		ExpiresAt             time.Time
		ResponseURI           string
		Circuit               struct {
			ID                           string
			Constraints                  int
			ProvingKey, ConstraintSystem artefactReply
			VerifyingKeySHA256           string
		}
	}
	stateReply struct {
		ID, State, Statement        string
		Sentence, AsOf, Nonce       string
		CreatedAt, ExpiresAt        time.Time
		RequestURI, PresentationURL string
		Verdict                     json.RawMessage
		AnsweredAt                  *time.Time
		Attestation                 json.RawMessage
	}
	uriReply struct {
		ID, RequestURI, PresentationURL string
	}
)

// clock is a settable test clock.
type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(now().UnixNano())
	return c
}

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()).UTC() }
func (c *clock) advance(d time.Duration) { c.t.Add(int64(d)) }

// localProver is the business's own prover, on the shared keys.
var localProver = sync.OnceValue(func() *prover.Prover { return prover.New(keyDir) })

// proveFor proves, as the business does on its own machine, what the
// request at GET /v1/requests/{id} asks, with credential c.
func proveFor(t *testing.T, s *service, id string, c *credential.Credential) json.RawMessage {
	t.Helper()
	r := s.call("", http.MethodGet, "/v1/requests/"+id, nil)
	r.expect(t, http.StatusOK, "")
	var req struct {
		Statement, Lender, Nonce string
		Params                   json.RawMessage
	}
	if err := json.Unmarshal(r.body, &req); err != nil {
		t.Fatal(err)
	}
	st, err := circuits.Resolve(req.Statement)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := st.DecodeRequest(st.ID(), req.Params, 0)
	if err != nil {
		t.Fatal(err)
	}
	att, err := localProver().Prove(context.Background(), prover.Task{
		Request: sr, Lender: req.Lender, Nonce: req.Nonce,
		Inputs: statement.Inputs{Credentials: []*credential.Credential{c}, Holder: holder},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(att)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (s *service) answer(id string, att json.RawMessage) reply {
	return s.call("", http.MethodPost, "/v1/requests/"+id+"/response", map[string]any{"attestation": att})
}

func (s *service) state(t *testing.T, lender, id string) stateReply {
	t.Helper()
	r := s.call(lender, http.MethodGet, "/v1/challenges/"+id, nil)
	r.expect(t, http.StatusOK, "")
	return decode[stateReply](t, r)
}

// TestPresentationFlow: a lender's challenge answered by a business with
// no API key, through the real router, on memory, Redis and a cluster.
func TestPresentationFlow(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			s := start(t, setup{redis: backend.redis, cluster: backend.cluster, clock: clk.now, publicURL: "https://tacit.example/base/"})
			testPresentation(t, s, clk)
		})
	}
}

func testPresentation(t *testing.T, s *service, clk *clock) {
	ch := s.challenge(t, bankA, "no-default", 24)
	u := decode[uriReply](t, s.call(bankA, http.MethodPost, "/v1/challenges", map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}}))
	if u.RequestURI != "https://tacit.example/base/v1/requests/"+u.ID || u.PresentationURL != "https://tacit.example/base/present/"+u.ID {
		t.Fatalf("challenge URLs: %+v", u)
	}

	t.Run("the request, without a key", func(t *testing.T) {
		r := s.call("", http.MethodGet, "/v1/requests/"+ch.ID, nil)
		r.expect(t, http.StatusOK, "")
		req := decode[requestReply](t, r)
		if req.ID != ch.ID || req.Lender != bankA || req.Nonce != ch.Nonce || req.Statement != "no-default" || req.Params != ch.Params ||
			req.AsOf != "2026-11" || req.Credentials != 1 || !req.ExpiresAt.Equal(ch.ExpiresAt) ||
			req.ResponseURI != "https://tacit.example/base/v1/requests/"+ch.ID+"/response" ||
			!strings.Contains(req.Sentence, "24 months before 2026-11") {
			t.Fatalf("request: %s", r.body)
		}
		m, err := keys.ReadManifest(keyDir, "no-default/v1")
		if err != nil {
			t.Fatal(err)
		}
		c := req.Circuit
		if c.ID != "no-default/v1" || c.Constraints != m.Constraints || c.VerifyingKeySHA256 != m.Files[keys.VerifyingFile] {
			t.Fatalf("circuit: %+v", c)
		}
		for name, ref := range map[string]artefactReply{keys.ProvingFile: c.ProvingKey, keys.CircuitFile: c.ConstraintSystem} {
			st, err := os.Stat(filepath.Join(keyDir, "no-default-v1", name))
			if err != nil {
				t.Fatal(err)
			}
			if ref.SHA256 != m.Files[name] || ref.Size != st.Size() || !strings.HasPrefix(ref.URL, "https://tacit.example/base/v1/circuits/no-default-v1/") {
				t.Errorf("%s: %+v", name, ref)
			}
		}
	})

	t.Run("bad ids are not found", func(t *testing.T) {
		for _, id := range []string{"x", strings.Repeat("A", 23), "AAAAAAAAAAAAAAAAAAAAA_", "AAAAAAAAAAAAAAAAAAAAAA"} {
			s.call("", http.MethodGet, "/v1/requests/"+id, nil).expect(t, http.StatusNotFound, "not_found")
			s.invalid().call("", http.MethodPost, "/v1/requests/"+id+"/response", `{"attestation":{}}`).expect(t, http.StatusNotFound, "not_found")
			s.call(bankA, http.MethodGet, "/v1/challenges/"+id, nil).expect(t, http.StatusNotFound, "not_found")
		}
	})

	t.Run("another lender's challenge is not found", func(t *testing.T) {
		s.call(bankB, http.MethodGet, "/v1/challenges/"+ch.ID, nil).expect(t, http.StatusNotFound, "not_found")
		s.call(acme, http.MethodGet, "/v1/challenges/"+ch.ID, nil).expect(t, http.StatusForbidden, "forbidden")
		s.call("", http.MethodGet, "/v1/challenges/"+ch.ID, nil).expect(t, http.StatusUnauthorized, "unauthenticated")
	})

	if st := s.state(t, bankA, ch.ID); st.State != "pending" || st.Verdict != nil || st.AnsweredAt != nil || st.Sentence == "" ||
		st.RequestURI != "https://tacit.example/base/v1/requests/"+ch.ID || !st.CreatedAt.Equal(now()) {
		t.Fatalf("pending: %+v", st)
	}
	att := proveFor(t, s, ch.ID, passing)

	t.Run("a body that does not parse changes nothing", func(t *testing.T) {
		s.invalid().call("", http.MethodPost, "/v1/requests/"+ch.ID+"/response", strings.Repeat(" ", 300<<10)).expect(t, http.StatusRequestEntityTooLarge, "body_too_large")
		s.invalid().call("", http.MethodPost, "/v1/requests/"+ch.ID+"/response", `{"attestation":{"version":1}}`).expect(t, http.StatusBadRequest, "bad_request")
		s.invalid().call("", http.MethodPost, "/v1/requests/"+ch.ID+"/response", `{}`).expect(t, http.StatusBadRequest, "bad_request")
		s.invalid().call("", http.MethodPost, "/v1/requests/"+ch.ID+"/response", map[string]any{"attestation": att, "policy": map[string]any{}}).expect(t, http.StatusBadRequest, "bad_request")
		if st := s.state(t, bankA, ch.ID); st.State != "pending" {
			t.Fatalf("after bad bodies: %s", st.State)
		}
	})

	t.Run("one of 10 concurrent answers wins", func(t *testing.T) {
		replies := s.race(10, "", http.MethodPost, "/v1/requests/"+ch.ID+"/response", map[string]any{"attestation": att})
		if got := tally(replies); got["200"] != 1 || got["409 challenge_used"] != 9 {
			t.Fatalf("10 concurrent answers: %v", got)
		}
		for _, r := range replies {
			if r.status == http.StatusOK {
				if v := decode[verificationReply](t, r); !v.Valid || v.Pseudonym != pseudonym(t, bankA) || v.Issuer != bank.Public().Hex() {
					t.Fatalf("verification: %s", r.body)
				}
			}
		}
	})

	t.Run("the lender reads the verdict", func(t *testing.T) {
		st := s.state(t, bankA, ch.ID)
		var v verificationReply
		if err := json.Unmarshal(st.Verdict, &v); err != nil || st.State != "verified" || !v.Valid || v.Params != ch.Params ||
			st.AnsweredAt == nil || !st.AnsweredAt.Equal(now()) {
			t.Fatalf("verified: %+v", st)
		}
		var archived, sent map[string]any
		json.Unmarshal(st.Attestation, &archived)
		json.Unmarshal(att, &sent)
		if archived["proof"] != sent["proof"] || archived["proof"] == nil {
			t.Fatal("the archived attestation is not the one sent")
		}
		s.verify(auditor, "/v1/attestations/verify", st.Attestation).expect(t, http.StatusOK, "")
	})

	t.Run("an answered request is closed", func(t *testing.T) {
		s.call("", http.MethodGet, "/v1/requests/"+ch.ID, nil).expect(t, http.StatusConflict, "challenge_used")
		s.answer(ch.ID, att).expect(t, http.StatusConflict, "challenge_used")
		s.verify(bankA, "/v1/verifications", att).expect(t, http.StatusUnprocessableEntity, "challenge_used")
	})

	t.Run("a refused answer is kept as refused", func(t *testing.T) {
		other := s.challenge(t, bankA, "no-default", 24)
		s.answer(other.ID, att).expect(t, http.StatusUnprocessableEntity, "wrong_nonce") // ch's attestation
		st := s.state(t, bankA, other.ID)
		var refusal struct{ Code, Message string }
		if err := json.Unmarshal(st.Verdict, &refusal); err != nil || st.State != "refused" || refusal.Code != "wrong_nonce" ||
			refusal.Message == "" || st.Attestation != nil || st.AnsweredAt == nil {
			t.Fatalf("refused: %+v", st)
		}
		s.answer(other.ID, att).expect(t, http.StatusConflict, "challenge_used")
		s.call("", http.MethodGet, "/v1/requests/"+other.ID, nil).expect(t, http.StatusConflict, "challenge_used")
	})

	t.Run("a lender's own verification closes the request", func(t *testing.T) {
		c := s.challenge(t, bankA, "no-default", 24)
		a := proveFor(t, s, c.ID, passing)
		s.verify(bankA, "/v1/verifications", a).expect(t, http.StatusOK, "")
		s.call("", http.MethodGet, "/v1/requests/"+c.ID, nil).expect(t, http.StatusConflict, "challenge_used")
		if st := s.state(t, bankA, c.ID); st.State != "verified" || st.Attestation == nil {
			t.Fatalf("verified by the lender: %+v", st)
		}
	})

	t.Run("the lender lists its own, newest first", func(t *testing.T) {
		clk.advance(time.Second)
		newest := s.challenge(t, bankA, "no-default", 12)
		r := s.call(bankA, http.MethodGet, "/v1/challenges", nil)
		r.expect(t, http.StatusOK, "")
		list := decode[[]stateReply](t, r)
		if len(list) != 5 || list[0].ID != newest.ID {
			t.Fatalf("list: %d, first %+v", len(list), list[0])
		}
		if one := decode[[]stateReply](t, s.call(bankA, http.MethodGet, "/v1/challenges?limit=1", nil)); len(one) != 1 || one[0].ID != newest.ID {
			t.Fatalf("limit=1: %+v", one)
		}
		if other := decode[[]stateReply](t, s.call(bankB, http.MethodGet, "/v1/challenges", nil)); len(other) != 0 {
			t.Fatalf("bank-b sees %d of bank-a's challenges", len(other))
		}
		for _, q := range []string{"0", "101", "x", ""} {
			s.invalid().call(bankA, http.MethodGet, "/v1/challenges?limit="+q, nil).expect(t, http.StatusBadRequest, "bad_request")
		}
	})

	t.Run("an expired request", func(t *testing.T) {
		c := s.challenge(t, bankA, "no-default", 24)
		clk.advance(31 * time.Minute)
		s.call("", http.MethodGet, "/v1/requests/"+c.ID, nil).expect(t, http.StatusGone, "challenge_expired")
		s.answer(c.ID, att).expect(t, http.StatusGone, "challenge_expired") // refused before it is read
		if st := s.state(t, bankA, c.ID); st.State != "expired" || st.Verdict != nil {
			t.Fatalf("expired: %+v", st)
		}
	})
}

// TestArtefacts: the proving key and constraint system, content-addressed.
func TestArtefacts(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	m, err := keys.ReadManifest(keyDir, "no-default/v1")
	if err != nil {
		t.Fatal(err)
	}
	for route, name := range map[string]string{"proving-key": keys.ProvingFile, "constraint-system": keys.CircuitFile} {
		for _, id := range []string{"no-default-v1", "no-default%2Fv1"} {
			path := "/v1/circuits/" + id + "/" + route
			r := s.call("", http.MethodGet, path, nil)
			r.expect(t, http.StatusOK, "")
			sum := sha256.Sum256(r.body)
			etag := `"` + m.Files[name] + `"`
			if hex.EncodeToString(sum[:]) != m.Files[name] || r.header.Get("ETag") != etag ||
				r.header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
				r.header.Get("Content-Type") != "application/octet-stream" {
				t.Fatalf("%s: %d bytes, headers %v", path, len(r.body), r.header)
			}
			for _, inm := range []string{etag, "W/" + etag, `"x", ` + etag, "*"} {
				r := s.call("", http.MethodGet, path, nil, "If-None-Match", inm)
				r.expect(t, http.StatusNotModified, "")
				if len(r.body) != 0 || r.header.Get("ETag") != etag {
					t.Fatalf("304 for %q: %d bytes, %v", inm, len(r.body), r.header)
				}
			}
			s.call("", http.MethodGet, path, nil, "If-None-Match", `"`+strings.Repeat("0", 64)+`"`).expect(t, http.StatusOK, "")
		}
		s.call("", http.MethodGet, "/v1/circuits/nope-v1/"+route, nil).expect(t, http.StatusNotFound, "not_found")
	}

	t.Run("gzip for the constraint system only", func(t *testing.T) {
		path := "/v1/circuits/no-default-v1/constraint-system"
		r := s.call("", http.MethodGet, path, nil, "Accept-Encoding", "br, gzip;q=0.8")
		r.expect(t, http.StatusOK, "")
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(plain)
		if r.header.Get("Content-Encoding") != "gzip" || r.header.Get("ETag") != `W/"`+m.Files[keys.CircuitFile]+`"` ||
			r.header.Get("Vary") != "Accept-Encoding" || hex.EncodeToString(sum[:]) != m.Files[keys.CircuitFile] || len(r.body) >= len(plain)/2 {
			t.Fatalf("gzip: %d of %d bytes, headers %v", len(r.body), len(plain), r.header)
		}
		s.call("", http.MethodGet, path, nil, "Accept-Encoding", "gzip", "If-None-Match", r.header.Get("ETag")).expect(t, http.StatusNotModified, "")
		for _, ae := range []string{"gzip;q=0", "identity", ""} {
			if r := s.call("", http.MethodGet, path, nil, "Accept-Encoding", ae); r.header.Get("Content-Encoding") != "" {
				t.Errorf("Accept-Encoding %q: gzip sent", ae)
			}
		}
		if r := s.call("", http.MethodGet, "/v1/circuits/no-default-v1/proving-key", nil, "Accept-Encoding", "gzip"); r.header.Get("Content-Encoding") != "" ||
			r.header.Get("ETag") != `"`+m.Files[keys.ProvingFile]+`"` {
			t.Errorf("proving key with gzip accepted: %v", r.header)
		}
	})
}

// TestArtefactsMustMatchTheManifest: a key directory whose proving key is
// not the one its manifest names does not start.
func TestArtefactsMustMatchTheManifest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(keyDir)); err != nil {
		t.Fatal(err)
	}
	pk := filepath.Join(dir, "no-default-v1", keys.ProvingFile)
	data, err := os.ReadFile(pk)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 1
	if err := os.WriteFile(pk, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s := start(t, setup{}) // its storage and keys, for a second server on dir
	book := auth.NewBook()
	book.Add("tacit_k", auth.Principal{Name: bankA, Role: auth.RoleLender})
	_, err = server.New(server.Config{
		Keys: dir, Auth: book, Queue: s.store.Queue, Challenges: s.store.Challenges, Issuers: s.store.Issuers,
		Limiter: s.store.Limiter, Box: s.box,
	})
	if err == nil || !strings.Contains(err.Error(), "proving.key does not match its manifest's sha256 fingerprint") {
		t.Fatalf("a corrupt proving key: %v", err)
	}
}

// TestPresentationRateLimit: the routes without a key are limited per
// client address, which a client cannot choose with a header.
func TestPresentationRateLimit(t *testing.T) {
	for _, backend := range backends {
		t.Run(backend.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, setup{redis: backend.redis, cluster: backend.cluster, rate: 3})
			ch := s.challenge(t, bankA, "no-default", 24)
			for i := range 3 {
				s.call("", http.MethodGet, "/v1/requests/"+ch.ID, nil, "X-Forwarded-For", "10.0.0."+string(rune('1'+i))).expect(t, http.StatusOK, "")
			}
			for _, path := range []string{"/v1/requests/" + ch.ID, "/v1/circuits/no-default-v1/proving-key"} {
				r := s.call("", http.MethodGet, path, nil, "X-Forwarded-For", "10.9.9.9", "X-Real-IP", "10.9.9.9")
				r.expect(t, http.StatusTooManyRequests, "rate_limited")
				if r.header.Get("Retry-After") == "" {
					t.Fatal("no Retry-After")
				}
			}
			s.invalid().call("", http.MethodPost, "/v1/requests/"+ch.ID+"/response", `{"attestation":{}}`).expect(t, http.StatusTooManyRequests, "rate_limited")
			// The lender's key has its own budget.
			s.call(bankA, http.MethodGet, "/v1/challenges/"+ch.ID, nil).expect(t, http.StatusOK, "")
		})
	}
}

func TestValidatePublicURL(t *testing.T) {
	t.Parallel()
	for u, ok := range map[string]bool{
		"http://127.0.0.1:8080": true, "https://tacit.example": true, "https://tacit.example/base/": true,
		"tacit.example": false, "/v1": false, "ftp://tacit.example": false, "https://": false,
		"https://tacit.example/?a=1": false, "https://tacit.example/#x": false, "https://tacit.example/?": false,
		"https://user:pw@tacit.example": false, "mailto:a@b": false, "http://%zz": false,
	} {
		if err := server.ValidatePublicURL(u); (err == nil) != ok {
			t.Errorf("ValidatePublicURL(%q) = %v", u, err)
		}
	}
}
