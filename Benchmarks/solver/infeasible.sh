#!/usr/bin/env bash
# Infeasible policies of every kind (mkpolicy-bench infeasible, see
# Sources/mkpolicy-bench/InfeasibleKinds.swift) timed as the whole
# `mkpolicy plan POLICY --topology HOST --format json` (release build):
# per policy the median wall and CPU time of RUNS runs, the exit status,
# the first error's code, whether it is located (file, line and column in
# the JSON diagnostics), whether it says "may not be minimal", and how many
# workloads it names.
#   Benchmarks/solver/infeasible.sh [COUNTS] [RUNS]
#   COUNTS defaults to 500,1000,2000,4000; RUNS to 3.
#   HOSTS (environment) overrides the hosts: eight-socket-32-node.yaml and
#   epyc-9654-2s-nps4.yaml of Examples/topologies. `offline:PATH` is the
#   host at PATH with the second thread of every fourth core offline.
#   KINDS (environment): only the kinds whose name matches this regex.
#   MKPOLICY, BENCH (environment): binaries to use instead of building
#   release ones (a binary of another commit, to compare before and after).
set -euo pipefail
cd "$(dirname "$0")/../.."
counts=${1:-500,1000,2000,4000}
runs=${2:-3}
scratch=${SCRATCH:-.build}
hosts=${HOSTS:-Examples/topologies/eight-socket-32-node.yaml Examples/topologies/epyc-9654-2s-nps4.yaml}
kinds=${KINDS:-.}
if [[ -z "${MKPOLICY:-}" || -z "${BENCH:-}" ]]; then
  swift build -c release --scratch-path "$scratch" --product mkpolicy >&2
  swift build -c release --scratch-path "$scratch" --product mkpolicy-bench >&2
fi
mkpolicy=${MKPOLICY:-$scratch/release/mkpolicy}
bench=${BENCH:-$scratch/release/mkpolicy-bench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), load: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, commit $(git rev-parse --short HEAD)"
for host in $hosts; do
  if [[ "$host" == offline:* ]]; then
    "$bench" offline-host "${host#offline:}" "$out/offline-$(basename "${host#offline:}")"
    host="$out/offline-$(basename "${host#offline:}")"
  fi
  dir="$out/$(basename "$host" .yaml)"
  "$bench" infeasible "$host" "$dir" "$counts"
  echo
  echo "== $host (median of $runs) =="
  echo "| kind | workloads | expected | exit | wall ms | CPU ms | code | located | may not be minimal | named |"
  echo "| --- | ---: | --- | ---: | ---: | ---: | --- | --- | --- | ---: |"
  while IFS=$'\t' read -r file kind count expectation; do
    [[ "$kind" =~ $kinds ]] || continue
    walls=()
    cpus=()
    status=0
    for _ in $(seq "$runs"); do
      status=0
      /usr/bin/time -f "%e %U %S" -o "$out/time.txt" \
        "$mkpolicy" plan "$dir/$file" --topology "$host" --format json \
        > "$out/stdout.txt" 2> /dev/null || status=$?
      read -r wall user sys < <(tail -1 "$out/time.txt")
      walls+=("$(awk -v w="$wall" 'BEGIN {printf "%d", w * 1000}')")
      cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%d", (u + s) * 1000}')")
    done
    wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    # The first error of the JSON diagnostics: its code, whether it has a
    # file, line and column, whether any of its notes says "may not be
    # minimal", and how many distinct workloads its message and notes name.
    summary=$(python3 - "$out/stdout.txt" <<'PY'
import json, re, sys
try:
    document = json.load(open(sys.argv[1]))
except ValueError:
    print("- no no 0"); sys.exit()
errors = [d for d in document.get("diagnostics", []) if d.get("severity") == "error"]
if not errors:
    print("- no no 0"); sys.exit()
first = errors[0]
located = "yes" if first.get("file") and first.get("line") and first.get("column") else "no"
notes = first.get("notes", [])
unsure = "yes" if any("may not be minimal" in n["message"] for n in notes) else "no"
text = first["message"] + " " + " ".join(n["message"] for n in notes)
named = set(re.findall(r"'([A-Za-z0-9_-]+)'", text))
print(first.get("code", "-"), located, unsure, len(named))
PY
)
    read -r code located unsure named <<< "$summary"
    echo "| $kind | $count | $expectation | $status | $wall | $cpu | $code | $located | $unsure | $named |"
  done < "$dir/manifest.tsv"
done
