package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/tacit-zk/tacit/server/challenges"
	"github.com/tacit-zk/tacit/server/issuers"
	"github.com/tacit-zk/tacit/server/jobs"
	"github.com/tacit-zk/tacit/statement"
	"github.com/tacit-zk/tacit/verifier"
)

// apiError is an error with an HTTP status, a stable code and a message that
// is safe to show (it names fields and checks, never private values).
type apiError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "bad_request", Message: fmt.Sprintf(format, args...)}
}

func unprocessable(code, msg string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: code, Message: msg}
}

var (
	errUnauthenticated = &apiError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "a valid API key is required (Authorization: Bearer <key>)"}
	errForbidden       = &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "this API key's role may not do that"}
	errNotFound        = &apiError{Status: http.StatusNotFound, Code: "not_found", Message: "not found"}
	errInternal        = &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
	// errNoRegistry refuses policies on a service started without an
	// issuer registry.
	errNoRegistry  = badRequest("this service has no issuer registry, so it takes no policies (start it with --registry FILE)")
	errUnavailable = &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the service is not ready"}
	// errStorageDown: the storage (Redis) does not answer; nothing was
	// changed that the client must know about, and a retry may succeed.
	errStorageDown = &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "storage is temporarily unavailable; retry later", RetryAfter: storageRetryAfter}
	// errRequestAnswered and errRequestExpired: a presentation request
	// that can no longer be answered (GET /v1/requests/{id} and its response).
	errRequestAnswered = &apiError{Status: http.StatusConflict, Code: "challenge_used", Message: "the challenge has already been answered"}
	errRequestExpired  = &apiError{Status: http.StatusGone, Code: "challenge_expired", Message: "the challenge has expired; ask the lender for a new one"}
)

// storageRetryAfter is the Retry-After of errStorageDown.
const storageRetryAfter = 2 * time.Second

// storageDown reports whether err says that the storage could not be
// reached or did not answer in time: go-redis's network, timeout and pool
// errors, a closed or reset connection, a deadline that ran out while
// waiting for it, and Redis's own "not now" replies (LOADING after a
// restart, MASTERDOWN, TRYAGAIN, CLUSTERDOWN, and a cluster node's MOVED
// or READONLY to a durable consume during a failover). These are outages, not bugs:
// the API answers 503 with Retry-After, never 500.
func storageDown(err error) bool {
	var ne net.Error
	switch {
	case errors.As(err, &ne),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrPoolExhausted), errors.Is(err, redis.ErrClosed),
		redis.IsLoadingError(err), redis.IsMasterDownError(err), redis.IsTryAgainError(err), redis.IsClusterDownError(err),
		challenges.Relocated(err):
		return true
	}
	return false
}

// toAPIError maps a domain error to its HTTP form. It is the only place
// that does.
func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusRequestEntityTooLarge:
			return &apiError{Status: he.Code, Code: "body_too_large", Message: "the request body is over the limit"}
		case http.StatusNotFound:
			return errNotFound
		case http.StatusMethodNotAllowed:
			return &apiError{Status: he.Code, Code: "method_not_allowed", Message: "method not allowed"}
		case http.StatusServiceUnavailable, http.StatusRequestTimeout:
			return &apiError{Status: http.StatusServiceUnavailable, Code: "timeout", Message: "the request timed out", RetryAfter: time.Second}
		}
		return &apiError{Status: he.Code, Code: "http_error", Message: http.StatusText(he.Code)}
	}
	var rp *refusedProof
	if errors.As(err, &rp) && refusable(rp.code) {
		return unprocessable(rp.code, fmt.Sprintf("field %q: %s", rp.field, proofRefusals[rp.code]))
	}
	if errors.Is(err, jobs.ErrIdempotencyConflict) {
		return &apiError{Status: http.StatusConflict, Code: "idempotency_conflict", Message: "this Idempotency-Key was used with another request; use a new key"}
	}
	if errors.Is(err, statement.ErrNoRegistry) {
		return errNoRegistry
	}
	if code := verifier.Code(err); code != "" {
		return unprocessable(code, verifierMessage(err))
	}
	switch {
	case errors.Is(err, challenges.ErrNotFound):
		return unprocessable("unknown_challenge", "no such challenge, or it has expired")
	case errors.Is(err, challenges.ErrConsumed):
		return unprocessable("challenge_used", "the challenge has already been used")
	case errors.Is(err, challenges.ErrWrongLender):
		return unprocessable("wrong_lender", "the challenge belongs to another lender")
	case errors.Is(err, jobs.ErrNotFound), errors.Is(err, issuers.ErrNotFound):
		return errNotFound
	case errors.Is(err, jobs.ErrQueueFull):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "queue_full", Message: "the proving queue is full; retry later", RetryAfter: 5 * time.Second}
	case storageDown(err):
		return errStorageDown
	}
	return errInternal
}

// refusedProof is a proof job refused at submission (see
// Server.precheck). It carries the field of the credential concerned and
// the statement's code; the message is the code's, constant.
type refusedProof struct {
	field string
	code  string
}

func (e *refusedProof) Error() string { return "refused proof job: " + e.code }

// proofRefusals gives each refusable statement.Unsatisfied code its
// message. Other codes are not refused at submission.
var proofRefusals = map[string]string{
	statement.CodeHolderMismatch:    "the holder secret does not match the credential's subject",
	statement.CodeCredentialExpired: "the credential had expired at the challenge's as-of month",
	statement.CodeWindowOutside:     "the challenge's window is not inside the credential's months",
	statement.CodeUntrustedIssuer:   "the credential's issuer is not one this service trusts for the challenge",
	statement.CodeCredentialLayout:  "the credential is signed in a layout the challenge's statement does not read; ask the issuer for one in the current layout (tacit credential sign signs it by default)",
}

// refusable reports whether a proof job is refused at submission for code.
func refusable(code string) bool {
	_, ok := proofRefusals[code]
	return ok
}

// verifierMessage is the verifier's message: it names the failed check and
// public values only.
func verifierMessage(err error) string { return err.Error() }

// errorHandler writes every error as {"error":{"code","message"}}. 5xx
// details go to the log only.
func (s *Server) errorHandler(err error, c echo.Context) {
	ae := toAPIError(err)
	if ae == errStorageDown {
		s.log.Warn("storage unavailable", "request_id", requestIDOf(c), "route", c.Path(), "method", c.Request().Method, "error", safeError(err))
	} else if ae.Status >= 500 && ae != errUnavailable && ae.Code != "queue_full" {
		s.log.Error("request failed", "request_id", requestIDOf(c), "route", c.Path(), "method", c.Request().Method, "error", safeError(err))
	}
	if c.Response().Committed {
		return
	}
	if ae.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int((ae.RetryAfter+time.Second-1)/time.Second)))
	}
	body := map[string]any{"error": map[string]string{"code": ae.Code, "message": ae.Message}}
	if err := c.JSON(ae.Status, body); err != nil {
		s.log.Error("writing error response", "request_id", requestIDOf(c), "error", err.Error())
	}
}

// safeError is what a log line may say about an internal error: its text,
// which in this package never holds request bodies (domain errors name
// fields and checks; gnark's solver errors are mapped in the prover).
func safeError(err error) slog.Value { return slog.StringValue(err.Error()) }
