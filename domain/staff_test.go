package domain_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

const testHash = "$2a$10$abcdefghijklmnopqrstuv"

func role(r domain.Role) *domain.Role { return &r }

func codes(c ...string) *[]string { return &c }

func TestNewStaffValid(t *testing.T) {
	tests := []struct {
		name      string
		username  string
		p         domain.StaffPatch
		wantUser  string
		wantCodes []string
	}{
		{"admin without stores", "admin", domain.StaffPatch{Role: role(domain.RoleAdmin)}, "admin", nil},
		{"lower-cased and trimmed", "  Alice.Wang ", domain.StaffPatch{Role: role(domain.RoleAdmin)}, "alice.wang", nil},
		{"three chars", "ab1", domain.StaffPatch{Role: role(domain.RoleAdmin)}, "ab1", nil},
		{"32 chars", strings.Repeat("a", 32), domain.StaffPatch{Role: role(domain.RoleAdmin)}, strings.Repeat("a", 32), nil},
		{"digits, _ and -", "0clerk_1-x", domain.StaffPatch{Role: role(domain.RoleClerk), StoreCodes: codes("S1")}, "0clerk_1-x", []string{"S1"}},
		{"codes sorted and deduplicated", "manager1",
			domain.StaffPatch{Role: role(domain.RoleManager), StoreCodes: codes("S3", "S1", "S3", "S2", "S1")},
			"manager1", []string{"S1", "S2", "S3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.p.PasswordHash = ptr(testHash)
			s, err := domain.NewStaff(42, tt.username, tt.p, testNow)
			if err != nil {
				t.Fatal(err)
			}
			if s.ID != 42 || s.Username != tt.wantUser || s.Role != *tt.p.Role || s.PasswordHash != testHash {
				t.Errorf("got %+v", s)
			}
			if !slices.Equal(s.StoreCodes, tt.wantCodes) {
				t.Errorf("store codes = %v, want %v", s.StoreCodes, tt.wantCodes)
			}
			if !s.Active || !s.CreatedAt.Equal(testNow) || !s.UpdatedAt.Equal(testNow) {
				t.Errorf("active/created/updated = %v/%s/%s", s.Active, s.CreatedAt, s.UpdatedAt)
			}
		})
	}
}

func TestNewStaffDoesNotAliasPatchCodes(t *testing.T) {
	in := []string{"S2", "S1"}
	s, err := domain.NewStaff(1, "clerk1", domain.StaffPatch{Role: role(domain.RoleClerk), StoreCodes: &in, PasswordHash: ptr(testHash)}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	in[0] = "XX"
	if !slices.Equal(s.StoreCodes, []string{"S1", "S2"}) {
		t.Fatalf("store codes follow the caller's slice: %v", s.StoreCodes)
	}
}

func TestNewStaffReportsBadFields(t *testing.T) {
	full := func(p domain.StaffPatch) domain.StaffPatch {
		if p.PasswordHash == nil {
			p.PasswordHash = ptr(testHash)
		}
		return p
	}
	admin := domain.StaffPatch{Role: role(domain.RoleAdmin)}
	tests := []struct {
		name     string
		username string
		p        domain.StaffPatch
		want     []string
	}{
		{"two chars", "ab", full(admin), []string{"username"}},
		{"33 chars", strings.Repeat("a", 33), full(admin), []string{"username"}},
		{"starts with dot", ".alice", full(admin), []string{"username"}},
		{"space inside", "al ice", full(admin), []string{"username"}},
		{"non-ascii", "wáng", full(admin), []string{"username"}},
		{"empty", "", full(admin), []string{"username"}},
		{"role missing", "alice", full(domain.StaffPatch{}), []string{"role"}},
		{"role unknown", "alice", full(domain.StaffPatch{Role: role("boss")}), []string{"role"}},
		{"role empty", "alice", full(domain.StaffPatch{Role: role("")}), []string{"role"}},
		{"clerk without store", "alice", full(domain.StaffPatch{Role: role(domain.RoleClerk)}), []string{"store_codes"}},
		{"manager with empty list", "alice", full(domain.StaffPatch{Role: role(domain.RoleManager), StoreCodes: codes()}), []string{"store_codes"}},
		{"password hash missing", "alice", domain.StaffPatch{Role: role(domain.RoleAdmin)}, []string{"password"}},
		{"display name 101 runes", "alice", full(domain.StaffPatch{Role: role(domain.RoleAdmin), DisplayName: ptr(strings.Repeat("名", 101))}), []string{"display_name"}},
		{"everything", "A", domain.StaffPatch{}, []string{"password", "role", "username"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := domain.NewStaff(1, tt.username, tt.p, testNow)
			if err == nil {
				t.Fatalf("NewStaff accepted it: %+v", s)
			}
			if got := fieldNames(t, err, "staff_invalid"); !slices.Equal(got, tt.want) {
				t.Fatalf("fields = %v, want %v", got, tt.want)
			}
		})
	}
}

func validClerk(t *testing.T) *domain.Staff {
	t.Helper()
	s, err := domain.NewStaff(1, "clerk1", domain.StaffPatch{Role: role(domain.RoleClerk), StoreCodes: codes("S1"),
		DisplayName: ptr("Clerk"), PasswordHash: ptr(testHash)}, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStaffUpdate(t *testing.T) {
	later := testNow.Add(time.Hour)
	t.Run("invalid patch leaves staff unchanged", func(t *testing.T) {
		for name, p := range map[string]domain.StaffPatch{
			"unknown role":         {Role: role("owner"), DisplayName: ptr("New")},
			"clerk loses stores":   {StoreCodes: codes()},
			"manager without":      {Role: role(domain.RoleManager), StoreCodes: codes()},
			"display name too big": {DisplayName: ptr(strings.Repeat("x", 101))},
		} {
			s := validClerk(t)
			before := *s
			err := s.Update(p, later)
			if domain.ErrorCode(err) != domain.EINVALID || domain.ErrorReason(err) != "staff_invalid" {
				t.Fatalf("%s: error = %v, want invalid staff_invalid", name, err)
			}
			if !reflect.DeepEqual(*s, before) {
				t.Fatalf("%s: staff changed:\n got %+v\nwant %+v", name, *s, before)
			}
		}
	})
	t.Run("valid patch", func(t *testing.T) {
		s := validClerk(t)
		err := s.Update(domain.StaffPatch{Role: role(domain.RoleManager), StoreCodes: codes("S9", "S2", "S9"),
			DisplayName: ptr("  Boss "), PasswordHash: ptr("newhash"), Active: ptr(false)}, later)
		if err != nil {
			t.Fatal(err)
		}
		if s.Role != domain.RoleManager || s.DisplayName != "Boss" || s.PasswordHash != "newhash" || s.Active {
			t.Errorf("after update: %+v", s)
		}
		if !slices.Equal(s.StoreCodes, []string{"S2", "S9"}) {
			t.Errorf("store codes = %v, want [S2 S9]", s.StoreCodes)
		}
		if s.Username != "clerk1" || !s.CreatedAt.Equal(testNow) || !s.UpdatedAt.Equal(later) {
			t.Errorf("username/created/updated = %s/%s/%s", s.Username, s.CreatedAt, s.UpdatedAt)
		}
	})
	t.Run("admin may drop all stores", func(t *testing.T) {
		s := validClerk(t)
		if err := s.Update(domain.StaffPatch{Role: role(domain.RoleAdmin), StoreCodes: codes()}, later); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCheckPasswordBounds(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		ok   bool
	}{
		{"empty", "", false},
		{"7 bytes", strings.Repeat("p", 7), false},
		{"8 bytes", strings.Repeat("p", 8), true},
		{"72 bytes", strings.Repeat("p", 72), true},
		{"73 bytes", strings.Repeat("p", 73), false},
		{"24 three-byte runes = 72 bytes", strings.Repeat("密", 24), true},
		{"25 three-byte runes = 75 bytes", strings.Repeat("密", 25), false},
		{"3 three-byte runes = 9 bytes", "密码密", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckPassword("new_password", tt.pw)
			if (err == nil) != tt.ok {
				t.Fatalf("CheckPassword(%d bytes) = %v, want ok=%v", len(tt.pw), err, tt.ok)
			}
			if err != nil {
				if got := fieldNames(t, err, "password_invalid"); !slices.Equal(got, []string{"new_password"}) {
					t.Fatalf("fields = %v, want [new_password]", got)
				}
			}
		})
	}
}

func TestRoleAtLeast(t *testing.T) {
	roles := []domain.Role{domain.RoleClerk, domain.RoleManager, domain.RoleAdmin, "", "boss"}
	mins := []domain.Role{domain.RoleClerk, domain.RoleManager, domain.RoleAdmin}
	want := map[domain.Role][3]bool{
		domain.RoleClerk:   {true, false, false},
		domain.RoleManager: {true, true, false},
		domain.RoleAdmin:   {true, true, true},
		"":                 {false, false, false},
		"boss":             {false, false, false},
	}
	for _, r := range roles {
		for i, min := range mins {
			if got := r.AtLeast(min); got != want[r][i] {
				t.Errorf("Role(%q).AtLeast(%s) = %v, want %v", r, min, got, want[r][i])
			}
		}
		if got, wantValid := r.Valid(), want[r][0]; got != wantValid {
			t.Errorf("Role(%q).Valid() = %v, want %v", r, got, wantValid)
		}
	}
}

func TestStaffAuthorize(t *testing.T) {
	mk := func(r domain.Role, active bool, stores ...string) *domain.Staff {
		return &domain.Staff{Username: "x", Role: r, Active: active, StoreCodes: stores}
	}
	tests := []struct {
		name     string
		staff    *domain.Staff
		min      domain.Role
		store    string
		code     string
		reason   string
		canStore bool
	}{
		{"inactive admin", mk(domain.RoleAdmin, false), domain.RoleClerk, "", domain.EUNAUTHORIZED, "staff_inactive", true},
		{"inactive clerk in own store", mk(domain.RoleClerk, false, "A"), domain.RoleClerk, "A", domain.EUNAUTHORIZED, "staff_inactive", true},
		{"clerk needs manager", mk(domain.RoleClerk, true, "A"), domain.RoleManager, "A", domain.EFORBIDDEN, "role_insufficient", true},
		{"manager needs admin", mk(domain.RoleManager, true, "A"), domain.RoleAdmin, "", domain.EFORBIDDEN, "role_insufficient", false},
		{"manager of A on B", mk(domain.RoleManager, true, "A"), domain.RoleClerk, "B", domain.EFORBIDDEN, "store_not_assigned", false},
		{"clerk without stores on A", mk(domain.RoleClerk, true), domain.RoleClerk, "A", domain.EFORBIDDEN, "store_not_assigned", false},
		{"unknown role", mk("boss", true, "A"), domain.RoleClerk, "A", domain.EFORBIDDEN, "role_insufficient", true},
		{"manager of A on A", mk(domain.RoleManager, true, "A", "C"), domain.RoleManager, "A", "", "", true},
		{"manager chain-wide", mk(domain.RoleManager, true, "A"), domain.RoleClerk, "", "", "", false},
		{"clerk as clerk in C", mk(domain.RoleClerk, true, "A", "C"), domain.RoleClerk, "C", "", "", true},
		{"admin any store", mk(domain.RoleAdmin, true), domain.RoleAdmin, "ZZZ", "", "", true},
		{"admin chain-wide", mk(domain.RoleAdmin, true), domain.RoleManager, "", "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.staff.Authorize(tt.min, tt.store)
			if domain.ErrorCode(err) != tt.code || domain.ErrorReason(err) != tt.reason {
				t.Fatalf("Authorize(%s, %q) = %v, want %q/%q", tt.min, tt.store, err, tt.code, tt.reason)
			}
			if tt.store != "" {
				if got := tt.staff.CanAccessStore(tt.store); got != tt.canStore {
					t.Errorf("CanAccessStore(%q) = %v, want %v", tt.store, got, tt.canStore)
				}
			}
		})
	}
}

// A misspelt requirement must fail closed, not let every role through.
func TestAtLeastUnknownRequirementGrantsNothing(t *testing.T) {
	for _, r := range []domain.Role{domain.RoleClerk, domain.RoleManager, domain.RoleAdmin} {
		if r.AtLeast(domain.Role("admn")) {
			t.Errorf("%s.AtLeast(unknown) = true", r)
		}
	}
	clerk := &domain.Staff{Role: domain.RoleClerk, StoreCodes: []string{"A"}, Active: true}
	if domain.ErrorCode(clerk.Authorize(domain.Role("admn"), "A")) != domain.EFORBIDDEN {
		t.Error("Authorize with an unknown required role let a clerk through")
	}
}

// Store codes are normalised to upper case, so "demo01" grants DEMO01 on
// either engine; something that is not a code at all is refused.
func TestStaffStoreCodesNormalised(t *testing.T) {
	role, hash := domain.RoleManager, "h"
	codes := []string{" demo01", "DEMO01"}
	s, err := domain.NewStaff(1, "mgr", domain.StaffPatch{Role: &role, PasswordHash: &hash, StoreCodes: &codes}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.StoreCodes) != 1 || s.StoreCodes[0] != "DEMO01" || !s.CanAccessStore("DEMO01") {
		t.Fatalf("store codes %q", s.StoreCodes)
	}
	bad := []string{"no spaces allowed"}
	if _, err := domain.NewStaff(2, "mgr2", domain.StaffPatch{Role: &role, PasswordHash: &hash, StoreCodes: &bad}, time.Now()); err == nil {
		t.Fatal("a malformed store code was accepted")
	}
}
