# ngx_faas: set-up, build, tests and demo on Debian 12.
#
#   make demo    install what is missing, build, start the demo nginx
#   make test    install what is missing, build, run every test
#
# The module is built against Debian's own nginx (nginx-dev ships the
# configured source tree), so the .so loads into the stock binary.

SHELL       := /bin/bash
NGINX_SRC   ?= /usr/share/nginx/src
NGINX_BIN   ?= /usr/sbin/nginx
BUILD       := $(CURDIR)/build
NGX_DIR     := $(BUILD)/nginx
MODULE      := $(NGX_DIR)/objs/ngx_http_faas_module.so
JOBS        ?= 2

# Every package the project needs: build, tests, demo and benchmarks.
DEB_PACKAGES := nginx nginx-dev libluajit2-5.1-dev libmaxminddb-dev \
    mmdb-bin liblmdb-dev lmdb-utils libssl-dev libcjson-dev pkg-config \
    gcc make perl libtest-base-perl libspiffy-perl libtext-diff-perl \
    libtest-longstring-perl libwww-perl libhttp-message-perl liburi-perl \
    libipc-run-perl liblist-moreutils-perl curl valgrind \
    wrk gnuplot-nox libnginx-mod-http-lua libnginx-mod-http-js \
    python3-botocore clang-14 libclang-rt-14-dev

LIB_SRCS    := $(wildcard scripting/*.c cache/*.c geo/*.c)
LIB_HDRS    := $(wildcard scripting/*.h cache/*.h geo/*.h)
UNIT_SRCS   := $(wildcard tests/test_*.c)
UNIT_BINS   := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
UNIT_CFLAGS := -std=gnu99 -g -O1 -Wall -Wextra -Werror -I. \
               -I/usr/include/luajit-2.1 $(EXTRA_CFLAGS)
UNIT_LIBS   := -lluajit-5.1 -llmdb -lmaxminddb -lcjson -lcrypto -lm
RUN_SRCS    := $(wildcard tools/faas-run/*.c)
RUN_HDRS    := $(wildcard tools/faas-run/*.h)

.PHONY: deps build unit style tnginx test demo run stop clean bench runner \
        backend bench-suite asan-build asan valgrind fuzz-build fuzz soak

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null \
	        | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	        apt-get install -y -qq --no-install-recommends $$missing \
	        >/dev/null; \
	fi

# $(call ngx-configure,DIR,OPTIONS): a copy of Debian's nginx source in
# DIR, configured with Debian's flags, OPTIONS and this module
define ngx-configure
	rm -rf $(1) && mkdir -p $(dir $(1)) && cp -r $(NGINX_SRC) $(1)
	cd $(1) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" $(2) \
	        --add-dynamic-module=$(CURDIR) > $(1)/configure.log 2>&1 \
	    || { tail -20 $(1)/configure.log; exit 1; }
endef

$(NGX_DIR)/objs/Makefile: config
	$(call ngx-configure,$(NGX_DIR),\
	    --with-cc-opt="-g -O2 -Wextra -Wno-unused-parameter")

build: $(NGX_DIR)/objs/Makefile $(BUILD)/faas-run
	$(MAKE) -s -C $(NGX_DIR) -f objs/Makefile -j$(JOBS) modules

# The sanitizer build (docs/reliability.md): the module and faas-run with
# AddressSanitizer and UBSan, in a tree of their own.  Only the module is
# instrumented; tools/sanitize preloads clang's runtime into Debian's
# nginx.  clang rather than gcc: its ASan runtime holds UBSan too, so both
# write their reports to ASAN_OPTIONS' log_path (gcc's libubsan ignores
# log_path next to libasan, and a daemon's stderr is gone).
SAN_CC      ?= clang-14
SAN_DIR     := $(BUILD)/asan
SAN_RT      := $(shell $(SAN_CC) -print-runtime-dir 2>/dev/null)
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fsanitize-address-use-odr-indicator -fno-omit-frame-pointer
# nginx adds -Wconditional-uninitialized for clang: it flags variables set
# under a guard that the use repeats (s && len), or before a luaL_error
# clang does not know never returns.
# the module takes the runtime from the process (-shared-libasan); the
# rpath lets configure's test programs run
SAN_LDFLAGS := $(SAN_FLAGS) -shared-libasan -Wl,-rpath,$(SAN_RT)

$(SAN_DIR)/nginx/objs/Makefile: config
	$(call ngx-configure,$(SAN_DIR)/nginx,--with-cc=$(SAN_CC) \
	    --with-cc-opt="-g -O1 -Wextra -Wno-unused-parameter \
	        -Wno-conditional-uninitialized $(SAN_FLAGS)" \
	    --with-ld-opt="$(SAN_LDFLAGS)")

$(SAN_DIR)/faas-run: $(RUN_SRCS) $(RUN_HDRS) $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(UNIT_CFLAGS) $(SAN_FLAGS) -o $@ $(RUN_SRCS) $(LIB_SRCS) \
	    $(UNIT_LIBS)

$(SAN_DIR)/tests/%: tests/%.c tests/faas_test.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(UNIT_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LIB_SRCS) $(UNIT_LIBS)

asan-build: $(SAN_DIR)/nginx/objs/Makefile $(SAN_DIR)/faas-run \
            $(patsubst tests/%.c,$(SAN_DIR)/tests/%,$(UNIT_SRCS))
	$(MAKE) -s -C $(SAN_DIR)/nginx -f objs/Makefile -j$(JOBS) modules

# the unit tests, faas-run's tests and every t/ suite with the sanitized
# module; any report fails the run
asan: asan-build
	SAN_CC=$(SAN_CC) tools/sanitize $(T)

# libFuzzer targets (fuzz/, docs/reliability.md): each runs FUZZ_TIME
# seconds from its seed corpus in fuzz/corpus/NAME; new inputs go to
# build/fuzz/corpus/NAME, crashes to build/fuzz/.
FUZZ_SRCS   := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS   := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_TIME   ?= 60

$(BUILD)/fuzz/%: fuzz/%.c fuzz/fuzz.h tests/test_host.h $(LIB_SRCS) \
                 $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(SAN_CC) $(UNIT_CFLAGS) -DFUZZ_DIR='"$(CURDIR)/fuzz"' \
	    -fsanitize=fuzzer $(SAN_FLAGS) -o $@ $< $(LIB_SRCS) $(UNIT_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tools/fuzz $(FUZZ_TIME) $(FUZZ_BINS)

# 10 minutes of mixed traffic; memory sampled every 10 s
# (docs/reliability.md, docs/reliability-soak.png)
soak: build
	bench/soak

# memcheck errors and definite leaks per request of the mixed workload
valgrind: build
	tools/valgrind-leaks

$(BUILD)/tests/%: tests/%.c tests/faas_test.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(LIB_SRCS) $(UNIT_LIBS)

# faas-run, the local runner (docs/faas-run.md)
$(BUILD)/faas-run: $(RUN_SRCS) $(RUN_HDRS) $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $(RUN_SRCS) $(LIB_SRCS) $(UNIT_LIBS)

# its own tests, and the example functions' cases through --test
runner: $(BUILD)/faas-run
	FAAS_RUN=$(BUILD)/faas-run prove tests/faas-run/faas-run.t

# the test backend (t/backend/faas-backend.py) that stands in for
# OpenWhisk, Lambda and HTTP functions
backend:
	prove tests/faas-backend/faas-backend.t

$(BUILD)/bench/%: bench/%.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -O2 -o $@ $< $(LIB_SRCS) $(UNIT_LIBS)

unit: $(UNIT_BINS)
	@rc=0; for t in $(UNIT_BINS); do \
	    echo "# $$(basename $$t)"; (cd tests && $$t) || rc=1; done; exit $$rc

# nginx style (../shared/STYLE.md): 4 spaces, no tabs, 80 columns.
style:
	@bad=$$(grep -l -P '\t' $$(git ls-files '*.c' '*.h') 2>/dev/null; \
	        grep -l -P '^.{81,}' $$(git ls-files '*.c' '*.h') 2>/dev/null); \
	if [ -n "$$bad" ]; then echo "style: tabs or long lines in:" $$bad; \
	    exit 1; fi

tnginx: build
	tools/prove-t $(T)

test: deps
	$(MAKE) build
	$(MAKE) style unit runner backend
	$(MAKE) tnginx
	$(MAKE) asan valgrind

demo: deps
	$(MAKE) build
	tools/demo start

run: demo

stop:
	tools/demo stop

# the numbers quoted in docs/performance.md
bench: build $(BUILD)/bench/faas_bench
	$(BUILD)/bench/faas_bench cold bench/functions/noop.lua
	$(BUILD)/bench/faas_bench warm bench/functions/jwt.lua 100 1000
	@echo "plain return 200: $$(bench/callgrind-ipr 'return 200 "ok";') instructions/request"
	@echo "faas noop viewer-request: $$(bench/callgrind-ipr \
	    'faas_viewer_request noop; return 200 "ok";' \
	    'faas_function noop functions/noop.lua;') instructions/request"
	@echo "faas geo lookup: $$(bench/callgrind-ipr \
	    'faas_viewer_request geo; return 200 "ok";' \
	    'faas_function geo functions/geo.lua; faas_geoip $(CURDIR)/tests/data/geoip/GeoIP2-City-Test.mmdb;') instructions/request"
	bench/handler-costs

# issue 9: every contender (plain nginx, ngx_faas, ngx_lua, njs) x workload,
# instructions/request (callgrind) and req/s (wrk); the table and chart of
# docs/performance.md (bench/out/, docs/performance.png)
bench-suite: build
	bench/run

clean:
	rm -rf $(BUILD) t/servroot*
