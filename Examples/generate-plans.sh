#!/usr/bin/env bash
# Regenerates the golden plan examples: Examples/<case>/plan/ holds every
# artefact of `mkpolicy plan POLICY --topology TOPOLOGY --out` (and map.png, the map
# rendered by headless Chromium) for one policy
# of Policies/ on a host it fits. The inputs of each case are in
# Examples/<case>/command; the tests (MKPlanTests.ExampleTests) compare the
# artefacts byte for byte. Every case plans against a snapshot in
# Examples/topologies/; where none of the machine snapshots there fits a policy
# (its devices are matched by name or PCI address), this script synthesizes
# one into that folder first, with devices renamed where said.
#   Examples/generate-plans.sh [path/to/mkpolicy]      then review the diff
set -euo pipefail
cd "$(dirname "$0")/.."
mkpolicy=${1:-.build/debug/mkpolicy}

synth() { # snapshot name in Examples/topologies/, then synth arguments
  local name=$1
  shift
  "$mkpolicy" topology synth -o "Examples/topologies/$name.yaml" "$@"
}

rename() { # snapshot name, then sed expressions: device names and PCI addresses the policy matches
  local name=$1
  shift
  local file="Examples/topologies/$name.yaml"
  for expression in "$@"; do sed -i "$expression" "$file"; done
}

# A realtime trading box: 2 sockets x 2 LLCs of 8 cores, ConnectX on each node,
# two E810 feed ports named ens2f0/ens2f1 on node 0, a runtime-pool multikernel kernel.
synth trading-2s-connectx-e810 --sockets 2 --llcs-per-node 2 --cores-per-llc 8 --threads-per-core 2 \
  --llc-size 30MiB --memory-per-node 96GiB --hugepages 1GiB:8 \
  --device net,vendor=15b3,device=1017,driver=mlx5_core,irqs=9 \
  --device net,vendor=8086,device=1592,driver=ice,nodes=0,per-node=2,irqs=5 \
  --device nvme,vendor=144d,device=a808,driver=nvme,nodes=0,irqs=5,managed \
  --multikernel runtime --kernel-release 6.16.0-mk+ --irqbalance \
  --cmdline "BOOT_IMAGE=/vmlinuz-6.16.0-mk+ root=/dev/nvme0n1p2 ro quiet" \
  --source "Synthetic trading host for Examples/trading-realtime (synthesized by Examples/generate-plans.sh): 2 sockets, 2 LLCs of 8 cores x 2 threads per socket; feed ports renamed ens2f0/ens2f1."
rename trading-2s-connectx-e810 's/enp32s1/ens2f0/g' 's/enp32s2/ens2f1/g'

# A telco edge server: one socket, 2 LLCs of 8 cores, the E810's two fronthaul
# ports at 0000:17:00.0/1, 1 GiB pages for the UPF, a boot-parameter pool kernel.
synth telco-edge-1s-e810 --sockets 1 --llcs-per-node 2 --cores-per-llc 8 --threads-per-core 2 \
  --llc-size 30MiB --memory-per-node 64GiB --hugepages 1GiB:16 \
  --device net,vendor=8086,device=1593,driver=ice,per-node=2,irqs=5 \
  --device net,vendor=8086,device=1521,driver=igb,irqs=3 \
  --device nvme,vendor=8086,device=0b60,driver=nvme,irqs=5,managed \
  --multikernel boot-parameter --kernel-release 6.12.0-mk-rfc2 --irqbalance \
  --cmdline "BOOT_IMAGE=/vmlinuz-6.12.0-mk-rfc2 root=/dev/nvme0n1p2 ro" \
  --source "Synthetic telco edge host for Examples/telco-edge (synthesized by Examples/generate-plans.sh): 1 socket, 2 LLCs of 8 cores x 2 threads; the E810 ports moved to 0000:17:00.0/1."
rename telco-edge-1s-e810 's/0000:20:00\.0/0000:17:00.0/g' 's/0000:20:01\.0/0000:17:00.1/g' \
  's/enp32s0/ens785f0/g' 's/enp32s1/ens785f1/g'

# A database server: 2 sockets, 2 NVMe drives per node, the data drives of
# node 1 at 0000:5e:00.0/0000:5e:01.0, 2 MiB pages for shared_buffers, cgroup v1 (hybrid).
synth database-2s-nvme-hybrid --sockets 2 --llcs-per-node 2 --cores-per-llc 12 --threads-per-core 2 \
  --llc-size 45MiB --memory-per-node 256GiB --hugepages 2MiB:20000 \
  --device net,vendor=15b3,device=101d,driver=mlx5_core,nodes=0,irqs=9 \
  --device nvme,vendor=144d,device=a824,driver=nvme,per-node=2,irqs=9,managed \
  --multikernel runtime --cgroup hybrid --cgroup-controllers cpu,cpuacct,cpuset,memory,blkio,pids \
  --kernel-release 6.16.0-mk+ --cmdline "BOOT_IMAGE=/vmlinuz-6.16.0-mk+ root=/dev/sda2 ro" \
  --source "Synthetic database host for Examples/database-nvme (synthesized by Examples/generate-plans.sh): 2 sockets, 2 LLCs of 12 cores x 2 threads per socket, hybrid cgroups; node 1's drives moved to 0000:5e:00.0/1.0."
rename database-2s-nvme-hybrid 's/0000:28:00\.0/0000:5e:00.0/g' 's/0000:28:01\.0/0000:5e:01.0/g'

# An inference server: 2 sockets, 2 NVIDIA GPUs per node, 1 GiB pages, grub.
synth inference-2s-h100 --sockets 2 --llcs-per-node 2 --cores-per-llc 16 --threads-per-core 2 \
  --llc-size 60MiB --memory-per-node 384GiB --hugepages 1GiB:40 \
  --device gpu,vendor=10de,device=2331,driver=nvidia,per-node=2,irqs=1 \
  --device net,vendor=15b3,device=1021,driver=mlx5_core,irqs=9 \
  --kernel-release 6.8.0-49-generic --irqbalance \
  --cmdline "BOOT_IMAGE=/vmlinuz-6.8.0-49-generic root=/dev/sda2 ro" \
  --source "Synthetic inference host for Examples/ai-inference (synthesized by Examples/generate-plans.sh): 2 sockets, 2 LLCs of 16 cores x 2 threads per socket, 2 H100 per node."

# Which policy on which host.
write_case() { # case, then plan arguments
  local case=$1
  shift
  mkdir -p "Examples/$case"
  printf '%s\n' "$*" > "Examples/$case/command"
  rm -rf "Examples/$case/plan"
  "$mkpolicy" plan "$@" --out "Examples/$case/plan" > /dev/null
}
write_case default Policies/default.yaml --topology Examples/topologies/xeon-spr-2s-snc4.yaml
write_case batch-elastic Policies/batch-elastic.yaml --topology Examples/topologies/epyc-9654-2s-nps4.yaml
write_case cloud-multitenant Policies/cloud-multitenant.yaml --topology Examples/topologies/epyc-9654-2s-nps4.yaml
write_case trading-realtime Policies/trading-realtime.yaml --topology Examples/topologies/trading-2s-connectx-e810.yaml
write_case telco-edge Policies/telco-edge.yaml --topology Examples/topologies/telco-edge-1s-e810.yaml
write_case database-nvme Policies/database-nvme.yaml --topology Examples/topologies/database-2s-nvme-hybrid.yaml
write_case ai-inference Policies/ai-inference.yaml --topology Examples/topologies/inference-2s-h100.yaml

# Zero-downtime kernel updates (Examples/handover-*/, MKPlanTests.HandoverExampleTests):
# before.yaml planned on the host in `topology` is the plan in force
# (previous/plan.json); policy.yaml, the kernel change, is planned against it.
# A case without before.yaml plans policy.yaml alone; a case whose plan must
# fail keeps the rendered diagnostics in diagnostics.txt instead of plan/.
for dir in Examples/handover-*/; do
  dir=${dir%/}
  topology=$(cat "$dir/topology")
  previous=()
  if [ -f "$dir/before.yaml" ]; then
    scratch=$(mktemp -d)
    "$mkpolicy" plan "$dir/before.yaml" --topology "$topology" --out "$scratch" > /dev/null 2>&1
    mkdir -p "$dir/previous"
    cp "$scratch/plan.json" "$dir/previous/plan.json"
    rm -rf "$scratch"
    previous=(--previous "$dir/previous/plan.json")
  fi
  rm -rf "$dir/plan"
  if [ -f "$dir/diagnostics.txt" ]; then
    if "$mkpolicy" plan "$dir/policy.yaml" --topology "$topology" "${previous[@]}" \
      2> "$dir/diagnostics.txt" > /dev/null; then
      echo "$dir: the plan was meant to fail" >&2
      exit 1
    fi
  else
    "$mkpolicy" plan "$dir/policy.yaml" --topology "$topology" "${previous[@]}" --out "$dir/plan" > /dev/null 2>&1
  fi
done

# Each map rendered by headless Chromium (map.png, shown by the README; the
# tests render them again and check they are not blank).
pairs=()
for command in Examples/*/command Examples/handover-*/topology; do
  plan="$(dirname "$command")/plan"
  [ -f "$plan/map.svg" ] && pairs+=("$plan/map.svg=$plan/map.png")
done
.venv/bin/python Tests/Python/render_maps.py "${pairs[@]}" > /dev/null
