package mysql

import (
	"context"
	"fmt"
	"time"
)

// TableAccess is how EXPLAIN says a query reads one table: the index
// ("" for none) and the access type (range, ref, ALL, ...).
type TableAccess struct{ Key, Type string }

// ExplainSales runs EXPLAIN on each sales report query (MariaDB's output
// shape) and returns, per query name, how each table (by alias) is read.
func ExplainSales(ctx context.Context, db *DB, storeID int64, bounds []time.Time) (map[string]map[string]TableAccess, error) {
	out := map[string]map[string]TableAccess{}
	for _, q := range salesQueries(db.Dialect, storeID, bounds) {
		var rows []map[string]any
		if err := db.conn(ctx).Raw("EXPLAIN "+q.sql, q.args...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("explain %s: %w", q.name, err)
		}
		keys := map[string]TableAccess{}
		for _, r := range rows {
			keys[str(r["table"])] = TableAccess{Key: str(r["key"]), Type: str(r["type"])}
		}
		out[q.name] = keys
	}
	return out, nil
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	default:
		return fmt.Sprint(x)
	}
}
