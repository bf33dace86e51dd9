package wechatpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"

	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// Notification checks.
const (
	// maxSkew is how far Wechatpay-Timestamp may be from now. The SDK checks
	// the same (consts.FiveMinute, against time.Now); this package checks it
	// too, explicitly, so the rule does not hang on an SDK detail: the SDK
	// reads a missing timestamp as 0 without complaint.
	maxSkew = 5 * time.Minute
	// signTestPrefix marks WeChat Pay's signature probes, which must fail.
	signTestPrefix = "WECHATPAY/SIGNTEST/"
)

// Reasons of ParseNotification's EUNAUTHORIZED errors.
const (
	ReasonSignatureProbe  = "signature_probe"
	ReasonTimestampSkew   = "timestamp_skew"
	ReasonNotVerified     = "notification_unverified"
	ReasonResourceInvalid = "resource_invalid"
	ReasonOtherMerchant   = "other_merchant"
)

// ParseNotification verifies a notification (signature over
// timestamp\nnonce\nbody\n with the WeChat Pay public key, timestamp within
// 5 minutes) and decrypts its resource with the APIv3 key, through the SDK's
// notify handler. Any failure is EUNAUTHORIZED: a forged, replayed or
// tampered notification must change nothing, and the webhook answers 4xx so
// a real one is sent again.
//
// The body is given as bytes (fiber has already read it); the SDK reads the
// request body it is given twice, so it gets a fresh reader over them.
func (c *Client) ParseNotification(ctx context.Context, header http.Header, body []byte) (*app.PaymentNotification, error) {
	unauthorized := func(reason, msg string, err error) error {
		return &domain.Error{Code: domain.EUNAUTHORIZED, Reason: reason, Message: msg, Err: err}
	}
	if strings.HasPrefix(header.Get(consts.WechatPaySignature), signTestPrefix) {
		return nil, unauthorized(ReasonSignatureProbe, "signature probe", nil)
	}
	if err := c.checkTimestamp(header.Get(consts.WechatPayTimestamp)); err != nil {
		return nil, unauthorized(ReasonTimestampSkew, "notification timestamp is missing or too far from now", err)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		return nil, unauthorized(ReasonNotVerified, "cannot read the notification", err)
	}
	req.Header = header.Clone()
	var content json.RawMessage
	n, err := c.notify.ParseNotifyRequest(ctx, req, &content)
	if err != nil {
		// The SDK's message quotes the whole request; the cause of a
		// rejection is all a log needs.
		return nil, unauthorized(ReasonNotVerified, "the notification did not verify or decrypt", trimSDKError(err))
	}
	plain := []byte(n.Resource.Plaintext)
	out := &app.PaymentNotification{ID: n.ID, EventType: n.EventType, Resource: plain}
	if n.CreateTime != nil {
		out.CreateTime = *n.CreateTime
	}

	switch {
	case strings.HasPrefix(n.EventType, "TRANSACTION."):
		var tx payments.Transaction
		if err := json.Unmarshal(plain, &tx); err != nil {
			return nil, unauthorized(ReasonResourceInvalid, "the transaction resource is not JSON", err)
		}
		if got := deref(tx.Mchid); got != c.mchID {
			return nil, unauthorized(ReasonOtherMerchant, "the notification is for merchant "+got, nil)
		}
		if out.Transaction, err = transactionResult(&tx); err != nil {
			return nil, unauthorized(ReasonResourceInvalid, "the transaction resource is not valid", err)
		}
	case strings.HasPrefix(n.EventType, "REFUND."):
		var rn refundNotice
		if err := json.Unmarshal(plain, &rn); err != nil {
			return nil, unauthorized(ReasonResourceInvalid, "the refund resource is not JSON", err)
		}
		if rn.MchID != c.mchID {
			return nil, unauthorized(ReasonOtherMerchant, "the notification is for merchant "+rn.MchID, nil)
		}
		if out.Refund, err = rn.result(); err != nil {
			return nil, unauthorized(ReasonResourceInvalid, "the refund resource is not valid", err)
		}
	default:
		// Authentic but not one we act on: it comes back with neither
		// Transaction nor Refund, to be kept and acknowledged, since a
		// refusal would have WeChat Pay send it again for a day.
	}
	return out, nil
}

// checkTimestamp refuses a Wechatpay-Timestamp (Unix seconds) that is
// missing or more than maxSkew from now, in either direction: an old one is
// a replay, a future one a forgery or a broken clock.
func (c *Client) checkTimestamp(s string) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("header Wechatpay-Timestamp %q: %w", s, err)
	}
	skew := c.now().Sub(time.Unix(ts, 0))
	if skew > maxSkew || skew < -maxSkew {
		return fmt.Errorf("header Wechatpay-Timestamp %d is %s from now", ts, skew.Round(time.Second))
	}
	return nil
}

// trimSDKError cuts the SDK's ", request: &{...}" dump (headers and all)
// off a notification error, keeping the reason.
func trimSDKError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, ", request: "); i >= 0 {
		return errors.New(msg[:i])
	}
	return err
}
