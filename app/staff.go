package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// StaffAdmin is what admins do with staff accounts.
type StaffAdmin struct {
	tx     Tx
	staff  domain.StaffRepository
	stores domain.StoreRepository
	hasher PasswordHasher
	ids    IDs
	clock  Clock
}

// NewStaffAdmin wires the staff management use cases.
func NewStaffAdmin(tx Tx, staff domain.StaffRepository, stores domain.StoreRepository, hasher PasswordHasher, ids IDs, clock Clock) *StaffAdmin {
	return &StaffAdmin{tx: tx, staff: staff, stores: stores, hasher: hasher, ids: ids, clock: clock}
}

// NewStaffInput is a new account; Password is plain text, hashed here.
type NewStaffInput struct {
	Username    string
	Password    string
	DisplayName string
	Role        domain.Role
	StoreCodes  []string
}

// StaffUpdate changes an account; nil fields are left as they are.
type StaffUpdate struct {
	Password    *string
	DisplayName *string
	Role        *domain.Role
	StoreCodes  *[]string
	Active      *bool
}

// Create adds a staff account (admins only).
func (a *StaffAdmin) Create(ctx context.Context, actor *domain.Staff, in NewStaffInput) (*domain.Staff, error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return nil, err
	}
	if err := domain.CheckPassword("password", in.Password); err != nil {
		return nil, err
	}
	hash, err := a.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	s, err := domain.NewStaff(a.ids.NewID(), in.Username, domain.StaffPatch{
		DisplayName: &in.DisplayName, Role: &in.Role, StoreCodes: &in.StoreCodes, PasswordHash: &hash,
	}, a.clock.Now())
	if err != nil {
		return nil, err
	}
	err = a.tx.WithinTx(ctx, func(ctx context.Context) error {
		if err := a.checkStores(ctx, s.StoreCodes); err != nil {
			return err
		}
		return a.staff.CreateStaff(ctx, s)
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Get returns one account (admins only).
func (a *StaffAdmin) Get(ctx context.Context, actor *domain.Staff, id int64) (*domain.Staff, error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return nil, err
	}
	return a.staff.StaffByID(ctx, id)
}

// List pages through all accounts (admins only).
func (a *StaffAdmin) List(ctx context.Context, actor *domain.Staff, p domain.Page) (PageResult[*domain.Staff], error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return PageResult[*domain.Staff]{}, err
	}
	return fetchPage(p, func(s *domain.Staff) int64 { return s.ID }, func(p domain.Page) ([]*domain.Staff, error) {
		return a.staff.ListStaff(ctx, p)
	})
}

// Update changes an account (admins only). An admin cannot demote or
// disable themselves, so the chain cannot lose its last admin by accident.
func (a *StaffAdmin) Update(ctx context.Context, actor *domain.Staff, id int64, in StaffUpdate) (*domain.Staff, error) {
	if err := actor.Authorize(domain.RoleAdmin, ""); err != nil {
		return nil, err
	}
	if actor.ID == id && ((in.Role != nil && *in.Role != domain.RoleAdmin) || (in.Active != nil && !*in.Active)) {
		return nil, domain.Errorf(domain.ECONFLICT, "cannot_demote_self", "you cannot demote or disable your own account")
	}
	patch := domain.StaffPatch{DisplayName: in.DisplayName, Role: in.Role, StoreCodes: in.StoreCodes, Active: in.Active}
	if in.Password != nil {
		if err := domain.CheckPassword("password", *in.Password); err != nil {
			return nil, err
		}
		hash, err := a.hasher.Hash(*in.Password)
		if err != nil {
			return nil, err
		}
		patch.PasswordHash = &hash
	}
	var out *domain.Staff
	err := a.tx.WithinTx(ctx, func(ctx context.Context) error {
		if in.StoreCodes != nil {
			if err := a.checkStores(ctx, *in.StoreCodes); err != nil {
				return err
			}
		}
		var err error
		out, err = a.staff.UpdateStaff(ctx, id, func(s *domain.Staff) error { return s.Update(patch, a.clock.Now()) })
		return err
	})
	return out, err
}

// checkStores refuses assignments to stores that do not exist.
func (a *StaffAdmin) checkStores(ctx context.Context, codes []string) error {
	var fe domain.Fields
	for _, c := range codes {
		if _, err := a.stores.StoreByCode(ctx, c); err != nil {
			if domain.ErrorCode(err) != domain.ENOTFOUND {
				return err
			}
			fe.Add("store_codes", "no store %s", c)
		}
	}
	return fe.Err("store_unknown")
}
