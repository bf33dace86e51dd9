// Package mysqltest gives each test a fresh, migrated database: a throwaway
// MariaDB database with a random name (dropped at the end), or SQLite in a
// temp dir. Packages can run in parallel and reruns start clean.
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the server DSN is opened with database/sql
	"github.com/scanpay/scanpay/adapters/mysql"
)

// ServerDSN is the MariaDB server tests use, without a database name.
func ServerDSN() string {
	if dsn := os.Getenv("TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root@tcp(127.0.0.1:3306)/"
}

var (
	probeOnce sync.Once
	probeErr  error
	warnOnce  sync.Once
)

// mariaDBUp reports whether the test MariaDB answers, checked once per process.
func mariaDBUp() error {
	probeOnce.Do(func() {
		db, err := sql.Open("mysql", ServerDSN())
		if err != nil {
			probeErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		probeErr = db.PingContext(ctx)
	})
	return probeErr
}

// Open returns a migrated database on MariaDB, or on SQLite when MariaDB is
// not there and this is not CI (with a loud warning). On CI a missing
// MariaDB fails the test: a skipped database test proves nothing.
func Open(t testing.TB) *mysql.DB {
	t.Helper()
	if err := mariaDBUp(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("MariaDB at %s is required on CI: %v", ServerDSN(), err)
		}
		warnOnce.Do(func() {
			fmt.Fprintf(os.Stderr, "\n!!! WARNING: MariaDB at %s not reachable (%v);\n!!! database tests run on embedded SQLite, NOT on MariaDB.\n\n", ServerDSN(), err)
		})
		return OpenSQLite(t)
	}
	return OpenMariaDB(t)
}

// OpenMariaDB creates a database with a random name on the test server,
// migrates it and drops it when the test ends.
func OpenMariaDB(t testing.TB) *mysql.DB {
	t.Helper()
	return openMigrated(t, mysql.Options{DSN: CreateDatabase(t), MaxOpenConns: 20, MaxIdleConns: 10})
}

// CreateDatabase creates an empty database with a random name on the test
// MariaDB, drops it when the test ends and returns its DSN, for tests that
// hand a DSN to the program itself.
func CreateDatabase(t testing.TB) string {
	t.Helper()
	if err := mariaDBUp(); err != nil {
		t.Fatalf("MariaDB at %s: %v", ServerDSN(), err)
	}
	name := "scanpay_test_" + randomHex(6)
	admin, err := sql.Open("mysql", ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return withDatabase(ServerDSN(), name)
}

// MariaDBAvailable reports whether the test MariaDB answers; off CI, tests
// that need a DSN fall back to embedded mode when it does not.
func MariaDBAvailable() bool { return mariaDBUp() == nil }

// OpenSQLite opens a migrated SQLite database in a temp dir.
func OpenSQLite(t testing.TB) *mysql.DB {
	t.Helper()
	return openMigrated(t, mysql.Options{DataDir: t.TempDir(), MaxOpenConns: 8, MaxIdleConns: 8})
}

// Unmigrated opens an empty database of the given dialect, for migration tests.
func Unmigrated(t testing.TB, dialect mysql.Dialect) *mysql.DB {
	t.Helper()
	if dialect == mysql.DialectSQLite {
		return open(t, mysql.Options{DataDir: t.TempDir(), MaxOpenConns: 8, MaxIdleConns: 8})
	}
	db := OpenMariaDB(t)
	if err := db.MigrateDownAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// Each runs fn once per available engine: MariaDB (when up, always on CI)
// and SQLite, so repository contracts hold on both.
func Each(t *testing.T, fn func(t *testing.T, db *mysql.DB)) {
	t.Helper()
	t.Run("mariadb", func(t *testing.T) { fn(t, Open(t)) })
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t)) })
}

func openMigrated(t testing.TB, o mysql.Options) *mysql.DB {
	t.Helper()
	db := open(t, o)
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func open(t testing.TB, o mysql.Options) *mysql.DB {
	t.Helper()
	db, err := mysql.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// withDatabase puts name into a DSN of the form user:pass@tcp(host)/[db][?params].
func withDatabase(dsn, name string) string {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return dsn + "/" + name
	}
	rest := dsn[slash+1:]
	params := ""
	if q := strings.Index(rest, "?"); q >= 0 {
		params = rest[q:]
	}
	return dsn[:slash+1] + name + params
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
