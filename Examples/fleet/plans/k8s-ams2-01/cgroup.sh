#!/bin/sh
# mkpolicy plan for policy k8s-worker: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # policies/k8s-worker.yaml:16:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # policies/k8s-worker.yaml:16:3
printf '%s\n' 1-7,16-23,25-47,49-71,73-95,97-119,121-143,145-167,169-191,193-199,208-215,217-239,241-263,265-287,289-311,313-335,337-359,361-383 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # policies/k8s-worker.yaml:16:3
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # policies/k8s-worker.yaml:16:3
printf '%s\n' 1-4,193-196 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # policies/k8s-worker.yaml:16:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # policies/k8s-worker.yaml:16:3

# /sys/fs/cgroup/mkpolicy.slice/packet-io: workload packet-io
mkdir -p /sys/fs/cgroup/mkpolicy.slice/packet-io  # policies/k8s-worker.yaml:32:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpuset.mems  # policies/k8s-worker.yaml:35:5
printf '%s\n' 1-4,193-196 > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpuset.cpus  # policies/k8s-worker.yaml:35:5
printf '%s\n' 1-4,193-196 > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpuset.cpus.exclusive  # policies/k8s-worker.yaml:35:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpuset.cpus.partition  # policies/k8s-worker.yaml:32:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpu.weight  # policies/k8s-worker.yaml:32:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/packet-io/cpu.max  # policies/k8s-worker.yaml:35:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/packet-io/memory.min  # policies/k8s-worker.yaml:37:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/packet-io/memory.high  # policies/k8s-worker.yaml:37:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/packet-io/memory.max  # policies/k8s-worker.yaml:37:5
