#!/usr/bin/env bash
# Solver benchmarks (release build): quality against an exact MILP (HiGHS via
# scipy) and the kubelet static walk, the scale ladder, and the edit walk.
#   Benchmarks/solver/run.sh [INSTANCES] [MILP_TIME_LIMIT_SECONDS] [PER_FAMILY]
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/ensure-deps.sh test
swift build -c release --product mkpolicy-bench
bench=.build/release/mkpolicy-bench
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "== scale (plan time against the kubelet walk, median of 5) =="
"$bench" scale
echo
echo "== edit walk (20 edits) =="
"$bench" edit-walk
echo
echo "== quality: ${1:-240} instances against the MILP optimum =="
"$bench" quality "${1:-240}" > "$out/quality.json" 2> "$out/times.txt"
.venv/bin/python Benchmarks/solver/milp_reference.py "$out/quality.json" "${2:-20}"
echo
echo "== quality per family: ${3:-40} small instances of each against the MILP optimum =="
"$bench" quality-families "${3:-40}" > "$out/families.json"
.venv/bin/python Benchmarks/solver/milp_reference.py "$out/families.json" "${2:-20}"
