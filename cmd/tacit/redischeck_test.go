package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tacit-zk/tacit/server/sealed"
)

// TestEvictingRedisRefusedAtStart: `tacit worker` and `tacit serve` refuse
// a Redis whose maxmemory-policy may evict tacit's keys, naming the
// setting and the fix; --allow-eviction starts with a warning instead.
func TestEvictingRedisRefusedAtStart(t *testing.T) {
	url := privateRedis(t, "--maxmemory-policy", "allkeys-lru")
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "seal.key")
	if err := os.WriteFile(keyFile, []byte(strings.Repeat(hex.EncodeToString([]byte{7}), sealed.KeySize)), 0o600); err != nil {
		t.Fatal(err)
	}
	authFile := filepath.Join(dir, "api.jsonl")
	must(t, "apikey", "new", "--auth", authFile, "--name", "ops", "--role", "admin")
	none := filepath.Join(dir, "none")
	for _, args := range [][]string{
		{"worker", "--redis", url, "--seal-key", keyFile, "--keys", none},
		{"serve", "--redis", url, "--seal-key", keyFile, "--keys", none, "--auth", authFile, "--addr", "127.0.0.1:0"},
	} {
		code, _, errOut := tacit(t, args...)
		if code != 1 || !strings.Contains(errOut, "maxmemory-policy is allkeys-lru") ||
			!strings.Contains(errOut, "CONFIG SET maxmemory-policy noeviction") || !strings.Contains(errOut, "--allow-eviction") {
			t.Fatalf("%s on allkeys-lru: exit %d: %s", args[0], code, errOut)
		}
		// Allowed, it gets past the check with a warning, and stops later
		// at the missing registry file.
		code, _, errOut = tacit(t, append(args, "--allow-eviction", "--registry", filepath.Join(dir, "missing.json"))...)
		if code != 1 || strings.Contains(errOut, "CONFIG SET") || !strings.Contains(errOut, "--allow-eviction is set") || !strings.Contains(errOut, "missing.json") {
			t.Fatalf("%s --allow-eviction on allkeys-lru: exit %d: %s", args[0], code, errOut)
		}
	}
}
