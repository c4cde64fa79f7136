package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
)

// sharedKeyDir holds development keys for every circuit, set up once per
// test binary (a policy/v1 setup costs tens of seconds) and removed at the end.
var sharedKeyDir string

var sharedKeys = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "tacit-cmd-keys-")
	if err != nil {
		return "", err
	}
	sharedKeyDir = dir
	return dir, keys.Setup(dir, io.Discard)
})

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedKeyDir != "" {
		os.RemoveAll(sharedKeyDir)
	}
	os.Exit(code)
}

// keysFor copies the shared keys of the given circuit folders into dir.
func keysFor(t *testing.T, dir string, folders ...string) {
	t.Helper()
	shared, err := sharedKeys()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range folders {
		if err := os.CopyFS(filepath.Join(dir, f), os.DirFS(filepath.Join(shared, f))); err != nil {
			t.Fatal(err)
		}
	}
}

// presentService is a tacit service in this process, reached over HTTP
// like any other, that counts the answers posted to it and can corrupt
// the proving keys it sends.
type presentService struct {
	url      string
	lender   string // bank-a's API key
	answers  atomic.Int32
	corrupt  atomic.Bool
	clock    atomic.Int64
	keyDir   string
	registry string
}

func startPresentService(t *testing.T, keyDir, registryPath, issuer string) *presentService {
	t.Helper()
	ps := &presentService{keyDir: keyDir, registry: registryPath}
	ps.clock.Store(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC).UnixNano())
	store, err := server.MemoryStorage(jobs.DefaultConfig(), ratelimit.Config{Limit: 1000, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Issuers.Add(context.Background(), issuers.Issuer{Key: issuer, Name: "bank", AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	book := auth.NewBook()
	key, _, err := auth.NewKey("bank-a", auth.RoleLender)
	if err != nil {
		t.Fatal(err)
	}
	book.Add(key, auth.Principal{Name: "bank-a", Role: auth.RoleLender})
	ps.lender = key
	reg, err := registry.Load(registryPath)
	if err != nil {
		t.Fatal(err)
	}
	sealKey := make([]byte, sealed.KeySize)
	box, err := sealed.New(sealKey)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	ps.url = "http://" + ts.Listener.Addr().String()
	srv, err := server.New(server.Config{
		Keys: keyDir, Auth: book, Queue: store.Queue, Challenges: store.Challenges, Issuers: store.Issuers,
		Limiter: store.Limiter, Box: box, Registry: reg, PublicURL: ps.url,
		Now: func() time.Time { return time.Unix(0, ps.clock.Load()).UTC() },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := srv.Handler()
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/response") {
			ps.answers.Add(1)
		}
		if ps.corrupt.Load() && strings.HasSuffix(r.URL.Path, "/proving-key") {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			body[len(body)/2] ^= 1
			w.WriteHeader(rec.Code)
			w.Write(body)
			return
		}
		h.ServeHTTP(w, r)
	})
	ts.Start()
	t.Cleanup(ts.Close)
	return ps
}

// challenge has bank-a ask for body and returns the challenge's id and requestUri.
func (ps *presentService) challenge(t *testing.T, body any) (id, requestURI string) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, ps.url+"/v1/challenges", bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+ps.lender)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ch struct{ ID, RequestURI string }
	if err := json.NewDecoder(resp.Body).Decode(&ch); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("challenge: %d %v", resp.StatusCode, err)
	}
	return ch.ID, ch.RequestURI
}

// state is the lender's view of challenge id.
func (ps *presentService) state(t *testing.T, id string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, ps.url+"/v1/challenges/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+ps.lender)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct{ State string }
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.State
}

func TestPresent(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	t.Setenv("XDG_CACHE_HOME", p("cache"))
	keysFor(t, p("keys"), "no-default-v1", "policy-v1")
	reg, regIssuers := registryWith(t, dir, 0)
	issuer := must(t, "issuer", "keygen", "--out", p("issuer.key"))
	subject := must(t, "holder", "keygen", "--out", p("holder.key"))
	sign := func(key, kind, records, out string) string {
		must(t, "credential", "sign", "--key", p(key), "--kind", kind, "--subject", subject, "--records", records,
			"--expires", "2027-06-01", "--issued", "2026-11-02", "--out", p(out))
		return p(out)
	}
	cred := sign("issuer.key", "payment-history", records(t, dir, "r.json", 36, nil), "cred.json")
	bad := sign("issuer.key", "payment-history", records(t, dir, "bad.json", 36, map[int]string{30: "default"}), "bad.json.cred")
	ps := startPresentService(t, p("keys"), reg, issuer)
	var outputs []string
	run := func(args ...string) (int, string, string) {
		code, out, errOut := tacit(t, args...)
		outputs = append(outputs, out, errOut)
		return code, out, errOut
	}
	present := func(uri string, extra ...string) (int, string, string) {
		return run(append([]string{"present", "--request", uri, "--holder", p("holder.key")}, extra...)...)
	}

	t.Run("no-default", func(t *testing.T) {
		id, uri := ps.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		code, out, errOut := present(uri, "--credential", cred)
		if code != 0 || !strings.Contains(out, "verified by 127.0.0.1:") || !strings.Contains(out, "for bank-a: ") || !strings.Contains(out, "24 months before 2026-11") {
			t.Fatalf("exit %d, %q %q", code, out, errOut)
		}
		if st := ps.state(t, id); st != "verified" {
			t.Fatalf("the lender sees %s", st)
		}
		before := ps.answers.Load()
		code, _, errOut = present(uri, "--credential", cred)
		if code != 1 || !strings.Contains(errOut, "already been answered") || ps.answers.Load() != before {
			t.Fatalf("a used request: exit %d, %q", code, errOut)
		}
		code, out, _ = present(uri, "--credential", cred, "--json")
		var res struct {
			OK    bool
			Error struct{ Code string }
		}
		if json.Unmarshal([]byte(out), &res); code != 1 || res.OK || res.Error.Code != "challenge_used" {
			t.Fatalf("a used request, --json: exit %d, %s", code, out)
		}
	})

	t.Run("policy, with the service's registry", func(t *testing.T) {
		main := sign("main-bank.key", "payment-history", records(t, dir, "main.json", 36, map[int]string{20: "late30"}), "main.cred")
		second := sign("second-bank.key", "payment-history", records(t, dir, "second.json", 36, nil), "second.cred")
		revenue := sign("tax-bureau.key", "revenue", records(t, dir, "revenue.json", 36, nil), "revenue.cred")
		_ = regIssuers
		var policy json.RawMessage = []byte(strings.Replace(mustRead(t, examplePolicy), `"atLeast": 5000000`, `"atLeast": 50000`, 1))
		id, uri := ps.challenge(t, map[string]any{"policy": policy, "asOf": "2026-11"})
		code, out, errOut := present(uri, "--credential", revenue, "--credential", second, "--credential", main, "--json")
		var res struct {
			OK           bool
			Statement    string
			Verification struct{ Valid bool }
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.OK || res.Statement != "policy/v1" || !res.Verification.Valid {
			t.Fatalf("exit %d, %q %q", code, out, errOut)
		}
		if st := ps.state(t, id); st != "verified" {
			t.Fatalf("the lender sees %s", st)
		}
	})

	t.Run("an unsatisfied statement sends nothing", func(t *testing.T) {
		id, uri := ps.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		before := ps.answers.Load()
		code, _, errOut := present(uri, "--credential", bad)
		if code != 1 || !strings.Contains(errOut, "does not satisfy") || !strings.Contains(errOut, "nothing was sent") || ps.answers.Load() != before {
			t.Fatalf("exit %d, %q", code, errOut)
		}
		if st := ps.state(t, id); st != "pending" {
			t.Fatalf("the lender sees %s", st)
		}
	})

	t.Run("a proving key that does not match is refused before proving", func(t *testing.T) {
		t.Setenv("XDG_CACHE_HOME", p("cache-2")) // nothing cached
		id, uri := ps.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		before := ps.answers.Load()
		ps.corrupt.Store(true)
		code, _, errOut := present(uri, "--credential", cred)
		ps.corrupt.Store(false)
		if code != 1 || !strings.Contains(errOut, "refusing to prove") || !strings.Contains(errOut, "proving-key") || ps.answers.Load() != before {
			t.Fatalf("exit %d, %q, answers %d -> %d", code, errOut, before, ps.answers.Load())
		}
		entries, _ := filepath.Glob(filepath.Join(p("cache-2"), "tacit", "keys", "*", "no-default-v1", keys.ProvingFile))
		if len(entries) != 0 {
			t.Fatalf("a key that failed its check was kept: %v", entries)
		}
		// Keys on disk whose manifest names another proving key.
		other := p("other-keys")
		keysFor(t, other, "no-default-v1")
		manifest := filepath.Join(other, "no-default-v1", keys.ManifestFile)
		m, err := keys.ReadManifest(other, "no-default/v1")
		if err != nil {
			t.Fatal(err)
		}
		data := strings.Replace(mustRead(t, manifest), m.Files[keys.ProvingFile], strings.Repeat("0", 64), 1)
		if err := os.WriteFile(manifest, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, errOut = present(uri, "--credential", cred, "--keys", other)
		if code != 1 || !strings.Contains(errOut, "refusing to prove") || ps.answers.Load() != before {
			t.Fatalf("--keys with other keys: exit %d, %q", code, errOut)
		}
		if st := ps.state(t, id); st != "pending" {
			t.Fatalf("the lender sees %s", st)
		}
		// The service's own keys, given locally, prove.
		if code, out, errOut := present(uri, "--credential", cred, "--keys", p("keys")); code != 0 || !strings.Contains(out, "verified") {
			t.Fatalf("--keys with the service's keys: exit %d, %q %q", code, out, errOut)
		}
	})

	t.Run("an expired request", func(t *testing.T) {
		_, uri := ps.challenge(t, map[string]any{"statement": "no-default", "params": map[string]any{"window": 24}})
		ps.clock.Add(int64(31 * time.Minute))
		code, _, errOut := present(uri, "--credential", cred)
		if code != 1 || !strings.Contains(errOut, "expired") || !strings.Contains(errOut, "new one") {
			t.Fatalf("exit %d, %q", code, errOut)
		}
	})

	t.Run("usage", func(t *testing.T) {
		if code, _, errOut := present("not a url", "--credential", cred); code != 2 || !strings.Contains(errOut, "--request") {
			t.Fatalf("exit %d, %q", code, errOut)
		}
		if code, _, errOut := present(ps.url+"/v1/requests/AAAAAAAAAAAAAAAAAAAAAA", "--credential", cred); code != 1 || !strings.Contains(errOut, "no such request") {
			t.Fatalf("exit %d, %q", code, errOut)
		}
	})

	secret := strings.TrimSpace(mustRead(t, p("holder.key")))
	for _, o := range outputs {
		for _, private := range []string{secret, subject, "50003", "50030"} {
			if strings.Contains(o, private) {
				t.Fatalf("output holds a private value: %q", o)
			}
		}
	}
}
