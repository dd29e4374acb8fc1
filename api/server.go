package api

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"catchment/api/web"
)

const apiPrefix = "/api/v1"

// Config configures a Server. Zero values take the documented defaults.
type Config struct {
	// Engine is the port to storage and solving; required.
	Engine Engine
	// Token is the planner bearer token; required, at least 16 characters.
	Token string
	// Log receives request and error logs; nil discards them.
	Log *slog.Logger
	// MaxBody caps JSON request bodies (default 1 MiB); MaxUpload caps
	// scenario uploads (default 256 MiB). Larger bodies get 413.
	MaxBody, MaxUpload int64
	// LookupRate is the per-client look-up rate (requests per second) and
	// LookupBurst the bucket size; LookupRate 0 disables the limit.
	LookupRate  float64
	LookupBurst int
	// CORSOrigins lists the origins allowed to call the API from a browser;
	// empty (the default) sends no CORS headers at all.
	CORSOrigins []string
	// TrustProxy takes the client address for rate limiting and logs from
	// X-Forwarded-For (set it only behind a trusted reverse proxy).
	TrustProxy bool
	// TileURL is an optional base-map tile URL template for the map pages
	// ({z}/{x}/{y}); empty draws zones on a plain background (offline).
	TileURL, TileAttribution string
	// RequestTimeout bounds the work of one request (default 60 s; uploads
	// get 10×). Solves run as jobs and are not bound by it.
	RequestTimeout time.Duration
	// UploadDir holds uploaded files while they are ingested ("" = os.TempDir).
	UploadDir string
	// Version is reported by /healthz.
	Version string
}

// Server is the HTTP service. Create it with New; it is safe for
// concurrent use. Close cancels running solve jobs.
type Server struct {
	cfg       Config
	engine    Engine
	log       *slog.Logger
	e         *echo.Echo
	tokenHash [sha256.Size]byte
	limiter   *rateLimiter
	metrics   *metrics
	published atomic.Pointer[state]
	jobs      *jobs
	// plans caches states of recently viewed non-published plans.
	plansMu sync.Mutex
	plans   []*state
}

// New builds a Server and its routes.
func New(cfg Config) (*Server, error) {
	if cfg.Engine == nil {
		return nil, errors.New("api: Config.Engine is required")
	}
	if len(cfg.Token) < 16 {
		return nil, errors.New("api: Config.Token must be at least 16 characters")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 256 << 20
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 60 * time.Second
	}
	if cfg.LookupRate < 0 {
		return nil, errors.New("api: LookupRate must be ≥ 0")
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s := &Server{
		cfg: cfg, engine: cfg.Engine, log: log,
		tokenHash: sha256.Sum256([]byte(cfg.Token)),
		metrics:   &metrics{started: time.Now()},
	}
	if cfg.LookupRate > 0 {
		burst := cfg.LookupBurst
		if burst <= 0 {
			burst = int(2*cfg.LookupRate) + 1
		}
		s.limiter = newRateLimiter(cfg.LookupRate, burst)
	}
	s.jobs = newJobs(s)
	s.e = s.routes()
	return s, nil
}

// Handler returns the HTTP handler of every route.
func (s *Server) Handler() http.Handler { return s.e }

// Routes lists the registered routes as "METHOD path" with echo's :param
// syntax.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.e.Routes() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

func (s *Server) routes() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.HTTPErrorHandler = s.errorHandler
	if s.cfg.TrustProxy {
		e.IPExtractor = echo.ExtractIPFromXFFHeader()
	} else {
		e.IPExtractor = echo.ExtractIPDirect()
	}
	e.Use(s.observe)
	e.Use(secureHeaders)
	if len(s.cfg.CORSOrigins) > 0 {
		e.Use(cors(s.cfg.CORSOrigins))
	}

	small := bodyLimit(s.cfg.MaxBody)
	upload := bodyLimit(s.cfg.MaxUpload)
	to := timeout(s.cfg.RequestTimeout)
	upTo := timeout(10 * s.cfg.RequestTimeout)
	planner := []echo.MiddlewareFunc{s.auth, small, to}

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz, to)
	e.GET("/metrics", s.metricsHandler)

	// Map pages and their assets, embedded.
	e.GET("/", web.Page("index.html"))
	e.GET("/parent", web.Page("parent.html"))
	e.GET("/static/*", web.Static())

	g := e.Group(apiPrefix)
	g.GET("", s.landing)
	g.GET("/openapi.json", s.openapi)
	g.GET("/conformance", s.conformance)
	g.GET("/config", s.config)

	g.GET("/lookup", s.lookup, s.limitLookup)
	g.GET("/units", s.searchUnits, to)

	g.GET("/scenarios", s.listScenarios, planner...)
	g.POST("/scenarios", s.createScenario, s.auth, upload, upTo)
	g.DELETE("/scenarios/:name", s.deleteScenario, planner...)
	g.POST("/scenarios/:name/solve", s.startSolve, planner...)

	// Planner edits (Editor engines; see edit.go).
	g.GET("/scenarios/:name/edit", s.editState, planner...)
	g.GET("/scenarios/:name/revisions", s.listRevisions, planner...)
	g.GET("/scenarios/:name/revisions/:rev/export", s.exportRevision, planner...)
	g.POST("/scenarios/:name/edit/preview", s.previewEdit, planner...)
	g.POST("/scenarios/:name/edits", s.applyEdit, planner...)
	g.POST("/scenarios/:name/edit/complete", s.completeEdit, s.auth, small, upTo)
	g.GET("/scenarios/:name/compare", s.compareRevisions, planner...)

	g.GET("/jobs", s.listJobs, planner...)
	g.GET("/jobs/:id", s.getJob, planner...)
	g.DELETE("/jobs/:id", s.cancelJob, planner...)

	g.GET("/plans", s.listPlans, planner...)
	g.GET("/plans/:id", s.planInfo, to)
	g.GET("/plans/:id/report", s.planReport, to)
	g.GET("/plans/:id/zones/:stage", s.planZones, to)
	g.GET("/plans/:id/schools", s.planSchools, to)
	g.GET("/plans/:id/publication", s.planPublication, to)
	g.GET("/plans/:id/assignments", s.planAssignments, planner...)
	g.GET("/plans/:id/comparison", s.planComparison, planner...)
	g.GET("/plans/:id/changes", s.planChanges, planner...)
	g.POST("/plans/:id/publish", s.publishPlan, planner...)

	g.GET("/collections", s.collections)
	g.GET("/collections/:id", s.collectionInfo)
	g.GET("/collections/:id/items", s.collectionItems, to)
	return e
}

// Publish makes snap the served plan. It encodes the snapshot first and
// then swaps one pointer, so concurrent readers see either the old plan or
// the new one, never a mix.
func (s *Server) Publish(snap *Snapshot) error {
	st, err := newState(snap)
	if err != nil {
		return fmt.Errorf("publish plan %d: %w", snapIDOf(snap), err)
	}
	s.published.Store(st)
	s.metrics.planSwaps.Add(1)
	s.log.Info("plan published", "plan", snap.Plan.ID, "scenario", snap.Plan.Scenario)
	return nil
}

func snapIDOf(s *Snapshot) int64 {
	if s == nil {
		return 0
	}
	return s.Plan.ID
}

// Published returns the served plan's snapshot, or nil.
func (s *Server) Published() *Snapshot {
	if st := s.published.Load(); st != nil {
		return st.snap
	}
	return nil
}

// Close cancels every queued or running solve job and waits for them.
func (s *Server) Close() { s.jobs.closeAll() }

// HTTPServer returns an http.Server for the handler with conservative
// timeouts: 10 s to read headers, ten request timeouts to read a body
// (uploads), the same to write, 2 min idle, 1 MiB of headers.
func (s *Server) HTTPServer(addr string) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           s.e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10 * s.cfg.RequestTimeout,
		WriteTimeout:      10 * s.cfg.RequestTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully:
// it stops accepting, cancels solve jobs, and waits up to grace for
// in-flight requests.
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	hs := s.HTTPServer(ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "grace", grace)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	s.Close()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
