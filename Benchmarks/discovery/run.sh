#!/usr/bin/env bash
# Discovery benchmark: release build of mkpolicy, then `mkpolicy discover`
# against hwloc's `lstopo --of xml` on this machine, back to back.
#   Benchmarks/discovery/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-deps.sh test
make --no-print-directory release >&2  # the binary that ships (make deb packages it)
.venv/bin/python Benchmarks/discovery/bench.py .build/release/mkpolicy "${1:-50}"
