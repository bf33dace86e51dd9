package mysql_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

func TestWithinTxRollsBackOnError(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			if err := repo.CreateStore(ctx, newStore(t, 1, "GONE01")); err != nil {
				return err
			}
			if _, err := repo.StoreByCode(ctx, "GONE01"); err != nil {
				t.Errorf("store not visible inside its own tx: %v", err)
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("WithinTx = %v, want errBoom in the chain", err)
		}
		_, err = repo.StoreByCode(ctx, "GONE01")
		wantCode(t, err, domain.ENOTFOUND, "store_not_found")

		// A domain error from fn comes back as it is, code and reason intact.
		conflict := domain.Errorf(domain.ECONFLICT, "cart_changed", "the cart changed")
		err = db.WithinTx(ctx, func(ctx context.Context) error {
			if err := repo.CreateStore(ctx, newStore(t, 2, "GONE02")); err != nil {
				return err
			}
			return conflict
		})
		wantCode(t, err, domain.ECONFLICT, "cart_changed")
		_, err = repo.StoreByCode(ctx, "GONE02")
		wantCode(t, err, domain.ENOTFOUND, "store_not_found")

		// And a nil from fn commits.
		err = db.WithinTx(ctx, func(ctx context.Context) error {
			return repo.CreateStore(ctx, newStore(t, 3, "KEPT01"))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := repo.StoreByCode(ctx, "KEPT01"); err != nil {
			t.Fatalf("committed store: %v", err)
		}
	})
}

func TestWithinTxNestedJoinsOuter(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			if err := repo.CreateStore(ctx, newStore(t, 1, "OUTER1")); err != nil {
				return err
			}
			return db.WithinTx(ctx, func(ctx context.Context) error {
				// Joined: the outer tx's uncommitted row is visible here. On
				// SQLite a second, separate write tx would wait for the lock.
				if _, err := repo.StoreByCode(ctx, "OUTER1"); err != nil {
					t.Errorf("inner tx does not see the outer's row: %v", err)
				}
				if err := repo.CreateStore(ctx, newStore(t, 2, "INNER1")); err != nil {
					return err
				}
				return errBoom
			})
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("WithinTx = %v, want errBoom", err)
		}
		for _, code := range []string{"OUTER1", "INNER1"} {
			_, err := repo.StoreByCode(ctx, code)
			wantCode(t, err, domain.ENOTFOUND, "store_not_found")
		}

		// Both commit together when neither fails.
		err = db.WithinTx(ctx, func(ctx context.Context) error {
			if err := repo.CreateStore(ctx, newStore(t, 3, "OUTER2")); err != nil {
				return err
			}
			return db.WithinTx(ctx, func(ctx context.Context) error {
				return repo.CreateStore(ctx, newStore(t, 4, "INNER2"))
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range []string{"OUTER2", "INNER2"} {
			if _, err := repo.StoreByCode(ctx, code); err != nil {
				t.Errorf("%s: %v", code, err)
			}
		}
	})
}

func TestWithinTxDuplicateRollsBackEarlierWrites(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		createStore(t, repo, 1, "DEMO01")
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			if err := repo.CreateStore(ctx, newStore(t, 2, "NEW001")); err != nil {
				return err
			}
			return repo.CreateStore(ctx, newStore(t, 3, "DEMO01"))
		})
		wantCode(t, err, domain.ECONFLICT, "store_code_taken")
		_, err = repo.StoreByCode(ctx, "NEW001")
		wantCode(t, err, domain.ENOTFOUND, "store_not_found")
	})
}

// Eight writers each add 1 to max_lines through UpdateStore in their own
// transaction; the row lock (FOR UPDATE on MariaDB, the single writer on
// SQLite) must make every increment count.
func TestUpdateStoreConcurrentIncrementsNoLostUpdate(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		orig := createStore(t, repo, 1, "DEMO01")
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		start := make(chan struct{})
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				errs <- db.WithinTx(ctx, func(ctx context.Context) error {
					_, err := repo.UpdateStore(ctx, "DEMO01", func(s *domain.Store) error {
						n := s.MaxLines + 1
						return s.Update(domain.StorePatch{MaxLines: &n}, repoNow)
					})
					return err
				})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("writer: %v", err)
			}
		}
		got, err := repo.StoreByCode(ctx, "DEMO01")
		if err != nil {
			t.Fatal(err)
		}
		if got.MaxLines != orig.MaxLines+writers {
			t.Fatalf("max_lines = %d, want %d (+%d): lost updates", got.MaxLines, orig.MaxLines+writers, writers)
		}
	})
}

// A use case's own error comes back from WithinTx as it was returned, not
// dressed up as a database failure.
func TestWithinTxReturnsFnErrorUnchanged(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		plain := errors.New("scanner offline")
		err := db.WithinTx(context.Background(), func(context.Context) error { return plain })
		if err != plain {
			t.Fatalf("WithinTx returned %v (%T), want the fn's error itself", err, err)
		}
	})
}

// deadlock is the error InnoDB returns to the victim of a deadlock.
func deadlock() error {
	return &gomysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"}
}

// txAttempts is maxTxAttempts in tx.go: how often WithinTx runs a
// transaction that keeps losing deadlocks.
const txAttempts = 5

// A deadlock victim runs again, in a fresh transaction (its writes rolled
// back), until it commits; one that keeps losing gives up after
// txAttempts with the deadlock error; other errors are not retried.
func TestWithinTxRetriesDeadlocks(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewStoreRepo(db)
		ctx := context.Background()
		calls := 0
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			calls++
			if err := repo.CreateStore(ctx, newStore(t, int64(calls), "RETRY1")); err != nil {
				return err // a duplicate here: the victim's insert was not rolled back
			}
			if calls < 3 {
				return deadlock()
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Fatalf("WithinTx = %v after %d runs, want nil after 3", err, calls)
		}
		if got, err := repo.StoreByCode(ctx, "RETRY1"); err != nil || got.ID != 3 {
			t.Fatalf("committed store %+v, %v; want the third run's", got, err)
		}

		// The deadlock error arrives wrapped, as repositories return it.
		calls = 0
		start := time.Now()
		err = db.WithinTx(ctx, func(ctx context.Context) error {
			calls++
			return &domain.Error{Code: domain.EUNAVAILABLE, Reason: "database_unavailable", Err: deadlock()}
		})
		var myErr *gomysql.MySQLError
		if !errors.As(err, &myErr) || myErr.Number != 1213 || calls != txAttempts {
			t.Fatalf("WithinTx = %v after %d runs, want the deadlock after %d", err, calls, txAttempts)
		}
		// Four pauses of at least 5, 10, 15 and 20 ms came between the runs.
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("%d runs took %v: no backoff between deadlock retries", calls, d)
		}

		calls = 0
		err = db.WithinTx(ctx, func(ctx context.Context) error { calls++; return errBoom })
		if !errors.Is(err, errBoom) || calls != 1 {
			t.Fatalf("WithinTx = %v after %d runs, want errBoom after 1", err, calls)
		}
	})
}

// A caller that gives up while a deadlock victim waits to run again gets
// its ctx's error at once, not the remaining attempts.
func TestWithinTxDeadlockBackoffRespectsCancel(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		calls := 0
		cancelled := make(chan time.Time, 1)
		err := db.WithinTx(ctx, func(ctx context.Context) error {
			calls++
			// Cancel once the victim is back in WithinTx, waiting out the
			// first pause (5–25 ms).
			time.AfterFunc(2*time.Millisecond, func() { cancelled <- time.Now(); cancel() })
			return deadlock()
		})
		returned := time.Now()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("WithinTx = %v, want context.Canceled in the chain", err)
		}
		if calls != 1 {
			t.Fatalf("%d runs after the cancel, want 1", calls)
		}
		if wait := returned.Sub(<-cancelled); wait > 250*time.Millisecond {
			t.Fatalf("returned %v after the cancel", wait)
		}
	})
}
