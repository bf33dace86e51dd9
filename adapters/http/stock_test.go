package http_test

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/jobs"
)

type stockDTO struct {
	SKU          string `json:"sku"`
	Unit         string `json:"unit"`
	OnHand       string `json:"on_hand"`
	ReorderPoint string `json:"reorder_point"`
	BelowReorder bool   `json:"below_reorder"`
	NeedsRecount bool   `json:"needs_recount"`
}

type movementDTO struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Quantity   string `json:"quantity"`
	LevelAfter string `json:"level_after"`
	StaffID    string `json:"staff_id"`
	Reason     string `json:"reason"`
}

type movementResult struct {
	Movement movementDTO `json:"movement"`
	Stock    stockDTO    `json:"stock"`
}

// move posts a stock movement that must succeed.
func (a *testAPI) move(t *testing.T, token, sku, kind, qty, reason string) movementResult {
	t.Helper()
	var out movementResult
	a.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/stores/DEMO01/stock-movements",
		map[string]any{"sku": sku, "kind": kind, "quantity": qty, "reason": reason}, token, &out)
	return out
}

// levels lists DEMO01's stock, optionally only items below reorder.
func (a *testAPI) levels(t *testing.T, token, query string) []stockDTO {
	t.Helper()
	var out struct {
		Items []stockDTO `json:"items"`
	}
	a.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/stock?limit=200"+query, nil, token, &out)
	return out.Items
}

func find(levels []stockDTO, sku string) (stockDTO, bool) {
	i := slices.IndexFunc(levels, func(l stockDTO) bool { return l.SKU == sku })
	if i < 0 {
		return stockDTO{}, false
	}
	return levels[i], true
}

// runLowStockJobs does what the outbox relay and the worker do: it takes
// the queued low-stock rows and runs them through the real job handler.
func runLowStockJobs(t *testing.T, api *testAPI) int {
	t.Helper()
	ctx := context.Background()
	ids, err := idgen.New(3, 0)
	if err != nil {
		t.Fatal(err)
	}
	clock := app.SystemClock{}
	outbox := mysql.NewOutboxRepo(api.DB, ids, clock)
	stock := app.NewStock(api.DB, mysql.NewStoreRepo(api.DB), mysql.NewProductRepo(api.DB), mysql.NewStoreItemRepo(api.DB),
		mysql.NewStockRepo(api.DB), outbox, ids, clock)
	mux := jobs.NewMux(jobs.Handlers{Stock: stock})
	rows, err := outbox.Claim(ctx, "stock-test", clock.Now(), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, row := range rows {
		if row.Type != app.TaskLowStock {
			continue
		}
		if err := mux.ProcessTask(ctx, asynq.NewTask(row.Type, row.Payload)); err != nil {
			t.Fatalf("low-stock job: %v", err)
		}
		if err := outbox.MarkSent(ctx, row.ID, clock.Now()); err != nil {
			t.Fatal(err)
		}
		ran++
	}
	return ran
}

// A clerk's receive, adjust and count through the API: the ledger, the
// level, the below-reorder list and the low-stock alert job.
func TestStockMovementsOverHTTP(t *testing.T) {
	api := newTestAPI(t)
	mgr := api.login(t, "manager1", "scanpay-demo")
	clerk := api.login(t, "clerk1", "scanpay-demo")
	api.mustDo(t, http.StatusCreated, http.MethodPost, "/v1/admin/products", map[string]any{"sku": "T-SOAP",
		"name": "Soap", "unit": "each", "tax_rate": "0.13"}, mgr, nil)
	api.mustDo(t, http.StatusOK, http.MethodPut, "/v1/admin/stores/DEMO01/items/T-SOAP",
		map[string]any{"price": "5.00", "reorder_point": "6"}, mgr, nil)
	if l, ok := find(api.levels(t, clerk, ""), "T-SOAP"); !ok || l.OnHand != "0" || !l.BelowReorder {
		t.Fatalf("new item's level %+v (listed %v), want 0 and below its reorder point", l, ok)
	}

	res := api.move(t, clerk, "T-SOAP", "receive", "10", "delivery 42")
	if res.Movement.Quantity != "10" || res.Movement.LevelAfter != "10" || res.Stock.OnHand != "10" || res.Stock.BelowReorder ||
		res.Movement.StaffID == "" || res.Movement.Reason != "delivery 42" {
		t.Fatalf("receive 10: %+v", res)
	}

	// An adjustment needs a reason; the refused one changes nothing.
	resp, body := api.do(t, http.MethodPost, "/v1/admin/stores/DEMO01/stock-movements",
		map[string]any{"sku": "T-SOAP", "kind": "adjust", "quantity": "-3"}, clerk)
	if p := wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "movement_invalid"); !slices.Equal(fieldNames(p), []string{"reason"}) {
		t.Errorf("adjust without reason: fields %q, want [reason]", fieldNames(p))
	}
	for _, bad := range []map[string]any{
		{"sku": "T-SOAP", "kind": "receive", "quantity": "1.5"}, // pieces are whole
		{"sku": "T-SOAP", "kind": "receive", "quantity": "-1"},
		{"sku": "T-SOAP", "kind": "sale", "quantity": "1"}, // sales come from orders
		{"sku": "T-SOAP", "kind": "count", "quantity": "-1"},
		{"kind": "receive"},
	} {
		resp, body := api.do(t, http.MethodPost, "/v1/admin/stores/DEMO01/stock-movements", bad, clerk)
		wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "movement_invalid")
	}
	if l, _ := find(api.levels(t, clerk, ""), "T-SOAP"); l.OnHand != "10" {
		t.Fatalf("level %s after refused movements, want 10", l.OnHand)
	}

	res = api.move(t, clerk, "T-SOAP", "adjust", "-3", "damaged")
	if res.Movement.Quantity != "-3" || res.Stock.OnHand != "7" || res.Stock.BelowReorder {
		t.Fatalf("adjust -3: %+v", res)
	}
	// A count of 5 records the difference, -2, and takes the item below 6.
	res = api.move(t, clerk, "T-SOAP", "count", "5", "stock take")
	if res.Movement.Kind != "count" || res.Movement.Quantity != "-2" || res.Movement.LevelAfter != "5" ||
		res.Stock.OnHand != "5" || !res.Stock.BelowReorder {
		t.Fatalf("count 5: %+v; want movement -2, level 5, below reorder", res)
	}

	below := api.levels(t, clerk, "&below_reorder=true")
	if l, ok := find(below, "T-SOAP"); !ok || l.OnHand != "5" || l.ReorderPoint != "6" {
		t.Errorf("below_reorder=true lists %+v, want T-SOAP at 5 of 6", below)
	}
	for _, l := range below {
		if !l.BelowReorder {
			t.Errorf("below_reorder=true lists %+v, which is not below its reorder point", l)
		}
	}
	if _, ok := find(below, "DRK-COLA-330"); ok {
		t.Errorf("below_reorder=true lists the well stocked demo cola")
	}
	resp, body = api.do(t, http.MethodGet, "/v1/admin/stores/DEMO01/stock?below_reorder=yes", nil, clerk)
	wantProblem(t, resp, body, http.StatusUnprocessableEntity, "invalid", "query_invalid")

	var ledger struct {
		Items []movementDTO `json:"items"`
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/stock/T-SOAP/movements", nil, clerk, &ledger)
	var got [][3]string
	for _, m := range ledger.Items {
		got = append(got, [3]string{m.Kind, m.Quantity, m.LevelAfter})
	}
	if want := [][3]string{{"receive", "10", "10"}, {"adjust", "-3", "7"}, {"count", "-2", "5"}}; !slices.Equal(got, want) {
		t.Errorf("ledger %v, want %v oldest first", got, want)
	}

	// The alert is written by the job the crossing queued, once.
	var alerts struct {
		Items []struct {
			SKU          string `json:"sku"`
			OnHand       string `json:"on_hand"`
			ReorderPoint string `json:"reorder_point"`
		} `json:"items"`
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/stock-alerts", nil, clerk, &alerts)
	if len(alerts.Items) != 0 {
		t.Fatalf("alerts %+v before the job ran, want none", alerts.Items)
	}
	if n := runLowStockJobs(t, api); n != 1 {
		t.Fatalf("%d low-stock jobs queued, want 1 for the one crossing", n)
	}
	api.move(t, clerk, "T-SOAP", "adjust", "-1", "damaged") // already below: no second alert
	if n := runLowStockJobs(t, api); n != 0 {
		t.Fatalf("%d more low-stock jobs while below the point, want 0", n)
	}
	api.mustDo(t, http.StatusOK, http.MethodGet, "/v1/admin/stores/DEMO01/stock-alerts", nil, clerk, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].SKU != "T-SOAP" || alerts.Items[0].OnHand != "5" || alerts.Items[0].ReorderPoint != "6" {
		t.Errorf("alerts %+v, want one for T-SOAP at 5 of 6", alerts.Items)
	}

	// Below zero flags a recount; a count clears it.
	res = api.move(t, clerk, "T-SOAP", "adjust", "-10", "shrinkage")
	if res.Stock.OnHand != "-6" || !res.Stock.NeedsRecount {
		t.Errorf("adjust to -6: %+v, want needs_recount", res.Stock)
	}
	res = api.move(t, clerk, "T-SOAP", "count", "8", "recount")
	if res.Movement.Quantity != "14" || res.Stock.OnHand != "8" || res.Stock.NeedsRecount {
		t.Errorf("count 8: %+v, want +14 and the flag cleared", res)
	}

	// Weighed goods move in kg with up to 3 decimals.
	res = api.move(t, clerk, "FRS-BANANA", "receive", "2.455", "morning delivery")
	if res.Movement.Quantity != "2.455" || res.Stock.Unit != "kg" || res.Stock.OnHand != "47.655" {
		t.Errorf("bananas +2.455 kg: %+v, want 45.2 + 2.455 = 47.655", res)
	}

	resp, body = api.do(t, http.MethodPost, "/v1/admin/stores/DEMO01/stock-movements",
		map[string]any{"sku": "T-NOPE", "kind": "receive", "quantity": "1"}, clerk)
	wantProblem(t, resp, body, http.StatusNotFound, "not_found", "product_not_found")
}
