# jobline - make builds every program into bin/; see README.md
PREFIX    = /usr/local
BINDIR    = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man
SHAREDIR  = $(PREFIX)/share/jobline
DESTDIR   =

CC        = cc
CFLAGS    = -O2 -g
PKG_CONFIG = pkg-config
PKGS      = libcurl libxml-2.0 sqlite3 libpq json-c libutf8proc libpcre2-8 libxxhash

# SANITIZE=1 (or make asan) builds with AddressSanitizer and UBSan into
# separate objects, so a sanitized and a plain build never mix.
SANITIZE  =
ifeq ($(SANITIZE),1)
SANFLAGS  = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
OBJ       = obj-asan
else
SANFLAGS  =
OBJ       = obj
endif

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
# -Wno-unused-parameter: handlers share signatures they do not all use
ALL_CFLAGS = -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
             -Ilib $(PKG_CFLAGS) $(SANFLAGS) $(CFLAGS) \
             -DJOBLINE_SHAREDIR='"$(SHAREDIR)"'
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)
LIBS       = $(PKG_LIBS) -lm

LIB_SRC  = $(wildcard lib/*.c)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(OBJ)/lib/%.o)
LIB_A    = $(OBJ)/libjobline.a
PROGS    = $(patsubst tools/%.c,bin/%,$(wildcard tools/*.c))
# committed pipeline scripts: everything in bin/ that is not built here
SCRIPTS  = $(filter-out $(PROGS),$(wildcard bin/*))
MAN1     = $(wildcard man/*.1)
MAN5     = $(wildcard man/*.5)
MAN7     = $(wildcard man/*.7)

all: $(PROGS)

# rebuild everything when the flags change (plain <-> sanitized)
$(OBJ)/.flags: FORCE
	@mkdir -p $(OBJ)/lib $(OBJ)/tools
	@echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' | cmp -s - $@ || \
	    echo '$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS)' > $@

$(OBJ)/lib/%.o: lib/%.c lib/*.h $(OBJ)/.flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(OBJ)/tools/%.o: tools/%.c lib/*.h $(OBJ)/.flags
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# classify's hot path (tokenizer, term lookup) runs about a tenth faster at
# -O3 (bench/RESULTS.md, classify); make CLASSIFY_CFLAGS= to build it as
# the rest
CLASSIFY_CFLAGS = -O3
CLASSIFY_OBJ = $(patsubst %,$(OBJ)/lib/%.o,hmap tokens phrases names rules \
               companies events evmodel cfgfile) $(OBJ)/tools/classify.o
$(CLASSIFY_OBJ): ALL_CFLAGS += $(CLASSIFY_CFLAGS)
# hash-v2's context vector sums vectorise at -O3: embed with a trained
# model takes about a third less CPU (bench/RESULTS.md, offline vectors)
$(OBJ)/lib/hashembed.o: ALL_CFLAGS += $(CLASSIFY_CFLAGS)

$(LIB_A): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# relink when switching between plain and sanitized builds
bin/.variant: FORCE
	@mkdir -p bin
	@echo '$(OBJ)' | cmp -s - $@ || echo '$(OBJ)' > $@

bin/%: $(OBJ)/tools/%.o $(LIB_A) bin/.variant
	@mkdir -p bin
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB_A) $(LIBS)

# (defined before check: a rule's prerequisites are expanded as it is read)
REPLAY_BIN = $(patsubst tests/fuzz/%.c,$(OBJ)/replay/%,\
             $(wildcard tests/fuzz/fuzz-*.c))

check: all $(OBJ)/unit $(REPLAY_BIN)
	SANITIZE=$(SANITIZE) JOBLINE_UNIT=$(CURDIR)/$(OBJ)/unit \
	    JOBLINE_REPLAY=$(CURDIR)/$(OBJ)/replay tests/run

$(OBJ)/unit: tests/unit.c $(LIB_A)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ tests/unit.c $(LIB_A) $(LIBS)

# each fuzz target with a plain main (tests/fuzz/replay.c), for make check
# to replay the inputs the fuzzers crashed on (tests/t0950-fuzz-regress.sh)
$(OBJ)/replay/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/replay.c \
    tests/fuzz/fuzz.h $(LIB_A)
	@mkdir -p $(OBJ)/replay
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< tests/fuzz/replay.c \
	    $(LIB_A) $(LIBS)

# the suite with every program (and tests/unit.c) under valgrind memcheck:
# a plain build (valgrind and the sanitizers do not mix); see tests/lib.sh.
# VG_TESTS="tests/t0100-store.sh ...": only those
VG_TESTS  =
check-valgrind:
	$(MAKE) SANITIZE= all obj/unit $(REPLAY_BIN:$(OBJ)/%=obj/%)
	JOBLINE_VALGRIND=1 JOBLINE_UNIT=$(CURDIR)/obj/unit \
	    JOBLINE_REPLAY=$(CURDIR)/obj/replay \
	    TEST_TIMEOUT=$${TEST_TIMEOUT:-3000} tests/run $(VG_TESTS)

# the test files that run against a PostgreSQL store as well, each with
# a server of its own (tests/lib.sh, start_postgres): make check-pg runs
# them with every test's store a new database on it
PG_TESTS  = tests/t1000-postgres.sh \
            tests/t1010-two-machines.sh \
            tests/t0100-store.sh \
            tests/t0500-run-job.sh \
            tests/t0510-jobs-status.sh \
            tests/t0800-verify-predictions.sh \
            tests/t0802-verify-predictions-load.sh \
            tests/t0803-fetch-prices.sh \
            tests/t0600-enqueue.sh \
            tests/t0610-dequeue.sh \
            tests/t0611-dequeue-batch.sh \
            tests/t0612-dequeue-pg-lost.sh \
            tests/t0105-store-copy.sh \
            tests/t0300-chunk.sh \
            tests/t0310-embed.sh \
            tests/t0330-search.sh \
            tests/t0340-ingest-news.sh \
            tests/t0345-ingest-news-feeds.sh \
            tests/t0350-ingest-news-crash.sh \
            tests/t0355-ingest-news-shared.sh \
            tests/t0356-ingest-news-pg-lost.sh
check-pg: all
	JOBLINE_TEST_PG=1 tests/run $(PG_TESTS)

# the Quick start: install what is missing, then build and run
deps:
	./deps

test: deps
	$(MAKE) check

# the main job over the sample feeds, recorded by run-job, then its health
demo: deps
	$(MAKE) all
	bin/run-job --db ./jobline.db -v ingest-news -- \
	    bin/ingest-news --db ./jobline.db --report
	bin/jobs-status --db ./jobline.db

asan:
	$(MAKE) SANITIZE=1 all

check-asan:
	$(MAKE) SANITIZE=1 check

# libFuzzer targets (tests/fuzz/), built by clang into obj-fuzz/
FUZZ_CC    = clang
FUZZ_TIME  = 60
FUZZ_FLAGS = -g -O1 -std=gnu11 -Ilib $(PKG_CFLAGS) \
             -DJOBLINE_SHAREDIR='"$(SHAREDIR)"'
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=obj-fuzz/%)
FUZZ_OBJ   = $(LIB_SRC:lib/%.c=obj-fuzz/lib/%.o)

obj-fuzz/lib/%.o: lib/%.c lib/*.h
	@mkdir -p obj-fuzz/lib
	$(FUZZ_CC) $(FUZZ_FLAGS) \
	    -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

obj-fuzz/libjobline.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

obj-fuzz/fuzz-%: tests/fuzz/fuzz-%.c tests/fuzz/fuzz.h obj-fuzz/libjobline.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined \
	    -o $@ $< obj-fuzz/libjobline.a $(LIBS)

fuzz-build: $(FUZZ_BIN)

# each target for FUZZ_TIME seconds
fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_TIME)

lint: lint-shape
	mandoc -T lint -W warning $(MAN1) $(MAN5) $(MAN7)
	cppcheck --quiet --error-exitcode=1 --std=c11 \
	    --enable=warning,portability,performance \
	    --suppress=missingIncludeSystem --inline-suppr \
	    -Ilib $(LIB_SRC) tools/*.c

# the shape issue 16 set: no SQL in the programs (lib/db.h and the table
# modules own it), programs under 800 lines, lib/ files under 1,200, no fuzz
# target built from a program's source
LINT_TOOLS = $(wildcard tools/*.c)
LINT_LIB   = $(LIB_SRC)
LINT_FUZZ  = $(wildcard tests/fuzz/*.c)
lint-shape:
	@bad=0; \
	for f in $(LINT_TOOLS); do \
	    if grep -q 'sqlite3' $$f; then \
	        echo "lint: $$f: uses SQLite: its SQL belongs in a lib/ module (db.h)"; bad=1; fi; \
	    n=$$(wc -l <$$f); [ $$n -le 800 ] || \
	        { echo "lint: $$f: $$n lines, over 800: move an engine to lib/"; bad=1; }; \
	done; \
	for f in $(LINT_LIB); do n=$$(wc -l <$$f); [ $$n -le 1200 ] || \
	    { echo "lint: $$f: $$n lines, over 1200: split it"; bad=1; }; done; \
	for f in $(LINT_FUZZ); do \
	    if grep -q '^#include.*tools/' $$f; then \
	        echo "lint: $$f: includes a program: link lib/ instead"; bad=1; fi; \
	done; \
	exit $$bad

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 \
	    $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man7 \
	    $(DESTDIR)$(SHAREDIR)
	cp -f $(PROGS) $(SCRIPTS) $(DESTDIR)$(BINDIR)/
	cp -f $(MAN1) $(DESTDIR)$(MANPREFIX)/man1/
	$(if $(MAN5),cp -f $(MAN5) $(DESTDIR)$(MANPREFIX)/man5/)
	$(if $(MAN7),cp -f $(MAN7) $(DESTDIR)$(MANPREFIX)/man7/)
	$(if $(wildcard share/*),cp -Rf share/* $(DESTDIR)$(SHAREDIR)/)
	$(MAKE) install-schedules

# crontab.example and systemd/, naming the programs where they are installed
install-schedules:
	mkdir -p $(DESTDIR)$(SHAREDIR)/systemd
	sed 's|/usr/local/bin|$(BINDIR)|g' crontab.example \
	    >$(DESTDIR)$(SHAREDIR)/crontab.example
	for f in systemd/*; do \
	    sed 's|/usr/local/bin|$(BINDIR)|g' $$f \
	        >$(DESTDIR)$(SHAREDIR)/$$f || exit 1; \
	done

uninstall:
	rm -f $(PROGS:bin/%=$(DESTDIR)$(BINDIR)/%) \
	    $(SCRIPTS:bin/%=$(DESTDIR)$(BINDIR)/%) \
	    $(MAN1:man/%=$(DESTDIR)$(MANPREFIX)/man1/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANPREFIX)/man5/%) \
	    $(MAN7:man/%=$(DESTDIR)$(MANPREFIX)/man7/%)
	rm -rf $(DESTDIR)$(SHAREDIR)

bench: all
	bench/run

clean:
	rm -rf obj obj-asan obj-fuzz $(PROGS)

FORCE:
.PHONY: check-pg install-schedules all check check-valgrind deps test demo fuzz fuzz-build asan check-asan lint lint-shape install uninstall demo bench clean FORCE
.SECONDARY:
