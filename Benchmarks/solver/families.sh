#!/usr/bin/env bash
# Benchmark families timed as the whole `mkpolicy plan` command (release
# build): every family at each size, fitting and oversubscribed, on the
# 1,920-thread snapshot and a 2-socket host: the solver alone
# (mkpolicy-bench), then RUNS runs of `mkpolicy plan POLICY --topology HOST
# --format json` under GNU time: median wall time, median CPU time
# (user + sys: what the command costs, which other load on a shared machine
# does not inflate the way it does wall time), the exit status and the
# largest peak RSS.
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
time_bin=/usr/bin/time
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for host in Examples/topologies/eight-socket-32-node.yaml Examples/topologies/epyc-9654-2s-nps4.yaml; do
  echo
  echo "== $host: solver alone =="
  "$bin/mkpolicy-bench" families "$host" "$out/$(basename "$host" .yaml)" "$counts"
  # Every family gives each workload a CPU, so past the host's free threads
  # they only time the refusal: `dense` (the cloud mix of 500 plus shared
  # tenants without CPUs of their own, dense-policy.py) plans 1,000 to 4,000.
  base="$out/$(basename "$host" .yaml)/cloud-fit-500.yaml"
  if [ -f "$base" ]; then
    for count in ${counts//,/ }; do
      if (( count > 500 )); then
        Benchmarks/solver/dense-policy.py "$base" "$count" \
          > "$out/$(basename "$host" .yaml)/dense-fit-$count.yaml"
      fi
    done
  fi
  echo
  echo "== $host: whole mkpolicy plan --format json (median of $runs) =="
  echo "| policy | exit | median wall ms | median CPU ms (user+sys) | peak RSS MiB |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for policy in "$out/$(basename "$host" .yaml)"/*.yaml; do
    walls=()
    cpus=()
    rss=0
    status=0
    for _ in $(seq "$runs"); do
      # GNU time writes to its own file: wall s, user s, sys s, peak RSS KiB.
      "${time_bin}" -f "%e %U %S %M" -o "$out/time.txt" \
        "$bin/mkpolicy" plan "$policy" --topology "$host" --format json > /dev/null 2>&1 || status=$?
      read -r wall user sys kib < <(tail -1 "$out/time.txt")
      walls+=("$(awk -v w="$wall" 'BEGIN {printf "%d", w * 1000}')")
      cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}')")
      if (( kib > rss )); then rss=$kib; fi
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "| $(basename "$policy" .yaml) | $status | $wall | $cpu | $(( rss / 1024 )) |"
  done
done
