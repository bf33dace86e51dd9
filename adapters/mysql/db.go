// Package mysql is scanpay's persistence adapter: gorm row structs,
// repositories, the transaction runner and migrations. The same code runs on
// MySQL/MariaDB and, in embedded mode, on SQLite.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the engine under the DB.
type Dialect string

const (
	DialectMySQL  Dialect = "mysql"
	DialectSQLite Dialect = "sqlite"
)

// Options say which database to open. An empty DSN means embedded SQLite in
// DataDir.
type Options struct {
	DSN          string
	DataDir      string
	MaxOpenConns int
	MaxIdleConns int
	// Log receives the MySQL driver's own complaints (dropped connections),
	// which it would otherwise print to stderr; nil keeps the default.
	Log *slog.Logger
}

// DB is an open database with its dialect.
type DB struct {
	gorm    *gorm.DB
	sql     *sql.DB
	Dialect Dialect
	// onOutbox runs after a commit that wrote outbox rows (see Tx).
	onOutbox func()
	// writeLock serialises transactions on SQLite; nil on MySQL.
	writeLock *sync.Mutex
}

// Open connects to MySQL/MariaDB (DSN set) or SQLite (DSN empty) and checks
// the connection.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg := &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // our own Tx decides where transactions are
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	}
	var (
		g       *gorm.DB
		err     error
		dialect Dialect
	)
	if o.DSN != "" {
		dialect = DialectMySQL
		if o.Log != nil {
			_ = gomysql.SetLogger(driverLog{o.Log})
		}
		g, err = gorm.Open(gormmysql.Open(mysqlDSN(o.DSN)), cfg)
	} else {
		dialect = DialectSQLite
		if err := os.MkdirAll(o.DataDir, 0o750); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
		g, err = gorm.Open(sqlite.Open(sqliteDSN(filepath.Join(o.DataDir, "scanpay.db"))), cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", dialect, err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(max(o.MaxOpenConns, 1))
	sqlDB.SetMaxIdleConns(o.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(30 * time.Minute)
	db := &DB{gorm: g, sql: sqlDB, Dialect: dialect}
	if dialect == DialectSQLite {
		db.writeLock = &sync.Mutex{}
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Ping(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", dialect, err)
	}
	return db, nil
}

// mysqlDSN adds the settings scanpay relies on (times as time.Time in UTC,
// utf8mb4, network timeouts) unless the operator set them already.
func mysqlDSN(dsn string) string {
	// Timeouts: a database that stops answering (a partition, a hung
	// failover) must turn into errors, not requests that hang forever.
	params := map[string]string{"parseTime": "true", "loc": "UTC", "charset": "utf8mb4",
		"timeout": "5s", "readTimeout": "30s", "writeTimeout": "30s",
		// Arguments inlined by the driver (safe with utf8mb4): one round
		// trip per query instead of prepare, execute and close.
		"interpolateParams": "true"}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	for k, v := range params {
		if !strings.Contains(dsn, k+"=") {
			dsn += sep + k + "=" + v
			sep = "&"
		}
	}
	return dsn
}

// sqliteDSN turns on WAL (readers do not block the writer), a busy timeout
// (writers wait instead of failing) and immediate transactions (a writer
// takes the lock at BEGIN, so two writers serialize instead of deadlocking
// on a lock upgrade).
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate"
}

// Ping checks that the database answers; /readyz uses it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		return err
	}
	var one int
	return db.sql.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// SQL exposes the pool for migrations and stats.
func (db *DB) SQL() *sql.DB { return db.sql }

// OnOutboxCommit sets the function run after each commit that wrote outbox
// rows; main wires it to the relay's Kick so follow-up work starts at once.
func (db *DB) OnOutboxCommit(fn func()) { db.onOutbox = fn }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// driverLog routes go-sql-driver's log lines into the service log.
type driverLog struct{ log *slog.Logger }

func (d driverLog) Print(v ...any) { d.log.Warn(fmt.Sprint(v...), "component", "mysql-driver") }
