# The two commands of the README's quick start:
#   make run    plan the embedded default policy against this host
#   make test   the whole test suite (unit, golden, CLI, real-kernel)
SWIFT ?= swift
BIN := .build/debug/mkpolicy

.PHONY: run build release test unit e2e format lint clean

run: build
	$(BIN) plan

build:
	@scripts/ensure-deps.sh build
	$(SWIFT) build

# The binary that ships: optimised, the Swift runtime linked in (Package.swift
# links it statically in every configuration; the flag says so here too).
release:
	@scripts/ensure-deps.sh build
	$(SWIFT) build -c release --static-swift-stdlib --product mkpolicy

test:
	@scripts/ensure-deps.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# The real-kernel scenarios alone (QEMU guests, docs/e2e.md); `make test`
# runs them too. One or a few: make e2e SCENARIO="discovery-pxb-devices ..."
e2e:
	@scripts/ensure-deps.sh test
	$(SWIFT) build --product mkpolicy
	.venv/bin/python Tests/e2e/harness.py run $(SCENARIO)

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf .build
