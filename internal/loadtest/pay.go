package loadtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/scanpay/scanpay/adapters/wechatpay/wechatpaytest"
	"github.com/scanpay/scanpay/app"
)

// benchMchID is the merchant the fake WeChat Pay serves.
const benchMchID = "1900000109"

// startPay runs the fake WeChat Pay for the fake WeChat's appid and writes
// the merchant key and platform public key where the service reads them
// (WECHATPAY_*_FILE), so the service runs its real adapter against it, as
// in production, not the embedded stand-in.
func (e *Env) startPay() error {
	appID, _ := e.WeChat.Credentials()
	keys, err := wechatpaytest.GenerateKeys(appID, benchMchID)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "scanbench-wechatpay-")
	if err != nil {
		return err
	}
	e.closers = append(e.closers, func() error { return os.RemoveAll(dir) })
	e.payKeyFile, e.payPubFile = filepath.Join(dir, "apiclient_key.pem"), filepath.Join(dir, "pub_key.pem")
	if err := os.WriteFile(e.payKeyFile, keys.MerchantKeyPEM(), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(e.payPubFile, keys.PlatformPublicKeyPEM(), 0o600); err != nil {
		return err
	}
	if e.Pay, err = wechatpaytest.Start(keys); err != nil {
		return err
	}
	e.closers = append(e.closers, e.Pay.Close)
	return nil
}

// PayEnv is the service's WeChat Pay configuration for the fake; the
// service's notify URLs start with notifyBase (http://its address).
func (e *Env) PayEnv(notifyBase string) map[string]string {
	k := e.Pay.Keys()
	return map[string]string{
		"WECHATPAY_MCHID": k.MchID, "WECHATPAY_MERCHANT_SERIAL": k.MerchantSerial,
		"WECHATPAY_MERCHANT_KEY_FILE": e.payKeyFile, "WECHATPAY_PUBLIC_KEY_ID": k.PlatformKeyID,
		"WECHATPAY_PUBLIC_KEY_FILE": e.payPubFile, "WECHATPAY_APIV3_KEY": k.APIv3Key,
		"WECHATPAY_NOTIFY_BASE": notifyBase, "WECHATPAY_API_BASE": e.Pay.URL,
	}
}

// Payer is the notify scenario's WeChat Pay: the fake's payer side.
func (e *Env) Payer() Payer { return fakePayer{e.Pay} }

type fakePayer struct{ s *wechatpaytest.Server }

func (p fakePayer) MarkPaid(orderNo string) error { return p.s.MarkPaid(orderNo, -1) }

func (p fakePayer) Notification(orderNo string) (http.Header, []byte, error) {
	n, err := p.s.Notification(orderNo)
	if err != nil {
		return nil, nil, err
	}
	return n.Header, n.Body, nil
}

// OpenLedger reads the service's orders and payments in its database;
// Close it after the run.
func (e *Env) OpenLedger() (*DBLedger, error) {
	cfg, err := gomysql.ParseDSN(e.DSN)
	if err != nil {
		return nil, err
	}
	// The service writes DATETIME(6) columns in UTC.
	cfg.ParseTime, cfg.Loc = true, time.UTC
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(2)
	return &DBLedger{db: db}, nil
}

// DBLedger is the Ledger on the service's MariaDB database.
type DBLedger struct{ db *sql.DB }

// PaidCount counts paid orders (an index range on orders (status, ...)).
func (l *DBLedger) PaidCount(ctx context.Context) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM orders WHERE status = 'paid'").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count paid orders: %w", err)
	}
	return n, nil
}

// Applied lists the payments recorded since t (once, after the run: the
// table has no index on created_at).
func (l *DBLedger) Applied(ctx context.Context, since time.Time) ([]Applied, error) {
	rows, err := l.db.QueryContext(ctx, "SELECT order_no, created_at, source FROM payments WHERE created_at >= ?", since.UTC())
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	defer rows.Close()
	var out []Applied
	for rows.Next() {
		var a Applied
		if err := rows.Scan(&a.OrderNo, &a.At, &a.Source); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Backlog counts unsent outbox rows (index on (sent_at, id)), not the
// parked ones (app.OutboxMaxAttempts), which are never sent.
func (l *DBLedger) Backlog(ctx context.Context) (int, error) {
	var n int
	err := l.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND attempts < ?", app.OutboxMaxAttempts).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count the outbox backlog: %w", err)
	}
	return n, nil
}

// Close closes the database handle.
func (l *DBLedger) Close() error { return l.db.Close() }
