#!/bin/sh
# mkpolicy plan for policy trading-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # policies/trading/00-host.yaml:17:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # policies/trading/00-host.yaml:17:3
printf '%s\n' 2-7,16-31,34-63 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # policies/trading/00-host.yaml:17:3
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # policies/trading/00-host.yaml:17:3
printf '%s\n' 2-3,34-35,40-47 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # policies/trading/00-host.yaml:17:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # policies/trading/00-host.yaml:17:3

# /sys/fs/cgroup/mkpolicy.slice/market-data: workload market-data
mkdir -p /sys/fs/cgroup/mkpolicy.slice/market-data  # policies/trading/10-workloads.yaml:32:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/market-data/cpuset.mems  # policies/trading/10-workloads.yaml:35:5
printf '%s\n' 2-3,34-35 > /sys/fs/cgroup/mkpolicy.slice/market-data/cpuset.cpus  # policies/trading/10-workloads.yaml:35:5
printf '%s\n' 2-3,34-35 > /sys/fs/cgroup/mkpolicy.slice/market-data/cpuset.cpus.exclusive  # policies/trading/10-workloads.yaml:35:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/market-data/cpuset.cpus.partition  # policies/trading/10-workloads.yaml:32:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/market-data/cpu.weight  # policies/trading/10-workloads.yaml:32:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/market-data/cpu.max  # policies/trading/10-workloads.yaml:35:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/market-data/memory.min  # policies/trading/10-workloads.yaml:37:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/market-data/memory.high  # policies/trading/10-workloads.yaml:37:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/market-data/memory.max  # policies/trading/10-workloads.yaml:37:5

# /sys/fs/cgroup/mkpolicy.slice/analytics: workload analytics
mkdir -p /sys/fs/cgroup/mkpolicy.slice/analytics  # policies/trading/10-workloads.yaml:49:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpuset.mems  # policies/trading/10-workloads.yaml:52:5
printf '%s\n' 16-31,48-63 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpuset.cpus  # policies/trading/10-workloads.yaml:52:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpu.weight  # policies/trading/10-workloads.yaml:55:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/analytics/cpu.max  # policies/trading/10-workloads.yaml:52:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.min  # policies/trading/10-workloads.yaml:53:5
printf '%s\n' 176093659136 > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.high  # policies/trading/10-workloads.yaml:53:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.max  # policies/trading/10-workloads.yaml:53:5

# /sys/fs/cgroup/mkpolicy.slice/_idle: workload order-router
mkdir -p /sys/fs/cgroup/mkpolicy.slice/_idle  # policies/trading/10-workloads.yaml:13:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.mems  # policies/trading/10-workloads.yaml:13:5
printf '%s\n' 40-47 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus  # policies/trading/10-workloads.yaml:13:5
printf '%s\n' 40-47 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus.exclusive  # policies/trading/10-workloads.yaml:13:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus.partition  # policies/trading/10-workloads.yaml:13:5
