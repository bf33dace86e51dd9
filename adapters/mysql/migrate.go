package mysql

import (
	"context"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
	"github.com/scanpay/scanpay/migrations"
)

func (db *DB) migrator() (*goose.Provider, error) {
	dialect := goose.DialectMySQL
	if db.Dialect == DialectSQLite {
		dialect = goose.DialectSQLite3
	}
	// Provider.Close would close our pool, so it is never called.
	return goose.NewProvider(dialect, db.sql, migrations.FS)
}

// MigrateUp applies every pending migration and reports how many ran.
func (db *DB) MigrateUp(ctx context.Context) (int, error) {
	p, err := db.migrator()
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), nil
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
