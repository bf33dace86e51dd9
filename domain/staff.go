package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Role is what a staff member may do. Roles are ordered: an admin can do what
// a manager can, a manager what a clerk can.
type Role string

const (
	RoleClerk   Role = "clerk"   // stock, exit checks, order lookup in their stores
	RoleManager Role = "manager" // + catalog, prices, promotions, refunds, reports
	RoleAdmin   Role = "admin"   // everything in every store, staff and stores
)

func (r Role) rank() int {
	switch r {
	case RoleClerk:
		return 1
	case RoleManager:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r grants everything min grants.
// An unknown min grants nothing, so a typo in a route's requirement fails
// closed.
func (r Role) AtLeast(min Role) bool { return r.Valid() && min.Valid() && r.rank() >= min.rank() }

// Staff is a person who runs stores. Admins act on every store; managers and
// clerks only on the stores listed in StoreCodes.
type Staff struct {
	ID           int64
	Username     string
	DisplayName  string
	Role         Role
	StoreCodes   []string
	PasswordHash string // bcrypt; never leaves the server
	// PasswordChangedAt is when the password was last set; tokens issued
	// before it are refused.
	PasswordChangedAt time.Time
	Active            bool
	CreatedAt         time.Time
	UpdatedAt         time.Time

	passwordSet bool // apply saw a new password hash
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// Password length bounds. bcrypt reads at most 72 bytes, so a longer
// password would silently be cut; refuse it instead.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 72
)

// StaffPatch carries staff fields to set; nil means "leave as is". The
// password arrives already hashed: hashing is an adapter's job.
type StaffPatch struct {
	DisplayName  *string
	Role         *Role
	StoreCodes   *[]string
	PasswordHash *string
	Active       *bool
}

// CheckPassword validates a new password's shape before it is hashed.
func CheckPassword(field, pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return Invalid("password_invalid", FieldError{Field: field, Message: "must be 8-72 bytes"})
	}
	return nil
}

// NewStaff validates and builds a staff member.
func NewStaff(id int64, username string, p StaffPatch, now time.Time) (*Staff, error) {
	s := &Staff{ID: id, Username: strings.ToLower(strings.TrimSpace(username)), Active: true, CreatedAt: now, UpdatedAt: now}
	var fe Fields
	if !usernamePattern.MatchString(s.Username) {
		fe.Add("username", "must be 3-32 characters of a-z, 0-9, '.', '_' or '-'")
	}
	if p.Role == nil {
		fe.Add("role", "is required: admin, manager or clerk")
	}
	if p.PasswordHash == nil {
		fe.Add("password", "is required")
	}
	s.apply(p)
	s.PasswordChangedAt, s.passwordSet = now, false
	if p.Role != nil {
		fe = append(fe, s.check()...)
	}
	if err := fe.Err("staff_invalid"); err != nil {
		return nil, err
	}
	return s, nil
}

// Update applies a patch; the staff member is unchanged when it is invalid.
func (s *Staff) Update(p StaffPatch, now time.Time) error {
	next := *s
	next.apply(p)
	if next.passwordSet {
		next.PasswordChangedAt, next.passwordSet = now, false
	}
	if err := Fields(next.check()).Err("staff_invalid"); err != nil {
		return err
	}
	next.UpdatedAt = now
	*s = next
	return nil
}

func (s *Staff) apply(p StaffPatch) {
	if p.DisplayName != nil {
		s.DisplayName = strings.TrimSpace(*p.DisplayName)
	}
	if p.Role != nil {
		s.Role = *p.Role
	}
	if p.StoreCodes != nil {
		// Store codes are upper case; normalising here keeps the check in
		// CanAccessStore exact on both engines (MariaDB compares case-
		// insensitively, SQLite does not).
		codes := make([]string, len(*p.StoreCodes))
		for i, c := range *p.StoreCodes {
			codes[i] = strings.ToUpper(strings.TrimSpace(c))
		}
		slices.Sort(codes)
		s.StoreCodes = slices.Compact(codes)
	}
	if p.PasswordHash != nil {
		s.PasswordHash = *p.PasswordHash
		s.passwordSet = true
	}
	if p.Active != nil {
		s.Active = *p.Active
	}
}

func (s *Staff) check() Fields {
	var fe Fields
	if !s.Role.Valid() {
		fe.Add("role", "must be admin, manager or clerk")
	}
	if len([]rune(s.DisplayName)) > 100 {
		fe.Add("display_name", "must be at most 100 characters")
	}
	if s.Role.Valid() && s.Role != RoleAdmin && len(s.StoreCodes) == 0 {
		fe.Add("store_codes", "a %s needs at least one store", s.Role)
	}
	if len(s.StoreCodes) > 500 {
		fe.Add("store_codes", "at most 500 stores")
	}
	for _, c := range s.StoreCodes {
		if !storeCodePattern.MatchString(c) {
			fe.Add("store_codes", "%q is not a store code", c)
			break
		}
	}
	return fe
}

// CanAccessStore reports whether the staff member works in the store.
func (s *Staff) CanAccessStore(code string) bool {
	return s.Role == RoleAdmin || slices.Contains(s.StoreCodes, code)
}

// Authorize checks role and store scope for an action. store "" means a
// chain-wide action. Errors are EFORBIDDEN with a reason a console can show.
func (s *Staff) Authorize(min Role, store string) error {
	if !s.Active {
		return Errorf(EUNAUTHORIZED, "staff_inactive", "this account is disabled")
	}
	if !s.Role.AtLeast(min) {
		return Errorf(EFORBIDDEN, "role_insufficient", "this needs role %s or higher", min)
	}
	if store != "" && !s.CanAccessStore(store) {
		return Errorf(EFORBIDDEN, "store_not_assigned", "you are not assigned to store %s", store)
	}
	return nil
}

// TokenRevoked reports whether a token issued at issuedAt predates the
// last password change. Token times have whole seconds, so the change is
// compared at that precision: a login in the same second still works.
func (s *Staff) TokenRevoked(issuedAt time.Time) bool {
	return issuedAt.Before(s.PasswordChangedAt.Truncate(time.Second))
}
