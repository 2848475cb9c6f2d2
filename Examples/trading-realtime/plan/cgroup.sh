#!/bin/sh
# mkpolicy plan for policy trading-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # Policies/trading-realtime.yaml:17:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # Policies/trading-realtime.yaml:17:3
printf '%s\n' 2-7,16-31,34-63 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # Policies/trading-realtime.yaml:17:3
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # Policies/trading-realtime.yaml:17:3
printf '%s\n' 2-3,34-35,40-47 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # Policies/trading-realtime.yaml:17:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # Policies/trading-realtime.yaml:17:3

# /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice: workload market-data
mkdir -p /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice  # Policies/trading-realtime.yaml:54:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpuset.mems  # Policies/trading-realtime.yaml:57:5
printf '%s\n' 2-3,34-35 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpuset.cpus  # Policies/trading-realtime.yaml:57:5
printf '%s\n' 2-3,34-35 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpuset.cpus.exclusive  # Policies/trading-realtime.yaml:57:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpuset.cpus.partition  # Policies/trading-realtime.yaml:54:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpu.weight  # Policies/trading-realtime.yaml:54:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/cpu.max  # Policies/trading-realtime.yaml:57:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/memory.min  # Policies/trading-realtime.yaml:59:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/memory.high  # Policies/trading-realtime.yaml:59:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-market_data.slice/memory.max  # Policies/trading-realtime.yaml:59:5

# /sys/fs/cgroup/mkpolicy.slice/analytics: workload analytics
mkdir -p /sys/fs/cgroup/mkpolicy.slice/analytics  # Policies/trading-realtime.yaml:77:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpuset.mems  # Policies/trading-realtime.yaml:80:5
printf '%s\n' 16-31,48-63 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpuset.cpus  # Policies/trading-realtime.yaml:80:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpu.weight  # Policies/trading-realtime.yaml:83:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/analytics/cpu.max  # Policies/trading-realtime.yaml:80:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.min  # Policies/trading-realtime.yaml:81:5
printf '%s\n' 176093659136 > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.high  # Policies/trading-realtime.yaml:81:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/analytics/memory.max  # Policies/trading-realtime.yaml:81:5
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/analytics/cgroup.subtree_control  # Policies/trading-realtime.yaml:84:5

# /sys/fs/cgroup/mkpolicy.slice/_idle: workload order-router
mkdir -p /sys/fs/cgroup/mkpolicy.slice/_idle  # Policies/trading-realtime.yaml:35:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.mems  # Policies/trading-realtime.yaml:35:5
printf '%s\n' 40-47 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus  # Policies/trading-realtime.yaml:35:5
printf '%s\n' 40-47 > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus.exclusive  # Policies/trading-realtime.yaml:35:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/_idle/cpuset.cpus.partition  # Policies/trading-realtime.yaml:35:5
