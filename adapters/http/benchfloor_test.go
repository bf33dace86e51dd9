package http_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	httpapi "github.com/scanpay/scanpay/adapters/http"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// The floor route exists only when the bench wires it, and then reads the
// store and writes its row through the use case.
func TestBenchFloorRouteOnlyWhenEnabled(t *testing.T) {
	db := mysqltest.Open(t)
	ctx := context.Background()
	name := "Floor store"
	st, err := domain.NewStore(42, "FLOOR1", domain.StorePatch{Name: &name}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := mysql.NewStoreRepo(db).CreateStore(ctx, st); err != nil {
		t.Fatal(err)
	}
	ids, err := idgen.New(1, 0)
	if err != nil {
		t.Fatal(err)
	}
	deps := httpapi.Deps{Registry: prometheus.NewRegistry(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	get := func(srv *httpapi.Server, target string) (int, map[string]string) {
		t.Helper()
		resp, err := srv.App.Test(httptest.NewRequest(http.MethodGet, target, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}

	off := httpapi.New(deps, httpapi.Options{BodyLimit: 1 << 20})
	if code, _ := get(off, httpapi.BenchFloorPath+"?store=FLOOR1"); code != http.StatusNotFound {
		t.Fatalf("floor without BENCH_FLOOR: %d, want 404", code)
	}

	deps.Registry = prometheus.NewRegistry()
	deps.BenchFloor = app.NewBenchFloor(mysql.NewBenchFloorRepo(db), ids, app.SystemClock{})
	on := httpapi.New(deps, httpapi.Options{BodyLimit: 1 << 20})
	if code, body := get(on, httpapi.BenchFloorPath+"?store=FLOOR1"); code != http.StatusOK || body["id"] == "" {
		t.Fatalf("floor: %d %v, want 200 with an id", code, body)
	}
	if code, body := get(on, httpapi.BenchFloorPath+"?store=NOPE"); code != http.StatusNotFound || body["reason"] != "store_not_found" {
		t.Fatalf("floor of an unknown store: %d %v, want 404 store_not_found", code, body)
	}
}
