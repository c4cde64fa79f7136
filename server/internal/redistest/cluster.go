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
	mu   sync.Mutex
	c    *Cluster
	err  error // the first start's failure, for every later caller
	tags string
}

func sharedCluster() ([]string, error) {
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if cluster.c != nil || cluster.err != nil {
		if cluster.err != nil {
			return nil, cluster.err
		}
		return cluster.c.Addrs(), nil
	}
	c, err := newCluster(0)
	if err != nil {
		cluster.err = err
		return nil, err
	}
	cluster.c = c
	return c.Addrs(), nil
}

// StopCluster stops the shared cluster's servers and removes their files.
func StopCluster() {
	cluster.mu.Lock()
	defer cluster.mu.Unlock()
	if cluster.c != nil {
		cluster.c.stop()
		cluster.c = nil
	}
}

// Cluster is a Redis Cluster of private redis-servers on loopback ports.
type Cluster struct {
	masters []*node // in the order they were created; a failover does not reorder them
	nodes   []*node // masters, then replicas
	dir     string
}

// StartReplicatedCluster starts a cluster of its own for the test: three
// masters, each with one replica (six redis-servers, no persistence), and
// stops it when the test ends. Use it for failover tests; it costs a few
// seconds, so tests that need no replica use StartCluster's shared one.
func StartReplicatedCluster(t testing.TB) *Cluster {
	t.Helper()
	c, err := newCluster(1)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(c.stop)
	return c
}

// newCluster starts a cluster of three masters with replicas replicas
// each, retrying when another process takes a port between choosing and
// binding it.
func newCluster(replicas int) (*Cluster, error) {
	var err error
	for range 3 {
		c := &Cluster{}
		if err = c.start(replicas); err == nil {
			return c, nil
		}
		c.stop()
	}
	return nil, fmt.Errorf("could not start a redis cluster: %w", err)
}

// Addrs are the masters' addresses as created.
func (c *Cluster) Addrs() []string {
	var addrs []string
	for _, n := range c.masters {
		addrs = append(addrs, n.addr)
	}
	return addrs
}

// URL is the cluster's seed URL in go-redis's cluster form, naming every
// node (a seed that is down is skipped).
func (c *Cluster) URL() string {
	u := "redis://" + c.nodes[0].addr
	for i, n := range c.nodes[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + n.addr
	}
	return u
}

// Client returns a cluster client for the test, closed when it ends.
func (c *Cluster) Client(t testing.TB) *redis.ClusterClient {
	opts, err := redis.ParseClusterURL(c.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClusterClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// MasterFor returns the address of the master that serves key, asking the
// nodes that are up.
func (c *Cluster) MasterFor(t testing.TB, key string) string {
	t.Helper()
	for _, n := range c.nodes {
		if m, err := n.masterOf(key); err == nil {
			return m
		}
	}
	t.Fatalf("redistest: no node knows the master of %q", key)
	return ""
}

// masterOf asks n which master serves key.
func (n *node) masterOf(key string) (string, error) {
	if n.down() {
		return "", errors.New("down")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	slot, err := n.rdb.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		return "", err
	}
	slots, err := n.rdb.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	for _, s := range slots {
		if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
			return s.Nodes[0].Addr, nil
		}
	}
	return "", errors.New("slot not served")
}

// KillMaster kills the master that serves key, waits until its replica
// has been promoted (after cluster-node-timeout, 2 s here) and the cluster
// serves every slot again, and returns the old and the new master's
// addresses.
func (c *Cluster) KillMaster(t testing.TB, key string) (old, promoted string) {
	t.Helper()
	old = c.MasterFor(t, key)
	c.Kill(t, old)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := c.masterUp(key); m != "" && m != old {
			return old, m
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: no replica of %s was promoted within 30 s", old)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// masterUp is the master of key as a live node sees it, if that master
// is up and sees the cluster's every slot served; "" otherwise.
func (c *Cluster) masterUp(key string) string {
	for _, n := range c.nodes {
		a, err := n.masterOf(key)
		if err != nil {
			continue
		}
		if m := c.node(a); m != nil && !m.down() && m.waitClusterOK(0, len(c.nodes)) == nil {
			return a
		}
		return ""
	}
	return ""
}

func (c *Cluster) node(addr string) *node {
	for _, n := range c.nodes {
		if n.addr == addr {
			return n
		}
	}
	return nil
}

// Kill kills the redis-server at addr (SIGKILL) and waits for it to exit.
func (c *Cluster) Kill(t testing.TB, addr string) {
	t.Helper()
	for _, n := range c.nodes {
		if n.addr == addr {
			n.kill()
			return
		}
	}
	t.Fatalf("redistest: no node at %s", addr)
}

// Synced waits until every replica has every write its master has taken
// (equal replication offsets), so that a test can tell what a failover may
// lose (the writes acknowledged but not yet replicated) from what it must
// keep.
func (c *Cluster) Synced(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for _, n := range c.nodes {
		if n.down() {
			continue
		}
		for {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			info, err := n.rdb.Info(ctx, "replication").Result()
			cancel()
			if err == nil && replicasCaughtUp(info) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: replicas of %s did not catch up: %v\n%s", n.addr, err, info)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// replicasCaughtUp reads INFO replication: a replica, or a master whose
// every connected replica's offset equals its own.
func replicasCaughtUp(info string) bool {
	f := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			f[k] = v
		}
	}
	if f["role"] != "master" {
		return true
	}
	n, _ := strconv.Atoi(f["connected_slaves"])
	for i := range n {
		if !strings.Contains(f["slave"+strconv.Itoa(i)], "offset="+f["master_repl_offset"]+",") {
			return false
		}
	}
	return true
}

func (c *Cluster) stop() {
	for _, n := range c.nodes {
		n.stop()
	}
	if c.dir != "" {
		os.RemoveAll(c.dir)
	}
	c.nodes, c.masters, c.dir = nil, nil, ""
}

func (c *Cluster) start(replicas int) error {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		return errors.New("redis-server not found on PATH; install it (apt-get install -y redis-server) or set REDIS_CLUSTER_URL")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return errors.New("redis-cli not found on PATH; install it (apt-get install -y redis-tools) or set REDIS_CLUSTER_URL")
	}
	if c.dir, err = os.MkdirTemp("", "tacit-redis-cluster-"); err != nil {
		return err
	}
	total := masters * (1 + replicas)
	ports, err := freePorts(2 * total) // a client port and a cluster bus port each
	if err != nil {
		return err
	}
	var addrs []string
	for i := range total {
		dir := filepath.Join(c.dir, strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o700); err != nil {
			return err
		}
		n, err := startNode(server, dir, ports[2*i], ports[2*i+1])
		if err != nil {
			return err
		}
		c.nodes = append(c.nodes, n)
		addrs = append(addrs, n.addr)
	}
	for _, n := range c.nodes {
		if err := n.waitPing(10 * time.Second); err != nil {
			return err
		}
	}
	// redis-cli makes the first `masters` addresses masters and gives each
	// replica to a master on another host; all hosts are 127.0.0.1 here,
	// so it pairs them in order.
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("redis-cli --cluster create: %v: %s", err, out)
	}
	for _, n := range c.nodes {
		if err := n.waitClusterOK(20*time.Second, total); err != nil {
			return err
		}
	}
	c.masters = c.nodes[:masters]
	if replicas > 0 {
		for _, n := range c.nodes[masters:] {
			if err := n.waitReplicaUp(20 * time.Second); err != nil {
				return err
			}
		}
	}
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
	n.kill()
}

// kill kills the server and waits for it to exit.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.exited
}

// down reports whether the server has exited.
func (n *node) down() bool {
	select {
	case <-n.exited:
		return true
	default:
		return false
	}
}

func (n *node) waitPing(limit time.Duration) error {
	return n.wait(limit, func(ctx context.Context) error { return n.rdb.Ping(ctx).Err() })
}

// waitClusterOK waits until the node knows all nodes of the cluster and
// sees every slot served.
func (n *node) waitClusterOK(limit time.Duration, nodes int) error {
	return n.wait(limit, func(ctx context.Context) error {
		info, err := n.rdb.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		for _, want := range []string{"cluster_state:ok", "cluster_known_nodes:" + strconv.Itoa(nodes), "cluster_slots_ok:16384"} {
			if !strings.Contains(info, want+"\r\n") {
				return fmt.Errorf("cluster info lacks %s", want)
			}
		}
		return nil
	})
}

// waitReplicaUp waits until a replica's link to its master is up.
func (n *node) waitReplicaUp(limit time.Duration) error {
	return n.wait(limit, func(ctx context.Context) error {
		info, err := n.rdb.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return errors.New("replica not linked to its master yet")
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
