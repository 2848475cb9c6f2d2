# The two commands of the README's quick start:
#   make run    plan the embedded default policy against this host
#   make test   the whole test suite (unit, golden, CLI, real-kernel)
SWIFT ?= swift
BIN := .build/debug/mkpolicy
BIN_RELEASE ?= .build/release/mkpolicy

# make install PREFIX=/usr/local DESTDIR=/staging (DESTDIR for packaging).
PREFIX ?= /usr/local
DESTDIR ?=
UNITDIR ?= $(PREFIX)/lib/systemd/system
STATEDIR ?= /var/lib/mkpolicy
# Manual pages are dated, so that the same source makes the same pages.
MAN_DATE ?= 2026-12-01

.PHONY: run build release test unit e2e format lint clean install deb man completions fuzz bench

run: build
	$(BIN) plan

build:
	@scripts/ensure-deps.sh build
	$(SWIFT) build

# The binary that ships: optimised, the Swift runtime linked in (Package.swift
# links it statically in every configuration; the flag says so here too), and
# the commit it is built from for --version (none outside a git checkout:
# the binary then says it does not know), in the environment: Package.swift
# defines it for CBuildInfo's one C file, so a new commit rebuilds only that.
COMMIT ?= $(shell scripts/build-commit.sh)
release:
	@scripts/ensure-deps.sh build
	MKPOLICY_COMMIT='$(COMMIT)' $(SWIFT) build -c release --static-swift-stdlib \
	  --disable-local-rpath --product mkpolicy

# The package test (PackagingTests) installs a .deb made from the debug
# build, which is self-contained too; `make deb` packages the release build.
test:
	@scripts/ensure-deps.sh test
	$(SWIFT) build --build-tests
	scripts/build-deb.sh $(BIN) .build/deb-test >/dev/null
	MKPOLICY_DEB=$$(ls .build/deb-test/*.deb) MKPOLICY_REQUIRE_DEB=1 $(SWIFT) test --skip-build
	SWIFT=$(SWIFT) scripts/fuzz.sh $(FUZZ_SHORT_SECONDS)

# libFuzzer on the policy reader, the snapshot reader and the plan decoder
# (docs/fuzzing.md): `make test` runs each for FUZZ_SHORT_SECONDS, this for
# FUZZ_SECONDS. A crash or hang fails with the input in .build-fuzz/crashes/.
FUZZ_SHORT_SECONDS ?= 8
FUZZ_SECONDS ?= 600
fuzz:
	@scripts/ensure-deps.sh test
	SWIFT=$(SWIFT) scripts/fuzz.sh $(FUZZ_SECONDS) $(TARGET)

# The real-kernel scenarios alone (QEMU guests, docs/e2e.md); `make test`
# runs them too. One or a few: make e2e SCENARIO="discovery-pxb-devices ..."
e2e:
	@scripts/ensure-deps.sh test
	$(SWIFT) build --product mkpolicy
	.venv/bin/python Tests/e2e/harness.py run $(SCENARIO)

# Solver benchmarks (release builds; tens of minutes; docs/solver.md
# "Benchmarks"): every family at each count on the 1,920-thread snapshot and
# a 2-socket host, fitting and oversubscribed, as the whole `mkpolicy plan`
# (median, peak RSS, exit status: the oversubscribed ones time the answer)
# and the solver alone; then the scale ladder against the kubelet-style walk
# in the same run, the edit walk, and quality against the MILP, per mix and
# per family. Shorter: make bench BENCH_COUNTS=500,2000 BENCH_RUNS=3
BENCH_COUNTS ?= 100,500,1000,2000,4000
BENCH_RUNS ?= 5
bench:
	@scripts/ensure-deps.sh test
	SCRATCH=.build Benchmarks/solver/families.sh $(BENCH_COUNTS) $(BENCH_RUNS)
	Benchmarks/solver/run.sh

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

# Manual pages from the argument parser's own help (swift-argument-parser's
# generate-manual plugin, which runs `mkpolicy --experimental-dump-help`).
# The plugin rebuilds the package, so the pages are committed in dist/man/
# with the help they were made from; PackagingTests/ManualPageTests fails
# when that help is no longer the binary's: then run `make man`.
man: build
	$(SWIFT) package generate-manual --multi-page --date $(MAN_DATE) \
	  --authors "mkpolicy developers" >/dev/null
	rm -f dist/man/*.1
	cp .build/plugins/GenerateManual/outputs/mkpolicy/*.1 dist/man/
	$(BIN) --experimental-dump-help > dist/man/dump-help.json

completions:
	rm -rf .build/completions && mkdir -p .build/completions
	$(BIN_RELEASE) --generate-completion-script bash > .build/completions/mkpolicy.bash
	$(BIN_RELEASE) --generate-completion-script zsh > .build/completions/_mkpolicy
	$(BIN_RELEASE) --generate-completion-script fish > .build/completions/mkpolicy.fish

# Installs what `make release` built: binary, manual pages, completions, the
# JSON Schemas, the systemd units of dist/systemd/ and an empty state folder.
install: completions
	install -D -m 0755 $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/mkpolicy
	install -d $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 0644 dist/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -D -m 0644 .build/completions/mkpolicy.bash \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/mkpolicy
	install -D -m 0644 .build/completions/_mkpolicy \
	  $(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_mkpolicy
	install -D -m 0644 .build/completions/mkpolicy.fish \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/mkpolicy.fish
	install -d $(DESTDIR)$(PREFIX)/share/mkpolicy
	install -m 0644 Schemas/*.json $(DESTDIR)$(PREFIX)/share/mkpolicy/
	install -d $(DESTDIR)$(UNITDIR)
	for unit in dist/systemd/*; do [ -f "$$unit" ] || continue; \
	  install -m 0644 "$$unit" $(DESTDIR)$(UNITDIR)/; done
	install -d -m 0755 $(DESTDIR)$(STATEDIR)

# The Debian package of the release build, into .build/deb/ (docs/packaging.md).
deb: release
	scripts/build-deb.sh $(BIN_RELEASE) .build/deb

clean:
	rm -rf .build .build-fuzz
