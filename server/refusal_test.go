package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/server/internal/redistest"
)

// TestProofRefusedAtSubmission: a proof job the business can fix is
// refused with a specific code before anything is queued; one whose
// credential simply fails the statement is accepted, whatever else is
// wrong with it, so that acceptance says nothing about the statement.
func TestProofRefusedAtSubmission(t *testing.T) {
	for _, redis := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "redis"}[redis], func(t *testing.T) {
			t.Parallel()
			testProofRefusedAtSubmission(t, start(t, setup{redis: redis}))
		})
	}
}

func testProofRefusedAtSubmission(t *testing.T, s *service) {
	stranger := fixture.Holder("server-stranger")
	untrusted := fixture.Issuer("server-untrusted-bank")
	history := fixture.History("2023-11", 36, nil)
	defaulted := fixture.History("2023-11", 36, map[int]credential.Status{20: credential.StatusDefault})
	forged := *fixture.Credential(untrusted, holder, history, "2027-06-01")
	forged.Signature[0] ^= 1

	for _, tt := range []struct {
		name   string
		window int
		cred   *credential.Credential
		secret string
		status int
		code   string
	}{
		{"another holder's secret", 24, passing, stranger.Hex(), http.StatusUnprocessableEntity, "holder_mismatch"},
		// The code does not depend on the statuses: a default changes nothing.
		{"another holder's secret, a default", 24, failing, stranger.Hex(), http.StatusUnprocessableEntity, "holder_mismatch"},
		{"expired before the as-of month", 24, fixture.Credential(bank, holder, history, "2026-10-31"), holder.Hex(), http.StatusUnprocessableEntity, "credential_expired"},
		{"expired on the as-of month's first day", 24, fixture.Credential(bank, holder, history, "2026-11-01"), holder.Hex(), http.StatusUnprocessableEntity, "credential_expired"},
		{"a window longer than the credential", 48, passing, holder.Hex(), http.StatusUnprocessableEntity, "window_outside_credential"},
		{"a window longer than the credential, a default", 48, failing, holder.Hex(), http.StatusUnprocessableEntity, "window_outside_credential"},
		{"an issuer the service does not trust", 24, fixture.Credential(untrusted, holder, history, "2027-06-01"), holder.Hex(), http.StatusUnprocessableEntity, "untrusted_issuer"},
		{"an untrusted issuer, a default", 24, fixture.Credential(untrusted, holder, defaulted, "2027-06-01"), holder.Hex(), http.StatusUnprocessableEntity, "untrusted_issuer"},
		// The layout is public in the credential file: v1's credential to
		// no-default/v2, the service's default.
		{"a credential in the v1 layout", 24, fixture.CredentialIn(credential.LayoutV1, bank, holder, history, "2027-06-01"), holder.Hex(), http.StatusUnprocessableEntity, "credential_layout"},
		{"a credential in the v1 layout, a default", 24, fixture.CredentialIn(credential.LayoutV1, bank, holder, defaulted, "2027-06-01"), holder.Hex(), http.StatusUnprocessableEntity, "credential_layout"},
		// Accepted: the job's outcome answers these.
		{"a default in the window", 24, failing, holder.Hex(), http.StatusAccepted, ""},
		{"a credential that expires after the as-of month", 24, fixture.Credential(bank, holder, history, "2026-11-02"), holder.Hex(), http.StatusAccepted, ""},
		{"the whole credential as the window", 36, passing, holder.Hex(), http.StatusAccepted, ""},
		// A forged signature learns nothing of the trusted issuers.
		{"a forged credential from an untrusted issuer", 24, &forged, holder.Hex(), http.StatusAccepted, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ch := s.challenge(t, bankA, "no-default", tt.window)
			r := s.call(acme, http.MethodPost, "/v1/proofs", proofRequest(ch.ID, tt.cred, tt.secret))
			r.expect(t, tt.status, tt.code)
			if tt.code == "" {
				return
			}
			if _, msg := r.failure(); !strings.HasPrefix(msg, `field "credential": `) {
				t.Errorf("message %q does not name the credential", msg)
			}
			for _, private := range []string{tt.secret, tt.cred.Subject.Hex(), strconv.Itoa(sentinelAmount), "2023-11", "2026-10-31"} {
				if strings.Contains(string(r.body), private) {
					t.Errorf("the refusal holds %q: %s", private, r.body)
				}
			}
			if strings.Contains(s.logs.String(), tt.code) || strings.Contains(s.logs.String(), tt.secret) {
				t.Errorf("the refusal was logged: %s", s.logs.String())
			}
		})
	}
	// Refused jobs queue nothing: four accepted jobs hold the only payloads.
	if s.rdb != nil {
		if keys := redistest.Keys(t, s.rdb, s.prefix+"jobs:payload:*"); len(keys) != 4 {
			t.Errorf("%d payloads stored, want the 4 accepted jobs'", len(keys))
		}
	}
}

// TestIdempotencyKeyConflict: a reused Idempotency-Key returns the first
// job for the same request and 409 for another; the store keeps a keyed
// digest of the request, never the request.
func TestIdempotencyKeyConflict(t *testing.T) {
	for _, redis := range []bool{false, true} {
		t.Run(map[bool]string{false: "memory", true: "redis"}[redis], func(t *testing.T) {
			t.Parallel()
			s := start(t, setup{redis: redis})
			ch := s.challenge(t, bankA, "no-default", 24)
			other := s.challenge(t, bankA, "no-default", 24)
			post := func(who, key string, body map[string]any) reply {
				return s.call(who, http.MethodPost, "/v1/proofs", body, "Idempotency-Key", key)
			}
			first := post(acme, "k1", proofRequest(ch.ID, passing, holder.Hex()))
			first.expect(t, http.StatusAccepted, "")
			id := decode[proofReply](t, first).ID

			again := post(acme, "k1", proofRequest(ch.ID, passing, holder.Hex()))
			again.expect(t, http.StatusAccepted, "")
			if got := decode[proofReply](t, again).ID; got != id {
				t.Fatalf("the same request under the same key made job %s, want %s", got, id)
			}
			for name, body := range map[string]map[string]any{
				"another credential": proofRequest(ch.ID, failing, holder.Hex()),
				"another challenge":  proofRequest(other.ID, passing, holder.Hex()),
			} {
				r := post(acme, "k1", body)
				r.expect(t, http.StatusConflict, "idempotency_conflict")
				if strings.Contains(string(r.body), id) {
					t.Errorf("%s: the conflict names the first job: %s", name, r.body)
				}
			}
			// Another business's key, and another key, are their own.
			post(globex, "k1", proofRequest(other.ID, passing, holder.Hex())).expect(t, http.StatusAccepted, "")
			post(acme, "k2", proofRequest(ch.ID, failing, holder.Hex())).expect(t, http.StatusAccepted, "")

			if s.rdb == nil {
				return
			}
			for _, key := range redistest.Keys(t, s.rdb, s.prefix+"jobs:idem:*") {
				v := s.rdb.Get(t.Context(), key).Val()
				if strings.Contains(v, holder.Hex()) || strings.Contains(v, ch.ID) || len(v) < 64 {
					t.Errorf("idempotency key %s holds %q", key, v)
				}
			}
		})
	}
}
