// Package domain holds scanpay's entities, rules and repository interfaces.
// It imports only the standard library and small pure helpers, so the rules
// can be read and tested without a database, a queue or WeChat.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. A program branches on these; HTTP status and job retry policy
// are derived from them in exactly one place each (adapters/http, jobs).
const (
	EINVALID      = "invalid"      // the request breaks a rule (400/422)
	EMALFORMED    = "malformed"    // the request cannot be parsed (400)
	ENOTFOUND     = "not_found"    // the thing does not exist or is not yours
	ECONFLICT     = "conflict"     // the state does not allow it (duplicate, wrong state)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // authenticated but not allowed
	ETOOMANY      = "rate_limited" // slow down; RetryAfter says for how long
	ETOOLARGE     = "too_large"    // the body is over the limit
	EUNAVAILABLE  = "unavailable"  // a dependency (DB, Redis, WeChat) is down; retry later
	EINTERNAL     = "internal"     // a bug; details are logged, not shown
)

// FieldError names one bad input field, so clients can point at it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type the domain and the use cases return. Code is
// coarse (see the E* constants); Reason is the specific machine reason such as
// "barcode_unknown"; Message is for humans.
type Error struct {
	Code    string
	Reason  string
	Message string
	Fields  []FieldError
	// RetryAfterSeconds is set with ETOOMANY and EUNAVAILABLE when known.
	RetryAfterSeconds int
	// Err is the underlying cause, kept for logs and errors.Is; never shown.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Reason != "" {
		msg = e.Reason + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, msg)
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a code, a machine reason and a formatted message.
func Errorf(code, reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds a validation error from field errors; the message lists the
// first field so a log line alone is useful.
func Invalid(reason string, fields ...FieldError) *Error {
	msg := "the request is not valid"
	if len(fields) > 0 {
		msg = fields[0].Field + ": " + fields[0].Message
	}
	return &Error{Code: EINVALID, Reason: reason, Message: msg, Fields: fields}
}

// Unavailable wraps a dependency failure so callers answer 503 and retry.
func Unavailable(what string, err error) *Error {
	return &Error{Code: EUNAVAILABLE, Reason: what + "_unavailable", Message: what + " is unavailable, try again shortly", Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorReason returns the machine reason of err, or "" when it has none.
func ErrorReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

// Fields collects field errors while validating, so all bad fields are reported
// at once rather than one per round trip.
type Fields []FieldError

// Add records a bad field.
func (f *Fields) Add(field, format string, args ...any) {
	*f = append(*f, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when no field is bad, else an EINVALID error naming them.
func (f Fields) Err(reason string) error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(reason, f...)
}

// ErrorMessage returns the human message of err without code and reason,
// for nesting one error's text inside another's field.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func itoa(i int) string { return fmt.Sprint(i) }
