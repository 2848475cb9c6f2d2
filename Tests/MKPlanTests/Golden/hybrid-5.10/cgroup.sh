#!/bin/sh
# mkpolicy plan for policy trading-edge: cgroup hybrid settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup/cpuset/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice  # fixture/policy.yaml:7:1
printf '%s\n' 1-3,6-7,9-11,14-15 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.cpus  # fixture/policy.yaml:7:1
printf '%s\n' 0-1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.mems  # fixture/policy.yaml:7:1
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.cpu_exclusive  # fixture/policy.yaml:7:1
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.sched_load_balance  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed: workload md-feed
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed  # fixture/policy.yaml:36:5
printf '%s\n' 1,9 > /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed/cpuset.cpus  # fixture/policy.yaml:39:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed/cpuset.mems  # fixture/policy.yaml:39:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed/cpuset.cpu_exclusive  # fixture/policy.yaml:36:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/md-feed/cpuset.sched_load_balance  # fixture/policy.yaml:36:5

# /sys/fs/cgroup/cpuset/mkpolicy.slice/analytics: workload analytics
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice/analytics  # fixture/policy.yaml:50:5
printf '%s\n' 2-3,6-7,10-11,14-15 > /sys/fs/cgroup/cpuset/mkpolicy.slice/analytics/cpuset.cpus  # fixture/policy.yaml:53:5
printf '%s\n' 0-1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/analytics/cpuset.mems  # fixture/policy.yaml:53:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/analytics/cpuset.sched_load_balance  # fixture/policy.yaml:50:5

# /sys/fs/cgroup/cpu/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/cpu/mkpolicy.slice/md-feed: workload md-feed
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice/md-feed  # fixture/policy.yaml:36:5
printf '%s\n' 4096 > /sys/fs/cgroup/cpu/mkpolicy.slice/md-feed/cpu.shares  # fixture/policy.yaml:36:5
printf '%s\n' 100000 > /sys/fs/cgroup/cpu/mkpolicy.slice/md-feed/cpu.cfs_period_us  # fixture/policy.yaml:39:5
printf '%s\n' -1 > /sys/fs/cgroup/cpu/mkpolicy.slice/md-feed/cpu.cfs_quota_us  # fixture/policy.yaml:39:5

# /sys/fs/cgroup/cpu/mkpolicy.slice/analytics: workload analytics
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice/analytics  # fixture/policy.yaml:50:5
printf '%s\n' 512 > /sys/fs/cgroup/cpu/mkpolicy.slice/analytics/cpu.shares  # fixture/policy.yaml:55:5
printf '%s\n' 100000 > /sys/fs/cgroup/cpu/mkpolicy.slice/analytics/cpu.cfs_period_us  # fixture/policy.yaml:53:5
printf '%s\n' 400000 > /sys/fs/cgroup/cpu/mkpolicy.slice/analytics/cpu.cfs_quota_us  # fixture/policy.yaml:53:5

# /sys/fs/cgroup/memory/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/memory/mkpolicy.slice/md-feed: workload md-feed
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice/md-feed  # fixture/policy.yaml:36:5
printf '%s\n' 2147483648 > /sys/fs/cgroup/memory/mkpolicy.slice/md-feed/memory.limit_in_bytes  # fixture/policy.yaml:40:5
printf '%s\n' -1 > /sys/fs/cgroup/memory/mkpolicy.slice/md-feed/memory.soft_limit_in_bytes  # fixture/policy.yaml:40:5

# /sys/fs/cgroup/memory/mkpolicy.slice/analytics: workload analytics
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice/analytics  # fixture/policy.yaml:50:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/memory/mkpolicy.slice/analytics/memory.limit_in_bytes  # fixture/policy.yaml:54:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/memory/mkpolicy.slice/analytics/memory.soft_limit_in_bytes  # fixture/policy.yaml:54:5

# /sys/fs/cgroup/blkio/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/blkio/mkpolicy.slice  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/blkio/mkpolicy.slice/md-feed: workload md-feed
mkdir -p /sys/fs/cgroup/blkio/mkpolicy.slice/md-feed  # fixture/policy.yaml:36:5
printf '%s\n' '259:0 500000000' > /sys/fs/cgroup/blkio/mkpolicy.slice/md-feed/blkio.throttle.read_bps_device  # fixture/policy.yaml:45:9
printf '%s\n' '259:0 20000' > /sys/fs/cgroup/blkio/mkpolicy.slice/md-feed/blkio.throttle.write_iops_device  # fixture/policy.yaml:45:9

# Huge pages per node at runtime (the kernel predates per-node hugepages= at boot).
# workload md-feed (fixture/policy.yaml:41:5)
printf %s '128
' > /sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages
