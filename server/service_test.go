package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/credential"
	"github.com/tacit-zk/tacit/internal/fixture"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/internal/redistest"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// The world every test shares: two trusted issuers, one business's holder
// secret and its credentials, and one principal per role (two businesses
// and two lenders, to test isolation).
var (
	bank      = fixture.Issuer("server-bank")
	otherBank = fixture.Issuer("server-other-bank")
	holder    = fixture.Holder("server-acme")
	now       = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
)

const (
	acme    = "acme" // business
	globex  = "globex"
	bankA   = "bank-a" // lender
	bankB   = "bank-b"
	auditor = "auditor"
	admin   = "admin"
)

var principals = map[string]auth.Role{
	acme: auth.RoleBusiness, globex: auth.RoleBusiness,
	bankA: auth.RoleLender, bankB: auth.RoleLender,
	auditor: auth.RoleAuditor, admin: auth.RoleAdmin,
}

// sentinelAmount is one month's amount in every test credential: a value
// that must never leave the sealed payload (see TestPrivacySentinel).
const sentinelAmount = 7_314_159_265

// credentialWith signs 36 months from 2023-11 (covering the 24-month window
// before 2026-11, the as-of month of every challenge) with the sentinel
// amount in 2026-05 and the given statuses.
func credentialWith(statuses map[int]credential.Status) *credential.Credential {
	h := fixture.History("2023-11", 36, statuses)
	h.Months[30].Amount = sentinelAmount
	return fixture.Credential(bank, holder, h, "2027-06-01")
}

var (
	passing = credentialWith(nil)
	// failing has a default in 2025-07, inside the window.
	failing = credentialWith(map[int]credential.Status{20: credential.StatusDefault})
)

// setup is what start builds; the zero value is an in-memory service with
// no workers and generous limits.
type setup struct {
	redis     bool
	cluster   bool        // with redis: a Redis Cluster
	jobs      jobs.Config // zero: testJobs()
	rate      int         // requests per minute per principal; zero: unlimited in practice
	bodyLimit string
	keys      string             // key directory; zero: keyDir
	registry  *registry.Registry // accredited-issuer sets; nil: no policies
	// redisURL: Redis storage through server.RedisStorage (the bounded
	// client `tacit serve` uses) on a server the test owns.
	redisURL string
	// localLimiter: the rate limiter in memory whatever the storage, so
	// that requests reach the handlers' own storage calls.
	localLimiter bool
	// clock is the server's clock; nil: now.
	clock func() time.Time
	// publicURL is the server's public URL; empty: the default.
	publicURL string
}

// testJobs is jobs.DefaultConfig with a short poll, so that tests do not
// wait for idle workers.
func testJobs() jobs.Config {
	c := jobs.DefaultConfig()
	c.PollInterval = 20 * time.Millisecond
	return c
}

// service is a Server on memory or Redis storage, driven through its real
// router, with its log and every response body kept for inspection.
type service struct {
	srv     *server.Server
	store   *server.Storage
	box     *sealed.Box
	sealKey []byte
	jobs    jobs.Config
	apiKeys map[string]string // principal name -> API key
	logs    *logBuffer
	reg     *registry.Registry // the service's issuer registry, for standalone workers

	rdb    redis.UniversalClient // Redis only
	prefix string

	contract *contract // checks every request and response against openapi.yaml

	mu      sync.Mutex
	replies [][]byte
}

func start(t testing.TB, cfg setup) *service {
	t.Helper()
	ctx := context.Background()
	s := &service{jobs: cfg.jobs, apiKeys: map[string]string{}, logs: &logBuffer{}, reg: cfg.registry, contract: newContract(t)}
	if s.jobs == (jobs.Config{}) {
		s.jobs = testJobs()
	}
	rc := ratelimit.Config{Limit: 1 << 30, Window: time.Minute}
	if cfg.rate > 0 {
		rc.Limit = cfg.rate
	}
	var err error
	switch {
	case cfg.redisURL != "":
		s.prefix = "{tacit}:"
		if s.store, err = server.RedisStorage(ctx, cfg.redisURL, s.prefix, s.jobs, rc); err == nil {
			t.Cleanup(func() { s.store.Close() })
		}
	case cfg.redis:
		if cfg.cluster {
			s.rdb, s.prefix = redistest.StartCluster(t)
		} else {
			s.rdb, s.prefix = redistest.Start(t)
		}
		s.store, err = server.RedisStorageFrom(ctx, s.rdb, s.prefix, s.jobs, rc)
	default:
		s.store, err = server.MemoryStorage(s.jobs, rc)
	}
	if err != nil {
		t.Fatal(err)
	}
	if cfg.localLimiter {
		if s.store.Limiter, err = ratelimit.NewMemory(rc); err != nil {
			t.Fatal(err)
		}
	}
	s.sealKey = make([]byte, sealed.KeySize)
	rand.Read(s.sealKey)
	if s.box, err = sealed.New(s.sealKey); err != nil {
		t.Fatal(err)
	}
	book := auth.NewBook()
	for name, role := range principals {
		key, _, err := auth.NewKey(name, role)
		if err != nil {
			t.Fatal(err)
		}
		book.Add(key, auth.Principal{Name: name, Role: role})
		s.apiKeys[name] = key
	}
	for name, is := range map[string]*credential.IssuerSecret{"bank": bank, "other-bank": otherBank} {
		if err := s.store.Issuers.Add(ctx, issuers.Issuer{Key: is.Public().Hex(), Name: name, AddedAt: now()}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.keys == "" {
		cfg.keys = keyDir
	}
	if cfg.clock == nil {
		cfg.clock = now
	}
	s.srv, err = server.New(server.Config{
		Keys: cfg.keys, Registry: cfg.registry, Auth: book, Queue: s.store.Queue, Challenges: s.store.Challenges, Issuers: s.store.Issuers,
		Limiter: s.store.Limiter, Box: s.box, Ping: s.store.Ping, BodyLimit: cfg.bodyLimit,
		Log: s.logs.logger(), Now: cfg.clock, PublicURL: cfg.publicURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// standalone is a `tacit worker` on the service's queue, with the
// service's issuer registry, logging to the service's log.
func (s *service) standalone(t *testing.T) *worker.Worker {
	t.Helper()
	w, err := worker.New(keyDir, s.store.Queue, s.box, statement.Trust{Registry: s.reg}, s.logs.logger())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// run runs w until ctx ends or the test does; the channel closes when Run
// returns.
func (s *service) run(t *testing.T, ctx context.Context, w *worker.Worker) <-chan struct{} {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil {
			t.Errorf("worker %s: %v", w.Name, err)
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return done
}

// --- HTTP ---

// reply is one response.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request through the router as principal who ("" sends no
// key). A body that is not a string, []byte or io.Reader is sent as JSON; header
// holds name, value pairs that override the defaults.
// Every request and response is checked against openapi.yaml (see
// contract_test.go).
func (s *service) call(who, method, path string, body any, header ...string) reply {
	return s.send(true, who, method, path, body, header...)
}

// send is call, checking the request against the contract only if
// checkRequest (the response always).
func (s *service) send(checkRequest bool, who, method, path string, body any, header ...string) reply {
	var data io.Reader
	switch b := body.(type) {
	case nil:
	case io.Reader: // sent without a Content-Length
		data = b
	case string:
		data = strings.NewReader(b)
	case []byte:
		data = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			panic(err)
		}
		data = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, data)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+s.apiKeys[who])
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	sent := s.contract.capture(req)
	rec := httptest.NewRecorder()
	s.srv.Handler().ServeHTTP(rec, req)
	s.contract.check(sent, checkRequest, rec)
	s.mu.Lock()
	s.replies = append(s.replies, rec.Body.Bytes())
	s.mu.Unlock()
	return reply{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// errorBody is every error response.
type errorBody struct {
	Error struct{ Code, Message string }
}

func (r reply) failure() (code, message string) {
	var e errorBody
	json.Unmarshal(r.body, &e)
	return e.Error.Code, e.Error.Message
}

func (r reply) code() string {
	code, _ := r.failure()
	return code
}

// expect fails the test unless r has status and, if code is not empty,
// that error code.
func (r reply) expect(t testing.TB, status int, code string) {
	t.Helper()
	if r.status != status || code != "" && r.code() != code {
		t.Fatalf("got %d %s; want %d %s", r.status, r.body, status, code)
	}
}

func decode[T any](t testing.TB, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return v
}

// The API's response bodies.
type (
	// params are a no-default challenge's and verification's parameters.
	params struct {
		Window   int    `json:"window"`
		AsOf     string `json:"asOf,omitempty"`
		Severity string `json:"severity,omitempty"`
	}
	challengeReply struct {
		ID, Nonce, Lender, Statement string
		Params                       params
		ExpiresAt                    time.Time
	}
	proofReply struct {
		ID          string
		Status      jobs.Status
		Attestation json.RawMessage
		Reason      string
	}
	verificationReply struct {
		Valid             bool
		Statement         string
		Params            params
		Pseudonym, Issuer string
		IssuerTrusted     *bool
	}
)

// --- the flow's steps ---

func (s *service) challenge(t testing.TB, lender, statement string, window int) challengeReply {
	t.Helper()
	r := s.call(lender, http.MethodPost, "/v1/challenges", map[string]any{"statement": statement, "params": map[string]any{"window": window}})
	r.expect(t, http.StatusCreated, "")
	return decode[challengeReply](t, r)
}

func proofRequest(challengeID string, c *credential.Credential, secret string) map[string]any {
	return map[string]any{"challengeId": challengeID, "credential": c, "holderSecret": secret}
}

// submit queues a proof job of acme's and returns its id.
func (s *service) submit(t testing.TB, challengeID string, c *credential.Credential) string {
	t.Helper()
	r := s.call(acme, http.MethodPost, "/v1/proofs", proofRequest(challengeID, c, holder.Hex()))
	r.expect(t, http.StatusAccepted, "")
	p := decode[proofReply](t, r)
	if p.Status != jobs.StatusQueued || p.Attestation != nil {
		t.Fatalf("new job: %s", r.body)
	}
	return p.ID
}

// await polls acme's job id until it ends.
func (s *service) await(t testing.TB, id string) proofReply {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		r := s.call(acme, http.MethodGet, "/v1/proofs/"+id, nil)
		r.expect(t, http.StatusOK, "")
		p := decode[proofReply](t, r)
		if p.Status == jobs.StatusDone || p.Status == jobs.StatusFailed {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %s still %s after a minute", id, p.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// queue has bankA challenge acme for no-default over 24 months and acme
// submit a proof job with credential c; it returns the job's id.
func (s *service) queue(t testing.TB, c *credential.Credential) string {
	t.Helper()
	return s.submit(t, s.challenge(t, bankA, "no-default", 24).ID, c)
}

// verify posts an attestation to a verification endpoint.
func (s *service) verify(who, path string, att json.RawMessage) reply {
	return s.call(who, http.MethodPost, path, map[string]any{"attestation": att})
}

// race sends n copies of one request at once.
func (s *service) race(n int, who, method, path string, body any) []reply {
	replies := make([]reply, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range replies {
		wg.Go(func() {
			<-gate
			replies[i] = s.call(who, method, path, body)
		})
	}
	close(gate)
	wg.Wait()
	return replies
}

// tally counts replies by "status code" ("200", "422 challenge_used").
func tally(replies []reply) map[string]int {
	counts := map[string]int{}
	for _, r := range replies {
		counts[strings.TrimSpace(fmt.Sprintf("%d %s", r.status, r.code()))]++
	}
	return counts
}

// job reads a job's state from the queue, past the API.
func (s *service) job(t testing.TB, id string) jobs.Job {
	t.Helper()
	j, err := s.store.Queue.Get(context.Background(), acme, jobs.ID(id))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// pseudonym is acme's pseudonym for a lender.
func pseudonym(t testing.TB, lender string) string {
	t.Helper()
	l, err := verifier.LenderID(lender)
	if err != nil {
		t.Fatal(err)
	}
	return credential.FieldHex(holder.Pseudonym(l))
}

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
