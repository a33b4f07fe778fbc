# Two commands matter: `make run` and `make test`. See README.md.
SHELL := /bin/bash
CARGO ?= cargo
BIN := $(or $(CARGO_TARGET_DIR),target)/debug/henan-safety
# Maintenance database used to create and drop one database per test.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
export TEST_POSTGRES_URL
# End-to-end tests mostly wait on the database and the network, so more run
# at once than there are cores (cargo's default is one per core).
E2E_THREADS ?= 4
# 1 = a missing PostgreSQL fails `make test` (CI sets it).
REQUIRE_POSTGRES ?= 0

.PHONY: bench deny fuzz-contract run build admin test test-unit test-sqlite test-postgres smoke-run openapi lint check-domain-purity clean-data

## Build and start the server on SQLite (./data/), migrations applied.
run: build
	@echo "Starting on $${HSP_BIND:-127.0.0.1:8080} with $${DATABASE_URL:-sqlite://data/platform.sqlite3}."
	@echo "Admin credential: run 'make admin' in another terminal (prints a client id and secret once)."
	$(BIN) serve

build:
	$(CARGO) build -p api --bin henan-safety

## Create an admin API client and print its secret (shown once).
admin: build
	$(BIN) clients create --role admin --name "$${NAME:-admin}"

## Every test: unit and property tests, the end-to-end suite on SQLite and
## on PostgreSQL, and `make run` from a fresh copy of the tree.
test: test-unit test-sqlite test-postgres smoke-run

test-unit:
	$(CARGO) test --workspace --exclude e2e

test-sqlite:
	TEST_DATABASE=sqlite $(CARGO) test -p e2e -- --test-threads=$(E2E_THREADS)

test-postgres:
	@if scripts/postgres-available "$(TEST_POSTGRES_URL)"; then \
		TEST_DATABASE=postgres $(CARGO) test -p e2e -- --test-threads=$(E2E_THREADS) && tests/faults/crash-safety.sh && tests/faults/two-instances.sh && tests/faults/secrets-in-logs.sh; \
	elif [ "$(REQUIRE_POSTGRES)" = 1 ]; then \
		echo "FAIL: PostgreSQL at $(TEST_POSTGRES_URL) is not reachable and REQUIRE_POSTGRES=1." >&2; exit 1; \
	else \
		echo; echo "################################################################"; \
		echo "## WARNING: PostgreSQL at $(TEST_POSTGRES_URL) is not reachable."; \
		echo "## Only the SQLite suite ran. Set TEST_POSTGRES_URL or start PostgreSQL."; \
		echo "################################################################"; echo; \
	fi

smoke-run:
	tests/make-run-smoke.sh

## Contract fuzzing: schemathesis (pinned, installed into .venv-fuzz/) over
## every operation of openapi.yaml, once per role (.ci/run calls it).
fuzz-contract:
	tests/fuzz/run.sh

## Rewrite openapi.yaml from the code (a test fails while they differ).
openapi: build
	$(BIN) openapi > openapi.yaml

lint: check-domain-purity deny
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

check-domain-purity:
	scripts/check-domain-purity

## Dependency policy (deny.toml): banned crates, licences, sources. Installs
## the pinned cargo-deny from crates.io when missing. Advisories need the
## internet: run `cargo deny check advisories` where it is reachable.
CARGO_DENY_VERSION := 0.18.9
deny:
	@cargo deny --version 2>/dev/null | grep -q "$(CARGO_DENY_VERSION)" || $(CARGO) install cargo-deny --locked --version $(CARGO_DENY_VERSION)
	$(CARGO) deny check bans licenses sources

clean-data:
	rm -rf data

## Benchmarks, not tests: release build, PostgreSQL (TEST_POSTGRES_URL),
## bench/REPORT.md rewritten with one section per program (each figure with
## its ceiling from the same run): premium ingestion vs COPY, public credit and
## certificate reads vs /health/live with RSS, full credit recompute, event
## feed and webhook deliveries, EXPLAIN of the hot reads at 1M organisations
## and 10M postings, then a soak (SOAK_SECONDS, default 600). Sizes: the
## BENCH_* variables documented at the top of tests/src/bin/bench_*.rs.
BENCH_BIN := $(or $(CARGO_TARGET_DIR),target)/release
bench:
	@set -eo pipefail; started=$$(date +%s); \
	$(CARGO) build --release -p api --bin henan-safety; \
	$(CARGO) build --release -p e2e --bins; \
	mkdir -p bench; \
	printf '# Benchmark report\n\nWritten by `make bench` at %s, commit %s, on %s cores (%s), PostgreSQL %s.\n\n' \
		"$$(date -u +%FT%TZ)" "$$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$$(nproc)" \
		"$$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" \
		"$$(psql "$(TEST_POSTGRES_URL)" -tAc 'show server_version' 2>/dev/null || echo '?')" > bench/REPORT.md; \
	export TEST_DATABASE=postgres BENCH_SERVER=$(BENCH_BIN)/henan-safety SOAK_SERVER=$(BENCH_BIN)/henan-safety; \
	$(BENCH_BIN)/bench-ingest; \
	$(BENCH_BIN)/bench-credit; \
	$(BENCH_BIN)/bench-recompute; \
	$(BENCH_BIN)/bench-feed; \
	$(BENCH_BIN)/bench-explain; \
	$(BENCH_BIN)/soak | tee bench/soak.txt; \
	printf '## Soak (soak)\n\n```\n%s\n```\n\n' "$$(cat bench/soak.txt)" >> bench/REPORT.md; rm -f bench/soak.txt; \
	printf '`make bench` took %d s of wall time.\n' $$(( $$(date +%s) - started )) >> bench/REPORT.md; \
	echo "bench/REPORT.md written"
