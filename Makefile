# pr-publish - press releases: validate, spell-check, render, archive.
#
#   make            build ./pr-publish (installs missing Debian packages as root)
#   make run        build, then run the main job on the sample archive
#   make check      build and run every test (prove)
#   make asan       the tests under AddressSanitizer + UBSan
#   make valgrind   the tests under valgrind
#   make bench      the benchmarks
#   make fuzz       build the libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make install    PREFIX=/usr/local DESTDIR=

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/pr-publish
DESTDIR ?=

CC ?= cc
BUILD ?= build
PKGS = libxml-2.0 libxslt libexslt hunspell libgit2
# The program is not linked with libgit2, which it loads when a command
# first needs it (src/gitlib.h): by the soname of the one it compiles with.
PROGRAM_PKGS = $(filter-out libgit2,$(PKGS))
GITLIB_SONAME = $(shell objdump -p "$$(pkg-config --variable=libdir libgit2)/libgit2.so" | \
		  sed -n 's/^ *SONAME *//p')

# Debian packages: to build, to run the sample job, to test.
BUILD_DEBS = pkg-config libxml2-dev libxslt1-dev libhunspell-dev libgit2-dev libmimalloc-dev
RUN_DEBS = hunspell-en-gb hunspell-fr hunspell-de-de hunspell-it hunspell-ru hunspell-es
TEST_DEBS = sharness python3 libxml2-utils python3-feedparser tidy chromium strace

WARNINGS = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARNINGS) \
	     $(CFLAGS) $(SAN_FLAGS)
ALL_LDFLAGS = $(LDFLAGS) $(SAN_FLAGS)
# The program's malloc.  libxml2 and libxslt allocate and free tens of
# millions of small nodes and strings in a full build, and glibc's malloc
# took a quarter of its CPU time: linked first, mimalloc replaces it for
# every library (a full build of 12,500 releases: 4.4 -> 3.7 s, user CPU
# 6.7 -> 5.2 s; see README).  Not in the sanitizer and valgrind builds,
# which bring their own; ALLOCATOR= links glibc's.
ALLOCATOR ?= -lmimalloc
# main() tunes mimalloc when it is the one linked (see main.c).
MALLOC_DEFS = $(if $(SAN_FLAGS),,$(if $(findstring mimalloc,$(ALLOCATOR)),-DPR_PUBLISH_MIMALLOC))

DEPS_STAMP = $(BUILD)/.deps-installed

SRCS = $(filter-out src/main.c,$(wildcard src/*.c))
OBJS = $(SRCS:src/%.c=$(BUILD)/%.o) $(BUILD)/embedded.o
MAIN_OBJ = $(BUILD)/main.o
SCHEMAS = schema/release.rng schema/site.rng
UNIT_SRCS = $(wildcard tests/unit/test-*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
PROGRAM = $(BUILD)/pr-publish

# Fuzz targets: tests/fuzz/fuzz-<name>.c, each with its corpus in
# tests/fuzz/corpus/<name>/.  make fuzz links them with libFuzzer (clang)
# in build-fuzz/; make check replays every corpus file through the same
# code built by $(CC) (build/fuzz-replay-<name>).
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BUILD = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_DEBS = clang libclang-rt-14-dev
FUZZ_SAN = -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
# clang, unlike gcc, wants format attributes on the printf-like functions
# that take a va_list (strbuf_vaddf and its callers); gcc checks the rest.
FUZZ_CFLAGS = -O1 -g -fno-omit-frame-pointer -Wno-format-nonliteral
FUZZ_FLAGS ?=
FUZZ_DEFS = -DPR_FUZZ_ROOT='"$(CURDIR)"' -Isrc -Itests/fuzz
REPLAY_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz-replay-%)

.PHONY: all deps run check test asan valgrind bench install uninstall clean \
	fuzz fuzz-build fuzz-clean

all: pr-publish

deps: $(DEPS_STAMP)
$(DEPS_STAMP): tools/install-deps Makefile
	@mkdir -p $(BUILD)
	@./tools/install-deps $(BUILD_DEBS)
	@touch $@

# The binary at the top, where tests and users expect it.
pr-publish: $(PROGRAM)
	@if [ "$(BUILD)" = build ]; then cp $(PROGRAM) $@.tmp && mv -f $@.tmp $@; fi

$(PROGRAM): $(MAIN_OBJ) $(OBJS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(if $(SAN_FLAGS),,$(ALLOCATOR)) $(shell pkg-config --libs $(PROGRAM_PKGS))

$(MAIN_OBJ): ALL_CFLAGS += $(MALLOC_DEFS)
$(BUILD)/gitlib.o: ALL_CFLAGS += -DPR_GITLIB_SONAME='"$(GITLIB_SONAME)"'

$(BUILD)/%.o: src/%.c $(DEPS_STAMP) | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(PKGS)) -MMD -MP -c -o $@ $<

$(BUILD)/embedded.c: $(SCHEMAS) tools/embed.sh | $(BUILD)
	sh tools/embed.sh $(SCHEMAS) > $@.tmp && mv $@.tmp $@

$(BUILD)/embedded.o: $(BUILD)/embedded.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(OBJS)
	@mkdir -p $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) $(shell pkg-config --cflags $(PKGS)) -Isrc -o $@ $< $(OBJS) \
		$(ALL_LDFLAGS) $(shell pkg-config --libs $(PKGS))

# The replay driver with the normal compiler; it replays CORPUS_DIR when run
# without arguments, which is how prove runs it.
$(BUILD)/fuzz-replay-%: tests/fuzz/replay.c tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(OBJS)
	$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) -DCORPUS_DIR='"$(CURDIR)/tests/fuzz/corpus/$*"' \
		$(shell pkg-config --cflags $(PKGS)) -o $@ tests/fuzz/replay.c tests/fuzz/fuzz-$*.c \
		$(OBJS) $(ALL_LDFLAGS) $(shell pkg-config --libs $(PKGS))

# The libFuzzer programs; built by the recursive make in 'fuzz', where
# BUILD=build-fuzz, CC=clang and SAN_FLAGS=$(FUZZ_SAN).
$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h $(OBJS)
	$(CC) $(ALL_CFLAGS) $(FUZZ_DEFS) $(shell pkg-config --cflags $(PKGS)) -fsanitize=fuzzer \
		-o $@ $< $(OBJS) $(ALL_LDFLAGS) $(shell pkg-config --libs $(PKGS))

$(BUILD):
	@mkdir -p $(BUILD)

-include $(wildcard $(BUILD)/*.d)

# The main job on the sample archive.
run: pr-publish
	@./tools/install-deps $(RUN_DEBS) git
	./pr-publish check
	./pr-publish build
	@echo "The website of releases/ is in public/: open file://$(CURDIR)/public/en/index.html"
	sh tools/demo.sh

test-deps:
	@./tools/install-deps $(TEST_DEBS)

# PR_PUBLISH_BIN_DIR tells the shell tests which pr-publish to run.
check: pr-publish $(UNIT_BINS) $(REPLAY_BINS) test-deps
	@./tools/install-deps $(RUN_DEBS)
	PR_PUBLISH_BIN_DIR=$(or $(BIN_DIR),$(CURDIR)) prove $(PROVE_FLAGS) $(UNIT_BINS) $(REPLAY_BINS) tests/t[0-9]*.sh
test: check

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
		SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
		BIN_DIR=$(CURDIR)/build-asan check
	@echo "make asan: the tests passed under AddressSanitizer and UBSan"

valgrind: $(UNIT_BINS) test-deps
	@./tools/install-deps valgrind
	$(MAKE) BUILD=build-valgrind ALLOCATOR= build-valgrind/pr-publish
	@mkdir -p $(BUILD)/valgrind
	@printf '#!/bin/sh\nexec env PR_PUBLISH_FREE_AT_EXIT=1 valgrind -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite "%s/build-valgrind/pr-publish" "$$@"\n' "$(CURDIR)" > $(BUILD)/valgrind/pr-publish
	@chmod +x $(BUILD)/valgrind/pr-publish
	PR_PUBLISH_BIN_DIR=$(CURDIR)/$(BUILD)/valgrind PR_PUBLISH_SLOW=1 prove $(PROVE_FLAGS) tests/t[0-9]*.sh
	@echo "make valgrind: the tests passed under valgrind"

# Each target runs FUZZ_SECONDS on its corpus: new inputs go to
# build-fuzz/corpus/<name>/ (the one in git stays small; see tests/fuzz/README),
# crashes to build-fuzz/artifacts/.  FUZZ_FLAGS adds libFuzzer options
# (-jobs=2, -max_len=...); FUZZ_TARGETS='release site' picks targets.
fuzz:
	@./tools/install-deps $(FUZZ_DEBS)
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
		SAN_FLAGS="$(FUZZ_SAN)" FUZZ_TARGETS="$(FUZZ_TARGETS)" fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/artifacts; \
		echo "make fuzz: fuzz-$$t for $(FUZZ_SECONDS)s"; \
		$(FUZZ_BUILD)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			-dict=tests/fuzz/xml.dict -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- -print_final_stats=1 \
			$(FUZZ_FLAGS) $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t; \
	done
	@echo "make fuzz: no crash, leak or undefined behaviour in $(FUZZ_TARGETS)"

fuzz-build: $(FUZZ_TARGETS:%=$(BUILD)/fuzz-%)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)
clean: fuzz-clean

bench: pr-publish
	@./tools/install-deps python3 bc git
	sh tools/bench.sh
	sh tools/bench-spell.sh
	bash tools/bench-build.sh
	sh tools/bench-archive.sh

# The program finds its stylesheets and word lists in ../share/pr-publish
# beside its bin/ (src/datadir.c), wherever PREFIX is.
install: pr-publish
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(MANDIR)/man1" \
		"$(DESTDIR)$(DATADIR)/stylesheets" "$(DESTDIR)$(DATADIR)/dictionaries"
	install -m 755 pr-publish "$(DESTDIR)$(BINDIR)/pr-publish"
	install -m 644 pr-publish.1 "$(DESTDIR)$(MANDIR)/man1/pr-publish.1"
	install -m 644 stylesheets/* "$(DESTDIR)$(DATADIR)/stylesheets/"
	install -m 644 dictionaries/* "$(DESTDIR)$(DATADIR)/dictionaries/"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/pr-publish" "$(DESTDIR)$(MANDIR)/man1/pr-publish.1"
	rm -rf "$(DESTDIR)$(DATADIR)"

clean:
	rm -rf build build-asan build-valgrind pr-publish tests/trash\ directory.* tests/test-results
