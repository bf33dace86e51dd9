package http_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// staffJSON is a staff member as the API shows it.
type staffJSON struct {
	ID          string   `json:"id"`
	Username    string   `json:"username"`
	DisplayName string   `json:"display_name"`
	Role        string   `json:"role"`
	StoreCodes  []string `json:"store_codes"`
	Active      bool     `json:"active"`
}

// assertNoSecrets fails when a response body shows a password or a hash.
func assertNoSecrets(t *testing.T, body []byte, passwords ...string) {
	t.Helper()
	s := string(body)
	for _, pw := range passwords {
		if strings.Contains(s, pw) {
			t.Errorf("body shows the password %q: %s", pw, s)
		}
	}
	if strings.Contains(s, `"password":`) || strings.Contains(s, "password_hash") || strings.Contains(s, "$2a$") {
		t.Errorf("body has a password field or a bcrypt hash: %s", s)
	}
}

func TestStaffCRUD(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	api.mustDo(t, 201, "POST", "/v1/admin/stores", map[string]any{"code": "SH02", "name": "Shop 2"}, admin, nil)

	const pw = "first-Secret-42"
	resp, body := api.do(t, "POST", "/v1/admin/staff", map[string]any{"username": " Cashier.Two ", "password": pw,
		"display_name": "Cashier Two", "role": "clerk", "store_codes": []string{"DEMO01", "DEMO01"}}, admin)
	if resp.StatusCode != 201 {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	assertNoSecrets(t, body, pw)
	var st staffJSON
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.ID == "" || st.Username != "cashier.two" || st.Role != "clerk" || !st.Active ||
		!slices.Equal(st.StoreCodes, []string{"DEMO01"}) || st.DisplayName != "Cashier Two" {
		t.Errorf("created %+v", st)
	}

	resp, body = api.do(t, "GET", "/v1/admin/staff/"+st.ID, nil, admin)
	assertNoSecrets(t, body, pw)
	var got staffJSON
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil || got.ID != st.ID || got.Username != st.Username {
		t.Errorf("get: %d %s", resp.StatusCode, body)
	}
	for _, id := range []string{"999", "abc", "0"} {
		resp, body = api.do(t, "GET", "/v1/admin/staff/"+id, nil, admin)
		wantProblem(t, resp, body, http.StatusNotFound, "not_found", "staff_not_found")
	}

	clerk := api.login(t, "cashier.two", pw)
	var patched staffJSON
	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+st.ID, map[string]any{"role": "manager",
		"store_codes": []string{"SH02", "DEMO01"}, "display_name": "Now Manager"}, admin, &patched)
	if patched.Role != "manager" || !slices.Equal(patched.StoreCodes, []string{"DEMO01", "SH02"}) || patched.DisplayName != "Now Manager" {
		t.Errorf("patched %+v", patched)
	}
	var me staffJSON
	api.mustDo(t, 200, "GET", "/v1/admin/me", nil, clerk, &me)
	if me.Role != "manager" {
		t.Errorf("the old token sees role %s, want the new role manager", me.Role)
	}

	// Deactivation locks out the token already issued and new logins.
	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+st.ID, map[string]any{"active": false}, admin, nil)
	resp, body = api.do(t, "GET", "/v1/admin/me", nil, clerk)
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "staff_inactive")
	resp, body = api.loginResp(t, "cashier.two", pw)
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+st.ID, map[string]any{"active": true}, admin, nil)
	api.mustDo(t, 200, "GET", "/v1/admin/me", nil, clerk, nil)

	// A new password replaces the old one.
	const pw2 = "second-Secret-43"
	resp, body = api.do(t, "PATCH", "/v1/admin/staff/"+st.ID, map[string]any{"password": pw2}, admin)
	if resp.StatusCode != 200 {
		t.Fatalf("password change: %d %s", resp.StatusCode, body)
	}
	assertNoSecrets(t, body, pw, pw2)
	resp, body = api.loginResp(t, "cashier.two", pw)
	wantProblem(t, resp, body, http.StatusUnauthorized, "unauthorized", "invalid_credentials")
	resp, body = api.loginResp(t, "cashier.two", pw2)
	if resp.StatusCode != 201 {
		t.Fatalf("login with the new password: %d %s", resp.StatusCode, body)
	}
	assertNoSecrets(t, body, pw2)
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "HttpOnly") {
		t.Errorf("staff cookie %q is not HttpOnly", resp.Header.Get("Set-Cookie"))
	}
}

func TestStaffChangesRefused(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	adminID, clerkID := staffIDOf(t, api, admin, "admin"), staffIDOf(t, api, admin, "clerk1")
	for _, tc := range []struct {
		name, method, path string
		body               map[string]any
		status             int
		code, reason       string
		field              string
	}{
		{"create with unknown store", "POST", "/v1/admin/staff", map[string]any{"username": "newbie", "password": "long-enough-pw",
			"role": "clerk", "store_codes": []string{"DEMO01", "GHOST1"}}, 422, "invalid", "store_unknown", "store_codes"},
		{"assign unknown store", "PATCH", "/v1/admin/staff/" + clerkID, map[string]any{"store_codes": []string{"GHOST1"}},
			422, "invalid", "store_unknown", "store_codes"},
		{"manager without stores", "PATCH", "/v1/admin/staff/" + clerkID, map[string]any{"role": "manager", "store_codes": []string{}},
			422, "invalid", "staff_invalid", "store_codes"},
		{"short new password", "PATCH", "/v1/admin/staff/" + clerkID, map[string]any{"password": "short"},
			422, "invalid", "password_invalid", "password"},
		{"bad username", "POST", "/v1/admin/staff", map[string]any{"username": "a b", "password": "long-enough-pw",
			"role": "admin"}, 422, "invalid", "staff_invalid", "username"},
		{"duplicate username", "POST", "/v1/admin/staff", map[string]any{"username": "clerk1", "password": "long-enough-pw",
			"role": "clerk", "store_codes": []string{"DEMO01"}}, 409, "conflict", "username_taken", ""},
		{"duplicate username in other case", "POST", "/v1/admin/staff", map[string]any{"username": "ADMIN", "password": "long-enough-pw",
			"role": "admin"}, 409, "conflict", "username_taken", ""},
		{"admin demotes self", "PATCH", "/v1/admin/staff/" + adminID, map[string]any{"role": "manager", "store_codes": []string{"DEMO01"}},
			409, "conflict", "cannot_demote_self", ""},
		{"admin disables self", "PATCH", "/v1/admin/staff/" + adminID, map[string]any{"active": false},
			409, "conflict", "cannot_demote_self", ""},
		{"unknown staff member", "PATCH", "/v1/admin/staff/12345", map[string]any{"display_name": "x"},
			404, "not_found", "staff_not_found", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, admin)
			p := wantProblem(t, resp, body, tc.status, tc.code, tc.reason)
			if tc.field != "" && !slices.Contains(fieldNames(p), tc.field) {
				t.Errorf("fields %q do not name %s", fieldNames(p), tc.field)
			}
			assertNoSecrets(t, body, "long-enough-pw")
		})
	}

	// Nothing changed: still the three seeded accounts, as seeded.
	var list struct{ Items []staffJSON }
	api.mustDo(t, 200, "GET", "/v1/admin/staff", nil, admin, &list)
	if len(list.Items) != 3 {
		t.Fatalf("%d staff, want the 3 seeded: %+v", len(list.Items), list.Items)
	}
	for _, s := range list.Items {
		if !s.Active || !slices.Equal(s.StoreCodes, []string{"DEMO01"}) {
			t.Errorf("%s changed by refused requests: %+v", s.Username, s)
		}
		if want := map[string]string{"admin": "admin", "manager1": "manager", "clerk1": "clerk"}[s.Username]; s.Role != want {
			t.Errorf("%s has role %s, want %s", s.Username, s.Role, want)
		}
	}
	api.login(t, "clerk1", "scanpay-demo")
}

func TestStaffListPages(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	for i := range 5 {
		api.mustDo(t, 201, "POST", "/v1/admin/staff", map[string]any{"username": fmt.Sprintf("clerk-%d", i+10),
			"password": "long-enough-pw", "role": "clerk", "store_codes": []string{"DEMO01"}}, admin, nil)
	}
	var full struct {
		Items      []staffJSON
		NextCursor string `json:"next_cursor"`
	}
	api.mustDo(t, 200, "GET", "/v1/admin/staff", nil, admin, &full)
	if len(full.Items) != 8 || full.NextCursor != "" {
		t.Fatalf("default page: %d items, cursor %q; want all 8 and no cursor", len(full.Items), full.NextCursor)
	}

	var walked []string
	seen := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("paging does not end")
		}
		path := "/v1/admin/staff?limit=1"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		resp, body := api.do(t, "GET", path, nil, admin)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		assertNoSecrets(t, body, "long-enough-pw", "scanpay-demo")
		var p struct {
			Items      []staffJSON
			NextCursor string `json:"next_cursor"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 {
			t.Fatalf("%s: %d items, want 1", path, len(p.Items))
		}
		id := p.Items[0].ID
		if seen[id] {
			t.Fatalf("%s repeats %s", path, id)
		}
		seen[id] = true
		walked = append(walked, id)
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	var want []string
	for _, s := range full.Items {
		want = append(want, s.ID)
	}
	if !slices.Equal(walked, want) {
		t.Errorf("pages of one gave %q, want %q", walked, want)
	}

	forged := base64.RawURLEncoding.EncodeToString([]byte("id:abc"))
	for _, tc := range []struct{ query, field string }{
		{"cursor=garbage!", "cursor"},
		{"cursor=" + forged, "cursor"},
		{"cursor=" + base64.RawURLEncoding.EncodeToString([]byte("id:-5")), "cursor"},
		{"limit=0", "limit"},
		{"limit=201", "limit"},
		{"limit=abc", "limit"},
		{"limit=-1", "limit"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			for _, path := range []string{"/v1/admin/staff?", "/v1/admin/stores?"} {
				resp, body := api.do(t, "GET", path+tc.query, nil, admin)
				p := wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "page_invalid")
				if !slices.Equal(fieldNames(p), []string{tc.field}) {
					t.Errorf("%s: fields %q, want [%s]", path, fieldNames(p), tc.field)
				}
			}
		})
	}
	var max struct{ Items []staffJSON }
	api.mustDo(t, 200, "GET", "/v1/admin/staff?limit=200", nil, admin, &max)
	if len(max.Items) != 8 {
		t.Errorf("limit=200: %d items, want 8", len(max.Items))
	}
}
