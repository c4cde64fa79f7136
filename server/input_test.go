package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/verifier"
)

// badRequest is one request the API must refuse.
type badRequest struct {
	name         string
	who          string
	method, path string
	body         any
	header       []string
	status       int
	code         string
	names        string // a field or header the message must name
}

// public is a no-default attestation's "public" object, as plain strings
// and numbers so that a test can put any value in it.
type public struct {
	Severity  string `json:"severity"`
	Window    int    `json:"window"`
	AsOf      string `json:"asOf"`
	Issuer    string `json:"issuer"`
	Lender    string `json:"lender"`
	Nonce     string `json:"nonce"`
	Pseudonym string `json:"pseudonym"`
}

// attestationWith is a well-formed attestation (its proof is not checked
// before the public values are) with one public value changed.
func attestationWith(edit func(*public)) map[string]any {
	p := public{
		Severity: "default", Window: 24, AsOf: "2026-11", Issuer: bank.Public().Hex(), Lender: bankA,
		Nonce: strings.Repeat("0a", 32), Pseudonym: strings.Repeat("0b", 32),
	}
	edit(&p)
	return map[string]any{"attestation": map[string]any{
		"version": verifier.AttestationVersion, "statement": "no-default/v1", "verifyingKey": strings.Repeat("0", 64),
		"public": p, "proof": "00",
	}}
}

func badRequests() []badRequest {
	const (
		challenges = "/v1/challenges"
		proofs     = "/v1/proofs"
	)
	modulusOrMore := strings.Repeat("f", 64)
	validChallenge := `{"statement":"no-default","params":{"window":24}}`
	credentialJSON, err := json.Marshal(passing)
	if err != nil {
		panic(err)
	}
	proof := func(edit func(map[string]any)) map[string]any {
		req := proofRequest("AAAAAAAAAAAAAAAAAAAAAA", passing, holder.Hex())
		edit(req)
		return req
	}
	post := func(name, who, path string, body any, status int, code, names string) badRequest {
		return badRequest{name: name, who: who, method: http.MethodPost, path: path, body: body, status: status, code: code, names: names}
	}
	bad := func(name, who, path string, body any, names string) badRequest {
		return post(name, who, path, body, http.StatusBadRequest, "bad_request", names)
	}

	cases := []badRequest{
		// Strict JSON: errors name the field.
		bad("unknown field", bankA, challenges, `{"statement":"no-default","params":{"window":24},"colour":"red"}`, `"colour"`),
		bad("unknown nested field", bankA, challenges, `{"statement":"no-default","params":{"window":24,"colour":1}}`, `"params.colour"`),
		bad("string for a number", bankA, challenges, `{"statement":"no-default","params":{"window":"24"}}`, `"params.window"`),
		bad("float for an integer", bankA, challenges, `{"statement":"no-default","params":{"window":24.0}}`, `"params.window"`),
		bad("number for a string", bankA, challenges, `{"statement":7,"params":{"window":24}}`, `"statement"`),
		bad("duplicate field", bankA, challenges, `{"statement":"no-default","statement":"no-late30","params":{"window":24}}`, `"statement" appears twice`),
		bad("field differing in case", bankA, challenges, `{"Statement":"no-default","params":{"window":24}}`, `"Statement"`),
		bad("trailing data", bankA, challenges, validChallenge+`{}`, "after the JSON value"),
		bad("not JSON", bankA, challenges, `statement=no-default`, "malformed JSON"),
		bad("missing params", bankA, challenges, `{"statement":"no-default"}`, `"params"`),
		bad("window 0", bankA, challenges, `{"statement":"no-default","params":{"window":0}}`, `"params.window"`),
		bad("window 61", bankA, challenges, `{"statement":"no-default","params":{"window":61}}`, `"params.window"`),
		bad("severity as a parameter", bankA, challenges, `{"statement":"no-default","params":{"window":24,"severity":"late30"}}`, `"params.severity"`),
		bad("month 13", bankA, challenges, `{"statement":"no-default","params":{"window":24,"asOf":"2026-13"}}`, `"params.asOf"`),
		bad("unknown statement", bankA, challenges, `{"statement":"no-lies","params":{"window":24}}`, `"statement"`),

		// Canonical public values.
		bad("uppercase holder secret", acme, proofs, proof(func(r map[string]any) { r["holderSecret"] = strings.ToUpper(holder.Hex()) }), `"holderSecret"`),
		bad("holder secret above the field", acme, proofs, proof(func(r map[string]any) { r["holderSecret"] = modulusOrMore }), `"holderSecret"`),
		bad("zero holder secret", acme, proofs, proof(func(r map[string]any) { r["holderSecret"] = strings.Repeat("0", 64) }), `"holderSecret"`),
		bad("amount as a string", acme, proofs, proof(func(r map[string]any) {
			r["credential"] = json.RawMessage(bytes.Replace(credentialJSON, []byte(`"amount":100000`), []byte(`"amount":"100000"`), 1))
		}), `"months[0].amount"`),
		bad("no credential", acme, proofs, proof(func(r map[string]any) { delete(r, "credential") }), `"credential"`),
		bad("uppercase issuer key", admin, "/v1/issuers", map[string]string{"key": strings.ToUpper(bank.Public().Hex()), "name": "bank"}, `"key"`),
		bad("issuer without a name", admin, "/v1/issuers", map[string]string{"key": bank.Public().Hex(), "name": ""}, `"name"`),
		{name: "Idempotency-Key with a space", who: acme, method: http.MethodPost, path: proofs, body: proof(func(map[string]any) {}),
			header: []string{"Idempotency-Key", "a b"}, status: http.StatusBadRequest, code: "bad_request", names: "Idempotency-Key"},
		post("unknown challenge", acme, proofs, proof(func(map[string]any) {}), http.StatusUnprocessableEntity, "unknown_challenge", ""),

		// Content type, size, authentication and roles.
		{name: "text/plain", who: bankA, method: http.MethodPost, path: challenges, body: validChallenge,
			header: []string{"Content-Type", "text/plain"}, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "no Content-Type", who: bankA, method: http.MethodPost, path: challenges, body: validChallenge,
			header: []string{"Content-Type", ""}, status: http.StatusUnsupportedMediaType, code: "unsupported_media_type"},
		{name: "JSON with a charset", who: bankA, method: http.MethodPost, path: challenges, body: validChallenge,
			header: []string{"Content-Type", "application/json; charset=utf-8"}, status: http.StatusCreated},
		post("body over the limit", bankA, challenges, tooLarge(), http.StatusRequestEntityTooLarge, "body_too_large", ""),
		post("body over the limit, no length", bankA, challenges, io.MultiReader(bytes.NewReader(tooLarge())),
			http.StatusRequestEntityTooLarge, "body_too_large", ""),
		post("no key", "", challenges, validChallenge, http.StatusUnauthorized, "unauthenticated", ""),
		{name: "unknown key", method: http.MethodGet, path: "/v1/circuits", header: []string{"Authorization", "Bearer tacit_AAAA"},
			status: http.StatusUnauthorized, code: "unauthenticated"},
		{name: "not a bearer key", method: http.MethodGet, path: "/v1/circuits", header: []string{"Authorization", "Basic YWRtaW46YWRtaW4="},
			status: http.StatusUnauthorized, code: "unauthenticated"},
		post("business creates a challenge", acme, challenges, validChallenge, http.StatusForbidden, "forbidden", ""),
		post("lender submits a proof", bankA, proofs, proof(func(map[string]any) {}), http.StatusForbidden, "forbidden", ""),
		post("business verifies", acme, "/v1/verifications", attestationWith(func(*public) {}), http.StatusForbidden, "forbidden", ""),
		post("lender re-checks as auditor", bankA, "/v1/attestations/verify", attestationWith(func(*public) {}), http.StatusForbidden, "forbidden", ""),
		{name: "auditor reads a job", who: auditor, method: http.MethodGet, path: "/v1/proofs/AAAAAAAAAAAAAAAAAAAAAA", status: http.StatusForbidden, code: "forbidden"},

		// Routing.
		{name: "malformed job id", who: acme, method: http.MethodGet, path: "/v1/proofs/not-an-id", status: http.StatusNotFound, code: "not_found"},
		{name: "unknown path", method: http.MethodGet, path: "/nowhere", status: http.StatusNotFound, code: "not_found"},
		{name: "wrong method", who: bankA, method: http.MethodPut, path: challenges, status: http.StatusMethodNotAllowed, code: "method_not_allowed"},
	}

	// An attestation's public values must be canonical on both
	// verification endpoints, before any lookup or proof check.
	for _, ep := range []struct{ who, path string }{{bankA, "/v1/verifications"}, {auditor, "/v1/attestations/verify"}} {
		for _, a := range []struct {
			name, field string
			edit        func(*public)
		}{
			{"nonce above the field", "nonce", func(p *public) { p.Nonce = modulusOrMore }},
			{"uppercase nonce", "nonce", func(p *public) { p.Nonce = strings.Repeat("0A", 32) }},
			{"uppercase issuer key", "issuer", func(p *public) { p.Issuer = strings.ToUpper(p.Issuer) }},
			{"pseudonym above the field", "pseudonym", func(p *public) { p.Pseudonym = modulusOrMore }},
			{"uppercase lender", "lender", func(p *public) { p.Lender = "Bank-A" }},
			{"as-of not a month", "asOf", func(p *public) { p.AsOf = "2026-11-01" }},
			{"unknown severity", "severity", func(p *public) { p.Severity = "late120" }},
		} {
			cases = append(cases, bad(ep.path+": "+a.name, ep.who, ep.path, attestationWith(a.edit), `"attestation.public.`+a.field+`"`))
		}
		cases = append(cases, bad(ep.path+": attestation missing", ep.who, ep.path, `{}`, `"attestation"`))
	}
	return cases
}

// tooLarge is a JSON body over the default 256 KiB limit.
func tooLarge() []byte {
	return []byte(`{"statement":"` + strings.Repeat("x", 300<<10) + `","params":{"window":24}}`)
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	for _, tt := range badRequests() {
		t.Run(tt.name, func(t *testing.T) {
			// Refused requests break the contract on purpose; the
			// answers must still keep it.
			send := s.call
			if tt.status >= 400 {
				send = s.invalid().call
			}
			r := send(tt.who, tt.method, tt.path, tt.body, tt.header...)
			r.expect(t, tt.status, tt.code)
			if _, msg := r.failure(); !strings.Contains(msg, tt.names) {
				t.Errorf("message %q does not name %s", msg, tt.names)
			}
			if strings.Contains(strings.ToLower(string(r.body)), holder.Hex()) {
				t.Errorf("the reply echoes the holder secret: %s", r.body)
			}
		})
	}
}

func TestRateLimitPerPrincipal(t *testing.T) {
	t.Parallel()
	s := start(t, setup{rate: 3})
	for range 3 {
		s.call(bankA, http.MethodGet, "/v1/circuits", nil).expect(t, http.StatusOK, "")
	}
	r := s.call(bankA, http.MethodGet, "/v1/circuits", nil)
	r.expect(t, http.StatusTooManyRequests, "rate_limited")
	wantRetryAfter(t, r, 1, 60)
	s.call(bankB, http.MethodGet, "/v1/circuits", nil).expect(t, http.StatusOK, "")
}

func TestQueueFull(t *testing.T) {
	t.Parallel()
	cfg := testJobs()
	cfg.MaxBacklog = 1
	s := start(t, setup{jobs: cfg}) // and no workers
	ch := s.challenge(t, bankA, "no-default", 24)
	s.submit(t, ch.ID, passing)
	r := s.call(acme, http.MethodPost, "/v1/proofs", proofRequest(ch.ID, passing, holder.Hex()))
	r.expect(t, http.StatusServiceUnavailable, "queue_full")
	wantRetryAfter(t, r, 1, 60)
}

func wantRetryAfter(t *testing.T, r reply, lo, hi int) {
	t.Helper()
	n, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || n < lo || n > hi {
		t.Errorf("Retry-After %q, want %d to %d seconds", r.header.Get("Retry-After"), lo, hi)
	}
}

// TestForwardedForIsNotTrusted: the log names the peer, not what the
// client claims in X-Forwarded-For or X-Real-IP.
func TestForwardedForIsNotTrusted(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	s.call(bankA, http.MethodGet, "/v1/circuits", nil,
		"X-Forwarded-For", "6.6.6.6", "X-Real-IP", "6.6.6.6").expect(t, http.StatusOK, "")
	log := s.logs.String()
	// httptest.NewRequest's peer is 192.0.2.1:1234.
	if !strings.Contains(log, "ip=192.0.2.1") || strings.Contains(log, "6.6.6.6") {
		t.Fatalf("log:\n%s\nwant ip=192.0.2.1 and never 6.6.6.6", log)
	}
}
