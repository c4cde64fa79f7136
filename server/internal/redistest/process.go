package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Process is a private redis-server that a test can kill, pause and
// restart on the same port and data directory, to play an outage. It
// persists with an append-only file (appendfsync everysec), so that a
// killed and restarted server keeps everything written before the kill (a
// kill loses nothing the kernel holds; a host crash could lose the last
// second, which Process does not play).
type Process struct {
	t      testing.TB
	bin    string
	port   int
	dir    string
	cmd    *exec.Cmd
	exited chan error
	paused bool
}

// StartProcess runs a redis-server with AOF on a free loopback port until
// the test ends. It fails the test when none can be started; $REDIS_URL is
// not used, since the test must own the process.
func StartProcess(t testing.TB) *Process {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redistest: redis-server not found on PATH; install it (apt-get install -y redis-server)")
	}
	p := &Process{t: t, bin: bin, dir: t.TempDir()}
	var lastErr error
	for range 5 {
		if p.port, lastErr = freePort(); lastErr != nil {
			continue
		}
		if lastErr = p.run(); lastErr == nil {
			t.Cleanup(p.stop)
			return p
		}
	}
	t.Fatalf("redistest: could not start redis-server: %v", lastErr)
	return nil
}

// Addr is the server's host:port; it stays the same across Restart.
func (p *Process) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// URL is the server's redis:// URL.
func (p *Process) URL() string { return "redis://" + p.Addr() }

// Client returns a client for the server, closed when the test ends.
func (p *Process) Client() *redis.Client {
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr()})
	p.t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Kill kills the server with SIGKILL and waits for it to exit.
func (p *Process) Kill() {
	p.t.Helper()
	if p.cmd == nil {
		p.t.Fatal("redistest: Kill: the server is not running")
	}
	p.Resume()
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}

// Pause stops the server with SIGSTOP: it keeps its connections and its
// port but answers nothing, as a hung host would.
func (p *Process) Pause() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		p.t.Fatalf("redistest: SIGSTOP: %v", err)
	}
	p.paused = true
}

// Resume continues a paused server (SIGCONT).
func (p *Process) Resume() {
	p.t.Helper()
	if !p.paused {
		return
	}
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		p.t.Fatalf("redistest: SIGCONT: %v", err)
	}
	p.paused = false
}

// Restart starts the killed server again on the same port and data
// directory and waits until it has loaded its append-only file.
func (p *Process) Restart() {
	p.t.Helper()
	if p.cmd != nil {
		p.t.Fatal("redistest: Restart: the server is still running")
	}
	if err := p.run(); err != nil {
		p.t.Fatalf("redistest: restart: %v", err)
	}
}

func (p *Process) run() error {
	cmd := exec.Command(p.bin,
		"--port", strconv.Itoa(p.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "everysec",
		"--dir", p.dir,
		"--logfile", "",
	)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	rdb := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err() // LOADING until the AOF is read
		cancel()
		if err == nil {
			break
		}
		select {
		case werr := <-exited:
			return fmt.Errorf("redis-server on port %d exited: %v", p.port, werr)
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d not ready: %w", p.port, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.cmd, p.exited = cmd, exited
	return nil
}

func (p *Process) stop() {
	if p.cmd == nil {
		return
	}
	if p.paused {
		_ = p.cmd.Process.Signal(syscall.SIGCONT)
	}
	_ = p.cmd.Process.Kill()
	<-p.exited
	p.cmd = nil
}
