package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

// decodeJSON reads a write body strictly: it must be one JSON object with
// only known fields of the right types. Every failure is EMALFORMED naming
// the field, so a client bug is found from the response alone.
func decodeJSON(c *fiber.Ctx, dst any) error {
	body := c.Body()
	if ct := string(c.Request().Header.ContentType()); ct != "" && !strings.HasPrefix(strings.ToLower(ct), fiber.MIMEApplicationJSON) {
		return domain.Errorf(domain.EMALFORMED, "unsupported_media_type", "send the body as application/json, not %s", ct)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.EMALFORMED, "body_required", "a JSON object body is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.EMALFORMED, "json_malformed", "the body has data after its JSON object")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return domain.Errorf(domain.EMALFORMED, "json_malformed", "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.EMALFORMED, "json_malformed", "the body is not valid JSON (it ends early)")
	case errors.As(err, &typ):
		field := jsonPath(typ.Field)
		if field == "" {
			return domain.Errorf(domain.EMALFORMED, "json_malformed", "the body must be a JSON object")
		}
		want := jsonKind(typ.Type.Kind().String())
		switch typ.Type {
		case decimalType:
			want = `a decimal number such as "12.30"`
		case timeType:
			want = `an RFC 3339 time such as "2025-05-01T08:30:00Z"`
		case idType:
			want = `an id such as "7214565870123456789"`
		}
		return malformedField(field, fmt.Sprintf("must be %s, not %s", want, typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return malformedField(field, "is not a known field")
	}
	// Values whose own UnmarshalJSON failed (decimals, ...) land here; the
	// decoder does not say which field, so the message carries the cause.
	return domain.Errorf(domain.EMALFORMED, "json_malformed", "the body could not be read: %v", err)
}

func malformedField(field, msg string) error {
	return &domain.Error{Code: domain.EMALFORMED, Reason: "json_field_invalid", Message: field + " " + msg,
		Fields: []domain.FieldError{{Field: field, Message: msg}}}
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map", "ptr":
		return "an object"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") || strings.HasPrefix(goKind, "float") {
		return "a number"
	}
	return goKind
}

// jsonPath drops the Go names of embedded structs from a decoder field path
// ("StoreFields.max_lines" -> "max_lines"): the API's own names are all
// snake_case, so a segment starting with a capital letter is Go's.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && !unicode.IsUpper(rune(p[0])) {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}
