package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

func newStaff(t *testing.T, id int64, username string, role domain.Role, stores ...string) *domain.Staff {
	t.Helper()
	p := domain.StaffPatch{Role: &role, PasswordHash: rptr("$2a$10$hash-of-" + username), DisplayName: rptr("Name " + username)}
	if stores != nil {
		p.StoreCodes = &stores
	}
	s, err := domain.NewStaff(id, username, p, repoNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func createStaff(t *testing.T, repo *mysql.StaffRepo, s *domain.Staff) {
	t.Helper()
	if err := repo.CreateStaff(context.Background(), s); err != nil {
		t.Fatalf("CreateStaff %s: %v", s.Username, err)
	}
}

func sameStaff(t *testing.T, got, want *domain.Staff) {
	t.Helper()
	if got.ID != want.ID || got.Username != want.Username || got.DisplayName != want.DisplayName ||
		got.Role != want.Role || got.PasswordHash != want.PasswordHash || got.Active != want.Active {
		t.Errorf("staff:\n got %+v\nwant %+v", got, want)
	}
	wantCodes := want.StoreCodes
	if wantCodes == nil {
		wantCodes = []string{}
	}
	if !slices.Equal(got.StoreCodes, wantCodes) {
		t.Errorf("staff %d store codes = %q, want %q", got.ID, got.StoreCodes, wantCodes)
	}
	sameTime(t, "created_at", got.CreatedAt, want.CreatedAt)
	sameTime(t, "updated_at", got.UpdatedAt, want.UpdatedAt)
}

func TestStaffRepoCreateAndGet(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		m := newStaff(t, 1, "Manager1", domain.RoleManager, "S2", "S1", "S2")
		createStaff(t, repo, m)
		if !slices.Equal(m.StoreCodes, []string{"S1", "S2"}) {
			t.Fatalf("domain codes %v", m.StoreCodes)
		}
		byID, err := repo.StaffByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameStaff(t, byID, m)
		byName, err := repo.StaffByUsername(ctx, "manager1")
		if err != nil {
			t.Fatal(err)
		}
		sameStaff(t, byName, m)

		_, err = repo.StaffByID(ctx, 999)
		wantCode(t, err, domain.ENOTFOUND, "staff_not_found")
		_, err = repo.StaffByUsername(ctx, "nobody")
		wantCode(t, err, domain.ENOTFOUND, "staff_not_found")
	})
}

func TestStaffRepoDuplicateUsername(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		first := newStaff(t, 1, "clerk1", domain.RoleClerk, "S1")
		createStaff(t, repo, first)
		err := repo.CreateStaff(ctx, newStaff(t, 2, "clerk1", domain.RoleClerk, "S2", "S3"))
		wantCode(t, err, domain.ECONFLICT, "username_taken")

		_, err = repo.StaffByID(ctx, 2)
		wantCode(t, err, domain.ENOTFOUND, "staff_not_found")
		got, err := repo.StaffByUsername(ctx, "clerk1")
		if err != nil {
			t.Fatal(err)
		}
		sameStaff(t, got, first)
		var links int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM staff_stores WHERE staff_id = 2").Scan(&links); err != nil || links != 0 {
			t.Fatalf("%d store links left by the rejected staff member (%v)", links, err)
		}
	})
}

func TestStaffRepoListLoadsStores(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		want := []*domain.Staff{
			newStaff(t, 10, "admin", domain.RoleAdmin),
			newStaff(t, 20, "manager1", domain.RoleManager, "S1", "S2"),
			newStaff(t, 30, "clerk1", domain.RoleClerk, "S2"),
			newStaff(t, 40, "clerk2", domain.RoleClerk, "S3", "S1", "S9"),
			newStaff(t, 50, "manager2", domain.RoleManager, "S9"),
		}
		for _, s := range want {
			createStaff(t, repo, s)
		}
		all, err := repo.ListStaff(ctx, domain.Page{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != len(want) {
			t.Fatalf("listed %d staff, want %d", len(all), len(want))
		}
		for i := range want {
			sameStaff(t, all[i], want[i])
		}

		var ids []int64
		for after := int64(0); ; {
			page, err := repo.ListStaff(ctx, domain.Page{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, s := range page {
				ids = append(ids, s.ID)
				after = s.ID
				if s.ID == 40 && !slices.Equal(s.StoreCodes, []string{"S1", "S3", "S9"}) {
					t.Errorf("paged clerk2 stores = %v", s.StoreCodes)
				}
			}
		}
		if !slices.Equal(ids, []int64{10, 20, 30, 40, 50}) {
			t.Fatalf("paged ids = %v", ids)
		}
		empty, err := repo.ListStaff(ctx, domain.Page{Limit: 10, After: 50})
		if err != nil || len(empty) != 0 {
			t.Fatalf("page after the last = %v, %v", empty, err)
		}
	})
}

func TestStaffRepoUpdateReplacesStores(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		orig := newStaff(t, 1, "manager1", domain.RoleManager, "S1", "S2")
		createStaff(t, repo, orig)
		other := newStaff(t, 2, "clerk1", domain.RoleClerk, "S1")
		createStaff(t, repo, other)
		later := repoNow.Add(time.Hour + 42*time.Microsecond)

		updated, err := repo.UpdateStaff(ctx, 1, func(s *domain.Staff) error {
			return s.Update(domain.StaffPatch{StoreCodes: &[]string{"S3", "S2"}, DisplayName: rptr("Boss"),
				PasswordHash: rptr("newhash"), Active: rptr(false)}, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := *orig
		want.StoreCodes, want.DisplayName, want.PasswordHash, want.Active, want.UpdatedAt = []string{"S2", "S3"}, "Boss", "newhash", false, later
		if updated == nil || !slices.Equal(updated.StoreCodes, want.StoreCodes) || updated.Active || !updated.UpdatedAt.Equal(later) {
			t.Errorf("UpdateStaff returned %+v", updated)
		}
		got, err := repo.StaffByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameStaff(t, got, &want)
		if o, _ := repo.StaffByID(ctx, 2); o == nil || !slices.Equal(o.StoreCodes, []string{"S1"}) {
			t.Errorf("another staff member's stores changed: %+v", o)
		}

		// Promote to admin with no stores: every link goes.
		_, err = repo.UpdateStaff(ctx, 1, func(s *domain.Staff) error {
			r := domain.RoleAdmin
			return s.Update(domain.StaffPatch{Role: &r, StoreCodes: &[]string{}}, later)
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := repo.StaffByID(ctx, 1); got == nil || got.Role != domain.RoleAdmin || len(got.StoreCodes) != 0 {
			t.Fatalf("after promotion: %+v", got)
		}
	})
}

func TestStaffRepoUpdateErrors(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		orig := newStaff(t, 1, "manager1", domain.RoleManager, "S1")
		createStaff(t, repo, orig)

		_, err := repo.UpdateStaff(ctx, 1, func(s *domain.Staff) error {
			s.StoreCodes, s.DisplayName = []string{"S7"}, "changed"
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("UpdateStaff = %v, want errBoom", err)
		}
		_, err = repo.UpdateStaff(ctx, 999, func(*domain.Staff) error { return nil })
		wantCode(t, err, domain.ENOTFOUND, "staff_not_found")
		got, err := repo.StaffByID(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		sameStaff(t, got, orig)
	})
}

func TestStaffRepoCreateInsideRolledBackTx(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStaffRepo(db)
		ctx := context.Background()
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			for i := range 3 {
				if err := repo.CreateStaff(ctx, newStaff(t, int64(i+1), fmt.Sprintf("clerk%d", i), domain.RoleClerk, "S1")); err != nil {
					return err
				}
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("WithinTx = %v", err)
		}
		all, err := repo.ListStaff(ctx, domain.Page{Limit: 10})
		if err != nil || len(all) != 0 {
			t.Fatalf("after rollback: %d staff, %v", len(all), err)
		}
		var links int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM staff_stores").Scan(&links); err != nil || links != 0 {
			t.Fatalf("%d store links survived the rollback (%v)", links, err)
		}
	})
}
