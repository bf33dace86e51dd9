# scanpay — developer entry points. `make` alone lists the targets.
# The environment is passed through to every command (MYSQL_DSN, REDIS_ADDR, JWT_SECRET, CI, ...).

GO        ?= go
BIN       := bin/scanpay
RUN_ARGS  ?= all
BENCH_ARGS ?=
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := help
.PHONY: help run build test faults lint bench tidy clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: build ## Build, then run `bin/scanpay all` (embedded SQLite/miniredis when MYSQL_DSN/REDIS_ADDR are unset; RUN_ARGS=serve etc. to change)
	./$(BIN) $(RUN_ARGS)

build: ## Build the static binary into bin/scanpay
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

test: ## go test -race on MariaDB+Redis (TEST_MYSQL_DSN, TEST_REDIS_ADDR); loud fallback to embedded engines, failure when CI=true
	bash .ci/test

faults: ## Slow fault tests with real processes (SIGKILLed worker, 2 APIs + 2 workers) on MariaDB+Redis; a few minutes
	$(GO) test -tags faults -race -count=1 -timeout 20m -run '^TestFault(WorkerKilled|TwoAPIs)' -v .

lint: ## gofmt -l (must print nothing), go vet, staticcheck (pinned); with the faults tag, so the process fault tests are checked too
	@files="$$(gofmt -l .)"; if [ -n "$$files" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$files"; exit 1; fi
	$(GO) vet -tags faults ./...
	$(GO) run $(STATICCHECK) -tags faults ./...

bench: build ## Go benchmarks (each once), then the load test on MariaDB+Redis (scan, floor, cart_get, checkout, notify, import; ~2 min): one JSON line per scenario (BENCH_ARGS='-cpuprofile bin/scan.pprof' etc.)
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...
	$(GO) run ./internal/loadtest/cmd/scanbench -bin $(BIN) $(BENCH_ARGS)

tidy: ## go mod tidy
	$(GO) mod tidy

clean: ## Remove bin/ and coverage files (keeps data/)
	rm -rf bin coverage.out coverage.html
