#!/bin/sh
# mkpolicy plan for policy telco-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # policies/telco-edge.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # policies/telco-edge.yaml:15:3
printf '%s\n' 5-15,21-31 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # policies/telco-edge.yaml:15:3
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # policies/telco-edge.yaml:15:3
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # policies/telco-edge.yaml:15:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # policies/telco-edge.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice/control-plane: workload control-plane
mkdir -p /sys/fs/cgroup/mkpolicy.slice/control-plane  # policies/telco-edge.yaml:48:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpuset.mems  # policies/telco-edge.yaml:51:5
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpuset.cpus  # policies/telco-edge.yaml:51:5
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpuset.cpus.exclusive  # policies/telco-edge.yaml:51:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpuset.cpus.partition  # policies/telco-edge.yaml:48:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpu.weight  # policies/telco-edge.yaml:48:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/control-plane/cpu.max  # policies/telco-edge.yaml:51:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/control-plane/memory.min  # policies/telco-edge.yaml:53:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/control-plane/memory.high  # policies/telco-edge.yaml:53:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/control-plane/memory.max  # policies/telco-edge.yaml:53:5

# /sys/fs/cgroup/mkpolicy.slice/oam: workload oam
mkdir -p /sys/fs/cgroup/mkpolicy.slice/oam  # policies/telco-edge.yaml:58:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/oam/cpuset.mems  # policies/telco-edge.yaml:61:5
printf '%s\n' 10-15,26-31 > /sys/fs/cgroup/mkpolicy.slice/oam/cpuset.cpus  # policies/telco-edge.yaml:61:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/oam/cpu.weight  # policies/telco-edge.yaml:58:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/oam/cpu.max  # policies/telco-edge.yaml:61:5
printf '%s\n' 1073741824 > /sys/fs/cgroup/mkpolicy.slice/oam/memory.min  # policies/telco-edge.yaml:62:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/oam/memory.high  # policies/telco-edge.yaml:62:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/oam/memory.max  # policies/telco-edge.yaml:62:5
