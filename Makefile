# The two commands a new user needs: `make run` and `make test`.
MAKEFLAGS += --no-print-directory
BUILD ?= build
BUILD_TYPE ?= RelWithDebInfo
WERROR ?= OFF
SANITIZE ?=
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all deps configure build run test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DRASTIO_WERROR=$(WERROR) \
	  -DRASTIO_SANITIZE="$(SANITIZE)" > $(BUILD).configure.log 2>&1 || (cat $(BUILD).configure.log; exit 1)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@./$(BUILD)/examples/tour

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: build
	@bash bench/compare.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD).configure.log
