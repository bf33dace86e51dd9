package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/domain"
)

// exitChecks wires the exit pass and exit checks. Without EXIT_PASS_SECRET
// (embedded mode only: config refuses it elsewhere) the secret is made at
// random on first start and kept in DATA_DIR, so passes shown on phones
// survive a restart and nobody can sign one from a published default.
func (s *system) exitChecks(orders domain.OrderRepository, stores domain.StoreRepository, products domain.ProductRepository,
	ids app.IDs, clock app.Clock) (*app.ExitChecks, error) {
	secret := s.cfg.ExitPassSecret
	if secret == "" {
		var err error
		if secret, err = embeddedSecret(s.cfg.DataDir, "exit-pass-secret"); err != nil {
			return nil, fmt.Errorf("exit pass secret: %w", err)
		}
	}
	random, err := app.NewAuditRandom()
	if err != nil {
		return nil, fmt.Errorf("seed the audit lottery: %w", err)
	}
	checks := mysql.NewExitCheckRepo(s.db)
	return app.NewExitChecks(app.ExitCheckDeps{Tx: s.db, Orders: orders, Checks: checks, Facts: checks, Stores: stores,
		Products: products, Clock: clock, IDs: ids, Secret: []byte(secret), TTL: s.cfg.ExitPassTTL, Random: random,
		Log: s.log}), nil
}

// embeddedSecret returns the secret kept in DATA_DIR/name, making 32 random
// bytes (hex) the first time; the file is readable by the owner only.
func embeddedSecret(dataDir, name string) (string, error) {
	path := filepath.Join(dataDir, name)
	if b, err := os.ReadFile(path); err == nil && len(b) >= 32 {
		return string(b), nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(b)
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		return "", fmt.Errorf("store %s: %w", name, err)
	}
	return secret, nil
}
