#!/bin/sh
# mkpolicy plan for policy telco-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # Policies/telco-edge.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # Policies/telco-edge.yaml:15:3
printf '%s\n' 5-15,21-31 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # Policies/telco-edge.yaml:15:3
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # Policies/telco-edge.yaml:15:3
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # Policies/telco-edge.yaml:15:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # Policies/telco-edge.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice: workload control-plane
mkdir -p /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice  # Policies/telco-edge.yaml:48:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpuset.mems  # Policies/telco-edge.yaml:51:5
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpuset.cpus  # Policies/telco-edge.yaml:51:5
printf '%s\n' 8-9,24-25 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpuset.cpus.exclusive  # Policies/telco-edge.yaml:51:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpuset.cpus.partition  # Policies/telco-edge.yaml:48:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpu.weight  # Policies/telco-edge.yaml:48:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/cpu.max  # Policies/telco-edge.yaml:51:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/memory.min  # Policies/telco-edge.yaml:53:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/memory.high  # Policies/telco-edge.yaml:53:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice/memory.max  # Policies/telco-edge.yaml:53:5

# /sys/fs/cgroup/mkpolicy.slice/oam: workload oam
mkdir -p /sys/fs/cgroup/mkpolicy.slice/oam  # Policies/telco-edge.yaml:61:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/oam/cpuset.mems  # Policies/telco-edge.yaml:64:5
printf '%s\n' 10-15,26-31 > /sys/fs/cgroup/mkpolicy.slice/oam/cpuset.cpus  # Policies/telco-edge.yaml:64:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/oam/cpu.weight  # Policies/telco-edge.yaml:61:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/oam/cpu.max  # Policies/telco-edge.yaml:64:5
printf '%s\n' 1073741824 > /sys/fs/cgroup/mkpolicy.slice/oam/memory.min  # Policies/telco-edge.yaml:65:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/oam/memory.high  # Policies/telco-edge.yaml:65:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/mkpolicy.slice/oam/memory.max  # Policies/telco-edge.yaml:65:5
