# The two commands a new user needs: `make run` and `make test`.
MAKEFLAGS += --no-print-directory
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
WERROR ?= OFF
SANITIZE ?=
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all deps configure build run test bench bench-remote bench-serve clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DRASTIO_WERROR=$(WERROR) \
	  -DRASTIO_SANITIZE="$(SANITIZE)" > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@$(abspath $(BUILD))/examples/tour

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Benchmarks build optimised in their own folder (only the library and bench/), whatever BUILD_TYPE is.
BENCH_BUILD ?= $(BUILD)-bench
bench: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DRASTIO_BUILD_TESTS=OFF -DRASTIO_BUILD_TOOLS=OFF \
	  -DRASTIO_BUILD_EXAMPLES=OFF -DRASTIO_BUILD_BENCH=ON > $(BENCH_BUILD).configure.log 2>&1 || (cat $(BENCH_BUILD).configure.log; exit 1)
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target rastio_bench page_cost
	@bash bench/compare.sh $(BENCH_BUILD)

# Remote COG reads over a Range server with a delay per request, rastio against rasterio (BENCHMARKS.md).
bench-remote: deps
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DRASTIO_BUILD_TESTS=OFF -DRASTIO_BUILD_TOOLS=OFF \
	  -DRASTIO_BUILD_EXAMPLES=OFF -DRASTIO_BUILD_BENCH=ON > $(BENCH_BUILD).configure.log 2>&1 || (cat $(BENCH_BUILD).configure.log; exit 1)
	@cmake --build $(BENCH_BUILD) -j $(JOBS) --target remote_read
	@/usr/bin/python3 bench/remote_bench.py $(BENCH_BUILD) $(REMOTE_BENCH_ARGS)

# `rastio serve` against a FastAPI + rasterio reference tiler with wrk (BENCHMARKS.md).
bench-serve: build
	@/usr/bin/python3 bench/serve_bench.py $(abspath $(BUILD))/tools/rastio/rastio \
	  $(if $(wildcard $(BUILD)/bench/serve_tile_loop),--tile-loop $(abspath $(BUILD))/bench/serve_tile_loop) $(SERVE_BENCH_ARGS)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
