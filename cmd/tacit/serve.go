package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
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

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/atomicfile"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
)

func init() {
	register("serve", "run the HTTP API (lenders, businesses, auditors, admins)", serve)
	register("worker", "run a proving worker against a shared Redis", worker)
	register("apikey new", "create an API key for a principal and append it to the key file (operator)", apikeyNew)
}

// devDir holds the development mode's keys, demo issuer and sealing key.
const devDir = ".tacit-dev"

type storageFlags struct {
	redisURL     *string
	prefix       *string
	keys         *string
	sealKey      *string
	claimTimeout *time.Duration
	maxBacklog   *int
	rate         *int
}

// storageOn registers the storage flags that serve and worker share.
func storageOn(fs *flag.FlagSet) *storageFlags {
	return &storageFlags{
		redisURL:     fs.String("redis", "", "Redis URL (redis://host:port/db); default: in memory, this process only"),
		prefix:       fs.String("redis-prefix", "tacit:", "prefix of every Redis key"),
		keys:         fs.String("keys", "", "key directory (default: keys, or "+devDir+"/keys with --dev)"),
		sealKey:      fs.String("seal-key", "", "file with the 64-hex AES-256 key that seals job payloads (default: $TACIT_SEAL_KEY); required with --redis"),
		claimTimeout: fs.Duration("claim-timeout", 30*time.Second, "how long a worker may hold a job before another reclaims it"),
		maxBacklog:   fs.Int("max-backlog", 1000, "queued and in-flight jobs at most; beyond it POST /v1/proofs answers 503"),
		rate:         fs.Int("rate", 600, "requests per minute per principal"),
	}
}

func (sf *storageFlags) open(ctx context.Context) (*server.Storage, error) {
	jc := jobs.DefaultConfig()
	jc.ClaimTimeout = *sf.claimTimeout
	jc.MaxBacklog = *sf.maxBacklog
	jc.PollInterval = time.Second
	rc := ratelimit.Config{Limit: *sf.rate, Window: time.Minute}
	if *sf.redisURL == "" {
		return server.MemoryStorage(jc, rc)
	}
	return server.RedisStorage(ctx, *sf.redisURL, *sf.prefix, jc, rc)
}

// box reads the sealing key from --seal-key or $TACIT_SEAL_KEY; fallback
// supplies one when neither is set (nil: the key is required).
func (sf *storageFlags) box(fallback func() ([]byte, error)) (*sealed.Box, error) {
	var text string
	switch {
	case *sf.sealKey != "":
		data, err := os.ReadFile(*sf.sealKey)
		if err != nil {
			return nil, err
		}
		text = strings.TrimSpace(string(data))
	case os.Getenv("TACIT_SEAL_KEY") != "":
		text = strings.TrimSpace(os.Getenv("TACIT_SEAL_KEY"))
	case fallback != nil:
		key, err := fallback()
		if err != nil {
			return nil, err
		}
		return sealed.New(key)
	default:
		return nil, errors.New("a payload sealing key is required with --redis: --seal-key FILE or $TACIT_SEAL_KEY (64 hex characters; make one with `tacit seal-key`), the same for every server and worker")
	}
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != sealed.KeySize {
		return nil, errors.New("the sealing key must be 64 hex characters")
	}
	return sealed.New(key)
}

func randomKey() ([]byte, error) {
	key := make([]byte, sealed.KeySize)
	_, err := rand.Read(key)
	return key, err
}

// devSealKey keeps one sealing key in the development directory, so that
// dev servers and workers sharing a Redis agree on it.
func devSealKey() ([]byte, error) {
	path := filepath.Join(devDir, "seal.key")
	if data, err := os.ReadFile(path); err == nil {
		return hex.DecodeString(strings.TrimSpace(string(data)))
	}
	key, err := randomKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(devDir, 0o700); err != nil {
		return nil, err
	}
	return key, atomicfile.Write(path, []byte(hex.EncodeToString(key)+"\n"), 0o600)
}

func serve(e *env, args []string) error {
	fs := e.flags("serve")
	sf := storageOn(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	authFile := fs.String("auth", "", "API key file (from `tacit apikey new`)")
	workers := fs.Int("workers", 1, "in-process proving workers; 0 for none")
	dev := fs.Bool("dev", false, "development mode: dev keys, demo API keys, demo issuers and a demo registry (never in production)")
	registryFile := fs.String("registry", "", "accredited-issuer registry (from `tacit registry build`); without it the service takes no policies")
	if err := parse(fs, args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))

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
	} else if !*dev {
		return errors.New("no API keys: pass --auth FILE (create keys with `tacit apikey new --auth FILE --name NAME --role ROLE`), or run with --dev for a local demo")
	}
	var fallback func() ([]byte, error)
	switch {
	case *dev && *sf.redisURL != "":
		fallback = devSealKey
	case *sf.redisURL == "":
		fallback = randomKey // only this process ever opens its payloads
	}
	box, err := sf.box(fallback)
	if err != nil {
		return err
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	var reg *registry.Registry
	if *registryFile != "" {
		if reg, err = registry.Load(*registryFile); err != nil {
			return err
		}
	}
	if *dev {
		if err := devSetup(ctx, e.stdout, keyDir, book, store.Issuers); err != nil {
			return err
		}
		if reg == nil {
			if reg, err = devRegistry(e.stdout); err != nil {
				return err
			}
		}
	}
	srv, err := server.New(server.Config{
		Keys: keyDir, Auth: book, Queue: store.Queue, Challenges: store.Challenges, Issuers: store.Issuers,
		Limiter: store.Limiter, Box: box, Ping: store.Ping, Log: log, Registry: reg,
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

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := srv.HTTPServer(*addr)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "tacit serving on http://%s (keys %s, storage %s, %d in-process workers)\n", ln.Addr(), keyDir, storageName(*sf.redisURL), *workers)

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

func storageName(url string) string {
	if url == "" {
		return "in memory"
	}
	return "redis"
}

// devSetup makes the development mode usable with nothing installed: keys
// set up on first start, demo API keys printed, and a demo issuer trusted.
func devSetup(ctx context.Context, out io.Writer, keyDir string, book *auth.Book, list issuers.Store) error {
	var missing []string
	for _, info := range circuits.All() {
		if _, err := keys.ReadManifest(keyDir, info.ID); err != nil {
			missing = append(missing, info.ID)
		}
	}
	if len(missing) > 0 {
		fmt.Fprintf(out, "development mode: setting up keys in %s for %s (first start; policy/v1 takes a while)\n", keyDir, strings.Join(missing, ", "))
		if err := keys.Setup(keyDir, out, missing...); err != nil {
			return err
		}
	}
	names := map[auth.Role]string{auth.RoleBusiness: "acme", auth.RoleLender: "bank-a", auth.RoleAuditor: "auditor", auth.RoleAdmin: "admin"}
	for _, role := range auth.Roles {
		key, _, err := auth.NewKey(names[role], role)
		if err != nil {
			return err
		}
		book.Add(key, auth.Principal{Name: names[role], Role: role})
		fmt.Fprintf(out, "demo %s key: %s\n", role, key)
	}
	issuerPath := filepath.Join(devDir, "issuer.key")
	secret, err := devIssuer(issuerPath)
	if err != nil {
		return err
	}
	if err := list.Add(ctx, issuers.Issuer{Key: secret.Public().Hex(), Name: "demo-issuer", AddedAt: time.Now().UTC().Truncate(time.Second)}); err != nil {
		return err
	}
	fmt.Fprintf(out, "demo issuer key: %s (public key %s, trusted)\n", issuerPath, secret.Public().Hex())
	return nil
}

// devIssuer reads an issuer key file of the development directory, making
// it on first use.
func devIssuer(path string) (*credential.IssuerSecret, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		secret, err := credential.NewIssuerSecret()
		if err != nil {
			return nil, err
		}
		data, _ = json.Marshal(secret)
		if err := writeNew(path, append(data, '\n'), 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	secret, err := credential.ParseIssuerSecret(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return secret, nil
}

// devRegistry accredits the demo issuer and a second demo bank as
// "accredited-banks" and a demo tax bureau as "tax-authorities", and writes
// the registry to the development directory for the CLI to use too.
func devRegistry(out io.Writer) (*registry.Registry, error) {
	var keysOf [3]credential.IssuerKey
	for i, name := range []string{"issuer.key", "bank2.key", "tax.key"} {
		secret, err := devIssuer(filepath.Join(devDir, name))
		if err != nil {
			return nil, err
		}
		keysOf[i] = secret.Public()
	}
	reg := registry.New()
	if _, err := reg.Put("accredited-banks", credential.KindPaymentHistory, keysOf[:2]); err != nil {
		return nil, err
	}
	if _, err := reg.Put("tax-authorities", credential.KindRevenue, keysOf[2:]); err != nil {
		return nil, err
	}
	data, err := reg.MarshalIndent()
	if err != nil {
		return nil, err
	}
	path := filepath.Join(devDir, "registry.json")
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "demo registry: %s (accredited-banks: %s issuer.key and bank2.key; tax-authorities: %s tax.key)\n", path, devDir, devDir)
	return reg, nil
}

func worker(e *env, args []string) error {
	fs := e.flags("worker")
	sf := storageOn(fs)
	name := fs.String("name", "", "worker name (default: host-pid)")
	if err := parse(fs, args, "redis"); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	keyDir := *sf.keys
	if keyDir == "" {
		keyDir = "keys"
	}
	box, err := sf.box(nil)
	if err != nil {
		return err
	}
	store, err := sf.open(ctx)
	if err != nil {
		return err
	}
	defer store.Close()
	w, err := server.NewStandaloneWorker(keyDir, store.Queue, box, slog.New(slog.NewTextHandler(e.stderr, nil)))
	if err != nil {
		return err
	}
	if *name != "" {
		w.Name = *name
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
