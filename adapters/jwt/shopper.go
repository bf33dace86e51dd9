package jwt

import (
	"time"

	"github.com/scanpay/scanpay/app"
)

// ShopperTokens signs and verifies shopper tokens: the same HS256 JWTs as
// staff tokens, with audience "scanpay-shopper" and the shopper id as
// subject. The audience keeps the two apart: neither kind opens the other's
// routes, even with one shared secret.
type ShopperTokens struct {
	secret []byte
	ttl    time.Duration
}

var _ app.ShopperTokens = (*ShopperTokens)(nil)

// NewShopperTokens returns the shopper token service; tokens last ttl. The
// mini-program logs in again silently (wx.login) when one expires, so ttl
// can stay short.
func NewShopperTokens(secret string, ttl time.Duration) *ShopperTokens {
	return &ShopperTokens{secret: []byte(secret), ttl: ttl}
}

// IssueShopper signs a token for shopperID.
func (t *ShopperTokens) IssueShopper(shopperID int64, now time.Time) (string, time.Time, error) {
	return issue(t.secret, shopperAudience, shopperID, now, t.ttl)
}

// VerifyShopper checks signature, algorithm, issuer, audience and expiry.
func (t *ShopperTokens) VerifyShopper(token string, now time.Time) (app.ShopperClaims, error) {
	id, claims, err := verify(t.secret, shopperAudience, token, now)
	if err != nil {
		return app.ShopperClaims{}, err
	}
	out := app.ShopperClaims{ShopperID: id, ExpiresAt: claims.ExpiresAt.Time}
	if claims.IssuedAt != nil {
		out.IssuedAt = claims.IssuedAt.Time
	}
	return out, nil
}
