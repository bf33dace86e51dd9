package app

import (
	"context"

	"github.com/scanpay/scanpay/domain"
)

// DemoPassword is the password of the demo staff accounts. The demo seed
// runs only in embedded mode or when DEMO_SEED=true is set on purpose.
const DemoPassword = "scanpay-demo"

// DemoStoreCode is the demo store every seed builds on.
const DemoStoreCode = "DEMO01"

// Seeder fills an empty installation with the demo store, staff and
// catalog. It is idempotent: what exists is left as it is, so restarts
// change nothing.
type Seeder struct {
	tx     Tx
	repos  SeedRepos
	hasher PasswordHasher
	ids    IDs
	clock  Clock
}

// SeedRepos are the repositories the seed writes through. CreateAdmin
// needs Staff only; SeedDemo needs them all.
type SeedRepos struct {
	Stores     domain.StoreRepository
	Staff      domain.StaffRepository
	Products   domain.ProductRepository
	Items      domain.StoreItemRepository
	Stock      domain.StockRepository
	LabelRules domain.LabelRuleRepository
	Promotions domain.PromotionRepository
	Coupons    domain.CouponRepository
}

// NewSeeder wires the demo seed.
func NewSeeder(tx Tx, repos SeedRepos, hasher PasswordHasher, ids IDs, clock Clock) *Seeder {
	return &Seeder{tx: tx, repos: repos, hasher: hasher, ids: ids, clock: clock}
}

// SeedDemo creates store DEMO01, the accounts admin, manager1 and clerk1,
// and the demo catalog: products with barcodes, their DEMO01 prices and
// opening stock, and DEMO01's scale-label rules (seed_catalog.go), and the
// demo promotions and coupon WELCOME5 (seed_pricing.go). It reports how
// many things it created.
func (s *Seeder) SeedDemo(ctx context.Context) (created int, err error) {
	err = s.tx.WithinTx(ctx, func(ctx context.Context) error {
		store, err := s.repos.Stores.StoreByCode(ctx, DemoStoreCode)
		if domain.ErrorCode(err) == domain.ENOTFOUND {
			name, tz := "Demo Supermarket", domain.DefaultTimeZone
			lat, lng := mustDecimal("31.230416"), mustDecimal("121.473701")
			radius := 150
			st, err := domain.NewStore(s.ids.NewID(), DemoStoreCode, domain.StorePatch{
				Name: &name, TimeZone: &tz, Latitude: &lat, Longitude: &lng, RadiusM: &radius,
			}, s.clock.Now())
			if err != nil {
				return err
			}
			if err := s.repos.Stores.CreateStore(ctx, st); err != nil {
				return err
			}
			store = st
			created++
		} else if err != nil {
			return err
		}
		for _, a := range []struct {
			user, name string
			role       domain.Role
		}{
			{"admin", "Demo Admin", domain.RoleAdmin},
			{"manager1", "Demo Manager", domain.RoleManager},
			{"clerk1", "Demo Clerk", domain.RoleClerk},
		} {
			n, err := s.ensureStaff(ctx, a.user, a.name, a.role)
			if err != nil {
				return err
			}
			created += n
		}
		n, err := s.seedCatalog(ctx, store)
		created += n
		if err != nil {
			return err
		}
		n, err = s.seedPricing(ctx, store)
		created += n
		return err
	})
	return created, err
}

func (s *Seeder) ensureStaff(ctx context.Context, username, name string, role domain.Role) (int, error) {
	_, err := s.repos.Staff.StaffByUsername(ctx, username)
	if domain.ErrorCode(err) != domain.ENOTFOUND {
		return 0, err
	}
	hash, err := s.hasher.Hash(DemoPassword)
	if err != nil {
		return 0, err
	}
	stores := []string{DemoStoreCode}
	st, err := domain.NewStaff(s.ids.NewID(), username, domain.StaffPatch{
		DisplayName: &name, Role: &role, StoreCodes: &stores, PasswordHash: &hash,
	}, s.clock.Now())
	if err != nil {
		return 0, err
	}
	return 1, s.repos.Staff.CreateStaff(ctx, st)
}

// CreateAdmin adds the first admin of a fresh installation (the
// `scanpay create-admin` command), since outside embedded mode nothing is
// seeded and only an admin can create staff.
func (s *Seeder) CreateAdmin(ctx context.Context, username, password string) (*domain.Staff, error) {
	if err := domain.CheckPassword("ADMIN_PASSWORD", password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return nil, err
	}
	role, name := domain.RoleAdmin, "Administrator"
	st, err := domain.NewStaff(s.ids.NewID(), username, domain.StaffPatch{
		DisplayName: &name, Role: &role, PasswordHash: &hash,
	}, s.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := s.repos.Staff.CreateStaff(ctx, st); err != nil {
		return nil, err
	}
	return st, nil
}
