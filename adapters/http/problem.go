// Package http is scanpay's inbound HTTP adapter on fiber: routes,
// middleware, DTOs and the single mapping from domain errors to HTTP.
// Handlers call app use cases, never the database.
package http

import (
	"errors"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/scanpay/scanpay/domain"
)

// Problem is an RFC 9457 problem document with scanpay's extensions: the
// domain code, the machine reason, the bad fields and the request id.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail"`
	Code      string              `json:"code"`
	Reason    string              `json:"reason,omitempty"`
	Fields    []domain.FieldError `json:"fields,omitempty"`
	RequestID string              `json:"request_id"`
}

// statusOf is the one mapping from domain codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case domain.EMALFORMED:
		return fiber.StatusBadRequest
	case domain.EINVALID:
		return fiber.StatusUnprocessableEntity
	case domain.EUNAUTHORIZED:
		return fiber.StatusUnauthorized
	case domain.EFORBIDDEN:
		return fiber.StatusForbidden
	case domain.ENOTFOUND:
		return fiber.StatusNotFound
	case domain.ECONFLICT:
		return fiber.StatusConflict
	case domain.ETOOLARGE:
		return fiber.StatusRequestEntityTooLarge
	case domain.ETOOMANY:
		return fiber.StatusTooManyRequests
	case domain.EUNAVAILABLE:
		return fiber.StatusServiceUnavailable
	case codeMethodNotAllowed:
		return fiber.StatusMethodNotAllowed
	}
	return fiber.StatusInternalServerError
}

// codeMethodNotAllowed is HTTP's own: no domain rule yields it.
const codeMethodNotAllowed = "method_not_allowed"

// fromFiber turns fiber's own errors (unknown route, wrong method, body too
// large, bad request line) into domain errors, so they share one format.
func fromFiber(fe *fiber.Error) *domain.Error {
	switch fe.Code {
	case fiber.StatusNotFound:
		return domain.Errorf(domain.ENOTFOUND, "route_not_found", "no such endpoint")
	case fiber.StatusMethodNotAllowed:
		return domain.Errorf(codeMethodNotAllowed, "method_not_allowed", "this endpoint does not accept that method")
	case fiber.StatusRequestEntityTooLarge:
		return domain.Errorf(domain.ETOOLARGE, "body_too_large", "the request body is larger than allowed")
	case fiber.StatusUnsupportedMediaType:
		return domain.Errorf(domain.EMALFORMED, "unsupported_media_type", "send the body as application/json")
	case fiber.StatusRequestTimeout:
		return domain.Errorf(domain.EMALFORMED, "request_timeout", "the request took too long to arrive")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return domain.Errorf(domain.EMALFORMED, "bad_request", "%s", fe.Message)
	}
	return &domain.Error{Code: domain.EINTERNAL, Message: "internal error", Err: fe}
}

// errorHandler writes every error as application/problem+json. Internal
// errors are logged with their cause and shown without it.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var de *domain.Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &de):
		case errors.As(err, &fe):
			de = fromFiber(fe)
			if fe.Code == fiber.StatusNotFound || fe.Code == fiber.StatusMethodNotAllowed {
				c.Locals(localUnmatched, true)
			}
		default:
			de = &domain.Error{Code: domain.EINTERNAL, Message: "internal error", Err: err}
		}
		status := statusOf(de.Code)
		rid := requestID(c)
		detail := de.Message
		if status >= 500 {
			log.Error("request failed", "request_id", rid, "method", c.Method(), "path", c.Path(),
				"code", de.Code, "reason", de.Reason, "err", err)
			if de.Code == domain.EINTERNAL {
				detail = "something went wrong on our side; quote the request id when reporting it"
			}
		}
		switch {
		case status == fiber.StatusUnauthorized:
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="scanpay"`)
		case de.RetryAfterSeconds > 0:
			c.Set(fiber.HeaderRetryAfter, strconv.Itoa(de.RetryAfterSeconds))
		case status == fiber.StatusServiceUnavailable:
			c.Set(fiber.HeaderRetryAfter, "5")
		}
		p := Problem{
			Type: "urn:scanpay:problem:" + de.Code, Title: titleOf(status), Status: status,
			Detail: detail, Code: de.Code, Reason: de.Reason, Fields: de.Fields, RequestID: rid,
		}
		c.Set(fiber.HeaderXRequestID, rid)
		return c.Status(status).JSON(p, "application/problem+json")
	}
}

func titleOf(status int) string {
	if t := utils.StatusMessage(status); t != "" {
		return t
	}
	return "Error"
}
