# scanpay — developer entry points. `make` alone lists the targets.
# The environment is passed through to every command (MYSQL_DSN, REDIS_ADDR, JWT_SECRET, CI, ...).

GO        ?= go
BIN       := bin/scanpay
RUN_ARGS  ?= all
BENCH_ARGS ?=
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := help
.PHONY: help run build test lint bench tidy clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: build ## Build, then run `bin/scanpay all` (embedded SQLite/miniredis when MYSQL_DSN/REDIS_ADDR are unset; RUN_ARGS=serve etc. to change)
	./$(BIN) $(RUN_ARGS)

build: ## Build the static binary into bin/scanpay
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) .

test: ## go test -race on MariaDB+Redis (TEST_MYSQL_DSN, TEST_REDIS_ADDR); loud fallback to embedded engines, failure when CI=true
	bash .ci/test

lint: ## gofmt -l (must print nothing), go vet, staticcheck (pinned)
	@files="$$(gofmt -l .)"; if [ -n "$$files" ]; then echo "gofmt: these files need formatting (run gofmt -w):"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

bench: build ## Go benchmarks (each once), then the load test on MariaDB+Redis (scan, floor, checkout, notify): one JSON line per scenario (BENCH_ARGS='-cpuprofile bin/scan.pprof' etc.)
	$(GO) test -run '^$$' -bench . -benchtime=1x ./...
	$(GO) run ./internal/loadtest/cmd/scanbench -bin $(BIN) $(BENCH_ARGS)

tidy: ## go mod tidy
	$(GO) mod tidy

clean: ## Remove bin/ and coverage files (keeps data/)
	rm -rf bin coverage.out coverage.html
