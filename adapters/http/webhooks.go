package http

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

// Where WeChat Pay sends notifications (the notify URLs configured in the
// gateway end with these paths).
const (
	webhookTransactionsPath = "/v1/webhooks/wechatpay/transactions"
	webhookRefundsPath      = "/v1/webhooks/wechatpay/refunds"
)

// webhookTimeout keeps the answer inside the 5 s WeChat Pay waits: a late
// answer counts as a failure anyway, and a 503 in time is retried the same.
const webhookTimeout = 4 * time.Second

// wechatPayReply is a refusal as WeChat Pay expects it (DESIGN §6): any
// 4xx/5xx with this body makes it send the notification again later.
type wechatPayReply struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// wechatPayWebhook receives a payment or refund notification. The use case
// verifies the signature over the exact bytes received, decrypts, and
// stores the event with its job; 204 says it is safely stored (or was
// already: duplicates are normal). Refusals are answered here, in WeChat
// Pay's format, not by the problem+json error handler.
func (s *Server) wechatPayWebhook(c *fiber.Ctx) error {
	// fasthttp reuses its buffers after the handler returns, and the
	// signature covers the body byte for byte: both are copied.
	header := make(http.Header)
	c.Request().Header.VisitAll(func(k, v []byte) { header.Add(string(k), string(v)) })
	body := bytes.Clone(c.Request().Body())

	ctx, cancel := context.WithTimeout(c.UserContext(), webhookTimeout)
	defer cancel()
	n, err := s.deps.Orders.ReceiveNotification(ctx, header, body)
	if err != nil {
		return s.refuseNotification(c, err)
	}
	s.deps.Log.LogAttrs(c.UserContext(), slog.LevelInfo, "wechatpay notification received",
		slog.String("request_id", requestID(c)), slog.String("route", c.Route().Path),
		slog.String("notification_id", n.ID), slog.String("event_type", n.EventType))
	return c.SendStatus(fiber.StatusNoContent)
}

// refuseNotification answers a notification that was not stored: 401 when
// it did not verify (forged, probe, replayed, tampered), 400 when it could
// not be read, 503/500 when we failed. The message is short and generic:
// the cause is logged, never sent to whoever called.
func (s *Server) refuseNotification(c *fiber.Ctx, err error) error {
	status, msg := fiber.StatusInternalServerError, "internal error"
	switch domain.ErrorCode(err) {
	case domain.EUNAUTHORIZED:
		status, msg = fiber.StatusUnauthorized, "notification verification failed"
	case domain.EMALFORMED, domain.EINVALID:
		status, msg = fiber.StatusBadRequest, "malformed notification"
	case domain.EUNAVAILABLE:
		status, msg = fiber.StatusServiceUnavailable, "temporarily unavailable"
	}
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	s.deps.Log.LogAttrs(c.UserContext(), level, "wechatpay notification refused",
		slog.String("request_id", requestID(c)), slog.String("route", c.Route().Path), slog.Int("status", status),
		slog.String("code", domain.ErrorCode(err)), slog.String("reason", domain.ErrorReason(err)),
		slog.String("err", err.Error()))
	c.Set(fiber.HeaderXRequestID, requestID(c))
	return c.Status(status).JSON(wechatPayReply{Code: "FAIL", Message: msg})
}
