#!/usr/bin/env bash
# Benchmark families timed as the whole `mkpolicy plan` command (release
# build): every family at each size, fitting and oversubscribed, on the
# 1,920-thread snapshot and a 2-socket host. Median of RUNS wall-clock runs
# of `mkpolicy plan POLICY --topology HOST --format json`, its exit status,
# and peak RSS (GNU time) of one run; then the solver alone (mkpolicy-bench).
#   Benchmarks/solver/families.sh [COUNTS] [RUNS]
#   COUNTS defaults to 100,500,1000,2000,4000; RUNS to 5.
set -euo pipefail
cd "$(dirname "$0")/../.."
counts=${1:-100,500,1000,2000,4000}
runs=${2:-5}
scratch=${SCRATCH:-.build-release}
swift build -c release --scratch-path "$scratch" --product mkpolicy >&2
swift build -c release --scratch-path "$scratch" --product mkpolicy-bench >&2
bin="$scratch/release"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for host in Examples/topologies/eight-socket-32-node.yaml Examples/topologies/epyc-9654-2s-nps4.yaml; do
  echo
  echo "== $host: solver alone =="
  "$bin/mkpolicy-bench" families "$host" "$out/$(basename "$host" .yaml)" "$counts"
  echo
  echo "== $host: whole mkpolicy plan --format json (median of $runs) =="
  echo "| policy | exit | median ms | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: |"
  for policy in "$out/$(basename "$host" .yaml)"/*.yaml; do
    times=()
    status=0
    for _ in $(seq "$runs"); do
      start=$(date +%s%N)
      "$bin/mkpolicy" plan "$policy" --topology "$host" --format json > /dev/null 2>&1 || status=$?
      end=$(date +%s%N)
      times+=($(( (end - start) / 1000000 )))
    done
    median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    rss=$( { /usr/bin/time -f %M "$bin/mkpolicy" plan "$policy" --topology "$host" --format json > /dev/null 2>/dev/null; } 2>&1 | tail -1 || true)
    echo "| $(basename "$policy" .yaml) | $status | $median | $(( ${rss:-0} / 1024 )) |"
  done
done
