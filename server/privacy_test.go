package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/jobs"
)

// TestPrivacySentinel runs a failing and a passing job through the
// Redis-backed service (server and standalone worker) and then looks for
// the credentials' private values wherever the service writes: its log,
// every HTTP response body and everything under its Redis prefix. The
// attestation's public values (issuer, lender, nonce, pseudonym) may appear.
func TestPrivacySentinel(t *testing.T) {
	t.Parallel()
	s := start(t, setup{redis: true})
	secrets := privateValues()
	for _, c := range []any{passing, failing} {
		data, _ := json.Marshal(c)
		if name := findSecret(secrets, data); name == "" {
			t.Fatalf("the search does not find the sentinel in the credential it is in")
		}
	}

	failID := s.queue(t, failing)
	passID := s.queue(t, passing)
	if n := len(redistest.Keys(t, s.rdb, s.prefix+"jobs:payload:*")); n != 2 {
		t.Fatalf("%d payloads queued, want 2", n)
	}
	wantNoSecret(t, "Redis, jobs queued", s.redisDump(t), secrets)

	s.run(t, context.Background(), s.standalone(t))
	if p := s.await(t, failID); p.Status != jobs.StatusFailed {
		t.Fatalf("failing job: %+v", p)
	}
	p := s.await(t, passID)
	if p.Status != jobs.StatusDone {
		t.Fatalf("passing job: %+v", p)
	}
	s.verify(auditor, "/v1/attestations/verify", p.Attestation).expect(t, http.StatusOK, "")
	s.verify(bankA, "/v1/verifications", p.Attestation).expect(t, http.StatusOK, "")
	s.call("", http.MethodGet, "/metrics", nil).expect(t, http.StatusOK, "")

	if keys := redistest.Keys(t, s.rdb, s.prefix+"jobs:payload:*"); len(keys) != 0 {
		t.Errorf("payloads left after the jobs ended: %v", keys)
	}
	log := s.logs.String()
	for _, want := range []string{"msg=request", `msg="job ended"`} {
		if !strings.Contains(log, want) {
			t.Fatalf("the log has no %s line; is it captured?\n%s", want, log)
		}
	}
	for name, key := range s.apiKeys {
		if strings.Contains(log, key) {
			t.Errorf("the log holds %s's API key", name)
		}
	}
	wantNoSecret(t, "the server and worker log", []byte(log), secrets)
	wantNoSecret(t, "the HTTP replies", bytes.Join(s.replies, []byte("\n")), secrets)
	wantNoSecret(t, "Redis, jobs ended", s.redisDump(t), secrets)
}

// privateValues names what must stay inside the sealed payload: the
// sentinel amount in decimal, hex and binary, the holder secret, the
// subject commitment it opens, and the credentials' signatures.
func privateValues() map[string][]byte {
	var be [8]byte
	binary.BigEndian.PutUint64(be[:], sentinelAmount)
	return map[string][]byte{
		"amount":                    fmt.Appendf(nil, "%d", sentinelAmount),
		"amount in hex":             fmt.Appendf(nil, "%x", sentinelAmount),
		"amount, 48-bit big endian": be[2:],
		"amount, little endian":     binary.LittleEndian.AppendUint64(nil, sentinelAmount)[:6],
		"holder secret":             []byte(holder.Hex()),
		"subject commitment":        []byte(holder.Subject().Hex()),
		"passing signature":         []byte(hex.EncodeToString(passing.Signature[:])),
		"failing signature":         []byte(hex.EncodeToString(failing.Signature[:])),
	}
}

// findSecret names a private value found in data, ignoring case.
func findSecret(secrets map[string][]byte, data []byte) string {
	lower := bytes.ToLower(data)
	for name, v := range secrets {
		if bytes.Contains(data, v) || bytes.Contains(lower, bytes.ToLower(v)) {
			return name
		}
	}
	return ""
}

func wantNoSecret(t *testing.T, where string, data []byte, secrets map[string][]byte) {
	t.Helper()
	if name := findSecret(secrets, data); name != "" {
		t.Errorf("%s holds the %s", where, name)
	}
}

// redisDump is every key under the service's prefix with its contents:
// strings, hash fields and values, stream entries, sets and lists.
func (s *service) redisDump(t *testing.T) []byte {
	t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	for _, key := range redistest.Keys(t, s.rdb, s.prefix+"*") {
		typ, err := s.rdb.Type(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %s\n", typ, key)
		var v any
		switch typ {
		case "none": // expired since the scan
		case "string":
			v, err = s.rdb.Get(ctx, key).Result()
		case "hash":
			v, err = s.rdb.HGetAll(ctx, key).Result()
		case "stream":
			v, err = s.rdb.XRange(ctx, key, "-", "+").Result()
		case "set":
			v, err = s.rdb.SMembers(ctx, key).Result()
		case "zset":
			v, err = s.rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
		case "list":
			v, err = s.rdb.LRange(ctx, key, 0, -1).Result()
		default:
			t.Fatalf("key %s has type %s, which the dump does not read", key, typ)
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%v\n", v)
	}
	if b.Len() == 0 {
		t.Fatal("nothing under the prefix")
	}
	return b.Bytes()
}
