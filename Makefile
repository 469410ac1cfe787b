# exoaudit - the two set-up commands are `make demo` and `make test`.
JOBS ?= 2

.PHONY: all build demo test test-unit fuzz bench clean deps

all: build

deps:
	@scripts/deps.sh build

build: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)

# Main job: install, build, generate a demo tenant, import it, answer the mission's questions.
demo:
	@scripts/deps.sh demo
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)
	scripts/demo.sh build/release/exoaudit

# Tests: sanitizer build (ASan + UBSan, -Werror), unit/golden/integration tests, short fuzz runs.
test:
	@scripts/deps.sh test
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j$(JOBS)
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS) --target exoaudit
	@command -v npm >/dev/null && (cd tests/browser && npm install --no-audit --no-fund >/dev/null) || echo "exoaudit: npm missing, browser tests will be skipped" >&2
	EXOAUDIT_RELEASE=$(CURDIR)/build/release/exoaudit ctest --preset asan -j$(JOBS)
	$(MAKE) --no-print-directory fuzz

FUZZ_SECONDS ?= 20
fuzz:
	@scripts/deps.sh test
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j$(JOBS)
	scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

bench:
	@scripts/deps.sh bench
	cmake --preset release >/dev/null
	cmake --build --preset release -j$(JOBS)
	bench/run.sh build/release/exoaudit

clean:
	rm -rf build
