package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Start returns a client for a real Redis and a unique key prefix for the
// test's keys. It fails the test (never skips it) when no Redis can be had.
func Start(t testing.TB) (*redis.Client, string) {
	t.Helper()
	var rdb *redis.Client
	if url := os.Getenv("REDIS_URL"); url != "" {
		opts, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("redistest: REDIS_URL: %v", err)
		}
		rdb = redis.NewClient(opts)
	} else {
		rdb = startServer(t).Client
	}
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redistest: ping: %v", err)
	}

	return rdb, newPrefix(t, rdb)
}

// newPrefix returns a fresh prefix, "{test:<random>}:", whose keys are
// deleted at cleanup. Its hash tag keeps all of a test's keys in one
// cluster slot, as the stores' default prefix does.
func newPrefix(t testing.TB, rdb redis.UniversalClient) string {
	var b [6]byte
	rand.Read(b[:])
	prefix := "{test:" + hex.EncodeToString(b[:]) + "}:"
	t.Cleanup(func() { deletePrefix(t, rdb, prefix) })
	return prefix
}

// Keys returns the keys that match pattern (a SCAN MATCH glob, usually the
// test's prefix followed by a suffix such as "payload:*"), on one Redis or
// on every master of a cluster.
func Keys(t testing.TB, rdb redis.UniversalClient, pattern string) []string {
	t.Helper()
	keys, err := scan(context.Background(), rdb, pattern)
	if err != nil {
		t.Fatalf("redistest: scan %q: %v", pattern, err)
	}
	return keys
}

func scan(ctx context.Context, rdb redis.UniversalClient, pattern string) ([]string, error) {
	one := func(ctx context.Context, c *redis.Client) ([]string, error) {
		var keys []string
		iter := c.Scan(ctx, 0, pattern, 100).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		return keys, iter.Err()
	}
	switch c := rdb.(type) {
	case *redis.Client:
		return one(ctx, c)
	case *redis.ClusterClient:
		var (
			mu   sync.Mutex
			keys []string
		)
		err := c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			k, err := one(ctx, m)
			mu.Lock()
			keys = append(keys, k...)
			mu.Unlock()
			return err
		})
		return keys, err
	default:
		return nil, fmt.Errorf("redistest: cannot scan a %T", rdb)
	}
}

func deletePrefix(t testing.TB, rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	keys, err := scan(ctx, rdb, prefix+"*")
	if err == nil {
		for _, k := range keys {
			if err = rdb.Del(ctx, k).Err(); err != nil {
				break
			}
		}
	}
	if err != nil && !errors.Is(err, redis.ErrClosed) {
		t.Logf("redistest: cleanup: %v", err)
	}
}

// Server is a private redis-server that a test started.
type Server struct {
	Client *redis.Client
	Addr   string // host:port
	// Process is the running redis-server, for tests that stop (SIGSTOP)
	// or kill it; it is killed at cleanup.
	Process *os.Process
}

// StartServer always runs a private redis-server (never $REDIS_URL), with
// persistence off unless args (extra redis-server arguments such as
// "--appendonly", "yes" or "--replicaof", "127.0.0.1 6379") say otherwise.
// Use it for tests that change the server's settings.
func StartServer(t testing.TB, args ...string) *Server {
	t.Helper()
	s := startServer(t, args...)
	t.Cleanup(func() { _ = s.Client.Close() })
	return s
}

// startServer runs redis-server on a free port, retrying when another
// process takes the port between choosing and binding it.
func startServer(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redistest: redis-server not found on PATH; install it (apt-get install -y redis-server) or set REDIS_URL")
	}
	var lastErr error
	for range 5 {
		s, err := tryStart(t, bin, args)
		if err == nil {
			return s
		}
		lastErr = err
	}
	t.Fatalf("redistest: could not start redis-server: %v", lastErr)
	return nil
}

func tryStart(t testing.TB, bin string, args []string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	cmd := exec.Command(bin, append([]string{
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--logfile", "",
	}, args...)...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			_ = rdb.Close()
			return nil, fmt.Errorf("redis-server on port %d exited: %v", port, werr)
		default:
		}
		if time.Now().After(deadline) {
			_ = rdb.Close()
			stop()
			return nil, fmt.Errorf("redis-server on port %d not ready: %w", port, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Registered after Start's own cleanups would run first; Cleanup is LIFO,
	// so the server stops after the client is closed and the keys deleted.
	t.Cleanup(stop)
	return &Server{Client: rdb, Addr: addr, Process: cmd.Process}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
