package mysql

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// utcTime is a DATETIME(6) column. MySQL hands back time.Time; the SQLite
// driver recognises only the bare type name DATETIME and returns our
// DATETIME(6) columns as text, so both are accepted here. Values are
// written in UTC at microsecond precision, the column's own.
type utcTime time.Time

var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
}

// Scan implements sql.Scanner.
func (t *utcTime) Scan(v any) error {
	switch x := v.(type) {
	case time.Time:
		*t = utcTime(x.UTC())
		return nil
	case string:
		return t.parse(x)
	case []byte:
		return t.parse(string(x))
	}
	return fmt.Errorf("utcTime: cannot scan %T", v)
}

func (t *utcTime) parse(s string) error {
	for _, layout := range sqliteTimeLayouts {
		if p, err := time.Parse(layout, s); err == nil {
			*t = utcTime(p.UTC())
			return nil
		}
	}
	return fmt.Errorf("utcTime: cannot parse %q", s)
}

// Value implements driver.Valuer.
func (t utcTime) Value() (driver.Value, error) {
	return time.Time(t).UTC().Truncate(time.Microsecond), nil
}

// Time returns the value as a time.Time in UTC.
func (t utcTime) Time() time.Time { return time.Time(t).UTC() }

// optTime stores a zero time as NULL.
func optTime(t time.Time) *utcTime {
	if t.IsZero() {
		return nil
	}
	u := utcTime(t)
	return &u
}
