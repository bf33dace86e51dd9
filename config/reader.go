package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// reader parses environment values and collects one problem line per bad
// value instead of stopping at the first.
type reader struct {
	getenv   func(string) string
	problems []string
}

func (r *reader) fail(key, msg string) {
	r.problems = append(r.problems, key+" "+msg)
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) integer(key string, def, min, max int) int {
	raw := strings.TrimSpace(r.getenv(key))
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		r.fail(key, fmt.Sprintf("%q is not a whole number", raw))
		return def
	}
	if n < min || n > max {
		r.fail(key, fmt.Sprintf("%d is out of range %d..%d", n, min, max))
		return def
	}
	return n
}

func (r *reader) duration(key string, def, min, max time.Duration) time.Duration {
	raw := strings.TrimSpace(r.getenv(key))
	if raw == "" {
		return def
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		r.fail(key, fmt.Sprintf("%q is not a duration such as 15m or 20s", raw))
		return def
	}
	if d < min || d > max {
		r.fail(key, fmt.Sprintf("%s is out of range %s..%s", d, min, max))
		return def
	}
	return d
}

func (r *reader) boolean(key string, def bool) bool {
	raw := strings.TrimSpace(r.getenv(key))
	if raw == "" {
		return def
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.fail(key, fmt.Sprintf("%q is not true or false", raw))
		return def
	}
	return b
}

func (r *reader) oneOf(key, def string, allowed ...string) string {
	v := strings.ToLower(r.str(key, def))
	if !slices.Contains(allowed, v) {
		r.fail(key, fmt.Sprintf("%q must be one of %s", v, strings.Join(allowed, ", ")))
		return def
	}
	return v
}

// list reads a comma-separated list, dropping empty items.
func (r *reader) list(key string) []string {
	var out []string
	for _, item := range strings.Split(r.getenv(key), ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
