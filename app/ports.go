// Package app holds scanpay's use cases: one method per thing a user does.
// It orchestrates the domain and the ports below; adapters implement them.
package app

import (
	"context"
	"time"
)

// Tx runs fn in one database transaction. Repositories used inside fn pick
// the transaction up from the ctx they are given, so a use case commits its
// changes and its outbox rows together or not at all.
type Tx interface {
	WithinTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Clock is the time source; tests pin it.
type Clock interface {
	Now() time.Time
}

// IDs hands out time-ordered int64 ids, known before insert.
type IDs interface {
	NewID() int64
}

// PasswordHasher hashes and checks staff passwords (bcrypt in production).
type PasswordHasher interface {
	Hash(password string) (string, error)
	// Matches reports whether password is the one hashed; it takes about as
	// long for a wrong password as for a right one.
	Matches(hash, password string) bool
}

// StaffClaims is what a verified staff token says.
type StaffClaims struct {
	StaffID   int64
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// StaffTokens issues and verifies staff bearer tokens.
type StaffTokens interface {
	IssueStaff(staffID int64, now time.Time) (token string, expiresAt time.Time, err error)
	// VerifyStaff returns EUNAUTHORIZED for a bad, expired or foreign token.
	VerifyStaff(token string, now time.Time) (StaffClaims, error)
}

// ShopperClaims is what a verified shopper token says.
type ShopperClaims struct {
	ShopperID int64
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// ShopperTokens issues and verifies shopper bearer tokens. They are told
// apart from staff tokens (another audience): neither opens the other's API.
type ShopperTokens interface {
	IssueShopper(shopperID int64, now time.Time) (token string, expiresAt time.Time, err error)
	// VerifyShopper returns EUNAUTHORIZED for a bad, expired or foreign token.
	VerifyShopper(token string, now time.Time) (ShopperClaims, error)
}

// RateDecision is the outcome of one rate-limit check.
type RateDecision struct {
	Allowed    bool
	Remaining  int
	RetryAfter time.Duration // > 0 when not allowed
}

// RateLimiter counts events per key in a shared store (Redis), so several
// API processes enforce one limit together.
type RateLimiter interface {
	// Hit records one event under key and says whether it is within limit
	// events per window.
	Hit(ctx context.Context, key string, limit int, window time.Duration) (RateDecision, error)
	// Reset forgets the events counted under key.
	Reset(ctx context.Context, key string) error
}

// MiniProgram is the WeChat mini-program server API (adapters/wechat).
type MiniProgram interface {
	// EntryCode renders the mini-program code that opens page with scene
	// (at most 32 characters), as image bytes and their content type.
	EntryCode(ctx context.Context, scene, page string, width int) ([]byte, string, error)
	// Code2Session exchanges a wx.login code (single-use, valid 5 minutes)
	// for the user's openid and unionid ("" when WeChat sends none). The
	// session key stays in the adapter. A bad or used code is
	// EUNAUTHORIZED code_invalid.
	Code2Session(ctx context.Context, code string) (openID, unionID string, err error)
}

// SystemClock is the wall clock in UTC, cut to microseconds so times
// survive a round trip through DATETIME(6) unchanged.
type SystemClock struct{}

// Now returns the current UTC time.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
