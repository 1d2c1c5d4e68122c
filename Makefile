# orchestrate: `make demo` and `make test` are each the whole set-up on a fresh Debian 12 machine.
SHELL := /bin/bash
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
TSAN_DIR ?= build-tsan
# The binaries ThreadSanitizer runs (threads: a fleet's --parallel workers, runs racing for a lock).
TSAN_TARGETS := orchestrate orchestrate-failpoints fleet_test concurrency_test
TSAN_TESTS := Fleet|Concurrency|SqliteRunLock
FUZZ_SECONDS ?= 600
FUZZ_SHORT_SECONDS ?= 60
BUILD_TYPE ?= RelWithDebInfo
WERROR ?= OFF
JOBS ?= 2
export CCACHE_NOHASHDIR := true

PACKAGES := build-essential cmake ccache pkg-config git \
  libpqxx-dev libpq-dev libsoci-dev libsqlite3-dev libyaml-cpp-dev libspdlog-dev \
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libssl-dev libpg-query-dev \
  libboost1.81-dev postgresql sqlite3 mariadb-server mariadb-client libmariadb-dev clang-format time \
  clang libclang-rt-14-dev python3-jsonschema python3-yaml zsh fish chromium

PREFIX ?= /usr/local

.PHONY: all deps build install package package-check demo test test-sanitize test-tsan bench fuzz fuzz-short crash-test format format-check clean

all: build

# Installs only what is missing; quiet and fast when everything is present.
deps:
	@missing=$$(for p in $(PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -q '^install ok installed' || echo "$$p"; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DORCHESTRATE_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The binary, its man page, shell completions and docs under PREFIX (default /usr/local).
install: build
	@cmake --install $(BUILD_DIR) --prefix $(PREFIX)

# A Debian package (CPack): binary, man page, completions, docs and the sample, in $(BUILD_DIR).
package: build
	@cd $(BUILD_DIR) && cpack -G DEB >/dev/null && ls -1 $$PWD/orchestrate_*.deb

# Installs the package on this machine and runs the demo with the installed binary.
package-check: package
	@SUDO=; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --reinstall $$(ls -1 $$PWD/$(BUILD_DIR)/orchestrate_*.deb) >/dev/null
	@/usr/bin/orchestrate --version
	@man -w orchestrate >/dev/null 2>&1 || test -f /usr/share/man/man1/orchestrate.1.gz
	@scripts/demo /usr/bin/orchestrate >/dev/null && echo "the demo ran with /usr/bin/orchestrate"

# Deploy the sample shop to its newest release on the embedded SQLite default, then roll it back.
demo: build
	@scripts/demo $(BUILD_DIR)/orchestrator/orchestrate

# Every test, with a throwaway PostgreSQL and MariaDB server started (and stopped) for the run.
test: build
	@scripts/run-tests $(BUILD_DIR)
	@scripts/fuzz $(FUZZ_SHORT_SECONDS)

# The tests again under AddressSanitizer and UndefinedBehaviorSanitizer, then the fleet and
# concurrency tests (and the binary they drive) under ThreadSanitizer.
test-sanitize: deps
	@cmake -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DORCHESTRATE_SANITIZE=ON -DORCHESTRATE_WERROR=$(WERROR) >/dev/null
	@cmake --build $(ASAN_DIR) -j $(JOBS)
	@scripts/run-tests $(ASAN_DIR)
	@$(MAKE) --no-print-directory test-tsan

test-tsan: deps
	@cmake -S . -B $(TSAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DORCHESTRATE_TSAN=ON -DORCHESTRATE_WERROR=$(WERROR) >/dev/null
	@cmake --build $(TSAN_DIR) -j $(JOBS) --target $(TSAN_TARGETS)
	@scripts/run-tests $(TSAN_DIR) '$(TSAN_TESTS)'

# The libFuzzer targets (clang, ASan+UBSan, in build-fuzz), FUZZ_SECONDS each; `make test` runs
# them for FUZZ_SHORT_SECONDS each.
fuzz: deps
	@scripts/fuzz $(FUZZ_SECONDS)

fuzz-short: deps
	@scripts/fuzz $(FUZZ_SHORT_SECONDS)

# SIGKILL at every failpoint of a deploy and a rollback, and during slow statements, on SQLite and
# PostgreSQL (long: not part of `make test`).
crash-test: build
	@scripts/crash-test $(BUILD_DIR)

# Benchmarks on a throwaway PostgreSQL server; writes docs/benchmarks.md (machine, date, medians).
bench: build
	@$(MAKE) --no-print-directory deps PACKAGES="sqitch libdbd-pg-perl"
	@scripts/bench $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files '*.cc' '*.h')

format-check: deps
	@clang-format --dry-run --Werror $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(TSAN_DIR) build-fuzz
