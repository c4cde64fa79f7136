package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
)

// redisURL returns $REDIS_URL or the URL of a redis-server started for the
// test.
func redisURL(t *testing.T) string {
	t.Helper()
	if url := os.Getenv("REDIS_URL"); url != "" {
		return url
	}
	return privateRedis(t)
}

// privateRedis returns the URL of a redis-server started for the test,
// with args (redis-server settings) added.
func privateRedis(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server not found on PATH; install it (make redis) or set REDIS_URL")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir()}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url := fmt.Sprintf("redis://127.0.0.1:%d/0", port)
	// go-redis stays under server/ (a test keeps it there): the server's
	// own Redis storage is what pings here.
	ping := func() error {
		s, err := server.RedisStorage(context.Background(), url, "ping:", jobs.DefaultConfig(), ratelimit.Config{Limit: 1, Window: time.Minute})
		if err == nil {
			s.Close()
		}
		return err
	}
	for deadline := time.Now().Add(10 * time.Second); ping() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
	}
	return url
}

// TestSealKeyMismatchRefusedAtStart: with a canary stored under one sealing
// key, a worker or a server given another key refuses to start, and a
// server told --new-seal-key replaces the canary.
func TestSealKeyMismatchRefusedAtStart(t *testing.T) {
	url := redisURL(t)
	dir := t.TempDir()
	prefix := "{sealtest" + strconv.FormatInt(time.Now().UnixNano(), 36) + "}:"
	keyFile := func(name string, b byte) string {
		path := filepath.Join(dir, name)
		key := strings.Repeat(hex.EncodeToString([]byte{b}), sealed.KeySize)
		if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	right, wrong := keyFile("right.key", 1), keyFile("wrong.key", 2)

	// A server with the right key has stored the canary.
	ctx := context.Background()
	store, err := server.RedisStorage(ctx, url, prefix, jobs.DefaultConfig(), ratelimit.Config{Limit: 1, Window: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	t.Cleanup(func() {
		// Remove the test's keys from a shared Redis ($REDIS_URL).
		script := "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 0"
		exec.Command("redis-cli", "-u", url, "EVAL", script, "0", prefix+"*").Run()
	})
	rightKey, _ := hex.DecodeString(strings.Repeat("01", sealed.KeySize))
	box, _ := sealed.New(rightKey)
	if err := sealed.Check(ctx, store.Canary, box); err != nil {
		t.Fatal(err)
	}

	code, _, errOut := tacit(t, "worker", "--redis", url, "--redis-prefix", prefix, "--seal-key", wrong, "--keys", filepath.Join(dir, "none"))
	if code != 1 || !strings.Contains(errOut, "refusing to take jobs") || !strings.Contains(errOut, "--seal-key") {
		t.Fatalf("worker with the wrong key: exit %d: %s", code, errOut)
	}
	authFile := filepath.Join(dir, "api.jsonl")
	must(t, "apikey", "new", "--auth", authFile, "--name", "ops", "--role", "admin")
	serveArgs := []string{"serve", "--redis", url, "--redis-prefix", prefix, "--auth", authFile, "--keys", filepath.Join(dir, "none"), "--addr", "127.0.0.1:0"}
	code, _, errOut = tacit(t, append(serveArgs, "--seal-key", wrong)...)
	if code != 1 || !strings.Contains(errOut, "--new-seal-key") {
		t.Fatalf("server with the wrong key: exit %d: %s", code, errOut)
	}
	if err := sealed.Check(ctx, store.Canary, box); err != nil {
		t.Fatalf("a refused server changed the canary: %v", err)
	}
	// With --new-seal-key the server stores its canary (and then stops at
	// the missing keys); now the old key is the wrong one.
	code, _, errOut = tacit(t, append(serveArgs, "--seal-key", wrong, "--new-seal-key")...)
	if code != 1 || strings.Contains(errOut, "--new-seal-key") {
		t.Fatalf("server with --new-seal-key: exit %d: %s", code, errOut)
	}
	code, _, errOut = tacit(t, "worker", "--redis", url, "--redis-prefix", prefix, "--seal-key", right, "--keys", filepath.Join(dir, "none"))
	if code != 1 || !strings.Contains(errOut, "refusing to take jobs") {
		t.Fatalf("worker with the old key after a key change: exit %d: %s", code, errOut)
	}
}

// TestRedisClusterFlags: --redis-cluster takes go-redis's cluster URL form,
// excludes --redis, and stands for it where a worker needs shared state.
func TestRedisClusterFlags(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "k"), []byte(strings.Repeat("01", sealed.KeySize)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"worker"}, "missing required flag --redis (or --redis-cluster)"},
		{[]string{"worker", "--redis", "redis://127.0.0.1:1", "--redis-cluster", "redis://127.0.0.1:2", "--seal-key", filepath.Join(dir, "k")}, "--redis and --redis-cluster exclude each other"},
		{[]string{"worker", "--redis-cluster", "http://127.0.0.1:1", "--seal-key", filepath.Join(dir, "k")}, "redis cluster URL"},
		{[]string{"worker", "--redis-cluster", "redis://127.0.0.1:1?addr=127.0.0.1:2&dial_timeout=200ms", "--seal-key", filepath.Join(dir, "k")}, "redis cluster at 127.0.0.1:1,127.0.0.1:2 does not answer"},
	} {
		code, _, errOut := tacit(t, tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("tacit %v: exit %d: %s; want %q", tc.args, code, errOut, tc.want)
		}
	}
}
