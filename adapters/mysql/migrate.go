package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
	"github.com/scanpay/scanpay/domain"
	"github.com/scanpay/scanpay/migrations"
)

func (db *DB) migrator() (*goose.Provider, error) {
	dialect := goose.DialectMySQL
	if db.Dialect == DialectSQLite {
		dialect = goose.DialectSQLite3
	}
	// Provider.Close would close our pool, so it is never called.
	return goose.NewProvider(dialect, db.sql, migrations.FS,
		goose.WithGoMigrations(migrations.Go(db.Dialect == DialectSQLite)...))
}

// MigrateUp applies every pending migration and reports how many ran.
// Processes starting together take turns (Exclusive), so a rolling deploy
// does not run one DDL twice.
func (db *DB) MigrateUp(ctx context.Context) (n int, err error) {
	err = db.Exclusive(ctx, "scanpay_migrate", func() error {
		p, err := db.migrator()
		if err != nil {
			return err
		}
		res, err := p.Up(ctx)
		n = len(res)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		return nil
	})
	return n, err
}

// Exclusive runs fn while holding a database-wide named lock (MySQL
// GET_LOCK on its own connection), so only one process at a time migrates
// or seeds. SQLite is one process's file; there the call just runs fn.
func (db *DB) Exclusive(ctx context.Context, name string, fn func() error) error {
	if db.Dialect != DialectMySQL {
		return fn()
	}
	conn, err := db.sql.Conn(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, 120)", name).Scan(&got); err != nil {
		return mapErr(err)
	}
	if got.Int64 != 1 {
		return domain.Errorf(domain.EUNAVAILABLE, "lock_timeout", "another process held lock %s for 2 minutes", name)
	}
	// The lock also dies with the connection, so a failed release is harmless.
	defer func() { _, _ = conn.ExecContext(context.Background(), "SELECT RELEASE_LOCK(?)", name) }()
	return fn()
}

// MigrateDown rolls back the newest applied migration.
func (db *DB) MigrateDown(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrateDownAll rolls back every migration (tests use it).
func (db *DB) MigrateDownAll(ctx context.Context) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, 0); err != nil {
		return fmt.Errorf("migrate down to 0: %w", err)
	}
	return nil
}

// MigrateStatus writes one line per migration: version, applied or pending.
func (db *DB) MigrateStatus(ctx context.Context, w io.Writer) error {
	p, err := db.migrator()
	if err != nil {
		return err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		when := "pending"
		if s.State == goose.StateApplied {
			when = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "%05d %-40s %s\n", s.Source.Version, s.Source.Path, when)
	}
	return nil
}
