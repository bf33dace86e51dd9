// Command scanpay is the scan-and-pay backend. This file is the composition
// root: it reads the configuration, builds the adapters, wires the use cases
// and runs the subcommands.
//
//	scanpay [all]                 API + worker in one process (make run)
//	scanpay serve                 the HTTP API
//	scanpay worker                the asynq worker and the outbox relay
//	scanpay migrate up|down|status
//	scanpay create-admin USERNAME   (password from ADMIN_PASSWORD)
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // store time zones must load in a scratch image too

	"github.com/scanpay/scanpay/adapters/bcrypt"
	"github.com/scanpay/scanpay/adapters/idgen"
	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/app"
	"github.com/scanpay/scanpay/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scanpay:", err)
		os.Exit(1)
	}
}

const usage = `usage: scanpay [all|serve|worker|migrate up|down|status|create-admin USERNAME]
  all      API, worker and outbox relay in one process (default)
  serve    the HTTP API (and the outbox relay)
  worker   the background worker (and the outbox relay)
  migrate  up: apply pending migrations; down: roll back the newest; status: list them
  create-admin USERNAME  add an admin account; the password comes from ADMIN_PASSWORD
Configuration comes from the environment; see README.md.`

// errUsage marks a command-line mistake.
var errUsage = errors.New("bad usage")

// run is main without the process: tests call it with their own context,
// arguments, environment and output. It returns when ctx is cancelled and
// everything has shut down in order.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "all"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	case "all", "serve", "worker", "migrate", "create-admin":
	default:
		return fmt.Errorf("%w: unknown command %q\n%s", errUsage, cmd, usage)
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	switch cmd {
	case "migrate":
		return runMigrate(ctx, cfg, log, args[1:], stdout)
	case "create-admin":
		return runCreateAdmin(ctx, cfg, log, args[1:], getenv("ADMIN_PASSWORD"), stdout)
	}
	if cfg.LogFormat == "json" {
		// One structured line, so JSON log pipelines can parse start-up too.
		attrs := []any{"mode", cfg.Mode()}
		for _, kv := range cfg.Settings() {
			attrs = append(attrs, kv.Key, kv.Value)
		}
		log.Info("configuration", attrs...)
	} else {
		cfg.Print(stdout)
	}
	return runService(ctx, cfg, cmd, log)
}

func runMigrate(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	sub := "up"
	if len(args) > 0 {
		sub = args[0]
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "up":
		n, err := db.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return nil
	case "down":
		return db.MigrateDown(ctx)
	case "status":
		return db.MigrateStatus(ctx, stdout)
	}
	return fmt.Errorf("%w: migrate %q: want up, down or status", errUsage, sub)
}

func runCreateAdmin(ctx context.Context, cfg *config.Config, log *slog.Logger, args []string, password string, stdout io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("%w: create-admin needs exactly one USERNAME", errUsage)
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.MigrateUp(ctx); err != nil {
		return err
	}
	// A one-off command: services lease nodes below idgen.MaxNode, so
	// this one is kept free for it unless ID_NODE says otherwise.
	node := cfg.IDNode
	if node < 0 {
		node = idgen.MaxNode
	}
	ids, err := idgen.New(node, cfg.IDShardBits)
	if err != nil {
		return err
	}
	seeder := app.NewSeeder(db, mysql.SeedRepos(db), bcrypt.New(0), ids, app.SystemClock{})
	st, err := seeder.CreateAdmin(ctx, args[0], password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin %s created (id %d)\n", st.Username, st.ID)
	return nil
}
