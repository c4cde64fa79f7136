package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/internal/strictjson"
)

// Bounds on the work one hostile request may cause. The typical request is
// refused in a few milliseconds. The time bound is not a performance goal:
// it catches work that grows with the body faster than linearly (a
// quadratic decoder takes minutes on a 4 MiB body), and leaves room for a
// 2-core CI machine that other jobs load several times over, under the race
// detector. The heap bound, which the load does not move, is the tight one.
const (
	hostileTime = 5 * time.Second
	hostileHeap = 16 << 20 // bytes allocated while serving one request
)

// hostileValue is a JSON value shaped to make a decoder work hard: deep,
// wide, long, or not quite valid.
type hostileValue struct {
	name string
	json string
}

func hostileValues() []hostileValue {
	wide := func(n int, key func(i int) string) string {
		var b strings.Builder
		b.WriteByte('{')
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(key(i))
			b.WriteString(":0")
		}
		b.WriteByte('}')
		return b.String()
	}
	return []hostileValue{
		{"100 KB of [[[[", strings.Repeat("[", 100<<10)},
		{"deep arrays, closed", strings.Repeat("[", 50<<10) + strings.Repeat("]", 50<<10)},
		{"deep objects", strings.Repeat(`{"a":`, 20<<10) + "0" + strings.Repeat("}", 20<<10)},
		{"deep mixed", strings.Repeat(`[{"a":`, 10<<10) + "0" + strings.Repeat("}]", 10<<10)},
		{"an object with 100k keys", wide(100_000, func(i int) string { return fmt.Sprintf(`"k%d"`, i) })},
		{"an object with 20k keys", wide(20_000, func(i int) string { return fmt.Sprintf(`"%d"`, i) })},
		{"an array of 200k elements", "[" + strings.Repeat("0,", 200_000) + "0]"},
		{"a string over the string limit", `"` + strings.Repeat("x", strictjson.MaxString+1) + `"`},
		{"a key over the string limit", `{"` + strings.Repeat("x", strictjson.MaxString+1) + `":0}`},
		{"a number of 100k digits", "1" + strings.Repeat("7", 100<<10)},
		{"a number of 100k digits in an array", "[0,-" + strings.Repeat("7", 100<<10) + "]"},
		{"invalid UTF-8 in a string", "\"ab\xff\xfecd\""},
		{"invalid UTF-8 in a key", "{\"a\xc0\":0}"},
		{"invalid UTF-8, nested", "{\"a\":[{\"b\":\"\xed\xa0\x80\"}]}"},
		{"duplicate keys", `{"a":0,"a":1}`},
		{"duplicate keys, nested", `{"a":[{"b":0,"b":0}]}`},
	}
}

// hostileRoute is a route that takes a body, with one body per place a
// hostile value can sit: "H" marks the place. The places are the top
// level and every field decoded as raw JSON.
type hostileRoute struct {
	who, path string
	bodies    map[string]string // place -> body, "H" for the value
}

func hostileRoutes() []hostileRoute {
	secret := holder.Hex()
	att, err := json.Marshal(attestationWith(func(*public) {})["attestation"])
	if err != nil {
		panic(err)
	}
	return []hostileRoute{
		{bankA, "/v1/challenges", map[string]string{
			"top level":   `H`,
			"statement":   `{"statement":H,"params":{"window":24}}`,
			"params":      `{"statement":"no-default","params":H}`,
			"policy":      `{"policy":H,"asOf":"2026-11"}`,
			"params.asOf": `{"statement":"no-default","params":{"window":24,"asOf":H}}`,
		}},
		{acme, "/v1/proofs", map[string]string{
			"top level":      `H`,
			"credential":     `{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","credential":H,"holderSecret":"` + secret + `"}`,
			"credentials[1]": `{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","credentials":[{},H],"holderSecret":"` + secret + `"}`,
			"holderSecret":   `{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","credential":{},"holderSecret":H}`,
		}},
		{bankA, "/v1/verifications", map[string]string{
			"top level":   `H`,
			"attestation": `{"attestation":H}`,
		}},
		{auditor, "/v1/attestations/verify", map[string]string{
			"top level":   `H`,
			"attestation": `{"attestation":H}`,
			"policy":      `{"attestation":` + string(att) + `,"policy":H}`,
		}},
		{admin, "/v1/issuers", map[string]string{
			"top level": `H`,
			"key":       `{"key":H,"name":"bank"}`,
			"name":      `{"key":"` + bank.Public().Hex() + `","name":H}`,
		}},
	}
}

// TestHostileInput sends every hostile value, at every place, to every
// route that takes a body, and asserts a quick 400 bad_request (or a 413
// body_too_large when the body is over the service's limit) that does not
// echo the value, within a bounded time and heap. It runs at the default
// 256 KiB body limit and at 4 MiB, where every value reaches the decoder.
func TestHostileInput(t *testing.T) {
	// Not parallel: the heap bound is measured process-wide.
	for _, limit := range []struct {
		setting string
		bytes   int
	}{{"", 256 << 10}, {"4M", 4 << 20}} {
		s := start(t, setup{bodyLimit: limit.setting})
		var times []time.Duration
		var sizes []int
		var most uint64
		for _, route := range hostileRoutes() {
			for place, tmpl := range route.bodies {
				for _, v := range hostileValues() {
					name := fmt.Sprintf("limit %d KiB/%s/%s/%s", limit.bytes>>10, route.path, place, v.name)
					body := []byte(strings.Replace(tmpl, "H", v.json, 1))
					status, code := http.StatusBadRequest, "bad_request"
					if len(body) > limit.bytes {
						status, code = http.StatusRequestEntityTooLarge, "body_too_large"
					}
					r, took, alloc := measure(s, route.who, route.path, body)
					times = append(times, took)
					most = max(most, alloc)
					if status == http.StatusBadRequest {
						sizes = append(sizes, len(body))
					}
					if r.status != status || r.code() != code {
						t.Errorf("%s: got %d %.200s; want %d %s", name, r.status, r.body, status, code)
					}
					if len(r.body) > 1024 || bytes.Contains(r.body, []byte("xxxxxxxx")) || bytes.Contains(r.body, []byte("77777777")) {
						t.Errorf("%s: the reply echoes the value: %.300s", name, r.body)
					}
					if took > hostileTime {
						t.Errorf("%s: took %v (bound %v)", name, took, hostileTime)
					}
					if alloc > hostileHeap {
						t.Errorf("%s: allocated %d MB serving a %d KB body (bound %d MB)", name, alloc>>20, len(body)>>10, hostileHeap>>20)
					}
				}
			}
		}
		slices.Sort(times)
		t.Logf("limit %d KiB: %d requests (largest refused by the decoder: %d KB), median %v, slowest %v, most allocated %d KB",
			limit.bytes>>10, len(times), slices.Max(sizes)>>10, times[len(times)/2], times[len(times)-1], most>>10)
	}
}

// measure sends one request and returns the reply, how long the service
// took, and how many bytes the process allocated meanwhile (the request
// body is built before).
func measure(s *service, who, path string, body []byte) (reply, time.Duration, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	r := s.invalid().call(who, http.MethodPost, path, body)
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	return r, took, after.TotalAlloc - before.TotalAlloc
}

// TestHostileInputNamesTheField checks that the refusals come from the
// decoder's bounds and name the field, by its path in the request.
func TestHostileInputNamesTheField(t *testing.T) {
	t.Parallel()
	s := start(t, setup{bodyLimit: "4M"})
	for _, tc := range []struct {
		who, path, body, want string
	}{
		{bankA, "/v1/challenges", `{"statement":"no-default","params":` + strings.Repeat("[", 100) + `}`, "nesting deeper than 64 levels"},
		{bankA, "/v1/challenges", `{"statement":"no-default","params":{"window":24,"asOf":"` + strings.Repeat("x", strictjson.MaxString+1) + `"}}`,
			`field "params.asOf": a string is longer than`},
		{bankA, "/v1/challenges", `{"statement":"no-default","params":{"window":1` + strings.Repeat("0", 64) + `}}`,
			`field "params.window": a number is longer than 64 characters`},
		{bankA, "/v1/challenges", "{\"statement\":\"no-default\xff\",\"params\":{\"window\":24}}", `field "statement": a string is not valid UTF-8`},
		{acme, "/v1/proofs", `{"challengeId":"AAAAAAAAAAAAAAAAAAAAAA","credentials":[{},[` + strings.Repeat("0,", strictjson.MaxElements) + `0]],"holderSecret":"x"}`,
			`field "credentials[1]": an array has more than 4096 elements`},
		{bankA, "/v1/verifications", `{"attestation":{"public":{"a":0,"a":0}}}`, `field "attestation.public.a" appears twice`},
		{auditor, "/v1/attestations/verify", "{\"attestation\":{},\"policy\":{\"rules\":[\"\xff\"]}}", `field "policy.rules[0]": a string is not valid UTF-8`},
	} {
		r := s.invalid().call(tc.who, http.MethodPost, tc.path, tc.body)
		r.expect(t, http.StatusBadRequest, "bad_request")
		if _, msg := r.failure(); !strings.Contains(msg, tc.want) {
			t.Errorf("%s: message %q does not say %q", tc.path, msg, tc.want)
		}
	}
}
