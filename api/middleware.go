package api

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"hash/maphash"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// observe is the outermost middleware: it recovers panics (logged with
// their stack, answered with a plain internal error), records metrics and
// writes one slog line per request.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic in handler", "path", c.Request().URL.Path, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				err = errf(http.StatusInternalServerError, CodeInternal, "internal error")
			}
			if err != nil {
				c.Error(err)
				err = nil
			}
			d := time.Since(start)
			status := c.Response().Status
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			req := c.Request()
			s.metrics.observe(req.Method, route, status, d)
			// Look-ups are the high-volume public endpoint: logged at Debug.
			level := slog.LevelInfo
			if route == apiPrefix+"/lookup" || route == "/metrics" || route == "/healthz" || route == "/readyz" {
				level = slog.LevelDebug
			}
			if status >= 500 {
				level = slog.LevelError
			}
			if s.log.Enabled(req.Context(), level) {
				s.log.LogAttrs(req.Context(), level, "request",
					slog.String("method", req.Method), slog.String("path", req.URL.Path),
					slog.Int("status", status), slog.Duration("dur", d),
					slog.String("client", c.RealIP()), slog.Int64("bytes", c.Response().Size))
			}
		}()
		return next(c)
	}
}

// isPlanner reports whether the request carries the planner token.
func (s *Server) isPlanner(c echo.Context) bool {
	tok, ok := strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	if !ok || tok == "" {
		return false
	}
	got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) == 1
}

// auth lets a request through only with the planner bearer token.
// Tokens are compared as SHA-256 digests in constant time.
func (s *Server) auth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		tok, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || tok == "" {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="catchment"`)
			return errf(http.StatusUnauthorized, CodeUnauthorized, "this endpoint needs the planner bearer token")
		}
		got := sha256.Sum256([]byte(strings.TrimSpace(tok)))
		if subtle.ConstantTimeCompare(got[:], s.tokenHash[:]) != 1 {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="catchment", error="invalid_token"`)
			return errf(http.StatusUnauthorized, CodeUnauthorized, "invalid bearer token")
		}
		return next(c)
	}
}

// bodyLimit refuses bodies over max bytes with 413: at once when
// Content-Length says so, else when reading passes the limit.
func bodyLimit(max int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > max {
				return errf(http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("request body over the %d-byte limit", max))
			}
			if req.Body != nil && req.Body != http.NoBody {
				req.Body = http.MaxBytesReader(c.Response(), req.Body, max)
			}
			return next(c)
		}
	}
}

// timeout bounds a handler's context (not its connection; the server
// timeouts do that).
func timeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// rateLimiter is a per-client token bucket: rate tokens per second up to
// burst. Clients are keyed by IP in sharded maps; idle buckets are swept.
type rateLimiter struct {
	rate, burst float64
	seed        maphash.Seed
	shards      [32]limiterShard
	now         func() time.Time
}

type limiterShard struct {
	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// maxClientsPerShard bounds memory under a flood of distinct addresses:
// when a shard is full, buckets idle long enough to have refilled are dropped.
const maxClientsPerShard = 4096

func newRateLimiter(rate float64, burst int) *rateLimiter {
	if burst < 1 {
		burst = 1
	}
	l := &rateLimiter{rate: rate, burst: float64(burst), seed: maphash.MakeSeed(), now: time.Now}
	for i := range l.shards {
		l.shards[i].buckets = map[string]*bucket{}
	}
	return l
}

// allow takes one token for client, reporting whether one was available.
func (l *rateLimiter) allow(client string) bool {
	sh := &l.shards[maphash.String(l.seed, client)%uint64(len(l.shards))]
	now := l.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.buckets[client]
	if b == nil {
		if len(sh.buckets) >= maxClientsPerShard {
			l.sweepLocked(sh, now)
		}
		b = &bucket{tokens: l.burst, last: now}
		sh.buckets[client] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rateLimiter) sweepLocked(sh *limiterShard, now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range sh.buckets {
		if now.Sub(b.last) >= full {
			delete(sh.buckets, k)
		}
	}
	if len(sh.buckets) >= maxClientsPerShard { // still full: start afresh
		clear(sh.buckets)
	}
	sh.sweep = now
}

func (s *Server) limitLookup(next echo.HandlerFunc) echo.HandlerFunc {
	if s.limiter == nil {
		return next
	}
	return func(c echo.Context) error {
		if !s.limiter.allow(c.RealIP()) {
			s.metrics.rateLimited.Add(1)
			c.Response().Header().Set("Retry-After", "1")
			return errf(http.StatusTooManyRequests, CodeRateLimited, "too many look-ups from this client; retry in a second")
		}
		return next(c)
	}
}

// secureHeaders sets conservative browser security headers on every
// response. The pages load only their own embedded assets; images may come
// from an optional tile server.
func secureHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		// Canonical keys and shared value slices: no allocation per request
		// (net/http never modifies header values).
		h["X-Content-Type-Options"] = hdrNosniff
		h["X-Frame-Options"] = hdrSameOrigin
		h["Referrer-Policy"] = hdrReferrer
		h["Content-Security-Policy"] = hdrCSP
		return next(c)
	}
}

var (
	hdrNosniff    = []string{"nosniff"}
	hdrSameOrigin = []string{"SAMEORIGIN"}
	hdrReferrer   = []string{"same-origin"}
	hdrCSP        = []string{"default-src 'self'; img-src 'self' data: https: http:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'"}
	hdrJSON       = []string{mimeJSON}
	hdrNoStore    = []string{"no-store"}
)

// cors allows browser calls from the listed origins ("*" allows any).
// Without this middleware (the default) no CORS header is ever sent, so
// browsers refuse cross-origin reads.
func cors(origins []string) echo.MiddlewareFunc {
	allowed := map[string]bool{}
	for _, o := range origins {
		allowed[strings.TrimRight(strings.TrimSpace(o), "/")] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			origin := c.Request().Header.Get(echo.HeaderOrigin)
			h := c.Response().Header()
			h.Add(echo.HeaderVary, echo.HeaderOrigin)
			ok := origin != "" && (allowed["*"] || allowed[origin])
			if ok {
				if allowed["*"] {
					h.Set(echo.HeaderAccessControlAllowOrigin, "*")
				} else {
					h.Set(echo.HeaderAccessControlAllowOrigin, origin)
				}
			}
			if c.Request().Method == http.MethodOptions && c.Request().Header.Get(echo.HeaderAccessControlRequestMethod) != "" {
				if !ok {
					return c.NoContent(http.StatusForbidden)
				}
				h.Set(echo.HeaderAccessControlAllowMethods, "GET, HEAD, POST, DELETE")
				h.Set(echo.HeaderAccessControlAllowHeaders, "Authorization, Content-Type")
				h.Set(echo.HeaderAccessControlMaxAge, "600")
				return c.NoContent(http.StatusNoContent)
			}
			return next(c)
		}
	}
}
