# Thin wrapper over CMake presets. The two quick-start commands are `make demo` and `make check`.
JOBS ?= $(shell n=$$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2); echo $$n)
CTEST_ARGS ?=
FUZZ_SECONDS ?= 600

.PHONY: all deps build release asan tsan check check-release check-asan check-tsan check-threads \
        demo bench \
        fuzz check-fuzz torture format clean install deb check-deb

all: build

deps:
	./scripts/install-deps.sh

build: deps
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)

release: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)

asan: deps
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j $(JOBS)

tsan: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS)

# The stripped binaries, man pages, completions, docs and the Python package under PREFIX.
PREFIX ?= /usr/local
install: release
	cmake --install build/release --prefix $(PREFIX) --strip

# The Debian package, in build/deb/; check-deb also installs it, tries it and removes it (as
# root; elsewhere it only builds it).
deb: deps
	./scripts/deb.sh

check-deb: deps
	if [ "$$(id -u)" = 0 ]; then ./scripts/deb.sh --test; else ./scripts/deb.sh && \
	  echo "check-deb: not root, so the package was built but not installed"; fi

# Every test on the optimized build, then unit and end-to-end tests under ASan+UBSan, and the
# tests of the code that runs threads under TSan.
check: check-release check-asan check-threads check-fuzz check-deb

check-release: release
	ctest --preset release -j $(JOBS) $(CTEST_ARGS)

check-asan: asan
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --preset asan -j $(JOBS) $(CTEST_ARGS)

# The kill torture test with 100 kills over 200 items per shape instead of CI's 20 over 40
# (COREFLOW_TORTURE_SEED=N for another seed). Each shape prints its figures.
torture: release
	cd tests/e2e && COREFLOW_TORTURE_KILLS=100 COREFLOW_TORTURE_ITEMS=200 \
	  COREFLOW_BIN=$(CURDIR)/build/release/coreflow \
	  /usr/bin/python3 -m unittest -v test_torture

check-tsan: tsan
	ctest --preset tsan -j $(JOBS) -L 'unit|threads' $(CTEST_ARGS)

# Only what runs threads (directory walks), so that it costs a minute, not a whole build.
check-threads: deps
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j $(JOBS) --target coreflow_thread_tests
	TSAN_OPTIONS=halt_on_error=1 ctest --preset tsan -j $(JOBS) -L threads $(CTEST_ARGS)

# libFuzzer targets under ASan+UBSan, FUZZ_SECONDS each (FUZZ_SEED picks the seed, default 1).
fuzz: deps
	JOBS=$(JOBS) ./scripts/fuzz.sh $(FUZZ_SECONDS)

check-fuzz: deps
	JOBS=$(JOBS) ./scripts/fuzz.sh 60

demo: deps
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS) --target coreflow
	./examples/demo/run.sh build/release/coreflow
	./examples/pipelines/antibody/run.sh build/release/coreflow --short
	WORKERS_ITEMS=16 ./examples/workers/run.sh build/release/coreflow

bench: release
	./bench/run.sh build/release
	./bench/workers.sh build/release
	./bench/threads.sh build/release
	./bench/pipeline.sh build/release
	./bench/staging.sh build/release
	./bench/discovery.sh build/release
	./bench/mpi.sh build/release

format:
	clang-format -i $$(git ls-files '*.cc' '*.h')

clean:
	rm -rf build
