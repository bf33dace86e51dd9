// Package migrations holds the goose SQL migrations, embedded in the binary.
// They use the subset of SQL that both MySQL/MariaDB and SQLite accept
// (DESIGN §3): application-generated BIGINT ids, no AUTO_INCREMENT, DECIMAL
// money, DATETIME(6) in UTC and separate CREATE INDEX statements. Down
// migrations drop tables, never single indexes, because DROP INDEX is
// spelled differently by the two engines.
package migrations

import "embed"

// FS is the set of migrations, read by adapters/mysql.
//
//go:embed *.sql
var FS embed.FS
