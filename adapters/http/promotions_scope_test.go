package http_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// Managers run promotions of their own stores only; a promotion for every
// store, or one reaching another manager's store, needs an admin. Clerks
// have no say in prices at all.
func TestPromotionRolesAndStoreScope(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.newStoreWithManager(t, admin, "SH02", "sh02.manager")

	create := func(token string, over map[string]any) map[string]any {
		var p map[string]any
		api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/promotions", promotionBody("percent_off", over), token, &p)
		return p
	}
	own := create(manager, map[string]any{"name": "Mine", "store_codes": []string{"demo01"}})
	if codes := own["store_codes"].([]any); len(codes) != 1 || codes[0] != "DEMO01" {
		t.Errorf("store_codes %v, want [DEMO01]", codes)
	}
	other := create(admin, map[string]any{"name": "SH02 only", "store_codes": []string{"SH02"}})
	both := create(admin, map[string]any{"name": "Both", "store_codes": []string{"SH02", "DEMO01"}})
	chain := create(admin, map[string]any{"name": "Chain", "store_codes": []string{}})
	path := func(p map[string]any) string { return "/v1/admin/promotions/" + p["id"].(string) }

	for _, tc := range []struct {
		name, who, method, path string
		body                    any
		status                  int
		reason                  string
	}{
		{"clerk lists", clerk, "GET", "/v1/admin/promotions", nil, 403, "role_insufficient"},
		{"clerk reads", clerk, "GET", path(own), nil, 403, "role_insufficient"},
		{"clerk reads a bad id", clerk, "GET", "/v1/admin/promotions/x", nil, 403, "role_insufficient"},
		{"clerk creates", clerk, "POST", "/v1/admin/promotions", promotionBody("percent_off", nil), 403, "role_insufficient"},
		{"clerk patches", clerk, "PATCH", path(own), map[string]any{"active": false}, 403, "role_insufficient"},
		{"manager creates for every store", manager, "POST", "/v1/admin/promotions",
			promotionBody("percent_off", map[string]any{"store_codes": []string{}}), 403, "all_stores_needs_admin"},
		{"manager creates without a scope", manager, "POST", "/v1/admin/promotions",
			promotionBody("percent_off", map[string]any{"store_codes": nil}), 403, "all_stores_needs_admin"},
		{"manager creates for another store too", manager, "POST", "/v1/admin/promotions",
			promotionBody("percent_off", map[string]any{"store_codes": []string{"DEMO01", "SH02"}}), 403, "store_not_assigned"},
		{"manager reads another store's", manager, "GET", path(other), nil, 403, "store_not_assigned"},
		{"manager patches another store's", manager, "PATCH", path(other), map[string]any{"active": false}, 403, "store_not_assigned"},
		{"manager patches a shared one", manager, "PATCH", path(both), map[string]any{"active": false}, 403, "store_not_assigned"},
		{"manager patches a chain-wide one", manager, "PATCH", path(chain), map[string]any{"active": false}, 403, "all_stores_needs_admin"},
		{"manager widens own to every store", manager, "PATCH", path(own), map[string]any{"store_codes": []string{}}, 403, "all_stores_needs_admin"},
		{"manager moves own to another store", manager, "PATCH", path(own), map[string]any{"store_codes": []string{"SH02"}}, 403, "store_not_assigned"},
		{"manager reads a shared one", manager, "GET", path(both), nil, 200, ""},
		{"manager reads a chain-wide one", manager, "GET", path(chain), nil, 200, ""},
		{"manager patches own", manager, "PATCH", path(own), map[string]any{"name": "Mine, renamed"}, 200, ""},
		{"admin patches any", admin, "PATCH", path(other), map[string]any{"store_codes": []string{}}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := api.do(t, tc.method, tc.path, tc.body, tc.who)
			if tc.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("status %d, want 200; body %s", resp.StatusCode, body)
				}
				return
			}
			wantProblem(t, resp, body, tc.status, "forbidden", tc.reason)
		})
	}

	var mine, all promotionList
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/promotions", nil, manager, &mine)
	// The demo's two DEMO01 promotions, then ours; "SH02 only" is chain-wide now.
	if got, want := mine.names(), []string{"Dairy week: 10% off", "Green tea 3 for ¥10", "Mine, renamed", "SH02 only", "Both", "Chain"}; !slices.Equal(got, want) {
		t.Errorf("manager lists %q, want %q", got, want)
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/promotions", nil, admin, &all)
	if len(all.Items) != 6 {
		t.Errorf("admin lists %q, want all 6", all.names())
	}
	var mgr2 promotionList
	sh02 := api.login(t, "sh02.manager", "a-long-password")
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/promotions", nil, sh02, &mgr2)
	if got, want := mgr2.names(), []string{"SH02 only", "Both", "Chain"}; !slices.Equal(got, want) {
		t.Errorf("SH02's manager lists %q, want %q", got, want)
	}
}

// Pages are full pages for managers too: promotions they cannot see are
// skipped, not left as holes, and the cursor carries on after them.
func TestPromotionListPagination(t *testing.T) {
	api := newTestAPI(t)
	admin := api.login(t, "admin", "scanpay-demo")
	manager := api.login(t, "manager1", "scanpay-demo")
	api.newStoreWithManager(t, admin, "SH02", "sh02.manager")
	var wantMine []string
	for i := range 9 {
		store := "DEMO01"
		if i%3 != 0 {
			store = "SH02"
		}
		name := fmt.Sprintf("P%d %s", i, store)
		api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/promotions",
			promotionBody("percent_off", map[string]any{"name": name, "store_codes": []string{store}}), admin, nil)
		if store == "DEMO01" {
			wantMine = append(wantMine, name)
		}
	}
	wantMine = append([]string{"Dairy week: 10% off", "Green tea 3 for ¥10"}, wantMine...)

	walk := func(token string, limit int) (names []string, pages int) {
		cursor := ""
		for {
			var page promotionList
			api.mustDo(t, http.StatusOK, http.MethodGet, fmt.Sprintf("/v1/admin/promotions?limit=%d&cursor=%s", limit, cursor), nil, token, &page)
			pages++
			names = append(names, page.names()...)
			if page.NextCursor == "" {
				return names, pages
			}
			if len(page.Items) != limit {
				t.Fatalf("a page of %d before the end, want %d", len(page.Items), limit)
			}
			cursor = page.NextCursor
		}
	}
	if names, pages := walk(manager, 2); !slices.Equal(names, wantMine) || pages != 3 {
		t.Errorf("manager's pages of 2: %q in %d pages, want %q in 3", names, pages, wantMine)
	}
	if names, pages := walk(admin, 4); len(names) != 11 || pages != 3 {
		t.Errorf("admin's pages of 4: %d promotions in %d pages, want 11 in 3", len(names), pages)
	}
	resp, body := api.do(t, http.MethodGet, "/v1/admin/promotions?limit=0", nil, admin)
	wantProblem(t, resp, body, 422, "invalid", "page_invalid")
	resp, body = api.do(t, http.MethodGet, "/v1/admin/promotions?cursor=nope", nil, admin)
	wantProblem(t, resp, body, 422, "invalid", "page_invalid")
}
