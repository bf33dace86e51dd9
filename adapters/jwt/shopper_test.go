package jwt_test

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/jwt"
	"github.com/scanpay/scanpay/domain"
)

func TestShopperTokens(t *testing.T) {
	shoppers, staff := jwt.NewShopperTokens(secret, 2*time.Hour), jwt.New(secret, time.Hour)
	tok, exp, err := shoppers.IssueShopper(7, now)
	if err != nil || !exp.Equal(now.Add(2*time.Hour)) {
		t.Fatalf("issue: %s, %v", exp, err)
	}
	claims, err := shoppers.VerifyShopper(tok, now.Add(time.Hour))
	if err != nil || claims.ShopperID != 7 || !claims.ExpiresAt.Equal(exp) || !claims.IssuedAt.Equal(now) {
		t.Fatalf("claims %+v, %v", claims, err)
	}
	_, err = shoppers.VerifyShopper(tok, exp)
	wantReason(t, err, "token_expired")

	// One secret, two audiences: neither token passes for the other.
	staffTok, _, _ := staff.IssueStaff(7, now)
	_, err = shoppers.VerifyShopper(staffTok, now)
	wantReason(t, err, "token_invalid")
	_, err = staff.VerifyStaff(tok, now)
	wantReason(t, err, "token_invalid")

	_, err = jwt.NewShopperTokens("another-secret-another-secret-xx", time.Hour).VerifyShopper(tok, now)
	wantReason(t, err, "token_invalid")
}

func wantReason(t *testing.T, err error, reason string) {
	t.Helper()
	if domain.ErrorCode(err) != domain.EUNAUTHORIZED || domain.ErrorReason(err) != reason {
		t.Fatalf("err = %v, want unauthorized/%s", err, reason)
	}
}
