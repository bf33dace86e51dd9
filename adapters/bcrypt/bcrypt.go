// Package bcrypt hashes staff passwords with golang.org/x/crypto/bcrypt.
package bcrypt

import (
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
	xbcrypt "golang.org/x/crypto/bcrypt"
)

// Hasher implements app.PasswordHasher. Cost is a parameter so tests can
// run at the minimum cost while production uses the default.
type Hasher struct{ cost int }

var _ app.PasswordHasher = Hasher{}

// New returns a hasher; cost 0 means bcrypt.DefaultCost.
func New(cost int) Hasher {
	if cost == 0 {
		cost = xbcrypt.DefaultCost
	}
	return Hasher{cost: cost}
}

// MinCost is the cheapest cost, for tests.
const MinCost = xbcrypt.MinCost

// Hash returns the bcrypt hash of password.
func (h Hasher) Hash(password string) (string, error) {
	b, err := xbcrypt.GenerateFromPassword([]byte(password), h.cost)
	if err != nil {
		return "", &domain.Error{Code: domain.EINVALID, Reason: "password_invalid", Message: "the password cannot be hashed", Err: err}
	}
	return string(b), nil
}

// Matches compares in constant time with respect to the password.
func (h Hasher) Matches(hash, password string) bool {
	return xbcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
