// Package jwt issues and verifies scanpay's bearer tokens: JWT, HS256, with
// a short expiry. The audience tells staff tokens from shopper tokens, so a
// shopper token never opens the admin API.
package jwt

import (
	"errors"
	"strconv"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

const (
	issuer          = "scanpay"
	staffAudience   = "scanpay-staff"
	shopperAudience = "scanpay-shopper"
)

// Tokens signs and verifies tokens with one HMAC secret.
type Tokens struct {
	secret   []byte
	staffTTL time.Duration
}

var _ app.StaffTokens = (*Tokens)(nil)

// New returns a token service; secret should be 32+ random bytes.
func New(secret string, staffTTL time.Duration) *Tokens {
	return &Tokens{secret: []byte(secret), staffTTL: staffTTL}
}

// IssueStaff signs a staff token for staffID.
func (t *Tokens) IssueStaff(staffID int64, now time.Time) (string, time.Time, error) {
	return issue(t.secret, staffAudience, staffID, now, t.staffTTL)
}

// VerifyStaff checks signature, algorithm, issuer, audience and expiry.
func (t *Tokens) VerifyStaff(token string, now time.Time) (app.StaffClaims, error) {
	id, claims, err := verify(t.secret, staffAudience, token, now)
	if err != nil {
		return app.StaffClaims{}, err
	}
	out := app.StaffClaims{StaffID: id, ExpiresAt: claims.ExpiresAt.Time}
	if claims.IssuedAt != nil {
		out.IssuedAt = claims.IssuedAt.Time
	}
	return out, nil
}

// issue signs a token for subject id in audience aud, valid ttl from now
// (cut to the second, as JWT times are).
func issue(secret []byte, aud string, id int64, now time.Time, ttl time.Duration) (string, time.Time, error) {
	exp := now.Add(ttl).Truncate(time.Second)
	claims := gojwt.RegisteredClaims{
		Issuer: issuer, Subject: strconv.FormatInt(id, 10), Audience: gojwt.ClaimStrings{aud},
		IssuedAt: gojwt.NewNumericDate(now), ExpiresAt: gojwt.NewNumericDate(exp),
	}
	s, err := gojwt.NewWithClaims(gojwt.SigningMethodHS256, claims).SignedString(secret)
	if err != nil {
		return "", time.Time{}, err
	}
	return s, exp, nil
}

// verify checks signature, algorithm, issuer, audience aud and expiry, and
// returns the subject as an id.
func verify(secret []byte, aud, token string, now time.Time) (int64, gojwt.RegisteredClaims, error) {
	var claims gojwt.RegisteredClaims
	_, err := gojwt.ParseWithClaims(token, &claims, func(*gojwt.Token) (any, error) { return secret, nil },
		gojwt.WithValidMethods([]string{gojwt.SigningMethodHS256.Alg()}),
		gojwt.WithIssuer(issuer), gojwt.WithAudience(aud),
		gojwt.WithExpirationRequired(), gojwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		reason := "token_invalid"
		if errors.Is(err, gojwt.ErrTokenExpired) {
			reason = "token_expired"
		}
		return 0, claims, &domain.Error{Code: domain.EUNAUTHORIZED, Reason: reason, Message: "the token is not valid; log in again", Err: err}
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || id <= 0 {
		return 0, claims, domain.Errorf(domain.EUNAUTHORIZED, "token_invalid", "the token has no valid subject")
	}
	return id, claims, nil
}
