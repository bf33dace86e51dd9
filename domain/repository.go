package domain

import "context"

// StoreRepository persists stores. Update runs fn on the row locked inside
// the caller's transaction, so concurrent edits cannot overwrite each other.
type StoreRepository interface {
	CreateStore(ctx context.Context, s *Store) error // ECONFLICT store_code_taken
	StoreByCode(ctx context.Context, code string) (*Store, error)
	ListStores(ctx context.Context, p Page) ([]*Store, error)
	UpdateStore(ctx context.Context, code string, fn func(*Store) error) (*Store, error)
}

// StaffRepository persists staff members and their store assignments.
type StaffRepository interface {
	CreateStaff(ctx context.Context, s *Staff) error // ECONFLICT username_taken
	StaffByID(ctx context.Context, id int64) (*Staff, error)
	StaffByUsername(ctx context.Context, username string) (*Staff, error)
	ListStaff(ctx context.Context, p Page) ([]*Staff, error)
	UpdateStaff(ctx context.Context, id int64, fn func(*Staff) error) (*Staff, error)
}
