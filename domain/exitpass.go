package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// ExitPass is what the shopper's app shows as a QR code after payment
// (DESIGN §4 "Exit pass and audit"). Payload is
// "<order_no>.<expiry unix seconds>.<base64url HMAC-SHA256 of the first two>":
// a gate can check it offline-first against the secret, and nothing in it
// says whether the basket will be audited.
type ExitPass struct {
	OrderNo   string
	ExpiresAt time.Time
	Payload   string
}

// DefaultExitPassTTL is how long a pass stays valid after payment.
const DefaultExitPassTTL = 30 * time.Minute

// SignExitPass makes the pass of an order valid until expiresAt (cut to
// whole seconds, as the payload carries seconds).
func SignExitPass(secret []byte, orderNo string, expiresAt time.Time) ExitPass {
	exp := expiresAt.UTC().Truncate(time.Second)
	signed := orderNo + "." + strconv.FormatInt(exp.Unix(), 10)
	return ExitPass{OrderNo: orderNo, ExpiresAt: exp, Payload: signed + "." + exitPassMAC(secret, signed)}
}

// VerifyExitPass checks a scanned payload: its shape and HMAC first
// (EINVALID exit_pass_forged), then its expiry at now (EINVALID
// exit_pass_expired). The HMAC is compared in constant time, so a forger
// learns nothing from how long a refusal takes.
func VerifyExitPass(secret []byte, payload string, now time.Time) (ExitPass, error) {
	parts := strings.Split(strings.TrimSpace(payload), ".")
	if len(parts) != 3 || !ValidOrderNo(parts[0]) || !allDigits(parts[1]) || len(parts[1]) > 12 {
		return ExitPass{}, errExitPassForged()
	}
	got, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return ExitPass{}, errExitPassForged()
	}
	signed := parts[0] + "." + parts[1]
	want, _ := base64.RawURLEncoding.DecodeString(exitPassMAC(secret, signed))
	if !hmac.Equal(got, want) {
		return ExitPass{}, errExitPassForged()
	}
	unix, _ := strconv.ParseInt(parts[1], 10, 64)
	p := ExitPass{OrderNo: parts[0], ExpiresAt: time.Unix(unix, 0).UTC(), Payload: payload}
	if !now.Before(p.ExpiresAt) {
		return p, ErrExitPassExpired(p.ExpiresAt)
	}
	return p, nil
}

// ErrExitPassExpired is the refusal of a pass used after its expiry; the
// shopper can still leave, through a staffed till.
func ErrExitPassExpired(at time.Time) error {
	return Errorf(EINVALID, "exit_pass_expired",
		"the exit pass expired at %s; please ask a member of staff to check your receipt", at.UTC().Format(time.RFC3339))
}

func errExitPassForged() error {
	return Errorf(EINVALID, "exit_pass_forged", "this is not an exit pass issued by this store")
}

func exitPassMAC(secret []byte, signed string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// ExitPassFor is the shopper's pass of an order paid at o.PaidAt, valid
// for ttl: only a paid (or partly refunded) order that has not left the
// store yet has one. checked says an exit check already accepted it.
func ExitPassFor(secret []byte, o *Order, ttl time.Duration, checked bool, now time.Time) (ExitPass, error) {
	switch {
	case o.Status == OrderCompleted || checked:
		return ExitPass{}, Errorf(ECONFLICT, "exit_pass_used", "order %s has already been checked at the exit", o.OrderNo)
	case o.Status == OrderRefunded:
		return ExitPass{}, Errorf(ECONFLICT, "order_refunded", "order %s was refunded", o.OrderNo)
	case o.Status != OrderPaid && o.Status != OrderPartiallyRefunded:
		return ExitPass{}, Errorf(ECONFLICT, "order_not_paid", "order %s is %s, not paid", o.OrderNo, o.Status)
	}
	p := SignExitPass(secret, o.OrderNo, o.PaidAt.Add(ttl))
	if !now.Before(p.ExpiresAt) {
		return ExitPass{}, Errorf(ECONFLICT, "exit_pass_expired",
			"the exit pass of order %s expired at %s; please ask a member of staff to check your receipt",
			o.OrderNo, p.ExpiresAt.Format(time.RFC3339))
	}
	return p, nil
}

// ExitPassOrderNo is the order number a payload names (the part before
// its first dot), "" when there is no dot or the part is not an order
// number. It verifies nothing: it is for logs and for showing staff which
// order a refused pass was about.
func ExitPassOrderNo(payload string) string {
	no, _, found := strings.Cut(payload, ".")
	if !found || !ValidOrderNo(no) {
		return ""
	}
	return no
}
