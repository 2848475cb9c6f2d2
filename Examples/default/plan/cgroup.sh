#!/bin/sh
# mkpolicy plan for policy default: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # Policies/default.yaml:18:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # Policies/default.yaml:18:3
printf '%s\n' 1-13,15-27,29-41,43-55,57-69,71-83,85-97,99-111,113-125,127-139,141-153,155-167,169-181,183-195,197-209,211-223 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # Policies/default.yaml:18:3
printf '%s\n' 0-7 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # Policies/default.yaml:18:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # Policies/default.yaml:18:3

# /sys/fs/cgroup/mkpolicy.slice/pool: workload pool
mkdir -p /sys/fs/cgroup/mkpolicy.slice/pool  # Policies/default.yaml:25:5
printf '%s\n' 0-7 > /sys/fs/cgroup/mkpolicy.slice/pool/cpuset.mems  # Policies/default.yaml:28:5
printf '%s\n' 1-13,15-27,29-41,43-55,57-69,71-83,85-97,99-111,113-125,127-139,141-153,155-167,169-181,183-195,197-209,211-223 > /sys/fs/cgroup/mkpolicy.slice/pool/cpuset.cpus  # Policies/default.yaml:28:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/pool/cpu.weight  # Policies/default.yaml:25:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/pool/cpu.max  # Policies/default.yaml:28:5
