package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
)

// index is one index a Go migration adds to an existing table.
type index struct {
	name, table, columns string
	unique               bool
}

// column is one column a Go migration adds to an existing table.
type column struct {
	table, name, def string
	// mysqlDef, when set, is def on MySQL/MariaDB, where a column needs a
	// clause SQLite does not accept.
	mysqlDef string
}

// Go returns the migrations written in Go, for the engine in use. They add
// columns and indexes to tables that already exist: the down step must
// drop those indexes, and DROP INDEX is spelled differently by MySQL
// (DROP INDEX name ON table) and SQLite (DROP INDEX name), which one SQL
// file cannot say for both.
func Go(sqlite bool) []*goose.Migration {
	return []*goose.Migration{
		alterMigration(11, sqlite, afterSaleColumns, afterSaleIndexes),
		alterMigration(12, sqlite, nil, paidIndexes),
		binaryKeysMigration(13, sqlite),
	}
}

// Version 11: what staff refunds and the sales report need on existing
// tables. A staff refund is repeatable under its Idempotency-Key (unique
// per order; NULL for system refunds, which never collide) and remembers
// its request and whether the goods went back to stock. store_id lets the
// report sum refunds per store and day on an index; the report also reads
// orders by paid time and scans by time, per store.
var (
	afterSaleColumns = []column{
		{table: "refunds", name: "store_id", def: "BIGINT NOT NULL DEFAULT 0"},
		// An Idempotency-Key is opaque: keys differing in letter case are
		// two keys, as SQLite compares them, not one as utf8mb4_unicode_ci
		// would (a second refund refused as a reused key, or answered with
		// the first refund).
		{table: "refunds", name: "idempotency_key", def: "VARCHAR(64) NULL", mysqlDef: "VARCHAR(64) COLLATE utf8mb4_bin NULL"},
		{table: "refunds", name: "request_hash", def: "VARCHAR(64) NOT NULL DEFAULT ''"},
		{table: "refunds", name: "restock", def: "BOOLEAN NOT NULL DEFAULT FALSE"},
	}
	afterSaleIndexes = []index{
		{name: "ux_refunds_idempotency", table: "refunds", columns: "order_id, idempotency_key", unique: true},
		{name: "ix_refunds_store", table: "refunds", columns: "store_id, created_at"},
		{name: "ix_orders_store_paid", table: "orders", columns: "store_id, paid_at"},
		{name: "ix_scan_events_store_time", table: "scan_events", columns: "store_id, created_at"},
	}
)

// Version 12: the reconcile sweep looks for orders paid in a given minute
// of the whole chain whose receipt never came (their jobs were lost with
// Redis's data); ix_orders_store_paid serves one store only.
var paidIndexes = []index{{name: "ix_orders_paid", table: "orders", columns: "paid_at"}}

// alterMigration adds columns, then indexes; its down step drops the
// indexes first (SQLite will not drop an indexed column), then the columns.
func alterMigration(version int64, sqlite bool, cols []column, idx []index) *goose.Migration {
	up := func(ctx context.Context, tx *sql.Tx) error {
		for _, c := range cols {
			def := c.def
			if !sqlite && c.mysqlDef != "" {
				def = c.mysqlDef
			}
			if err := exec(ctx, tx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", c.table, c.name, def)); err != nil {
				return err
			}
		}
		for _, i := range idx {
			kind := "INDEX"
			if i.unique {
				kind = "UNIQUE INDEX"
			}
			if err := exec(ctx, tx, fmt.Sprintf("CREATE %s %s ON %s (%s)", kind, i.name, i.table, i.columns)); err != nil {
				return err
			}
		}
		return nil
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		for k := len(idx) - 1; k >= 0; k-- {
			stmt := fmt.Sprintf("DROP INDEX %s ON %s", idx[k].name, idx[k].table)
			if sqlite {
				stmt = "DROP INDEX " + idx[k].name
			}
			if err := exec(ctx, tx, stmt); err != nil {
				return err
			}
		}
		for k := len(cols) - 1; k >= 0; k-- {
			if err := exec(ctx, tx, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", cols[k].table, cols[k].name)); err != nil {
				return err
			}
		}
		return nil
	}
	return goose.NewGoMigration(version, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}

func exec(ctx context.Context, tx *sql.Tx, stmt string) error {
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// binaryKeysMigration (version 13) makes checkout Idempotency-Keys compare
// exactly on MySQL/MariaDB, as they do on SQLite: under the database's _ci
// collation "Key-A" and "key-a" were one key, so a client's second
// checkout was refused as a reuse (refund keys got utf8mb4_bin in 11).
// SQLite compares text exactly already, so there it does nothing.
func binaryKeysMigration(version int64, sqlite bool) *goose.Migration {
	alter := func(collate string) func(ctx context.Context, tx *sql.Tx) error {
		return func(ctx context.Context, tx *sql.Tx) error {
			if sqlite {
				return nil
			}
			return exec(ctx, tx, "ALTER TABLE orders MODIFY idempotency_key VARCHAR(64)"+collate+" NOT NULL")
		}
	}
	return goose.NewGoMigration(version, &goose.GoFunc{RunTx: alter(" COLLATE utf8mb4_bin")}, &goose.GoFunc{RunTx: alter("")})
}
