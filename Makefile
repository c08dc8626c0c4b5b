# podboot: build everything into build/; "make check" runs every test.
# The sanitizer build (ASan + UBSan) lives in build/asan and is part of check.

BUILD ?= build
CC ?= cc
SAN ?=

CFLAGS_STRICT := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
CFLAGS_OPT ?= -O2 -g
ifeq ($(SAN),1)
CFLAGS_OPT := -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif

DEP_LIBS := -lmicrohttpd -lgnutls -lconfig -lsqlite3 -lpq -ljansson -lz -lcurl -lm \
	-lmbedx509 -lmbedtls -lmbedcrypto -lnettle -lnetsnmp -lsnappy -lpthread
# server/ has one folder per room (docs/architecture.md); includes name a
# header by its file name, found through one -I per room.
SERVER_ROOMS := $(sort $(dir $(wildcard server/*/*.c server/*/*.h)))
CPPFLAGS := -Ilib -I/usr/include/postgresql $(patsubst %/,-I%,$(SERVER_ROOMS))
CFLAGS := $(CFLAGS_STRICT) $(CFLAGS_OPT) -MMD -MP
LDFLAGS := $(LDFLAGS_SAN)

LIB_SRC := $(wildcard lib/*.c)
SERVER_SRC := $(wildcard server/*/*.c)
# Assembler sources: the console's files (ui/) taken in by .incbin.
SERVER_ASM := $(wildcard server/*/*.S)
UI_FILES := $(wildcard ui/*)
UNIT_SRC := $(wildcard test/unit/*.c)
AGENT_SRC := $(wildcard agent/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o) $(SERVER_ASM:%.S=$(BUILD)/%.o)
# Everything but main.o, so that unit tests can link the server's modules.
SERVER_LIB_OBJ := $(filter-out $(BUILD)/server/cmd/main.o,$(SERVER_OBJ))
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
AGENT_OBJ := $(AGENT_SRC:%.c=$(BUILD)/%.o)

PODBOOT := $(BUILD)/podboot
LIBPODBOOT := $(BUILD)/libpodboot.a
LIBSERVER := $(BUILD)/libpodboot-server.a
UNIT := $(BUILD)/unit-tests
AGENT := $(BUILD)/podboot-agent
# The agent needs only TLS, zlib and libc: small, and linkable statically.
AGENT_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto -lnettle -lz

.PHONY: all deps check unit integration asan run bench clean agent-static \
	layout

all: layout $(PODBOOT) $(UNIT) $(if $(AGENT_SRC),$(AGENT))

# The rooms' dependency rules and no include circle (docs/architecture.md).
layout:
	@scripts/check-layout

deps:
	@scripts/deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# .incbin names files from the top of the tree; the compiler does not
# list them as dependencies, so the console's files are named here.
$(BUILD)/%.o: %.S $(UI_FILES)
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

# Archives are made afresh: "ar r" keeps members of deleted sources, and
# the linker would take a stale object's symbols before the new one's.
$(LIBPODBOOT): $(LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(LIBSERVER): $(SERVER_LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(PODBOOT): $(BUILD)/server/cmd/main.o $(LIBSERVER) $(LIBPODBOOT)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS)

# --whole-archive is not needed: suites are objects, not archive members.
# The agent's modules (all but main.o), for the suites that test them
# (test_agent_*.c): an archive, so that each suite pulls only what it uses.
LIBAGENT := $(BUILD)/libpodboot-agent.a
$(LIBAGENT): $(filter-out $(BUILD)/agent/main.o,$(AGENT_OBJ))
	rm -f $@ && $(AR) rcs $@ $^

# The config suite runs the podboot beside it (podboot init, against the
# fixture test/data/podboot-init.conf): built first, never linked in.
$(UNIT): $(UNIT_OBJ) $(LIBAGENT) $(LIBSERVER) $(LIBPODBOOT) | $(PODBOOT)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEP_LIBS) -lcunit

$(AGENT): $(AGENT_OBJ) $(LIBPODBOOT)
	$(CC) $(LDFLAGS) -o $@ $^ $(AGENT_LIBS)

# A static podboot-agent for nodes whose libraries we do not control.
agent-static: $(AGENT_OBJ) $(LIBPODBOOT)
	$(CC) -static -o $(BUILD)/podboot-agent-static $^ $(AGENT_LIBS)
	@ls -l $(BUILD)/podboot-agent-static

asan:
	$(MAKE) BUILD=build/asan SAN=1 all

unit: all asan
	$(UNIT)
	ASAN_OPTIONS=detect_leaks=1 build/asan/unit-tests

# Three files at once on CI's 2 cores: at two, a fifth of the CPU sat idle
# while tests waited on their servers' events (the suite alone took 682 s
# there, and 550 s at three, with the cores 96% busy).  Within make check
# the builds beside it (iPXE, the fuzz harnesses) had used that fifth.
integration: all asan
	PODBOOT=$(abspath build/asan/podboot) \
	PODBOOT_FAST=$(abspath $(PODBOOT)) JOBS=$${JOBS:-3} test/integration/run
	test/integration/run $(abspath firmware/selftest)

# Installs what is missing, builds both flavours, runs every test.
check: deps
	$(MAKE) all
	@# iPXE compiles (minutes) while the tests run; e2e then relinks.  At
	@# the tests' own priority: niced, it was still compiling when e2e
	@# began, whose builds then waited two minutes for its tree's lock.
	@mkdir -p $(BUILD) && $(MAKE) -s firmware-warm \
		>$(BUILD)/firmware-warm.log 2>&1 &
	$(MAKE) unit
	$(MAKE) integration
	@# The fuzz harnesses compile (niced) while the mutants' tests wait on
	@# their servers, and go on beside e2e if they are not done: the
	@# build holds build/fuzz.lock (taken here, before it starts), for
	@# which fuzz-smoke below waits; it then only runs them (it rebuilds,
	@# and reports, whatever did not build).
	@mkdir -p $(BUILD); exec 8>$(BUILD)/fuzz.lock; flock 8; \
	nice -n 10 $(MAKE) -s fuzz-build >$(BUILD)/fuzz-build.log 2>&1 & \
	exec 8>&-; $(MAKE) mutants-fast
	@# e2e's QEMU (TCG) keeps one core busy: fuzz-smoke, one harness at
	@# a time (each still fuzzes its FUZZ_SMOKE_SECONDS on a core of its
	@# own), then parity run on the other.  Their log is printed after
	@# e2e's; either failing fails check.
	@rc=0; mkdir -p $(BUILD); \
	{ FUZZ_JOBS=1 flock $(BUILD)/fuzz.lock $(MAKE) fuzz-smoke; f=$$?; \
		$(MAKE) parity && [ $$f = 0 ]; } \
		>$(BUILD)/check-beside-e2e.log 2>&1 & side=$$!; \
	$(MAKE) e2e || rc=1; \
	wait $$side || rc=1; \
	echo "---- fuzz-smoke and parity, run beside e2e ----"; \
	cat $(BUILD)/check-beside-e2e.log; \
	exit $$rc

# Mutation testing (test/mutations/README.md): every mutant must be killed.
.PHONY: mutants mutants-fast
# The e2e mutants need iPXE: the vendored snapshot when IPXE_SRC is unset.
VENDOR_IPXE := $(wildcard $(abspath ../shared/vendor/ipxe/ipxe-0ab2277c4.tar.xz))
# The BMC tests' Redfish emulator, found by the mutants' copies of the tree.
VENDOR_SUSHY := $(wildcard $(abspath ../shared/vendor/sushy-tools/sushy-tools-2b51921.tar.xz))
export SUSHY_TOOLS ?= $(VENDOR_SUSHY)
mutants: all
	IPXE_SRC='$(or $(IPXE_SRC),$(VENDOR_IPXE))' scripts/mutants
mutants-fast: all
	scripts/mutants --fast

# A machine in QEMU installs over the network (test/e2e/boot.sh).
.PHONY: e2e
e2e: $(PODBOOT) agent-static
	test/e2e/boot.sh

# podboot verify and iPXE's imgverify agree on a signature corpus
# (test/e2e/parity.sh; docs/firmware.md, "Parity with iPXE").
.PHONY: parity
parity: $(PODBOOT)
	FIRMWARE_CACHE='$(FIRMWARE_CACHE)' $(if $(IPXE_SRC),IPXE_SRC='$(IPXE_SRC)') \
	test/e2e/parity.sh

# Installs, builds, sets up the embedded default and runs the main job.
run:
	scripts/deps run
	$(MAKE) all agent-static
	scripts/run-demo

bench: deps
	scripts/deps bench
	$(MAKE) all agent-static
	test/bench/sign.sh
	test/bench/serve.sh
	test/bench/monitor.sh
	test/bench/dhcp.sh
	test/bench/remote-write.sh
	test/bench/cache.sh
	test/bench/ha.sh
	FIRMWARE_CACHE='$(FIRMWARE_CACHE)' \
	IPXE_SRC='$(or $(IPXE_SRC),$(VENDOR_IPXE))' test/bench/pxe-boot.sh
	test/bench/summary

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(SERVER_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(AGENT_OBJ:.o=.d)

# ---- firmware: podboot's customized iPXE (docs/firmware.md) ----------------
# make firmware IPXE_SRC=/path/to/ipxe-or-tarball [IPXE_SHA256=HEX]
#     [SERVER_URL=https://HOST:PORT]
#     [KEYS=DIR | PODBOOT_CONFIG=FILE] [VLAN=N] [NTP=HOST] [POD_STATIC=FILE]
#     [SIGNER=CN] [NICS=N] [DELAYS="5 10 20 40 60"]
#     [UEFI_KEYS=DIR | UEFI_KEY=FILE UEFI_CERT=FILE]  (signed for Secure Boot
#     by podboot sign --uefi: PODBOOT_BIN, default build/podboot)
# make media IPXE_SRC=/path/to/ipxe POD_STATIC=firmware/pods/POD.static [...]
#     [PODBOOT_CONFIG=FILE: the server's, named in the publish command printed]
# Outputs land in build/firmware (build/firmware/POD with POD_STATIC); the
# iPXE source is copied, never changed.  firmware/selftest checks the
# tooling without an iPXE checkout.
# Source trees and finished builds are cached by (source digest,
# configuration) in FIRMWARE_CACHE, kept when BUILD points elsewhere
# (under build/firmware, which scripts/mutants leaves out of its copies).
FIRMWARE_CACHE ?= $(CURDIR)/build/firmware/.cache
FIRMWARE_ENV = IPXE_SRC='$(IPXE_SRC)' IPXE_SHA256='$(IPXE_SHA256)' \
	FIRMWARE_CACHE='$(FIRMWARE_CACHE)' SERVER_URL='$(SERVER_URL)' \
	KEYS='$(KEYS)' PODBOOT_CONFIG='$(PODBOOT_CONFIG)' VLAN='$(VLAN)' \
	NTP='$(NTP)' POD_STATIC='$(POD_STATIC)' SIGNER='$(SIGNER)' \
	NICS='$(NICS)' DELAYS='$(DELAYS)' OUT='$(BUILD)/firmware' \
	UEFI_KEYS='$(UEFI_KEYS)' UEFI_KEY='$(UEFI_KEY)' UEFI_CERT='$(UEFI_CERT)' \
	PODBOOT_BIN='$(PODBOOT_BIN)'

.PHONY: firmware media firmware-warm
# Compiles iPXE into FIRMWARE_CACHE for throwaway keys (nothing without
# IPXE_SRC): make check starts it in the background, so that the e2e
# leg's own firmware builds are relinks.  Log: build/firmware-warm.log.
firmware-warm: $(PODBOOT)
	@if [ -n "$(IPXE_SRC)" ]; then \
		rm -rf $(BUILD)/firmware/warm && \
		$(PODBOOT) keys init --dir $(BUILD)/firmware/warm/keys \
			--server-name warm.invalid >/dev/null && \
		$(FIRMWARE_ENV) KEYS=$(BUILD)/firmware/warm/keys \
			SERVER_URL=https://warm.invalid:8443 \
			OUT=$(BUILD)/firmware/warm/out scripts/build-firmware; \
	else echo "firmware-warm: no IPXE_SRC, nothing to do"; fi

firmware:
	@$(FIRMWARE_ENV) scripts/build-firmware

media:
	@$(FIRMWARE_ENV) scripts/build-firmware --media

# ---- fuzz: libFuzzer harnesses of every parser of untrusted input ----------
# test/fuzz/README.md.  clang (Debian's clang-14 with libclang-rt-14-dev)
# builds the project's sources again into build/fuzz with ASan, UBSan and
# libFuzzer's coverage; each test/fuzz/fuzz_NAME.c becomes build/fuzz/fuzz_NAME.
#   make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="cms config"]
#   make fuzz-smoke   every kept corpus file once, then FUZZ_SMOKE_SECONDS each
FUZZ_BUILD := build/fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_ALL := $(patsubst test/fuzz/fuzz_%.c,%,$(wildcard test/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# clang warns of string literals joined in an array (store.c's schema,
# meant so); gcc has no such warning.
FUZZ_CFLAGS := $(CFLAGS_STRICT) -Wno-string-concatenation -O1 -g \
	-fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_SERVER_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out server/cmd/main.c,$(SERVER_SRC))) \
	$(SERVER_ASM:%.S=$(FUZZ_BUILD)/%.o)
FUZZ_AGENT_OBJ := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out agent/main.c,$(AGENT_SRC)))
FUZZ_ARCHIVES := $(FUZZ_BUILD)/libagent.a $(FUZZ_BUILD)/libpodboot-server.a \
	$(FUZZ_BUILD)/libpodboot.a
FUZZ_HARNESS_OBJ := $(FUZZ_ALL:%=$(FUZZ_BUILD)/test/fuzz/fuzz_%.o)
FUZZ_BINS := $(FUZZ_ALL:%=$(FUZZ_BUILD)/fuzz_%)

.PHONY: fuzz fuzz-build fuzz-smoke
.SECONDARY: $(FUZZ_HARNESS_OBJ)

# Harnesses see the agent's headers and the fixed CMS test root.
$(FUZZ_HARNESS_OBJ): FUZZ_CPPFLAGS := -Iagent -Itest/fuzz \
	-DFUZZ_CMS_ROOT='"$(abspath test/fuzz/cms-root.crt)"'

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/%.o: %.S $(UI_FILES)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -c -o $@ $<

$(FUZZ_BUILD)/libpodboot.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BUILD)/libpodboot-server.a: $(FUZZ_SERVER_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BUILD)/libagent.a: $(FUZZ_AGENT_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/test/fuzz/fuzz_%.o $(FUZZ_ARCHIVES)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(DEP_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	test/fuzz/run fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	test/fuzz/run smoke $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)

-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_SERVER_OBJ:.o=.d) \
	$(FUZZ_AGENT_OBJ:.o=.d) $(FUZZ_HARNESS_OBJ:.o=.d)

# The integration suite again while stress-ng keeps every core busy, to show
# that no test depends on timing.  Deadlines stretch by TEST_SLOWDOWN (an
# event may come later under load, but must come).  Bounded: the load and
# the suite are cut off after STRESS_MINUTES (CI's budget holds it).
STRESS_MINUTES ?= 35
STRESS_SLOWDOWN ?= 3
# reload.test.sh's SIGHUPs under its storm: 40 in make check, hundreds here.
STRESS_RELOADS ?= 300
.PHONY: stress
stress: deps all asan
	@stress-ng --cpu "$$(nproc)" --cpu-load 100 --timeout $(STRESS_MINUTES)m --quiet & \
	load=$$!; rc=0; start=$$(date +%s); \
	RELOADS=$(STRESS_RELOADS) TEST_SLOWDOWN=$(STRESS_SLOWDOWN) JOBS=1 timeout $(STRESS_MINUTES)m $(MAKE) integration || rc=$$?; \
	kill $$load 2>/dev/null; wait $$load 2>/dev/null; \
	took=$$(( $$(date +%s) - start )); \
	[ $$rc = 0 ] && echo "stress: integration passed under CPU load in $${took}s" || \
	{ echo "stress: integration failed under CPU load ($$rc) after $${took}s"; exit 1; }

# ---- install, man pages, completion, Debian packages -----------------------
# make install [DESTDIR=...] [PREFIX=/usr/local]: the two programs, their
# man pages (man/) and bash completion (scripts/completion, generated from
# the option tables).  make deb: the podboot and podboot-agent packages
# (debian/) into build/deb/, built by dpkg-buildpackage from a copy of the
# tree under build/deb/src, so the tree stays clean.  make deb-check:
# test/pkg/deb.test.sh (builds, lintian, installs, runs, purges; root).
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
COMPLETION := $(BUILD)/completion/podboot $(BUILD)/completion/podboot-agent
DEB_OUT := build/deb

.PHONY: programs completion install man-lint deb deb-check

programs: $(PODBOOT) $(if $(AGENT_SRC),$(AGENT)) completion

completion: $(COMPLETION)

$(BUILD)/completion/podboot: $(PODBOOT) scripts/completion
	@mkdir -p $(dir $@)
	scripts/completion podboot $(PODBOOT) >$@.tmp && mv $@.tmp $@

$(BUILD)/completion/podboot-agent: $(AGENT) scripts/completion
	@mkdir -p $(dir $@)
	scripts/completion podboot-agent $(AGENT) >$@.tmp && mv $@.tmp $@

install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(PODBOOT) $(DESTDIR)$(BINDIR)/podboot
	install -m 0755 $(AGENT) $(DESTDIR)$(SBINDIR)/podboot-agent
	install -m 0644 man/podboot.8 man/podboot-agent.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/podboot.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONDIR)/

man-lint:
	mandoc -Tlint -Wwarning man/podboot.8 man/podboot.conf.5 man/podboot-agent.8

# The copy holds what git tracks and what it would track (.gitignore
# keeps build/, var/, keys and tokens out), or, outside a git checkout,
# the tree less those.
deb: deps
	rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)/src/podboot
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z -co --exclude-standard | \
			tar -cf - --no-recursion --null -T -; \
	else \
		tar -cf - --exclude=./build --exclude=./var --exclude=./.git \
			--exclude=./keys --exclude='*.key' --exclude=tokens .; \
	fi | tar -xf - -C $(DEB_OUT)/src/podboot
	cd $(DEB_OUT)/src/podboot && dpkg-buildpackage -us -uc -b >../build.log 2>&1 || \
		{ tail -40 ../build.log; exit 1; }
	mv $(DEB_OUT)/src/*.deb $(DEB_OUT)/src/*.buildinfo $(DEB_OUT)/src/*.changes $(DEB_OUT)/
	@ls $(DEB_OUT)/*.deb

deb-check: deps
	RESULTS= test/pkg/deb.test.sh
