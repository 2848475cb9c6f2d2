#!/usr/bin/env bash
# Runs the libFuzzer targets (docs/fuzzing.md) for SECONDS each:
#   scripts/fuzz.sh SECONDS [TARGET...]     TARGET: policy snapshot plan (default: all)
# Builds .build-fuzz/debug/mkpolicy-fuzz first (MKPOLICY_FUZZ=1, ASan), seeds
# each target with the repository's corpora, keeps what libFuzzer finds in
# .build-fuzz/corpus/TARGET and writes crashing inputs to
# .build-fuzz/crashes/TARGET/. Exits 1 when any target found a crash or hang:
# copy the input to Tests/Fuzz/crashes/TARGET/ (it becomes a regression test),
# fix the cause, and run again.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(policy snapshot plan)
swift=${SWIFT:-swift}

MKPOLICY_FUZZ=1 "$swift" build --scratch-path .build-fuzz --product mkpolicy-fuzz \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
binary=.build-fuzz/debug/mkpolicy-fuzz

seeds() {
  case $1 in
    policy) echo Tests/MKPolicyTests/Corpus Policies Tests/Fuzz/crashes/policy ;;
    snapshot) echo Examples/topologies Tests/Fuzz/crashes/snapshot ;;
    plan)
      local dir=.build-fuzz/seeds/plan
      rm -rf "$dir" && mkdir -p "$dir"
      for plan in Examples/*/plan/plan.json Tests/MKPlanTests/Golden/*/plan.json; do
        cp "$plan" "$dir/$(echo "$plan" | tr / _)"
      done
      echo "$dir" Tests/Fuzz/crashes/plan
      ;;
  esac
}

failed=0
for target in "${targets[@]}"; do
  corpus=.build-fuzz/corpus/$target
  crashes=.build-fuzz/crashes/$target
  mkdir -p "$corpus" "$crashes"
  # shellcheck disable=SC2046
  if ! MKPOLICY_FUZZ_TARGET=$target \
    MKPOLICY_FUZZ_TOPOLOGY=Examples/topologies/trading-2s-connectx-e810.yaml \
    ASAN_OPTIONS=detect_leaks=0 \
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=300000 \
    -print_final_stats=1 -artifact_prefix="$crashes/" "$corpus" $(seeds "$target") \
    >".build-fuzz/$target.log" 2>&1; then
    echo "fuzz $target: FOUND A CRASH OR HANG (.build-fuzz/$target.log, inputs in $crashes/)"
    grep -E "^==|ERROR|SUMMARY|Test unit written|Fatal error" ".build-fuzz/$target.log" | head -20
    failed=1
  else
    runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" ".build-fuzz/$target.log" | grep -oE "[0-9]+$" || echo "?")
    echo "fuzz $target: ${seconds}s, $runs inputs, no crash"
  fi
done
exit $failed
