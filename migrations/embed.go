// Package migrations holds the goose SQL migrations, embedded in the binary.
// They use the subset of SQL that both MySQL/MariaDB and SQLite accept
// (DESIGN §3): application-generated BIGINT ids, no AUTO_INCREMENT, DECIMAL
// money, DATETIME(6) in UTC and separate CREATE INDEX statements. SQL down
// migrations drop tables, never single indexes, because DROP INDEX is
// spelled differently by the two engines; a change to an existing table
// that adds an index is a Go migration (go.go), which knows the engine.
package migrations

import "embed"

// FS is the set of migrations, read by adapters/mysql.
//
//go:embed *.sql
var FS embed.FS
