package loadtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // the admin connection that creates and drops the database
	goredis "github.com/redis/go-redis/v9"
	"github.com/scanpay/scanpay/adapters/wechat/wechattest"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
)

// Env is what the service under test runs on, all of it its own and gone
// after Close: a MariaDB database with a random name, a Redis DB claimed
// with the same locks adapters/redis/redistest uses (so a bench and a test
// run never share one), a fake WeChat and a fake WeChat Pay (pay.go).
type Env struct {
	DSN       string // the new database's DSN
	RedisAddr string
	RedisDB   int
	WeChat    *wechattest.Server
	Pay       *wechatpaytest.Server

	payKeyFile, payPubFile string         // the keys the service reads
	closers                []func() error // in reverse order of opening
}

// Redis DB locks, shared with adapters/redis/redistest: DB 0 holds only the
// locks, DBs 1..15 are handed out.
const (
	redisLockPrefix = "scanpay:test:dblock:"
	redisFirstDB    = 1
	redisLastDB     = 15
	redisLockTTL    = 10 * time.Minute
)

// NewEnv creates the database on the MariaDB server of serverDSN (a
// go-sql-driver DSN without a database name, e.g. root@tcp(127.0.0.1:3306)/),
// claims and empties a Redis DB at redisAddr, and starts the fake WeChat
// with dev codes on and the fake WeChat Pay. On error it undoes what it did.
func NewEnv(ctx context.Context, serverDSN, redisAddr string) (_ *Env, err error) {
	e := &Env{RedisAddr: redisAddr}
	defer func() {
		if err != nil {
			_ = e.Close()
		}
	}()
	if err := e.createDatabase(ctx, serverDSN); err != nil {
		return nil, err
	}
	if err := e.claimRedis(ctx); err != nil {
		return nil, err
	}
	if e.WeChat, err = wechattest.Start(); err != nil {
		return nil, err
	}
	e.WeChat.SetDevCodes(true)
	e.closers = append(e.closers, e.WeChat.Close)
	if err := e.startPay(); err != nil {
		return nil, fmt.Errorf("start the fake WeChat Pay: %w", err)
	}
	return e, nil
}

func (e *Env) createDatabase(ctx context.Context, serverDSN string) error {
	admin, err := sql.Open("mysql", serverDSN)
	if err != nil {
		return err
	}
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := admin.PingContext(pctx); err != nil {
		_ = admin.Close()
		return fmt.Errorf("MariaDB at %s does not answer (make bench needs MariaDB and Redis): %w", serverDSN, err)
	}
	name := "scanpay_bench_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		_ = admin.Close()
		return fmt.Errorf("create the bench database: %w", err)
	}
	e.DSN = withDatabase(serverDSN, name)
	e.closers = append(e.closers, func() error {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			return fmt.Errorf("drop the bench database %s: %w", name, err)
		}
		return nil
	})
	return nil
}

// unlockScript deletes a lock only while it still holds our token.
var unlockScript = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0`)

func (e *Env) claimRedis(ctx context.Context) error {
	locks := goredis.NewClient(&goredis.Options{Addr: e.RedisAddr, DB: 0, DialTimeout: time.Second})
	if err := locks.Ping(ctx).Err(); err != nil {
		_ = locks.Close()
		return fmt.Errorf("redis at %s does not answer (make bench needs MariaDB and Redis): %w", e.RedisAddr, err)
	}
	token := randomHex(16)
	deadline := time.Now().Add(30 * time.Second)
	for e.RedisDB == 0 {
		for n := redisFirstDB; n <= redisLastDB && e.RedisDB == 0; n++ {
			ok, err := locks.SetNX(ctx, redisLockPrefix+fmt.Sprint(n), token, redisLockTTL).Result()
			if err != nil {
				_ = locks.Close()
				return fmt.Errorf("claim a Redis DB: %w", err)
			}
			if ok {
				e.RedisDB = n
			}
		}
		if e.RedisDB == 0 {
			if time.Now().After(deadline) {
				_ = locks.Close()
				return fmt.Errorf("every Redis DB %d..%d stayed locked for 30 s", redisFirstDB, redisLastDB)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	db := goredis.NewClient(&goredis.Options{Addr: e.RedisAddr, DB: e.RedisDB})
	e.closers = append(e.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := db.FlushDB(ctx).Err()
		_ = db.Close()
		err = errors.Join(err, unlockScript.Run(ctx, locks, []string{redisLockPrefix + fmt.Sprint(e.RedisDB)}, token).Err())
		_ = locks.Close()
		if err != nil {
			return fmt.Errorf("release Redis DB %d: %w", e.RedisDB, err)
		}
		return nil
	})
	return db.FlushDB(ctx).Err()
}

// Close drops the database, flushes and releases the Redis DB and stops
// the fake WeChat.
func (e *Env) Close() error {
	var errs []error
	for i := len(e.closers) - 1; i >= 0; i-- {
		errs = append(errs, e.closers[i]())
	}
	e.closers = nil
	return errors.Join(errs...)
}

// withDatabase puts name into a DSN that has none, keeping its parameters.
func withDatabase(dsn, name string) string {
	slash := strings.LastIndex(dsn, "/")
	if slash < 0 {
		return dsn + "/" + name
	}
	params := ""
	if q := strings.Index(dsn[slash+1:], "?"); q >= 0 {
		params = dsn[slash+1+q:]
	}
	return dsn[:slash+1] + name + params
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
