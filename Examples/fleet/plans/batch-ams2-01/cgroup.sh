#!/bin/sh
# mkpolicy plan for policy batch-elastic: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory +io' > /sys/fs/cgroup/cgroup.subtree_control  # policies/batch-elastic.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # policies/batch-elastic.yaml:15:3
printf '%s\n' 1-191,193-383 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # policies/batch-elastic.yaml:15:3
printf '%s\n' 0-7 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # policies/batch-elastic.yaml:15:3
printf '%s\n' '+cpuset +cpu +memory +io' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # policies/batch-elastic.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice/ci-runners: workload ci-runners
mkdir -p /sys/fs/cgroup/mkpolicy.slice/ci-runners  # policies/batch-elastic.yaml:22:5
printf '%s\n' 0-7 > /sys/fs/cgroup/mkpolicy.slice/ci-runners/cpuset.mems  # policies/batch-elastic.yaml:25:5
printf '%s\n' 1,40,64,88-89,112,136,160,184-191,193,232,256,280-281,304,328,352,376-383 > /sys/fs/cgroup/mkpolicy.slice/ci-runners/cpuset.cpus  # policies/batch-elastic.yaml:25:5
printf '%s\n' 400 > /sys/fs/cgroup/mkpolicy.slice/ci-runners/cpu.weight  # policies/batch-elastic.yaml:28:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/ci-runners/cpu.max  # policies/batch-elastic.yaml:25:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/ci-runners/memory.min  # policies/batch-elastic.yaml:26:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/ci-runners/memory.high  # policies/batch-elastic.yaml:26:5
printf '%s\n' 68719476736 > /sys/fs/cgroup/mkpolicy.slice/ci-runners/memory.max  # policies/batch-elastic.yaml:26:5

# /sys/fs/cgroup/mkpolicy.slice/ml-training: workload ml-training
mkdir -p /sys/fs/cgroup/mkpolicy.slice/ml-training  # policies/batch-elastic.yaml:30:5
printf '%s\n' 0-7 > /sys/fs/cgroup/mkpolicy.slice/ml-training/cpuset.mems  # policies/batch-elastic.yaml:33:5
printf '%s\n' 2-39,41-63,65-87,90-111,113-135,137-159,161-182,194-231,233-255,257-279,282-303,305-327,329-351,353-374 > /sys/fs/cgroup/mkpolicy.slice/ml-training/cpuset.cpus  # policies/batch-elastic.yaml:33:5
printf '%s\n' 300 > /sys/fs/cgroup/mkpolicy.slice/ml-training/cpu.weight  # policies/batch-elastic.yaml:38:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/ml-training/cpu.max  # policies/batch-elastic.yaml:33:5
printf '%s\n' 34359738368 > /sys/fs/cgroup/mkpolicy.slice/ml-training/memory.min  # policies/batch-elastic.yaml:34:5
printf '%s\n' 1567663063040 > /sys/fs/cgroup/mkpolicy.slice/ml-training/memory.high  # policies/batch-elastic.yaml:34:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/ml-training/memory.max  # policies/batch-elastic.yaml:34:5
printf '%s\n' '259:0 rbps=2000000000' > /sys/fs/cgroup/mkpolicy.slice/ml-training/io.max  # policies/batch-elastic.yaml:36:9

# /sys/fs/cgroup/mkpolicy.slice/etl-nightly: workload etl-nightly
mkdir -p /sys/fs/cgroup/mkpolicy.slice/etl-nightly  # policies/batch-elastic.yaml:40:5
printf '%s\n' 7 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/cpuset.mems  # policies/batch-elastic.yaml:43:5
printf '%s\n' 183,375 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/cpuset.cpus  # policies/batch-elastic.yaml:43:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/cpu.weight  # policies/batch-elastic.yaml:48:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/cpu.max  # policies/batch-elastic.yaml:43:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/memory.min  # policies/batch-elastic.yaml:44:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/memory.high  # policies/batch-elastic.yaml:44:5
printf '%s\n' 34359738368 > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/memory.max  # policies/batch-elastic.yaml:44:5
printf '%s\n' '259:0 rbps=1000000000 wbps=500000000 riops=40000' > /sys/fs/cgroup/mkpolicy.slice/etl-nightly/io.max  # policies/batch-elastic.yaml:46:9
