package domain

import (
	"fmt"
	"io"
	"regexp"
	"time"
)

// orderNoPattern is what WeChat Pay accepts as out_trade_no and what we
// issue: 6-32 letters and digits.
var orderNoPattern = regexp.MustCompile(`^[0-9A-Za-z]{6,32}$`)

// ValidOrderNo reports whether s can be an order number, so a path
// parameter that cannot name an order is refused before any query.
func ValidOrderNo(s string) bool { return orderNoPattern.MatchString(s) }

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// orderNoRandomChars gives 62^14 ≈ 1.2e25 numbers per day: guessing a
// shopper's order is hopeless, and the unique index still has the last word.
const orderNoRandomChars = 14

// NewOrderNo makes an order number: the UTC date (YYMMDD, so staff can
// read the day off a receipt) and 14 random base62 characters from rnd
// (crypto/rand in production). Numbers are not sequential, so one order
// number says nothing about the next.
func NewOrderNo(now time.Time, rnd io.Reader) (string, error) {
	buf := make([]byte, orderNoRandomChars)
	out := []byte(now.UTC().Format("060102"))
	// Rejection sampling keeps every character equally likely: bytes of
	// 248 and above (248 = 4 × 62) are drawn again.
	for n := 0; n < orderNoRandomChars; {
		if _, err := io.ReadFull(rnd, buf); err != nil {
			return "", fmt.Errorf("order number: %w", err)
		}
		for _, b := range buf {
			if b < 248 && n < orderNoRandomChars {
				out = append(out, base62[b%62])
				n++
			}
		}
	}
	return string(out), nil
}
