package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/tacit-zk/tacit/server/auth"
	"github.com/tacit-zk/tacit/server/internal/ids"
)

const (
	principalKey = "tacit.principal"
	requestIDKey = "tacit.request_id"
)

// RequestIDHeader carries a request's id: the client's, if it is short and
// safe, or else one the server makes. Every log line about the request
// carries it too.
const RequestIDHeader = "X-Request-Id"

// maxRequestID is the longest client-supplied request id the server keeps.
const maxRequestID = 64

// requestID gives the request an id and echoes it in the response header.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(RequestIDHeader)
		if !safeRequestID(id) {
			id = ids.New()
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set(RequestIDHeader, id)
		return next(c)
	}
}

// safeRequestID reports whether a client's request id may be logged and
// echoed as it is: 1 to maxRequestID characters of [A-Za-z0-9_-].
func safeRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for _, r := range []byte(id) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

func requestIDOf(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// authenticate resolves the bearer key to a principal and applies the
// principal's rate limit. When the limiter's storage is down the request
// fails with 503 (see storageDown).
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticateWith(next, false)
}

// authenticateStateless is authenticate for routes that read no stored
// state (the circuits): when the limiter's storage is down they are served
// without a rate limit (fail open) rather than refused, since they cost
// little and answer from memory. Every such request is logged.
func (s *Server) authenticateStateless(next echo.HandlerFunc) echo.HandlerFunc {
	return s.authenticateWith(next, true)
}

func (s *Server) authenticateWith(next echo.HandlerFunc, failOpen bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		key, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || key == "" {
			return errUnauthenticated
		}
		p, err := s.cfg.Auth.Lookup(key)
		if err != nil {
			return errUnauthenticated
		}
		if err := s.allow(c, p.Name, failOpen); err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// allow applies who's rate limit: nil, rate_limited, or the limiter's
// error. With failOpen a limiter whose storage is down lets the request
// through, logged.
func (s *Server) allow(c echo.Context, who string, failOpen bool) error {
	allowed, retry, err := s.cfg.Limiter.Allow(c.Request().Context(), who)
	switch {
	case err != nil && failOpen && storageDown(err):
		s.log.Warn("rate limiter unavailable; serving a stateless route without a limit", "request_id", requestIDOf(c), "route", c.Path(), "error", safeError(err))
		return nil
	case err != nil:
		return err
	case !allowed:
		return &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many requests; retry later", RetryAfter: max(retry, time.Second)}
	}
	return nil
}

// require allows only principals with the given role.
func (s *Server) require(role auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if principal(c).Role != role {
				return errForbidden
			}
			return next(c)
		}
	}
}

func principal(c echo.Context) auth.Principal {
	p, _ := c.Get(principalKey).(auth.Principal)
	return p
}

// observe logs one line per request (method, route template, status,
// latency; never a body, a query or a header value) and counts it.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		s.metrics.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(status)).Inc()
		s.metrics.latency.WithLabelValues(route).Observe(elapsed.Seconds())
		s.log.Info("request", "request_id", requestIDOf(c), "method", c.Request().Method, "route", route, "status", status,
			"ms", elapsed.Milliseconds(), "principal", principal(c).Name, "ip", c.RealIP())
		return nil
	}
}
