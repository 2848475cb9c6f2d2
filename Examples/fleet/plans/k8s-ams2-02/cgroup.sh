#!/bin/sh
# mkpolicy plan for policy k8s-worker: cgroup hybrid settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup/cpuset/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice  # policies/k8s-worker.yaml:16:3
printf '%s\n' 1-11,20-23,25-47,49-59,68-71,73-95 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.cpus  # policies/k8s-worker.yaml:16:3
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.mems  # policies/k8s-worker.yaml:16:3
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.cpu_exclusive  # policies/k8s-worker.yaml:16:3
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.sched_load_balance  # policies/k8s-worker.yaml:16:3

# /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io: workload packet-io
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io  # policies/k8s-worker.yaml:32:5
printf '%s\n' 1-4,49-52 > /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io/cpuset.cpus  # policies/k8s-worker.yaml:35:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io/cpuset.mems  # policies/k8s-worker.yaml:35:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io/cpuset.cpu_exclusive  # policies/k8s-worker.yaml:32:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/packet-io/cpuset.sched_load_balance  # policies/k8s-worker.yaml:32:5

# /sys/fs/cgroup/cpu/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice  # policies/k8s-worker.yaml:16:3

# /sys/fs/cgroup/cpu/mkpolicy.slice/packet-io: workload packet-io
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice/packet-io  # policies/k8s-worker.yaml:32:5
printf '%s\n' 1024 > /sys/fs/cgroup/cpu/mkpolicy.slice/packet-io/cpu.shares  # policies/k8s-worker.yaml:32:5
printf '%s\n' 100000 > /sys/fs/cgroup/cpu/mkpolicy.slice/packet-io/cpu.cfs_period_us  # policies/k8s-worker.yaml:35:5
printf '%s\n' -1 > /sys/fs/cgroup/cpu/mkpolicy.slice/packet-io/cpu.cfs_quota_us  # policies/k8s-worker.yaml:35:5

# /sys/fs/cgroup/memory/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice  # policies/k8s-worker.yaml:16:3

# /sys/fs/cgroup/memory/mkpolicy.slice/packet-io: workload packet-io
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice/packet-io  # policies/k8s-worker.yaml:32:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/memory/mkpolicy.slice/packet-io/memory.limit_in_bytes  # policies/k8s-worker.yaml:37:5
printf '%s\n' -1 > /sys/fs/cgroup/memory/mkpolicy.slice/packet-io/memory.soft_limit_in_bytes  # policies/k8s-worker.yaml:37:5
