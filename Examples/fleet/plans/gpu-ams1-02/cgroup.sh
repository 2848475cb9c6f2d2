#!/bin/sh
# mkpolicy plan for policy ai-inference: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # policies/ai-inference.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/mkpolicy.slice  # policies/ai-inference.yaml:15:3
printf '%s\n' 1-31,33-63,65-95,97-127 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # policies/ai-inference.yaml:15:3
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/cpuset.mems  # policies/ai-inference.yaml:15:3
printf '%s\n' 1-12,33-44,65-76,97-108 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus.exclusive  # policies/ai-inference.yaml:15:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/mkpolicy.slice/cgroup.subtree_control  # policies/ai-inference.yaml:15:3

# /sys/fs/cgroup/mkpolicy.slice/inference-a: workload inference-a
mkdir -p /sys/fs/cgroup/mkpolicy.slice/inference-a  # policies/ai-inference.yaml:23:5
printf '%s\n' 0 > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpuset.mems  # policies/ai-inference.yaml:26:5
printf '%s\n' 1-12,65-76 > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpuset.cpus  # policies/ai-inference.yaml:26:5
printf '%s\n' 1-12,65-76 > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpuset.cpus.exclusive  # policies/ai-inference.yaml:26:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpuset.cpus.partition  # policies/ai-inference.yaml:23:5
printf '%s\n' 300 > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpu.weight  # policies/ai-inference.yaml:39:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/inference-a/cpu.max  # policies/ai-inference.yaml:26:5
printf '%s\n' 137438953472 > /sys/fs/cgroup/mkpolicy.slice/inference-a/memory.min  # policies/ai-inference.yaml:28:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/inference-a/memory.high  # policies/ai-inference.yaml:28:5
printf '%s\n' 206158430208 > /sys/fs/cgroup/mkpolicy.slice/inference-a/memory.max  # policies/ai-inference.yaml:28:5

# /sys/fs/cgroup/mkpolicy.slice/inference-b: workload inference-b
mkdir -p /sys/fs/cgroup/mkpolicy.slice/inference-b  # policies/ai-inference.yaml:41:5
printf '%s\n' 1 > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpuset.mems  # policies/ai-inference.yaml:44:5
printf '%s\n' 33-44,97-108 > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpuset.cpus  # policies/ai-inference.yaml:44:5
printf '%s\n' 33-44,97-108 > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpuset.cpus.exclusive  # policies/ai-inference.yaml:44:5
printf '%s\n' isolated > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpuset.cpus.partition  # policies/ai-inference.yaml:41:5
printf '%s\n' 300 > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpu.weight  # policies/ai-inference.yaml:56:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/inference-b/cpu.max  # policies/ai-inference.yaml:44:5
printf '%s\n' 68719476736 > /sys/fs/cgroup/mkpolicy.slice/inference-b/memory.min  # policies/ai-inference.yaml:46:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/inference-b/memory.high  # policies/ai-inference.yaml:46:5
printf '%s\n' 137438953472 > /sys/fs/cgroup/mkpolicy.slice/inference-b/memory.max  # policies/ai-inference.yaml:46:5

# /sys/fs/cgroup/mkpolicy.slice/preprocessing: workload preprocessing
mkdir -p /sys/fs/cgroup/mkpolicy.slice/preprocessing  # policies/ai-inference.yaml:58:5
printf '%s\n' 0-1 > /sys/fs/cgroup/mkpolicy.slice/preprocessing/cpuset.mems  # policies/ai-inference.yaml:61:5
printf '%s\n' 13-31,45-63,77-95,109-127 > /sys/fs/cgroup/mkpolicy.slice/preprocessing/cpuset.cpus  # policies/ai-inference.yaml:61:5
printf '%s\n' 100 > /sys/fs/cgroup/mkpolicy.slice/preprocessing/cpu.weight  # policies/ai-inference.yaml:63:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/mkpolicy.slice/preprocessing/cpu.max  # policies/ai-inference.yaml:61:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/mkpolicy.slice/preprocessing/memory.min  # policies/ai-inference.yaml:62:5
printf '%s\n' 386547056640 > /sys/fs/cgroup/mkpolicy.slice/preprocessing/memory.high  # policies/ai-inference.yaml:62:5
printf '%s\n' max > /sys/fs/cgroup/mkpolicy.slice/preprocessing/memory.max  # policies/ai-inference.yaml:62:5
