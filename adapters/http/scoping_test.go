package http_test

import (
	"net/http"
	"slices"
	"testing"
)

// storeList is the shape of GET /v1/admin/stores.
type storeList struct {
	Items []struct {
		Code string `json:"code"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func (l storeList) codes() []string {
	out := make([]string, len(l.Items))
	for i, it := range l.Items {
		out[i] = it.Code
	}
	return out
}

func TestRolesAndStoreScoping(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")

	var created map[string]any
	api.mustDo(t, 201, "POST", "/v1/admin/stores", map[string]any{"code": "SH02", "name": "Shop 2",
		"time_zone": "Asia/Hong_Kong", "latitude": "22.3", "longitude": 114.17, "radius_m": 80}, admin, &created)
	if created["code"] != "SH02" || created["audit_rate"] != "0.05" || created["max_lines"] != float64(100) ||
		created["max_basket_total"] != "5000.00" || created["longitude"] != "114.17" || created["active"] != true {
		t.Errorf("created store %v: want SH02 with the chain defaults and the given geofence", created)
	}

	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		status                  int
		reason                  string
	}{
		{"manager reads own store", manager, "GET", "/v1/admin/stores/DEMO01", nil, 200, ""},
		{"store code is case-insensitive", manager, "GET", "/v1/admin/stores/demo01", nil, 200, ""},
		{"clerk reads own store", clerk, "GET", "/v1/admin/stores/DEMO01", nil, 200, ""},
		{"manager reads other store", manager, "GET", "/v1/admin/stores/SH02", nil, 403, "store_not_assigned"},
		{"clerk reads other store", clerk, "GET", "/v1/admin/stores/SH02", nil, 403, "store_not_assigned"},
		{"manager reads unknown store", manager, "GET", "/v1/admin/stores/NOPE9", nil, 403, "store_not_assigned"},
		{"admin reads unknown store", admin, "GET", "/v1/admin/stores/NOPE9", nil, 404, "store_not_found"},
		{"manager creates store", manager, "POST", "/v1/admin/stores", map[string]any{"code": "SH09", "name": "x"}, 403, "role_insufficient"},
		{"manager patches own store", manager, "PATCH", "/v1/admin/stores/DEMO01", map[string]any{"name": "Mine"}, 403, "role_insufficient"},
		{"clerk lists staff", clerk, "GET", "/v1/admin/staff", nil, 403, "role_insufficient"},
		{"manager lists staff", manager, "GET", "/v1/admin/staff", nil, 403, "role_insufficient"},
		{"clerk reads a staff member", clerk, "GET", "/v1/admin/staff/1", nil, 403, "role_insufficient"},
		{"manager creates staff", manager, "POST", "/v1/admin/staff", map[string]any{"username": "sneaky",
			"password": "long-enough-pw", "role": "admin"}, 403, "role_insufficient"},
		{"manager promotes self", manager, "PATCH", "/v1/admin/staff/1", map[string]any{"role": "admin"}, 403, "role_insufficient"},
		{"clerk reads self", clerk, "GET", "/v1/admin/me", nil, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, tc.who)
			if tc.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200; body %s", resp.StatusCode, body)
				}
				return
			}
			code := map[int]string{403: "forbidden", 404: "not_found"}[tc.status]
			wantProblem(t, resp, body, tc.status, code, tc.reason)
		})
	}

	// Nothing the refused requests tried happened.
	var all storeList
	api.mustDo(t, 200, "GET", "/v1/admin/stores", nil, admin, &all)
	if got := all.codes(); !slices.Equal(got, []string{"DEMO01", "SH02"}) {
		t.Errorf("admin sees stores %q, want [DEMO01 SH02]", got)
	}
	var mine storeList
	api.mustDo(t, 200, "GET", "/v1/admin/stores", nil, manager, &mine)
	if got := mine.codes(); !slices.Equal(got, []string{"DEMO01"}) || mine.NextCursor != "" {
		t.Errorf("manager sees stores %q (cursor %q), want only DEMO01", got, mine.NextCursor)
	}

	// A new assignment takes effect on the manager's next request, with
	// the token they already hold.
	managerID := staffIDOf(t, api, admin, "manager1")
	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+managerID, map[string]any{"store_codes": []string{"SH02", "DEMO01"}}, admin, nil)
	api.mustDo(t, 200, "GET", "/v1/admin/stores/SH02", nil, manager, nil)
	var page1, page2 storeList
	api.mustDo(t, 200, "GET", "/v1/admin/stores?limit=1", nil, manager, &page1)
	if len(page1.Items) != 1 || page1.NextCursor == "" {
		t.Fatalf("manager's first page %+v, want one store and a cursor", page1)
	}
	api.mustDo(t, 200, "GET", "/v1/admin/stores?limit=1&cursor="+page1.NextCursor, nil, manager, &page2)
	if got := append(page1.codes(), page2.codes()...); !slices.Equal(got, []string{"DEMO01", "SH02"}) || page2.NextCursor != "" {
		t.Errorf("manager's pages %q (last cursor %q), want DEMO01 then SH02 and no more", got, page2.NextCursor)
	}

	api.mustDo(t, 200, "PATCH", "/v1/admin/staff/"+managerID, map[string]any{"store_codes": []string{"SH02"}}, admin, nil)
	resp, body := api.do(t, "GET", "/v1/admin/stores/DEMO01", nil, manager)
	wantProblem(t, resp, body, http.StatusForbidden, "forbidden", "store_not_assigned")
}

func TestAdminUpdatesStore(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	var st map[string]any
	api.mustDo(t, 200, "PATCH", "/v1/admin/stores/demo01", map[string]any{"audit_rate": "0.1", "max_line_quantity": 20,
		"max_basket_total": 800, "time_zone": "Europe/Berlin", "active": false}, admin, &st)
	if st["audit_rate"] != "0.1" || st["max_line_quantity"] != float64(20) || st["max_basket_total"] != "800.00" ||
		st["time_zone"] != "Europe/Berlin" || st["active"] != false || st["name"] != "Demo Supermarket" {
		t.Errorf("patched store %v", st)
	}
	var again map[string]any
	api.mustDo(t, 200, "GET", "/v1/admin/stores/DEMO01", nil, admin, &again)
	for _, k := range []string{"audit_rate", "max_line_quantity", "max_basket_total", "time_zone", "active", "updated_at"} {
		if again[k] != st[k] {
			t.Errorf("%s read back %v, PATCH answered %v", k, again[k], st[k])
		}
	}
	resp, body := api.do(t, "PATCH", "/v1/admin/stores/NOPE9", map[string]any{"name": "x"}, admin)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "store_not_found")
}

// staffIDOf finds a staff member's id by username through the API.
func staffIDOf(t *testing.T, api *testAPI, admin, username string) string {
	t.Helper()
	var list struct {
		Items []struct {
			ID       string `json:"id"`
			Username string `json:"username"`
		} `json:"items"`
	}
	api.mustDo(t, 200, "GET", "/v1/admin/staff?limit=200", nil, admin, &list)
	for _, s := range list.Items {
		if s.Username == username {
			return s.ID
		}
	}
	t.Fatalf("no staff member %s", username)
	return ""
}
