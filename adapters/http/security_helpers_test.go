package http_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
)

// dbFingerprint hashes every row of every table of the test's database,
// one hash per table, so a security test can say "the refused request
// changed nothing" without knowing which table an attack would touch.
// Tables are small here (the demo seed plus a few orders), so a full scan
// per check is cheap.
func dbFingerprint(t *testing.T, api *testAPI) map[string]string {
	t.Helper()
	db := api.DB.SQL()
	tables := tableNames(t, db)
	out := make(map[string]string, len(tables))
	for _, table := range tables {
		rows, err := db.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatalf("scan %s: %v", table, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		// Rows come in the engine's order, which need not be stable: the
		// row hashes are sorted before they are combined.
		var lines []string
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("scan %s: %v", table, err)
			}
			h := sha256.New()
			for _, v := range vals {
				h.Write(v)
				h.Write([]byte{0})
			}
			lines = append(lines, hex.EncodeToString(h.Sum(nil)))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(lines)
		sum := sha256.Sum256([]byte(strings.Join(lines, ",")))
		out[table] = hex.EncodeToString(sum[:8])
	}
	return out
}

// tableNames lists the database's tables on MariaDB or, in the embedded
// fallback, SQLite.
func tableNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query("SHOW TABLES")
	if err != nil {
		rows, err = db.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
	}
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if len(out) < 10 {
		t.Fatalf("found only tables %q: the fingerprint would prove nothing", out)
	}
	return out
}

// changedTables names the tables whose fingerprint differs.
func changedTables(before, after map[string]string) []string {
	var out []string
	for table, h := range after {
		if before[table] != h {
			out = append(out, table)
		}
	}
	slices.Sort(out)
	return out
}

// unchanged fails the test when any table changed since before.
func unchanged(t *testing.T, api *testAPI, before map[string]string, what string) {
	t.Helper()
	if changed := changedTables(before, dbFingerprint(t, api)); len(changed) > 0 {
		t.Errorf("%s changed tables %q", what, changed)
	}
}

// routeKey is "METHOD /path/:param" as fiber registered the route.
func routeKey(method, path string) string { return method + " " + path }

// routesUnder lists the registered routes under prefix (methods fiber adds
// by itself left out), as route keys.
func routesUnder(api *testAPI, prefix string) []string {
	var out []string
	for _, r := range api.Srv.Routes() {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, routeKey(r.Method, r.Path))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
