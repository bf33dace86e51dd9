package mysql_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

func outboxRows(t *testing.T, db *mysql.DB) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow("SELECT COUNT(*) FROM outbox").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func attemptsOf(t *testing.T, db *mysql.DB, id int64) (attempts int, lastErr string) {
	t.Helper()
	if err := db.SQL().QueryRow("SELECT attempts, last_error FROM outbox WHERE id = ?", id).Scan(&attempts, &lastErr); err != nil {
		t.Fatalf("row %d: %v", id, err)
	}
	return attempts, lastErr
}

func parked(t *testing.T, ob *mysql.OutboxRepo) int64 {
	t.Helper()
	n, err := ob.ParkedCount(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOutboxAddRefusesInvalidMessage(t *testing.T) {
	tests := []struct {
		name  string
		m     app.Message
		field string
	}{
		{"empty type", app.Message{Queue: "default", Payload: []byte("{}")}, "type"},
		{"blank type", app.Message{Type: "  ", Queue: "default", Payload: []byte("{}")}, "type"},
		{"type too long", app.Message{Type: strings.Repeat("t", 65), Queue: "default"}, "type"},
		{"empty queue", app.Message{Type: "test:task", Payload: []byte("{}")}, "queue"},
		{"unknown queue", app.Message{Type: "test:task", Queue: "urgent", Payload: []byte("{}")}, "queue"},
		{"queue in capitals", app.Message{Type: "test:task", Queue: "DEFAULT"}, "queue"},
		{"payload too large", app.Message{Type: "test:task", Queue: "low", Payload: make([]byte, 65536)}, "payload"},
	}
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var addErr error
				err := db.WithinTx(context.Background(), func(ctx context.Context) error {
					_, addErr = ob.Add(ctx, tt.m)
					return nil // commit: whatever Add wrote would stay
				})
				if err != nil {
					t.Fatal(err)
				}
				var de *domain.Error
				if !errors.As(addErr, &de) || de.Code != domain.EINVALID || de.Reason != "outbox_message_invalid" ||
					len(de.Fields) != 1 || de.Fields[0].Field != tt.field {
					t.Fatalf("Add(%+v) = %v, want EINVALID outbox_message_invalid on field %s", tt.m, addErr, tt.field)
				}
				if n := outboxRows(t, db); n != 0 {
					t.Fatalf("%d rows written for a refused message", n)
				}
			})
		}
		for _, q := range []string{app.QueueCritical, app.QueueDefault, app.QueueLow} {
			err := db.WithinTx(context.Background(), func(ctx context.Context) error {
				_, err := ob.Add(ctx, app.Message{Type: strings.Repeat("t", 64), Queue: q, Payload: make([]byte, 65535)})
				return err
			})
			if err != nil {
				t.Fatalf("valid message on queue %s refused: %v", q, err)
			}
		}
		if n := outboxRows(t, db); n != 3 {
			t.Fatalf("%d rows after three valid messages", n)
		}
	})
}

func TestOutboxParksAfterMaxAttempts(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ctx := context.Background()
		bad := addMessages(t, db, ob, 1)[0]
		for i := 1; i <= app.OutboxMaxAttempts; i++ {
			rows, err := ob.Claim(ctx, "r1", repoNow, time.Minute, 10)
			if err != nil || len(rows) != 1 || rows[0].ID != bad || rows[0].Attempts != i {
				t.Fatalf("claim %d: %+v, %v; want row %d at attempt %d", i, rows, err, bad, i)
			}
			if n := parked(t, ob); n != 0 && i < app.OutboxMaxAttempts {
				t.Fatalf("parked %d at attempt %d", n, i)
			}
			if err := ob.Release(ctx, bad, "r1", fmt.Sprintf("refused %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if got := claimIDs(t, ob, "r2", repoNow.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("parked row claimed again: %v", got)
		}
		if attempts, lastErr := attemptsOf(t, db, bad); attempts != app.OutboxMaxAttempts || lastErr != "refused 20" {
			t.Fatalf("parked row: attempts %d last_error %q", attempts, lastErr)
		}
		good := addMessages(t, db, ob, 1)[0]
		if got := claimIDs(t, ob, "r2", repoNow, 10); !slices.Equal(got, []int64{good}) {
			t.Fatalf("claimed %v, want only the new row %d", got, good)
		}
		if n := parked(t, ob); n != 1 {
			t.Fatalf("ParkedCount %d, want 1", n)
		}
		if n := backlog(t, ob); n != 2 {
			t.Fatalf("backlog %d, want 2: parked rows are still unsent", n)
		}
		if err := ob.MarkSent(ctx, good, repoNow); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec("UPDATE outbox SET attempts = 0 WHERE sent_at IS NULL AND attempts >= ?", app.OutboxMaxAttempts); err != nil {
			t.Fatal(err)
		}
		if got := claimIDs(t, ob, "r3", repoNow, 10); !slices.Equal(got, []int64{bad}) || parked(t, ob) != 0 {
			t.Fatalf("after the documented reset claimed %v, want [%d]", got, bad)
		}
	})
}

func TestOutboxUnclaimDoesNotCount(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ctx := context.Background()
		ids := addMessages(t, db, ob, 3)
		for range app.OutboxMaxAttempts + 5 {
			if got := claimIDs(t, ob, "r1", repoNow, 10); !slices.Equal(got, ids) {
				t.Fatalf("claimed %v, want %v", got, ids)
			}
			if err := ob.Unclaim(ctx, "r2", ids, "not mine"); err != nil {
				t.Fatal(err)
			}
			if got := claimIDs(t, ob, "r2", repoNow, 10); len(got) != 0 {
				t.Fatalf("Unclaim by another owner freed %v", got)
			}
			if err := ob.Unclaim(ctx, "r1", ids, "queue unavailable: redis down"); err != nil {
				t.Fatal(err)
			}
		}
		if err := ob.Unclaim(ctx, "r1", nil, "nothing"); err != nil {
			t.Fatalf("Unclaim of no rows: %v", err)
		}
		for _, id := range ids {
			if attempts, lastErr := attemptsOf(t, db, id); attempts != 0 || lastErr != "queue unavailable: redis down" {
				t.Fatalf("row %d: attempts %d last_error %q, want 0 and the reason", id, attempts, lastErr)
			}
		}
		if n := parked(t, ob); n != 0 {
			t.Fatalf("ParkedCount %d after unclaims, want 0", n)
		}
	})
}

func TestOutboxPurgeSent(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		ob := newOutbox(db)
		ctx := context.Background()
		ids := addMessages(t, db, ob, 7)
		day := 24 * time.Hour
		cut := repoNow.Add(-7 * day)
		sentAt := map[int64]time.Time{
			ids[0]: repoNow.Add(-30 * day),
			ids[1]: repoNow.Add(-10 * day),
			ids[2]: repoNow.Add(-8 * day),
			ids[3]: cut.Add(-time.Microsecond),
			ids[4]: cut, // not older than the cut-off
			ids[5]: repoNow.Add(-day),
			// ids[6] is never sent
		}
		for id, at := range sentAt {
			if err := ob.MarkSent(ctx, id, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQL().Exec("UPDATE outbox SET created_at = ? WHERE id = ?", repoNow.Add(-60*day).UTC(), ids[6]); err != nil {
			t.Fatal(err)
		}
		n, err := ob.PurgeSent(ctx, cut, 2)
		if err != nil || n != 4 {
			t.Fatalf("PurgeSent = %d, %v; want 4", n, err)
		}
		var left []int64
		rows, err := db.SQL().Query("SELECT id FROM outbox ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			left = append(left, id)
		}
		if want := []int64{ids[4], ids[5], ids[6]}; !slices.Equal(left, want) {
			t.Fatalf("rows left %v, want %v", left, want)
		}
		if n, err := ob.PurgeSent(ctx, cut, 100); err != nil || n != 0 {
			t.Fatalf("second PurgeSent = %d, %v; want 0", n, err)
		}
		if n := backlog(t, ob); n != 1 {
			t.Fatalf("backlog %d, want the one unsent row", n)
		}
	})
}
