package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Backend is one way to reach Redis, for tests that run on each.
type Backend struct {
	Name  string
	Start func(t testing.TB) (redis.UniversalClient, string)
}

// Backends are one Redis (Start) and a three-master cluster (StartCluster).
var Backends = []Backend{
	{"redis", func(t testing.TB) (redis.UniversalClient, string) { return Start(t) }},
	{"cluster", func(t testing.TB) (redis.UniversalClient, string) { return StartCluster(t) }},
}

// masters is the size of the test cluster: the fewest masters
// `redis-cli --cluster create` accepts.
const masters = 3

// StartCluster returns a client for a Redis Cluster and a unique key prefix
// (with a hash tag) for the test's keys. It connects to the seeds in
// $REDIS_CLUSTER_URL (redis://host:port?addr=host:port...) when it is set;
// otherwise the first call in a test binary starts three masters on free
// loopback ports and joins them with `redis-cli --cluster create`, and
// every later call reuses them. The servers stop at StopCluster (Main calls
// it), and on Linux also when the test binary dies. It fails the test
// (never skips it) when no cluster can be had.
func StartCluster(t testing.TB) (*redis.ClusterClient, string) {
	t.Helper()
	var opts *redis.ClusterOptions
	if url := os.Getenv("REDIS_CLUSTER_URL"); url != "" {
		var err error
		if opts, err = redis.ParseClusterURL(url); err != nil {
			t.Fatalf("redistest: REDIS_CLUSTER_URL: %v", err)
		}
	} else {
		addrs, err := sharedCluster()
		if err != nil {
			t.Fatalf("redistest: %v", err)
		}
		opts = &redis.ClusterOptions{Addrs: addrs}
	}
	rdb := redis.NewClusterClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	if err := rdb.ForEachShard(context.Background(), func(ctx context.Context, c *redis.Client) error {
		return c.Ping(ctx).Err()
	}); err != nil {
		t.Fatalf("redistest: ping cluster: %v", err)
	}
	return rdb, newPrefix(t, rdb)
}

// Main runs a package's tests and then stops the shared cluster, if a test
// started one. Use it as TestMain, or call StopCluster from one.
func Main(m *testing.M) {
	code := m.Run()
	StopCluster()
	os.Exit(code)
}

var cluster struct {
	mu    sync.Mutex
	addrs []string
	err   error // the first start's failure, for every later caller
	nodes []*node
	dirs  string
}

func sharedCluster() ([]string, error) {
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if cluster.addrs != nil || cluster.err != nil {
		return cluster.addrs, cluster.err
	}
	var err error
	for range 3 { // another process may take a port between choosing and binding it
		if err = startCluster(); err == nil {
			return cluster.addrs, nil
		}
		stopLocked()
	}
	cluster.err = fmt.Errorf("could not start a redis cluster: %w", err)
	return nil, cluster.err
}

// StopCluster stops the shared cluster's servers and removes their files.
func StopCluster() {
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	stopLocked()
}

func stopLocked() {
	for _, n := range cluster.nodes {
		n.stop()
	}
	if cluster.dirs != "" {
		os.RemoveAll(cluster.dirs)
	}
	cluster.nodes, cluster.addrs, cluster.dirs = nil, nil, ""
}

func startCluster() error {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("redis-server not found on PATH; install it (apt-get install -y redis-server) or set REDIS_CLUSTER_URL")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return errors.New("redis-cli not found on PATH; install it (apt-get install -y redis-tools) or set REDIS_CLUSTER_URL")
	}
	if cluster.dirs, err = os.MkdirTemp("", "tacit-redis-cluster-"); err != nil {
		return err
	}
	ports, err := freePorts(2 * masters) // a client port and a cluster bus port each
	if err != nil {
		return err
	}
	var addrs []string
	for i := range masters {
		dir := filepath.Join(cluster.dirs, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		n, err := startNode(server, dir, ports[2*i], ports[2*i+1])
		if err != nil {
			return err
		}
		cluster.nodes = append(cluster.nodes, n)
		addrs = append(addrs, n.addr)
	}
	for _, n := range cluster.nodes {
		if err := n.waitPing(10 * time.Second); err != nil {
			return err
		}
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	for _, n := range cluster.nodes {
		if err := n.waitClusterOK(20 * time.Second); err != nil {
			return err
		}
	}
	cluster.addrs = addrs
	return nil
}

// node is one redis-server of the cluster.
type node struct {
	addr   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // set before exited closes
	rdb    *redis.Client
}

func startNode(bin, dir string, port, busPort int) (*node, error) {
	n := &node{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), exited: make(chan struct{})}
	n.cmd = exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--cluster-port", strconv.Itoa(busPort),
		"--bind", "127.0.0.1",
		"--cluster-enabled", "yes",
		"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
		"--cluster-node-timeout", "2000",
		"--save", "",
		"--appendonly", "no",
		"--dir", dir,
		"--logfile", filepath.Join(dir, "redis.log"),
	)
	n.cmd.SysProcAttr = dieWithParent()
	started := make(chan error, 1)
	go func() {
		// The parent-death signal fires when the thread that started the
		// child ends, not the process: hold this thread until the server
		// exits (Wait blocks on it).
		runtime.LockOSThread()
		if err := n.cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		n.err = n.cmd.Wait()
		close(n.exited)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	n.rdb = redis.NewClient(&redis.Options{Addr: n.addr})
	return n, nil
}

func (n *node) stop() {
	if n.rdb != nil {
		_ = n.rdb.Close()
	}
	_ = n.cmd.Process.Kill()
	<-n.exited
}

func (n *node) waitPing(limit time.Duration) error {
	return n.wait(limit, func(ctx context.Context) error { return n.rdb.Ping(ctx).Err() })
}

// waitClusterOK waits until the node sees every slot served by all masters.
func (n *node) waitClusterOK(limit time.Duration) error {
	return n.wait(limit, func(ctx context.Context) error {
		info, err := n.rdb.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		for _, want := range []string{"cluster_state:ok", "cluster_known_nodes:" + strconv.Itoa(masters), "cluster_slots_ok:16384"} {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("cluster info lacks %s", want)
			}
		}
		return nil
	})
}

func (n *node) wait(limit time.Duration, ready func(context.Context) error) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := ready(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-n.exited:
			return fmt.Errorf("redis-server %s exited: %v", n.addr, n.err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server %s not ready: %w", n.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePorts returns k distinct free loopback ports, held open together
// while choosing so that none repeats.
func freePorts(k int) ([]int, error) {
	var ports []int
	for range k {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
