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
	issuer        = "scanpay"
	staffAudience = "scanpay-staff"
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
	exp := now.Add(t.staffTTL).Truncate(time.Second)
	claims := gojwt.RegisteredClaims{
		Issuer: issuer, Subject: strconv.FormatInt(staffID, 10), Audience: gojwt.ClaimStrings{staffAudience},
		IssuedAt: gojwt.NewNumericDate(now), ExpiresAt: gojwt.NewNumericDate(exp),
	}
	s, err := gojwt.NewWithClaims(gojwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, err
	}
	return s, exp, nil
}

// VerifyStaff checks signature, algorithm, issuer, audience and expiry.
func (t *Tokens) VerifyStaff(token string, now time.Time) (app.StaffClaims, error) {
	var claims gojwt.RegisteredClaims
	_, err := gojwt.ParseWithClaims(token, &claims, func(*gojwt.Token) (any, error) { return t.secret, nil },
		gojwt.WithValidMethods([]string{gojwt.SigningMethodHS256.Alg()}),
		gojwt.WithIssuer(issuer), gojwt.WithAudience(staffAudience),
		gojwt.WithExpirationRequired(), gojwt.WithTimeFunc(func() time.Time { return now }))
	if err != nil {
		reason := "token_invalid"
		if errors.Is(err, gojwt.ErrTokenExpired) {
			reason = "token_expired"
		}
		return app.StaffClaims{}, &domain.Error{Code: domain.EUNAUTHORIZED, Reason: reason, Message: "the token is not valid; log in again", Err: err}
	}
	id, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil {
		return app.StaffClaims{}, domain.Errorf(domain.EUNAUTHORIZED, "token_invalid", "the token has no valid subject")
	}
	out := app.StaffClaims{StaffID: id, ExpiresAt: claims.ExpiresAt.Time}
	if claims.IssuedAt != nil {
		out.IssuedAt = claims.IssuedAt.Time
	}
	return out, nil
}
