package http

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/scanpay/scanpay/domain"
)

// listResponse is every list's shape (DESIGN §5).
type listResponse[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// pageParams reads ?limit= and ?cursor=. The cursor is opaque to clients;
// inside it is the last id of the previous page.
func pageParams(c *fiber.Ctx) (domain.Page, error) {
	p := domain.Page{Limit: domain.DefaultPageLimit}
	var fe domain.Fields
	if raw := c.Query("limit"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > domain.MaxPageLimit {
			fe.Add("limit", "must be a whole number from 1 to %d", domain.MaxPageLimit)
		}
		p.Limit = n
	}
	if raw := c.Query("cursor"); raw != "" {
		after, ok := decodeCursor(raw)
		if !ok {
			fe.Add("cursor", "is not a cursor this API handed out")
		}
		p.After = after
	}
	if err := fe.Err("page_invalid"); err != nil {
		return p, err
	}
	return p, nil
}

const cursorPrefix = "id:"

func encodeCursor(after int64) string {
	if after == 0 {
		return ""
	}
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(after, 10)))
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(string(b), cursorPrefix), 10, 64)
	return n, err == nil && n > 0
}

// mapList converts a page of domain values to DTOs.
func mapList[D, T any](items []D, next int64, conv func(D) T) listResponse[T] {
	out := listResponse[T]{Items: make([]T, len(items)), NextCursor: encodeCursor(next)}
	for i, it := range items {
		out.Items[i] = conv(it)
	}
	return out
}
