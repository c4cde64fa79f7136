package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
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
	store, err := server.MemoryStorage(testJobs(), ratelimit.Config{Limit: 1 << 20, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	box, _ := sealed.New(make([]byte, sealed.KeySize))
	srv, err := server.New(server.Config{Keys: keyDir, Auth: book, Queue: store.Queue, Challenges: store.Challenges, Issuers: store.Issuers, Limiter: store.Limiter, Box: box})
	if err != nil {
		t.Fatal(err)
	}
	r, err := auth.NewReloader(path, book, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx, 50*time.Millisecond, nil)

	status := func(key string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/circuits", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)
		return rec.Code
	}
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
