#!/bin/sh
# mkpolicy plan for policy trading-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory +io' > /sys/fs/cgroup/cgroup.subtree_control  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # fixture/policy.yaml:7:1
printf '%s\n' 1-3,6-7,9-11,14-15 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # fixture/policy.yaml:7:1
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # fixture/policy.yaml:7:1
printf '%s\n' 1,9 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # fixture/policy.yaml:7:1
printf '%s\n' '+cpuset +cpu +memory +io' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice: workload md-feed
mkdir -p /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice  # fixture/policy.yaml:36:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpuset.mems  # fixture/policy.yaml:39:5
printf '%s\n' 1,9 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpuset.cpus  # fixture/policy.yaml:39:5
printf '%s\n' 1,9 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpuset.cpus.exclusive  # fixture/policy.yaml:39:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpuset.cpus.partition  # fixture/policy.yaml:36:5
printf '%s\n' 400 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpu.weight  # fixture/policy.yaml:36:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/cpu.max  # fixture/policy.yaml:39:5
printf '%s\n' 2147483648 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/memory.min  # fixture/policy.yaml:40:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/memory.high  # fixture/policy.yaml:40:5
printf '%s\n' 2147483648 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/memory.max  # fixture/policy.yaml:40:5
printf '%s\n' '259:0 rbps=500000000 wiops=20000' > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice/io.max  # fixture/policy.yaml:45:9

# /sys/fs/cgroup/mkpolicy.slice/batch: workload analytics
mkdir -p /sys/fs/cgroup/mkpolicy.slice/batch  # fixture/policy.yaml:50:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/batch/cpuset.mems  # fixture/policy.yaml:53:5
printf '%s\n' 2-3,6-7,10-11,14-15 > /sys/fs/cgroup/mkpolicy.slice/batch/cpuset.cpus  # fixture/policy.yaml:53:5
printf '%s\n' 50 > /sys/fs/cgroup/mkpolicy.slice/batch/cpu.weight  # fixture/policy.yaml:55:5
printf '%s\n' '400000 100000' > /sys/fs/cgroup/mkpolicy.slice/batch/cpu.max  # fixture/policy.yaml:53:5
printf '%s\n' 1073741824 > /sys/fs/cgroup/mkpolicy.slice/batch/memory.min  # fixture/policy.yaml:54:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/batch/memory.high  # fixture/policy.yaml:54:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/mkpolicy.slice/batch/memory.max  # fixture/policy.yaml:54:5
printf '%s\n' '+cpuset +cpu +memory +io' > /sys/fs/cgroup/mkpolicy.slice/batch/cgroup.subtree_control  # fixture/policy.yaml:50:5
