package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Error is the JSON error body of every failed request:
// {"error": {"code": "...", "message": "..."}}. Code is stable and
// machine-readable; Message is for people and never holds a stack trace.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Base and Head are set on a stale_revision error: the revision the
	// edit was based on and the plan's newest revision (0 when unknown).
	Base *int `json:"base_revision,omitempty"`
	Head *int `json:"head_revision,omitempty"`
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The stable error codes.
const (
	CodeBadRequest      = "bad_request"
	CodeUnauthorized    = "unauthorized"
	CodeNotFound        = "not_found"
	CodeMethod          = "method_not_allowed"
	CodeConflict        = "conflict"
	CodeTooLarge        = "body_too_large"
	CodeRateLimited     = "rate_limited"
	CodeNotReady        = "not_ready"
	CodeInternal        = "internal"
	CodeUnavailable     = "unavailable"
	CodeTimeout         = "timeout"
	CodeUnsupportedType = "unsupported_media_type"
	CodeStale           = "stale_revision"
	CodeUnprocessable   = "unprocessable"
	CodeNotImplemented  = "not_implemented"
)

func errf(status int, code, msg string) *Error {
	return &Error{Status: status, Code: code, Message: msg}
}

// toError maps any handler error to an *Error. Engine errors wrapping
// ErrInvalid, ErrNotFound and ErrConflict keep their message (it describes
// the caller's input); anything else is an internal error whose detail is
// logged, not returned.
func toError(err error, log *slog.Logger, r *http.Request) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return errf(he.Code, CodeNotFound, "no such resource")
		case http.StatusMethodNotAllowed:
			return errf(he.Code, CodeMethod, "method not allowed")
		case http.StatusRequestEntityTooLarge:
			return errf(he.Code, CodeTooLarge, "request body too large")
		case http.StatusUnsupportedMediaType:
			return errf(he.Code, CodeUnsupportedType, "unsupported media type")
		}
		if he.Code >= 400 && he.Code < 500 {
			return errf(he.Code, CodeBadRequest, http.StatusText(he.Code))
		}
	}
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body too large")
	case errors.Is(err, ErrInvalid):
		return errf(http.StatusBadRequest, CodeBadRequest, err.Error())
	case errors.Is(err, ErrNotFound):
		return errf(http.StatusNotFound, CodeNotFound, err.Error())
	case errors.Is(err, ErrConflict):
		return errf(http.StatusConflict, CodeConflict, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return errf(http.StatusServiceUnavailable, CodeTimeout, "the request timed out")
	}
	log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return errf(http.StatusInternalServerError, CodeInternal, "internal error")
}

// errorHandler is echo's HTTPErrorHandler: every error becomes the JSON body.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e := toError(err, s.log, c.Request())
	if e.Status == 0 {
		e.Status = http.StatusInternalServerError
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(e.Status)
		return
	}
	_ = c.JSON(e.Status, map[string]*Error{"error": e})
}
