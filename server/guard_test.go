package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tacit-zk/tacit/circuits/nodefaultv2"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
)

// TestOpenAPIServersAreRelative: the served contract names no host or port,
// so a client generated from it talks to whichever address served it.
func TestOpenAPIServersAreRelative(t *testing.T) {
	t.Parallel()
	r := start(t, setup{}).call("", http.MethodGet, "/openapi.yaml", nil)
	r.expect(t, http.StatusOK, "")
	var doc struct {
		Servers []struct {
			URL string `yaml:"url"`
		} `yaml:"servers"`
	}
	if err := yaml.Unmarshal(r.body, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Servers) == 0 {
		t.Fatal("no servers entry")
	}
	for _, s := range doc.Servers {
		if !strings.HasPrefix(s.URL, "/") || strings.Contains(s.URL, "://") {
			t.Errorf("servers entry %q is not relative", s.URL)
		}
	}
}

// TestRevokedKeyRefusedWithoutRestart: a running server whose key file is
// watched refuses a key within seconds of its revocation, and accepts a
// key added to the file.
func TestRevokedKeyRefusedWithoutRestart(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keys.jsonl")
	newKey := func(name string, role auth.Role) string {
		key, entry, err := auth.NewKey(name, role)
		if err != nil {
			t.Fatal(err)
		}
		if err := auth.Append(path, entry); err != nil {
			t.Fatal(err)
		}
		return key
	}
	acmeKey, bankKey := newKey("acme", auth.RoleBusiness), newKey("bank-a", auth.RoleLender)
	book, err := auth.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := bare(t, server.Config{Auth: book})
	r, err := auth.NewReloader(path, book, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, 50*time.Millisecond, nil)

	status := func(key string) int { return get(srv, key, "/v1/circuits").Code }
	within := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 5s", what)
			}
		}
	}
	if status(acmeKey) != http.StatusOK || status(bankKey) != http.StatusOK {
		t.Fatal("keys from the file are refused")
	}
	if _, err := auth.Revoke(path, "acme"); err != nil {
		t.Fatal(err)
	}
	within("revoked key refused", func() bool { return status(acmeKey) == http.StatusUnauthorized })
	if status(bankKey) != http.StatusOK {
		t.Fatal("a key that was not revoked is refused")
	}
	globexKey := newKey("globex", auth.RoleBusiness)
	within("new key accepted", func() bool { return status(globexKey) == http.StatusOK })
}

// bare returns a server on memory storage with one key per role in book
// (nil: a fresh book with an admin key), with cfg's other settings.
func bare(t *testing.T, cfg server.Config) (*server.Server, string) {
	t.Helper()
	store, err := server.MemoryStorage(testJobs(), ratelimit.Config{Limit: 1 << 20, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var key string
	if cfg.Auth == nil {
		cfg.Auth = auth.NewBook()
		key, _, _ = auth.NewKey("admin", auth.RoleAdmin)
		cfg.Auth.Add(key, auth.Principal{Name: "admin", Role: auth.RoleAdmin})
	}
	if cfg.Keys == "" {
		cfg.Keys = keyDir
	}
	cfg.Queue, cfg.Challenges, cfg.Issuers, cfg.Limiter = store.Queue, store.Challenges, store.Issuers, store.Limiter
	if cfg.Box == nil {
		cfg.Box, _ = sealed.New(make([]byte, sealed.KeySize))
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, key
}

func get(srv *server.Server, key, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	return rec
}

// TestDevelopmentKeysWarning: a server outside development mode that runs
// single-party keys says so in its start log and on every circuit of
// GET /v1/circuits; in development mode, or with ceremony keys, it does not.
func TestDevelopmentKeysWarning(t *testing.T) {
	t.Parallel()
	ceremonyKeys := t.TempDir()
	folder := keys.Folder(nodefaultv2.ID)
	os.MkdirAll(filepath.Join(ceremonyKeys, folder), 0o755)
	for _, name := range []string{keys.CircuitFile, keys.ProvingFile, keys.VerifyingFile, keys.ManifestFile} {
		data, err := os.ReadFile(filepath.Join(keyDir, folder, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == keys.ManifestFile {
			var m keys.Manifest
			json.Unmarshal(data, &m)
			m.Setup = keys.SetupInfo{Kind: keys.SetupCeremony, Transcript: strings.Repeat("ab", 32)}
			data, _ = json.Marshal(m)
		}
		os.WriteFile(filepath.Join(ceremonyKeys, folder, name), data, 0o644)
	}
	for _, tc := range []struct {
		name string
		dev  bool
		keys string
		warn bool
	}{
		{"production mode, development keys", false, keyDir, true},
		{"development mode, development keys", true, keyDir, false},
		{"production mode, ceremony keys", false, ceremonyKeys, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs := &logBuffer{}
			srv, key := bare(t, server.Config{Keys: tc.keys, Development: tc.dev, Log: logs.logger()})
			if got := strings.Contains(logs.String(), "single-party development keys") && strings.Contains(logs.String(), "level=WARN"); got != tc.warn {
				t.Errorf("start log warns: %v, want %v\n%s", got, tc.warn, logs)
			}
			rec := get(srv, key, "/v1/circuits")
			var list []map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || rec.Code != http.StatusOK || len(list) != 1 {
				t.Fatalf("GET /v1/circuits: %d %s", rec.Code, rec.Body)
			}
			rec = get(srv, key, "/v1/circuits/"+folder)
			var one map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &one); err != nil || rec.Code != http.StatusOK {
				t.Fatalf("GET /v1/circuits/%s: %d %s", folder, rec.Code, rec.Body)
			}
			for _, c := range []map[string]any{list[0], one} {
				w, has := c["warning"].(string)
				if has != tc.warn || has && !strings.Contains(w, "forge") {
					t.Errorf("warning %q (present %v), want present %v", w, has, tc.warn)
				}
			}
		})
	}
}

// TestSealKeyCanary: the first process to check stores the canary; a
// process with the same key passes, one with another key is refused, on
// memory and on Redis (where the canary outlives the processes).
func TestSealKeyCanary(t *testing.T) {
	t.Parallel()
	for _, redisMode := range []bool{false, true} {
		t.Run(fmt.Sprintf("redis=%v", redisMode), func(t *testing.T) {
			s := start(t, setup{redis: redisMode})
			ctx := context.Background()
			other, _ := sealed.New(bytes.Repeat([]byte{7}, sealed.KeySize))
			if err := sealed.Check(ctx, s.store.Canary, s.box); err != nil {
				t.Fatalf("first check: %v", err)
			}
			canary := s.store.Canary
			if redisMode {
				// A second process: its own storage on the same Redis.
				again, err := server.RedisStorageFrom(ctx, s.rdb, s.prefix, s.jobs, ratelimit.Config{Limit: 1, Window: time.Minute})
				if err != nil {
					t.Fatal(err)
				}
				canary = again.Canary
			}
			if err := sealed.Check(ctx, canary, s.box); err != nil {
				t.Fatalf("same key: %v", err)
			}
			if err := sealed.Check(ctx, canary, other); !errors.Is(err, sealed.ErrWrongKey) {
				t.Fatalf("another key: %v, want ErrWrongKey", err)
			}
			if err := sealed.Check(ctx, canary, s.box); err != nil {
				t.Fatalf("a refused check changed the canary: %v", err)
			}
		})
	}
}

// TestUnopenablePayloadIsReleased: a worker whose sealing key is not the
// server's logs an error naming the job (and nothing of its payload), gives
// the job back without counting the attempt, and a correctly keyed worker
// then proves it.
func TestUnopenablePayloadIsReleased(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	id := s.queue(t, passing)

	wrongBox, _ := sealed.New(bytes.Repeat([]byte{9}, sealed.KeySize))
	wrong, err := worker.New(keyDir, s.store.Queue, wrongBox, statement.Trust{}, s.logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	wrong.SetBeforeProve(func(jobs.ID) { t.Error("a worker proved a job it could not open") })
	ctx, stop := context.WithCancel(context.Background())
	done := s.run(t, ctx, wrong)
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(s.logs.String(), "cannot open a job's payload"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no error logged:\n%s", s.logs)
		}
	}
	stop()
	<-done
	if j := s.job(t, id); j.Status != jobs.StatusQueued {
		t.Fatalf("after the wrongly keyed worker: %s (attempts %d), want queued", j.Status, j.Attempts)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, id) || !strings.Contains(logs, "level=ERROR") {
		t.Fatalf("the error does not name the job:\n%s", logs)
	}
	if strings.Contains(logs, strconv.Itoa(sentinelAmount)) || strings.Contains(logs, holder.Hex()) {
		t.Fatal("the log holds payload content")
	}

	s.run(t, context.Background(), s.standalone(t))
	if p := s.await(t, id); p.Status != jobs.StatusDone {
		t.Fatalf("a correctly keyed worker: %+v, want done", p)
	}
}
