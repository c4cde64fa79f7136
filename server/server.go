package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/tacit-zk/tacit/circuits"
	"github.com/tacit-zk/tacit/keys"
	"github.com/tacit-zk/tacit/prover"
	"github.com/tacit-zk/tacit/registry"
	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/server/ratelimit"
	"github.com/tacit-zk/tacit/server/sealed"
	"github.com/tacit-zk/tacit/server/worker"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// Limiter is a per-principal rate limiter.
type Limiter = ratelimit.Limiter

// Config is everything a Server needs. Storage is passed in, so the same
// server runs on memory or on Redis.
type Config struct {
	Keys       string // key directory (loaded and checked at New)
	Auth       *auth.Book
	Queue      jobs.Queue
	Challenges challenges.Store
	Issuers    issuers.Store
	Limiter    Limiter
	Box        *sealed.Box
	// Registry holds the accredited-issuer sets policies name (nil: no policies).
	Registry *registry.Registry
	// Development says the server runs in development mode, where
	// single-party keys are expected; otherwise they are warned about.
	Development bool
	// PublicURL is the service's absolute URL as businesses reach it
	// (behind a proxy, the proxy's), without a trailing slash: requests,
	// response URIs, presentation pages and key artefacts are named under
	// it. Empty: DefaultPublicURL.
	PublicURL string
	// Ping reports whether the storage answers (nil: always ready).
	Ping func(ctx context.Context) error

	ChallengeTTL   time.Duration // how long a challenge may wait for its proof
	BodyLimit      string        // e.g. "256K"
	RequestTimeout time.Duration
	Log            *slog.Logger
	Now            func() time.Time
}

// Validate reports the first missing or out-of-range setting.
func (c *Config) Validate() error {
	switch {
	case c.Keys == "":
		return errors.New("server: no key directory")
	case c.Auth == nil || c.Auth.Len() == 0:
		return errors.New("server: no API keys (create some with `tacit apikey new`, or run with --dev)")
	case c.Queue == nil || c.Challenges == nil || c.Issuers == nil || c.Limiter == nil:
		return errors.New("server: storage is not configured")
	case c.Box == nil:
		return errors.New("server: no payload sealing key")
	case c.ChallengeTTL < time.Second:
		return errors.New("server: challenge TTL must be at least 1s")
	case c.RequestTimeout < time.Millisecond:
		return errors.New("server: request timeout must be positive")
	case c.PublicURL != "":
		return ValidatePublicURL(c.PublicURL)
	}
	return nil
}

// Server is the HTTP API.
type Server struct {
	cfg      Config
	echo     *echo.Echo
	verifier *verifier.Verifier
	prover   *prover.Prover
	log      *slog.Logger
	metrics  *metrics
	now      func() time.Time

	issuerKeys issuers.KeyCache
	// publicURL prefixes the absolute URLs the API gives (Config.PublicURL).
	publicURL string
	// artefacts are the files businesses prove with, by circuit id and
	// route (presentation.go).
	artefacts map[string]map[string]*artefact
	// devKeys holds, by circuit id, the warning about single-party keys
	// that a non-development server gives.
	devKeys map[string]string
	// breakdown holds, by circuit id, where its constraints go.
	breakdown map[string][]blockJSON
}

// New loads and checks the keys and builds the router.
func New(cfg Config) (*Server, error) {
	if cfg.BodyLimit == "" {
		cfg.BodyLimit = "256K"
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.ChallengeTTL == 0 {
		cfg.ChallengeTTL = 30 * time.Minute
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Log, now: cfg.Now, metrics: newMetrics(cfg.Queue)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.now == nil {
		s.now = time.Now
	}
	v, err := verifier.New(cfg.Keys, verifier.WithClock(s.now))
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	s.verifier = v
	if s.artefacts, err = loadArtefacts(cfg.Keys, v); err != nil {
		return nil, err
	}
	s.publicURL = strings.TrimSuffix(cmp.Or(cfg.PublicURL, DefaultPublicURL), "/")
	s.devKeys = developmentKeys(v, cfg.Development)
	for _, id := range slices.Sorted(maps.Keys(s.devKeys)) {
		s.log.Warn("single-party development keys outside development mode: whoever ran their setup can forge proofs; use keys from a multi-party ceremony", "circuit", id)
	}
	s.breakdown = map[string][]blockJSON{}
	for _, info := range circuits.All() {
		if _, ok := v.Key(info.ID); ok {
			s.breakdown[info.ID] = breakdownFor(info, s.log)
		}
	}
	s.prover = prover.New(cfg.Keys)
	s.echo = s.router()
	if err := s.mountWeb(s.echo); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	return s, nil
}

// DevelopmentKeysWarning is the warning GET /v1/circuits gives for a
// circuit whose keys come from a single-party setup, outside development mode.
const DevelopmentKeysWarning = "this server uses single-party development keys for this circuit: whoever ran the setup can forge proofs, so its attestations prove nothing to a relying party; production servers use keys from a multi-party ceremony"

// developmentKeys returns, by circuit id, the warning for each circuit
// whose keys a single-party setup made; none in development mode.
func developmentKeys(v *verifier.Verifier, development bool) map[string]string {
	out := map[string]string{}
	if development {
		return out
	}
	for _, info := range circuits.All() {
		if k, ok := v.Key(info.ID); ok && k.Manifest.Setup.Kind == keys.SetupDevelopment {
			out[info.ID] = DevelopmentKeysWarning
		}
	}
	return out
}

// Handler is the HTTP handler, for tests and custom listeners.
func (s *Server) Handler() http.Handler { return s.echo }

// Prover is the server's prover, shared with its in-process workers.
func (s *Server) Prover() *prover.Prover { return s.prover }

// HTTPServer returns an http.Server with read, header and write timeouts.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      s.cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       60 * time.Second,
	}
}

func (s *Server) router() *echo.Echo {
	e := echo.New()
	e.Debug = false
	e.HideBanner = true
	e.HidePort = true
	// Never trust client-supplied X-Forwarded-For / X-Real-IP.
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = s.errorHandler
	e.Use(requestID)
	e.Use(middleware.Recover())
	e.Use(s.observe)
	e.Use(middleware.BodyLimit(s.cfg.BodyLimit))
	e.Use(middleware.ContextTimeoutWithConfig(middleware.ContextTimeoutConfig{Timeout: s.cfg.RequestTimeout}))

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metricsHandler)
	e.GET("/openapi.yaml", s.openAPI)

	// Authentication is route middleware, not group middleware: for a
	// group's middleware echo adds a catch-all route, which answers a
	// known path with the wrong method 404 instead of 405.
	v1 := e.Group("/v1")
	v1.POST("/challenges", s.createChallenge, s.authenticate, s.require(auth.RoleLender))
	v1.GET("/challenges", s.listChallenges, s.authenticate, s.require(auth.RoleLender))
	v1.GET("/challenges/:id", s.getChallenge, s.authenticate, s.require(auth.RoleLender))
	v1.GET("/challenges/:id/qr", s.challengeQR, s.authenticate, s.require(auth.RoleLender))
	// The presentation flow (presentation.go): no API key, the challenge
	// id is the capability; limited per client address.
	v1.GET("/requests/:id", s.getRequest, s.limitAddress(false))
	v1.POST("/requests/:id/response", s.answerRequest, s.limitAddress(false))
	v1.GET("/circuits/:id/proving-key", s.serveArtefact(provingKeyRoute), s.limitAddress(true))
	v1.GET("/circuits/:id/constraint-system", s.serveArtefact(constraintSystemRoute), s.limitAddress(true))
	v1.POST("/proofs", s.createProof, s.authenticate, s.require(auth.RoleBusiness))
	v1.GET("/proofs/:id", s.getProof, s.authenticate, s.require(auth.RoleBusiness))
	v1.POST("/verifications", s.verifyForLender, s.authenticate, s.require(auth.RoleLender))
	v1.POST("/attestations/verify", s.verifyArchived, s.authenticate, s.require(auth.RoleAuditor))
	v1.GET("/circuits", s.listCircuits, s.authenticateStateless)
	v1.GET("/circuits/:id", s.getCircuit, s.authenticateStateless)
	v1.GET("/issuers", s.listIssuers, s.authenticate)
	v1.GET("/registries", s.listRegistries, s.authenticateStateless)
	v1.POST("/issuers", s.addIssuer, s.authenticate, s.require(auth.RoleAdmin))
	v1.DELETE("/issuers/:key", s.removeIssuer, s.authenticate, s.require(auth.RoleAdmin))
	return e
}

// NewWorker returns an in-process worker that shares the server's queue,
// sealing key, prover, registry and metrics.
func (s *Server) NewWorker(name string) *worker.Worker {
	return &worker.Worker{
		Name: name, Queue: s.cfg.Queue, Box: s.cfg.Box, Prover: s.prover, Log: s.log,
		Trust:   statement.Trust{Registry: s.cfg.Registry},
		Metrics: s.metrics.worker,
	}
}

// WorkerMetrics records what workers do in the server's /metrics; the
// server's in-process workers use it.
func (s *Server) WorkerMetrics() worker.Recorder { return s.metrics.worker }

// Routes lists method and path of every route (for the OpenAPI test).
func (s *Server) Routes() [][2]string {
	var out [][2]string
	for _, r := range s.echo.Routes() {
		if r.Name == webRoute {
			continue
		}
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}
