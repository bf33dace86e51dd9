package mysql_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

func newShopper(id int64, openID, unionID string, at time.Time) *domain.Shopper {
	return &domain.Shopper{ID: id, AppID: "wxapp1", OpenID: openID, UnionID: unionID, CreatedAt: at, LastSeenAt: at}
}

func TestShopperRepoUpsert(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewShopperRepo(db)
		ctx := context.Background()
		first, err := repo.UpsertShopper(ctx, newShopper(10, "oAlice", "", repoNow))
		if err != nil {
			t.Fatal(err)
		}
		if first.ID != 10 || first.OpenID != "oAlice" || first.UnionID != "" || first.Member {
			t.Fatalf("created %+v", first)
		}
		sameTime(t, "created_at", first.CreatedAt, repoNow)

		// A later login: same shopper, id and created_at kept, unionid learnt.
		later := repoNow.Add(time.Hour)
		again, err := repo.UpsertShopper(ctx, newShopper(11, "oAlice", "uAlice", later))
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != 10 || again.UnionID != "uAlice" {
			t.Fatalf("second login %+v, want id 10 with unionid", again)
		}
		sameTime(t, "created_at", again.CreatedAt, repoNow)
		sameTime(t, "last_seen_at", again.LastSeenAt, later)

		// A login without unionid does not forget it.
		if third, err := repo.UpsertShopper(ctx, newShopper(12, "oAlice", "", later.Add(time.Minute))); err != nil || third.UnionID != "uAlice" {
			t.Fatalf("third login %+v, %v; want the unionid kept", third, err)
		}
		stored, err := repo.ShopperByID(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if stored.UnionID != "uAlice" || stored.AppID != "wxapp1" {
			t.Fatalf("stored %+v", stored)
		}
		sameTime(t, "stored created_at", stored.CreatedAt, repoNow)
		sameTime(t, "stored last_seen_at", stored.LastSeenAt, later.Add(time.Minute))

		// The same openid of another app is another shopper.
		other := newShopper(20, "oAlice", "", repoNow)
		other.AppID = "wxapp2"
		if o, err := repo.UpsertShopper(ctx, other); err != nil || o.ID != 20 {
			t.Fatalf("other app: %+v, %v", o, err)
		}
		_, err = repo.ShopperByID(ctx, 999)
		wantCode(t, err, domain.ENOTFOUND, "shopper_not_found")
	})
}

// First logins of one shopper racing each other end in one row, and every
// caller gets its id.
func TestShopperRepoUpsertRace(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewShopperRepo(db)
		const n = 8
		ids := make([]int64, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				s, err := repo.UpsertShopper(context.Background(), newShopper(int64(100+i), "oRace", "", repoNow))
				if err != nil {
					t.Error(err)
					return
				}
				ids[i] = s.ID
			})
		}
		wg.Wait()
		for i := range ids {
			if ids[i] != ids[0] || ids[i] == 0 {
				t.Fatalf("ids %v, want one shopper", ids)
			}
		}
		var count int
		if err := db.SQL().QueryRow("SELECT COUNT(*) FROM shoppers WHERE open_id = 'oRace'").Scan(&count); err != nil || count != 1 {
			t.Fatalf("rows %d, %v; want 1", count, err)
		}
	})
}

func TestVisitRepo(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		stores, repo := mysql.NewStoreRepo(db), mysql.NewVisitRepo(db)
		ctx := context.Background()
		s1, s2 := createStore(t, stores, 1, "S1"), createStore(t, stores, 2, "S2")
		ttl := 2 * time.Hour

		_, err := repo.ActiveVisit(ctx, 7, s1.ID, repoNow)
		wantCode(t, err, domain.ENOTFOUND, "visit_not_found")

		v, err := repo.OpenVisit(ctx, domain.NewVisit(100, 7, s1, domain.VisitByScene, repoNow, ttl))
		if err != nil {
			t.Fatal(err)
		}
		if v.ID != 100 || v.StoreCode != "S1" || v.Source != domain.VisitByScene {
			t.Fatalf("opened %+v", v)
		}
		got, err := repo.ActiveVisit(ctx, 7, s1.ID, repoNow.Add(time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != 100 || got.ShopperID != 7 || got.StoreID != s1.ID || got.StoreCode != "S1" || got.Source != domain.VisitByScene {
			t.Fatalf("active %+v", got)
		}
		sameTime(t, "opened_at", got.OpenedAt, repoNow)
		sameTime(t, "expires_at", got.ExpiresAt, repoNow.Add(ttl))

		// Other shoppers and stores see nothing.
		_, err = repo.ActiveVisit(ctx, 8, s1.ID, repoNow)
		wantCode(t, err, domain.ENOTFOUND, "visit_not_found")
		_, err = repo.ActiveVisit(ctx, 7, s2.ID, repoNow)
		wantCode(t, err, domain.ENOTFOUND, "visit_not_found")

		// Opening again while active extends the same visit.
		at := repoNow.Add(30 * time.Minute)
		again, err := repo.OpenVisit(ctx, domain.NewVisit(101, 7, s1, domain.VisitByLocation, at, ttl))
		if err != nil {
			t.Fatal(err)
		}
		if again.ID != 100 || again.Source != domain.VisitByScene {
			t.Fatalf("reopened %+v, want visit 100 extended", again)
		}
		sameTime(t, "extended expires_at", again.ExpiresAt, at.Add(ttl))
		sameTime(t, "opened_at kept", again.OpenedAt, repoNow)

		// Touch pushes the expiry; expired visits are gone and stay gone.
		touchAt := at.Add(time.Hour)
		if err := repo.TouchVisit(ctx, 100, touchAt, touchAt.Add(ttl)); err != nil {
			t.Fatal(err)
		}
		end := touchAt.Add(ttl)
		if got, err := repo.ActiveVisit(ctx, 7, s1.ID, end.Add(-time.Microsecond)); err != nil || got.ID != 100 {
			t.Fatalf("just before expiry: %+v, %v", got, err)
		}
		sameTime(t, "last_seen_at", mustActive(t, repo, s1.ID, touchAt).LastSeenAt, touchAt)
		_, err = repo.ActiveVisit(ctx, 7, s1.ID, end)
		wantCode(t, err, domain.ENOTFOUND, "visit_not_found")
		wantCode(t, repo.TouchVisit(ctx, 100, end, end.Add(ttl)), domain.ENOTFOUND, "visit_not_found")

		// After expiry a new visit starts.
		fresh, err := repo.OpenVisit(ctx, domain.NewVisit(102, 7, s1, domain.VisitByStoreCode, end, ttl))
		if err != nil || fresh.ID != 102 {
			t.Fatalf("after expiry: %+v, %v; want visit 102", fresh, err)
		}
	})
}

func mustActive(t *testing.T, repo *mysql.VisitRepo, storeID int64, at time.Time) *domain.Visit {
	t.Helper()
	v, err := repo.ActiveVisit(context.Background(), 7, storeID, at)
	if err != nil {
		t.Fatal(fmt.Errorf("active visit at %s: %w", at, err))
	}
	return v
}
