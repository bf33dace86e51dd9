package domain_test

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/scanpay/scanpay/domain"
)

func TestErrorCodeAndReason(t *testing.T) {
	notFound := domain.Errorf(domain.ENOTFOUND, "store_not_found", "no store %s", "X1")
	tests := []struct {
		name   string
		err    error
		code   string
		reason string
	}{
		{"nil", nil, "", ""},
		{"plain error", errors.New("boom"), domain.EINTERNAL, ""},
		{"plain wrapped", fmt.Errorf("load: %w", io.EOF), domain.EINTERNAL, ""},
		{"domain error", notFound, domain.ENOTFOUND, "store_not_found"},
		{"wrapped once", fmt.Errorf("get store: %w", notFound), domain.ENOTFOUND, "store_not_found"},
		{"wrapped twice", fmt.Errorf("use case: %w", fmt.Errorf("repo: %w", notFound)), domain.ENOTFOUND, "store_not_found"},
		{"joined", errors.Join(io.EOF, domain.Errorf(domain.ECONFLICT, "cart_changed", "x")), domain.ECONFLICT, "cart_changed"},
		{"no reason", &domain.Error{Code: domain.EFORBIDDEN, Message: "no"}, domain.EFORBIDDEN, ""},
		{"unavailable", domain.Unavailable("database", io.EOF), domain.EUNAVAILABLE, "database_unavailable"},
		{"outer domain error wins", &domain.Error{Code: domain.EUNAVAILABLE, Reason: "outer", Err: notFound}, domain.EUNAVAILABLE, "outer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := domain.ErrorReason(tt.err); got != tt.reason {
				t.Errorf("ErrorReason = %q, want %q", got, tt.reason)
			}
		})
	}
}

func TestErrorMessageAndUnwrap(t *testing.T) {
	cause := errors.New("dial tcp: connection refused")
	e := domain.Unavailable("redis", cause)
	if !errors.Is(e, cause) {
		t.Error("errors.Is does not reach the cause")
	}
	if e.RetryAfterSeconds != 0 || e.Message == "" {
		t.Errorf("unexpected %+v", e)
	}
	for _, want := range []string{"unavailable", "redis_unavailable", "connection refused"} {
		if !strings.Contains(e.Error(), want) {
			t.Errorf("Error() = %q, want it to contain %q", e.Error(), want)
		}
	}
	if got := domain.Errorf(domain.EINVALID, "", "bad %d", 3).Error(); got != "invalid: bad 3" {
		t.Errorf("Error() without reason/cause = %q", got)
	}
	if got := domain.Errorf(domain.ECONFLICT, "username_taken", "taken").Error(); got != "conflict: username_taken: taken" {
		t.Errorf("Error() with reason = %q", got)
	}
}

func TestFieldsErr(t *testing.T) {
	var none domain.Fields
	if err := none.Err("x_invalid"); err != nil {
		t.Fatalf("empty Fields.Err = %v (%T), want untyped nil", err, err)
	}
	if err := (domain.Fields{}).Err("x_invalid"); err != nil {
		t.Fatalf("zero-length Fields.Err = %v, want nil", err)
	}

	var fe domain.Fields
	fe.Add("name", "is required")
	fe.Add("radius_m", "must be at most %d", 50000)
	err := fe.Err("store_invalid")
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("Err = %v (%T), want *domain.Error", err, err)
	}
	if de.Code != domain.EINVALID || de.Reason != "store_invalid" {
		t.Errorf("code/reason = %s/%s", de.Code, de.Reason)
	}
	want := []domain.FieldError{{Field: "name", Message: "is required"}, {Field: "radius_m", Message: "must be at most 50000"}}
	if len(de.Fields) != len(want) || de.Fields[0] != want[0] || de.Fields[1] != want[1] {
		t.Errorf("fields = %+v, want %+v", de.Fields, want)
	}
	if de.Message != "name: is required" {
		t.Errorf("message = %q, want the first field named", de.Message)
	}
}

func TestInvalidWithoutFields(t *testing.T) {
	e := domain.Invalid("body_invalid")
	if e.Code != domain.EINVALID || e.Message == "" || len(e.Fields) != 0 {
		t.Fatalf("got %+v", e)
	}
}
