package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/scanpay/scanpay/domain"
	"gorm.io/gorm"
)

// mapErr turns driver errors into domain errors: connection trouble becomes
// EUNAVAILABLE (the caller answers 503 and may retry), anything else stays an
// internal error. Repositories map their own not-found and duplicates first.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up (client went away, shutdown): not our fault.
		return &domain.Error{Code: domain.EUNAVAILABLE, Reason: "request_canceled", Message: "the request was cancelled", Err: err}
	}
	if isUnavailable(err) {
		return domain.Unavailable("database", err)
	}
	return &domain.Error{Code: domain.EINTERNAL, Message: "database error", Err: err}
}

func isUnavailable(err error) bool {
	var netErr net.Error
	var myErr *gomysql.MySQLError
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, gomysql.ErrInvalidConn),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &netErr):
		return true
	case errors.As(err, &myErr):
		// 1040 too many connections, 1053 server shutdown, 1205 lock wait
		// timeout, 1213 deadlock, 1290 read-only (failover), 1927 connection
		// killed, 2006/2013 server gone: all pass when retried.
		switch myErr.Number {
		case 1040, 1053, 1205, 1213, 1290, 1927, 2006, 2013:
			return true
		}
	}
	msg := err.Error()
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "sql: database is closed")
}

// isDuplicate reports a unique-index violation on either engine.
func isDuplicate(err error) bool {
	var myErr *gomysql.MySQLError
	if errors.As(err, &myErr) {
		return myErr.Number == 1062
	}
	return errors.Is(err, gorm.ErrDuplicatedKey) || strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

// isDeadlock reports InnoDB's deadlock error (1213), after which the whole
// transaction was rolled back and may simply run again.
func isDeadlock(err error) bool {
	var myErr *gomysql.MySQLError
	return errors.As(err, &myErr) && myErr.Number == 1213
}
