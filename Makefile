# simul: build, test, benchmark, install.
#
#   make run      install missing build dependencies, build, launch simul
#   make check    install missing test dependencies, build, run every test
#                 (ONLY=REGEX runs the tests whose names match, e.g. ONLY=e2e_cli)
#   make torture  minutes of hostile limits: every demo under low open-file
#                 limits and memory caps (tests/torture_*.sh)
#   make bench    print benchmark figures as "bench: NAME VALUE UNIT" (then make compare)
#                 (ONLY=REGEX runs the benchmarks whose names match, e.g. ONLY=c10k)
#   make compare  run each lesson's Python at full size and its demo; print each
#                 figure beside CPython's (MIRRORS=REGEX: some; COMPARE_MD=FILE: a table)
#   make mutate   apply each small bug in tests/mutants/ to a scratch copy, run
#                 the tests that should catch it, report survivors (MUTANTS=REGEX)
#   make asan | tsan   the test suite under AddressSanitizer+UBSan | ThreadSanitizer
#   make fuzz     run each libFuzzer harness (tests/fuzz_*.c) for FUZZ_TIME s (clang)
#   make docs     regenerate the demo catalogue doc/demos.md (and README's list) from the binary
#   make install | uninstall   (PREFIX, DESTDIR)      make clean
#
# NO_AUTO_DEPS=1 turns off apt-get installs and prints the command instead.
# WERROR=1 makes warnings errors (CI sets it).

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
VERSION  := 0.1.0
ARGS     ?=

BUILD_PKGS := libncurses-dev libuv1-dev libhiredis-dev pkg-config
# What simul runs, not links: queue/rq starts a Redis server of its own.
RUN_PKGS   := redis-server
# Everything the tests use, each with its line in TEST_CHECK (which must
# fail when any one of them is missing, or the package is never installed):
# check (unit tests), tmux (e2e_tui, e2e_record), python3 (JSON and cast
# checks), python3-aiohttp (the asyncio lessons' mirrors), clang and its
# libFuzzer runtime (e2e_fuzz; the runtime is only a Recommends of clang,
# and installs here skip Recommends), groff-base (groff: e2e_install's man
# page check), procps (pgrep, ps), redis-server (queue/rq's tests) and
# python3-rq (its mirror).
# PYTHON is the interpreter the tests run (as $PYTHON): Debian's, the one
# python3-aiohttp installs into, even when another python3 (pyenv, a venv)
# comes first on PATH.
PYTHON     ?= /usr/bin/python3
TEST_PKGS  := check tmux python3 python3-aiohttp clang libclang-rt-dev groff-base procps redis-server python3-rq
FUZZ_PROBE := printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
              clang -x c -fsanitize=fuzzer,address -o /dev/null -
TEST_CHECK := pkg-config --exists check && command -v tmux && command -v $(PYTHON) && \
              $(PYTHON) -c 'import aiohttp' && command -v clang && $(FUZZ_PROBE) && \
              command -v groff && command -v pgrep && command -v redis-server && $(PYTHON) -c 'import rq'
PKGS       := ncursesw libuv hiredis

WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif
OPT        ?= -O2 -g
SAN_CFLAGS ?=
# Recursive (=) so pkg-config runs after the dependencies are installed.
DEP_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)
CFLAGS_ALL  = -std=c11 -D_GNU_SOURCE -DSIMUL_VERSION='"$(VERSION)"' $(OPT) $(WARN) $(SAN_CFLAGS) \
              -Isrc -Iscenarios -Iscenarios/lib $(DEP_CFLAGS) $(CFLAGS)
LDLIBS_ALL  = $(DEP_LIBS) -lpthread -lm $(LDLIBS)

SRC_LIB   := $(filter-out src/main.c,$(wildcard src/*.c)) $(wildcard src/tui/*.c)
SCEN_SRC  := $(wildcard scenarios/*.c) $(wildcard scenarios/*/*.c)
MODULES   := $(basename $(notdir $(wildcard scenarios/*.c)))
# Only lessons and the Python agent are compiled in (src/assets.c looks up
# lessons/MODULE/DEMO.md and .py; `simul python` writes agent/*.py to a
# temporary directory): never editor backups, __pycache__ or the man page.
ASSETS    := $(sort $(wildcard assets/lessons/*/*.md assets/lessons/*/*.py assets/agent/*.py))
GEN_SRC   := $(BUILD)/gen/modules.c $(BUILD)/gen/assets_data.c
LIB_OBJ   := $(patsubst %.c,$(BUILD)/obj/%.o,$(SRC_LIB) $(SCEN_SRC)) \
             $(BUILD)/obj/gen/modules.o $(BUILD)/obj/gen/assets_data.o
LIB       := $(BUILD)/libsimul.a
BIN       := $(BUILD)/simul
TESTS     := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/test_*.c))
BENCHES   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(wildcard tests/bench_*.c))
TEST_SUPPORT := $(BUILD)/obj/tests/support.o

.PHONY: all run docs check torture mutate bench compare asan tsan install uninstall clean deps run-deps test-deps valgrind fuzz fuzz-build fuzzers
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BIN)

# ---- dependencies (Debian packages) ----

# $(call ensure,PACKAGES,CHECK-COMMAND)
define ensure
@if ! ( $(2) ) >/dev/null 2>&1; then \
	if [ -n "$(NO_AUTO_DEPS)" ]; then \
		echo "simul: missing build dependencies; install them with: sudo apt-get install -y $(1)" >&2; exit 1; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "simul: installing $(1) (set NO_AUTO_DEPS=1 to do it yourself)"; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO apt-get install -y --no-install-recommends $(1) >/dev/null 2>&1 || \
	{ $$SUDO apt-get update -qq && $$SUDO apt-get install -y --no-install-recommends $(1); } || \
	{ echo "simul: could not install $(1)" >&2; exit 1; }; \
fi
endef

deps:
	$(call ensure,$(BUILD_PKGS),command -v pkg-config && pkg-config --exists $(PKGS))

run-deps: deps
	$(call ensure,$(RUN_PKGS),command -v redis-server)

test-deps: deps
	$(call ensure,$(TEST_PKGS),$(TEST_CHECK))

# ---- build ----

$(BUILD)/obj/%.o: %.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/gen/modules.c: $(wildcard scenarios/*.c) Makefile
	@mkdir -p $(dir $@)
	@{ echo '/* Generated by the Makefile from the files in scenarios/: do not edit. */'; \
	   echo '#include <stddef.h>'; echo '#include "demo.h"'; \
	   for m in $(MODULES); do echo "extern const struct demo_module $${m}_module;"; done; \
	   echo 'const struct demo_module *const simul_modules[] = {'; \
	   for m in $(MODULES); do echo "	&$${m}_module,"; done; \
	   echo '	NULL};'; \
	   echo 'const size_t simul_nmodules = sizeof(simul_modules) / sizeof(simul_modules[0]) - 1;'; } > $@

$(BUILD)/embed: src/tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -o $@ $<

$(BUILD)/gen/assets_data.c: $(BUILD)/embed $(ASSETS) Makefile
	@mkdir -p $(dir $@)
	$(BUILD)/embed $@ assets $(ASSETS)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(BUILD)/obj/src/main.o $(LIB)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

run: run-deps $(BIN)
	$(BIN) $(ARGS)

# The demo catalogue, from --list, --list-params and short runs of each
# demo; tests/e2e_docs.sh fails when the committed file has drifted.
docs: $(BIN)
	bash doc/tools/gen-demos.sh $(BIN) doc/demos.md README.md

# ---- tests ----

$(BUILD)/obj/tests/%.o: tests/%.c | test-deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) $(CHECK_LIBS)

check: test-deps $(BIN) $(TESTS)
	@SIMUL=$(BIN) SIMUL_EXE=$(abspath $(BIN)) BUILD=$(BUILD) SIMUL_SANITIZER=$(SIMUL_SANITIZER) \
		PYTHON=$(PYTHON) ONLY='$(ONLY)' bash tests/run-tests.sh $(TESTS)

# A scratch copy per mutant (tests/mutate.sh); the working tree is never touched.
mutate: test-deps $(BIN) $(TESTS)
	@BUILD=$(BUILD) PYTHON=$(PYTHON) MUTANTS='$(MUTANTS)' bash tests/mutate.sh

# Not in check: each script takes minutes (tests/torture_*.sh).
torture: test-deps $(BIN)
	@for s in tests/torture_*.sh; do SIMUL=$(BIN) SIMUL_EXE=$(abspath $(BIN)) bash $$s || exit 1; done

bench: test-deps $(BIN) $(BENCHES)
	@for b in $(BENCHES); do \
		if [ -n '$(ONLY)' ] && ! basename $$b | grep -Eq '$(ONLY)'; then continue; fi; \
		SIMUL=$(BIN) SIMUL_EXE=$(abspath $(BIN)) $$b || exit 1; done
	@$(MAKE) --no-print-directory compare

compare: test-deps $(BIN)
	@$(PYTHON) tests/mirrors.py compare --simul $(BIN) $(if $(MIRRORS),--only '$(MIRRORS)') $(if $(COMPARE_MD),--markdown $(COMPARE_MD))

asan:
	$(MAKE) check BUILD=build-asan OPT="-O1 -g" \
		SAN_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		SIMUL_SANITIZER=asan

tsan:
	TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp $(TSAN_OPTIONS)" \
		$(MAKE) check BUILD=build-tsan OPT="-O1 -g" SAN_CFLAGS="-fsanitize=thread" SIMUL_SANITIZER=tsan

valgrind: $(BIN)
	valgrind --leak-check=full --error-exitcode=1 --errors-for-leak-kinds=definite \
		$(BIN) threads/interleave --plain --set pause_ms=5 >/dev/null

# ---- fuzzing (clang's libFuzzer) ----
# The library is built again with clang and the sanitizers in build-fuzz;
# tests/e2e_fuzz.sh runs each harness for a few seconds in `make check`.

FUZZ_BUILD := build-fuzz
FUZZ_TIME  ?= 60
FUZZERS     = $(patsubst tests/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz_*.c))

$(BUILD)/fuzz/%: tests/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer -o $@ $< $(LIB) $(LDLIBS_ALL)

fuzzers: $(FUZZERS)

fuzz-build:
	$(MAKE) fuzzers BUILD=$(FUZZ_BUILD) CC=clang OPT="-O1 -g" \
		SAN_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

fuzz: fuzz-build
	@for f in $(patsubst tests/%.c,%,$(wildcard tests/fuzz_*.c)); do \
		c=$${f#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$c; \
		echo "fuzz: $$f for $(FUZZ_TIME) s"; \
		$(FUZZ_BUILD)/fuzz/$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			$(FUZZ_BUILD)/corpus/$$c tests/fuzz_corpus/$$c || exit 1; \
	done

# ---- install ----

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/simul
	install -m 644 assets/simul.1 $(DESTDIR)$(PREFIX)/share/man/man1/simul.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/simul $(DESTDIR)$(PREFIX)/share/man/man1/simul.1

clean:
	rm -rf build build-asan build-tsan build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
