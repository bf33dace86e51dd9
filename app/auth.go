package app

import (
	"context"
	"strings"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// LoginLimits bound password guessing: attempts per client IP, and failed
// attempts per username, each per Window, counted in Redis.
type LoginLimits struct {
	PerIP       int
	PerUsername int
	Window      time.Duration
}

// StaffSession is a successful staff login.
type StaffSession struct {
	Token     string
	ExpiresAt time.Time
	Staff     *domain.Staff
}

// StaffAuth logs staff in and turns tokens back into staff members.
type StaffAuth struct {
	staff   domain.StaffRepository
	hasher  PasswordHasher
	tokens  StaffTokens
	limiter RateLimiter
	clock   Clock
	limits  LoginLimits
	// decoy is hashed at start-up and compared against for unknown
	// usernames, so a wrong username costs as long as a wrong password and
	// response times do not reveal which usernames exist.
	decoy string
}

// NewStaffAuth wires the login use case.
func NewStaffAuth(staff domain.StaffRepository, hasher PasswordHasher, tokens StaffTokens, limiter RateLimiter, clock Clock, limits LoginLimits) (*StaffAuth, error) {
	decoy, err := hasher.Hash("decoy-password-for-unknown-users")
	if err != nil {
		return nil, err
	}
	return &StaffAuth{staff: staff, hasher: hasher, tokens: tokens, limiter: limiter, clock: clock, limits: limits, decoy: decoy}, nil
}

// maxUsernameLen is the longest username NewStaff accepts.
const maxUsernameLen = 32

var errBadLogin = domain.Errorf(domain.EUNAUTHORIZED, "invalid_credentials", "wrong username or password")

// Login checks the rate limits, then the password, and issues a token. A
// wrong username and a wrong password get the same answer.
func (a *StaffAuth) Login(ctx context.Context, username, password, clientIP string) (*StaffSession, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	var fe domain.Fields
	if username == "" {
		fe.Add("username", "is required")
	}
	if password == "" {
		fe.Add("password", "is required")
	}
	if err := fe.Err("login_invalid"); err != nil {
		return nil, err
	}
	ipKey, userKey := "login:ip:"+clientIP, "login:user:"+username
	ipDec, err := a.limiter.Hit(ctx, ipKey, a.limits.PerIP, a.limits.Window)
	if err != nil {
		return nil, err
	}
	if !ipDec.Allowed {
		return nil, tooMany("login_rate_limited_ip", ipDec.RetryAfter)
	}
	if len(username) > maxUsernameLen {
		// No account has such a name; counting it would let anyone fill
		// Redis with arbitrary keys.
		return nil, errBadLogin
	}
	// Every attempt on a username is counted before the password is
	// checked, atomically in Redis, so parallel guesses cannot slip in
	// between a check and a count. A right password clears the count: the
	// limit bounds guesses, not how often the owner logs in.
	userDec, err := a.limiter.Hit(ctx, userKey, a.limits.PerUsername, a.limits.Window)
	if err != nil {
		return nil, err
	}
	if !userDec.Allowed {
		return nil, tooMany("login_rate_limited_user", userDec.RetryAfter)
	}

	s, err := a.staff.StaffByUsername(ctx, username)
	if err != nil && domain.ErrorCode(err) != domain.ENOTFOUND {
		return nil, err
	}
	hash := a.decoy
	if s != nil {
		hash = s.PasswordHash
	}
	if !a.hasher.Matches(hash, password) || s == nil || !s.Active {
		return nil, errBadLogin
	}
	if err := a.limiter.Reset(ctx, userKey); err != nil {
		return nil, err
	}
	token, exp, err := a.tokens.IssueStaff(s.ID, a.clock.Now())
	if err != nil {
		return nil, err
	}
	return &StaffSession{Token: token, ExpiresAt: exp, Staff: s}, nil
}

// Authenticate verifies a bearer token and loads its staff member, so a
// disabled account or a changed role takes effect on the next request.
func (a *StaffAuth) Authenticate(ctx context.Context, token string) (*domain.Staff, error) {
	claims, err := a.tokens.VerifyStaff(token, a.clock.Now())
	if err != nil {
		return nil, err
	}
	s, err := a.staff.StaffByID(ctx, claims.StaffID)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "token_invalid", "the token's account no longer exists")
	}
	if err != nil {
		return nil, err
	}
	if !s.Active {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "staff_inactive", "this account is disabled")
	}
	if s.TokenRevoked(claims.IssuedAt) {
		return nil, domain.Errorf(domain.EUNAUTHORIZED, "token_revoked", "the password changed after this token was issued; log in again")
	}
	return s, nil
}

func tooMany(reason string, after time.Duration) error {
	return &domain.Error{Code: domain.ETOOMANY, Reason: reason, RetryAfterSeconds: retrySeconds(after),
		Message: "too many login attempts, try again later"}
}

// retrySeconds rounds a wait up to whole seconds, at least one: it
// becomes an HTTP Retry-After, where 0 would mean "now".
func retrySeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
