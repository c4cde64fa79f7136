package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/devenv"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
)

func init() {
	register("serve", "run the HTTP API (lenders, businesses, auditors, admins)", serve)
	register("worker", "run a proving worker against a shared Redis", runWorker)
	register("apikey new", "create an API key for a principal and append it to the key file (operator)", apikeyNew)
}

// devDir holds the development mode's keys, demo issuers, demo registry
// and sealing key.
const devDir = devenv.DefaultDir

type storageFlags struct {
	redisURL      *string
	clusterURL    *string
	prefix        *string
	keys          *string
	sealKey       *string
	claimTimeout  *time.Duration
	maxBacklog    *int
	rate          *int
	allowEviction *bool
}

// storageOn registers the storage flags that serve and worker share.
func storageOn(fs *flag.FlagSet) *storageFlags {
	return &storageFlags{
		redisURL:      fs.String("redis", "", "Redis URL (redis://host:port/db); default: in memory, this process only"),
		clusterURL:    fs.String("redis-cluster", "", "Redis Cluster seed addresses (redis://host1:port1?addr=host2:port2&addr=...), instead of --redis"),
		prefix:        fs.String("redis-prefix", "{tacit}:", "prefix of every Redis key; a prefix without a {hash tag} gets one, so all keys share one cluster slot"),
		keys:          fs.String("keys", "", "key directory (default: keys, or "+devDir+"/keys with --dev)"),
		sealKey:       fs.String("seal-key", "", "file with the 64-hex AES-256 key that seals job payloads (default: $TACIT_SEAL_KEY); required with --redis or --redis-cluster"),
		claimTimeout:  fs.Duration("claim-timeout", 30*time.Second, "how long a worker may hold a job before another reclaims it"),
		maxBacklog:    fs.Int("max-backlog", 1000, "queued and in-flight jobs at most; beyond it POST /v1/proofs answers 503"),
		rate:          fs.Int("rate", 600, "requests per minute per principal"),
		allowEviction: fs.Bool("allow-eviction", false, "start even though Redis's maxmemory-policy may evict tacit's keys (anything but noeviction); evicted challenges can verify again"),
	}
}

// open opens the storage. sealKey, the deployment's payload sealing key,
// also keys the hashes that name principals' rate-limit counters in Redis.
// On Redis it refuses an evicting maxmemory-policy (unless
// --allow-eviction) and logs a warning for each setting that puts
// tacit's state at risk.
func (sf *storageFlags) open(ctx context.Context, sealKey []byte, log *slog.Logger) (*server.Storage, error) {
	jc := jobs.DefaultConfig()
	jc.ClaimTimeout = *sf.claimTimeout
	jc.MaxBacklog = *sf.maxBacklog
	jc.PollInterval = time.Second
	mac := hmac.New(sha256.New, sealKey)
	mac.Write([]byte("tacit/ratelimit-key/v1"))
	rc := ratelimit.Config{Limit: *sf.rate, Window: time.Minute, KeySecret: mac.Sum(nil)}
	switch {
	case *sf.redisURL != "" && *sf.clusterURL != "":
		return nil, usagef("--redis and --redis-cluster exclude each other")
	case !sf.shared():
		return server.MemoryStorage(jc, rc)
	}
	open := server.RedisStorage
	url := *sf.redisURL
	if *sf.clusterURL != "" {
		open, url = server.RedisClusterStorage, *sf.clusterURL
	}
	store, err := open(ctx, url, *sf.prefix, jc, rc)
	if err != nil {
		return nil, err
	}
	warnings, err := store.Redis.Check(*sf.allowEviction)
	if err != nil {
		store.Close()
		return nil, err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	return store, nil
}

// shared reports whether the state is in Redis (--redis or --redis-cluster).
func (sf *storageFlags) shared() bool { return *sf.redisURL != "" || *sf.clusterURL != "" }

// box reads the sealing key from --seal-key or $TACIT_SEAL_KEY; fallback
// supplies one when neither is set (nil: the key is required). It returns
// the key too, from which other per-deployment secrets are derived.
func (sf *storageFlags) box(fallback func() ([]byte, error)) (*sealed.Box, []byte, error) {
	var text string
	switch {
	case *sf.sealKey != "":
		data, err := os.ReadFile(*sf.sealKey)
		if err != nil {
			return nil, nil, err
		}
		text = strings.TrimSpace(string(data))
	case os.Getenv("TACIT_SEAL_KEY") != "":
		text = strings.TrimSpace(os.Getenv("TACIT_SEAL_KEY"))
	case fallback != nil:
		key, err := fallback()
		if err != nil {
			return nil, nil, err
		}
		box, err := sealed.New(key)
		return box, key, err
	default:
		return nil, nil, errors.New("a payload sealing key is required with --redis or --redis-cluster: --seal-key FILE or $TACIT_SEAL_KEY (64 hex characters; make one with `tacit seal-key`), the same for every server and worker")
	}
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != sealed.KeySize {
		return nil, nil, errors.New("the sealing key must be 64 hex characters")
	}
	box, err := sealed.New(key)
	return box, key, err
}

func randomKey() ([]byte, error) {
	key := make([]byte, sealed.KeySize)
	_, err := rand.Read(key)
	return key, err
}

func serve(e *env, args []string) error {
	fs := e.flags("serve")
	sf := storageOn(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "", "the service's absolute URL as businesses reach it, e.g. https://tacit.example.com behind a proxy (default: http:// and the listen address); requests, response URIs and presentation pages are named under it")
	authFile := fs.String("auth", "", "API key file (from `tacit apikey new`); reread while serving, so new and revoked keys need no restart")
	authReload := fs.Duration("auth-reload", 2*time.Second, "how often to reread the API key file (also at once on SIGHUP)")
	workers := fs.Int("workers", 1, "in-process proving workers; 0 for none")
	dev := fs.Bool("dev", false, "development mode: dev keys, demo API keys, demo issuers and a demo registry (never in production)")
	registryFile := fs.String("registry", "", "accredited-issuer registry (from `tacit registry build`); without it the service takes no policies")
	newSealKey := fs.Bool("new-seal-key", false, "store this server's sealing-key canary even though another key sealed the stored one (after changing the key of every server and worker)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *publicURL != "" {
		if err := server.ValidatePublicURL(*publicURL); err != nil {
			return flagErr("public-url", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	if *dev {
		unlock, err := devenv.Lock(devDir)
		if err != nil {
			return err
		}
		defer unlock()
	}

	keyDir := *sf.keys
	if keyDir == "" {
		keyDir = "keys"
		if *dev {
			keyDir = filepath.Join(devDir, "keys")
		}
	}
	book := auth.NewBook()
	if *authFile != "" {
		b, err := auth.Load(*authFile)
		if err != nil {
			return err
		}
		book = b
		if err := reloadKeys(ctx, *authFile, book, *authReload, log); err != nil {
			return err
		}
	} else if !*dev {
		return errors.New("no API keys: pass --auth FILE (create keys with `tacit apikey new --auth FILE --name NAME --role ROLE`), or run with --dev for a local demo")
	}
	var fallback func() ([]byte, error)
	switch {
	case *dev && sf.shared():
		fallback = func() ([]byte, error) { return devenv.SealKey(devDir) }
	case !sf.shared():
		fallback = randomKey // only this process ever opens its payloads
	}
	box, sealKey, err := sf.box(fallback)
	if err != nil {
		return err
	}
	server.LogRedisTo(log)
	store, err := sf.open(ctx, sealKey, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := checkSealKey(ctx, store, box, *newSealKey); err != nil {
		return err
	}
	var reg *registry.Registry
	if *registryFile != "" {
		if reg, err = registry.Load(*registryFile); err != nil {
			return err
		}
	}
	if *dev {
		denv, err := devenv.Setup(ctx, devenv.Config{
			Dir: devDir, Keys: keyDir, Auth: book, Issuers: store.Issuers, Registry: reg == nil, Out: e.stdout,
		})
		if err != nil {
			return err
		}
		if reg == nil {
			reg = denv.Registry
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if *publicURL == "" {
		*publicURL = "http://" + ln.Addr().String()
	}
	srv, err := server.New(server.Config{
		Keys: keyDir, Auth: book, Queue: store.Queue, Challenges: store.Challenges, Issuers: store.Issuers,
		Limiter: store.Limiter, Box: box, Ping: store.Ping, Log: log, Registry: reg, Development: *dev,
		PublicURL: *publicURL,
	})
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	host, _ := os.Hostname()
	for i := 0; i < *workers; i++ {
		w := srv.NewWorker(fmt.Sprintf("%s-%d-serve-%d", host, os.Getpid(), i))
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(workCtx) }()
	}

	hs := srv.HTTPServer(*addr)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "tacit serving on http://%s (public URL %s; keys %s, storage %s, %d in-process workers)\n", ln.Addr(), *publicURL, keyDir, storageName(sf), *workers)

	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "shutting down: finishing in-flight requests and jobs")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err = hs.Shutdown(shutdownCtx)
	stopWork()
	wg.Wait()
	return err
}

// checkSealKey stores the sealing-key canary, or checks the stored one;
// replace stores this server's over another key's.
func checkSealKey(ctx context.Context, store *server.Storage, box *sealed.Box, replace bool) error {
	if replace {
		return store.Canary.SetCanary(ctx, box.Canary())
	}
	if err := sealed.Check(ctx, store.Canary, box); err != nil {
		if errors.Is(err, sealed.ErrWrongKey) {
			return fmt.Errorf("%w; workers with the stored key could not open this server's jobs. If you changed the key of every server and worker on purpose, start one server with --new-seal-key", err)
		}
		return err
	}
	return nil
}

func storageName(sf *storageFlags) string {
	switch {
	case *sf.clusterURL != "":
		return "redis cluster"
	case *sf.redisURL != "":
		return "redis"
	}
	return "in memory"
}

func runWorker(e *env, args []string) error {
	fs := e.flags("worker")
	sf := storageOn(fs)
	name := fs.String("name", "", "worker name (default: host-pid)")
	registryFile := fs.String("registry", "", "accredited-issuer registry, the same file the server was given; without it policy jobs fail")
	metricsAddr := fs.String("metrics-addr", "", "serve the worker's Prometheus metrics on this address at /metrics (e.g. 127.0.0.1:9091); default: off")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !sf.shared() {
		return usagef("missing required flag --redis (or --redis-cluster)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	keyDir := *sf.keys
	if keyDir == "" {
		keyDir = "keys"
	}
	box, sealKey, err := sf.box(nil)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	server.LogRedisTo(log)
	store, err := sf.open(ctx, sealKey, log)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := sealed.Check(ctx, store.Canary, box); err != nil {
		return fmt.Errorf("refusing to take jobs: %w; give this worker the servers' --seal-key", err)
	}
	var reg *registry.Registry
	if *registryFile != "" {
		if reg, err = registry.Load(*registryFile); err != nil {
			return err
		}
	}
	w, err := worker.New(keyDir, store.Queue, box, statement.Trust{Registry: reg}, log)
	if err != nil {
		return err
	}
	if *name != "" {
		w.Name = *name
	}
	if *metricsAddr != "" {
		m, h := worker.NewStandaloneMetrics()
		w.Metrics = m
		ln, err := net.Listen("tcp", *metricsAddr)
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", h)
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
		go hs.Serve(ln)
		defer hs.Close()
		fmt.Fprintf(e.stdout, "tacit worker %s: metrics on http://%s/metrics\n", w.Name, ln.Addr())
	}
	fmt.Fprintf(e.stdout, "tacit worker %s: proving jobs from redis with keys %s\n", w.Name, keyDir)
	return w.Run(ctx)
}

func apikeyNew(e *env, args []string) error {
	fs := e.flags("apikey new")
	file := fs.String("auth", "tacit-keys.jsonl", "API key file to append to (mode 0600)")
	name := fs.String("name", "", "principal name (a lender's name is its lender identifier)")
	role := fs.String("role", "", "business, lender, auditor or admin")
	if err := parse(fs, args, "name", "role"); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return err
	}
	key, entry, err := auth.NewKey(*name, r)
	if err != nil {
		return err
	}
	if err := auth.Append(*file, entry); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "appended %s (%s) to %s; the key is shown once:\n", *name, r, *file)
	fmt.Fprintln(e.stdout, key)
	return nil
}

func init() {
	register("seal-key", "print a fresh 64-hex key for sealing job payloads (--seal-key)", func(e *env, args []string) error {
		if err := parse(e.flags("seal-key"), args); err != nil {
			return err
		}
		key, err := randomKey()
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, hex.EncodeToString(key))
		return nil
	})
}
