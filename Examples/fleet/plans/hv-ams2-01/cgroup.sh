#!/bin/sh
# mkpolicy plan for policy cloud-multitenant: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup: host
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/cgroup.subtree_control  # policies/cloud-multitenant.yaml:19:3

# /sys/fs/cgroup/tenants.slice: host
mkdir -p /sys/fs/cgroup/tenants.slice  # policies/cloud-multitenant.yaml:19:3
printf '%s\n' 1-15,22-23,25-47,49-71,73-95,97-119,121-143,145-167,169-191,193-207,214-215,217-239,241-263,265-287,289-311,313-335,337-359,361-383 > /sys/fs/cgroup/tenants.slice/cpuset.cpus  # policies/cloud-multitenant.yaml:19:3
printf '%s\n' 0-7 > /sys/fs/cgroup/tenants.slice/cpuset.mems  # policies/cloud-multitenant.yaml:19:3
printf '%s\n' 1-4,8-15,193-196,200-207 > /sys/fs/cgroup/tenants.slice/cpuset.cpus.exclusive  # policies/cloud-multitenant.yaml:19:3
printf '%s\n' '+cpuset +cpu +memory' > /sys/fs/cgroup/tenants.slice/cgroup.subtree_control  # policies/cloud-multitenant.yaml:19:3

# /sys/fs/cgroup/tenants.slice/tenant-gold: workload tenant-gold
mkdir -p /sys/fs/cgroup/tenants.slice/tenant-gold  # policies/cloud-multitenant.yaml:34:5
printf '%s\n' 0 > /sys/fs/cgroup/tenants.slice/tenant-gold/cpuset.mems  # policies/cloud-multitenant.yaml:37:5
printf '%s\n' 8-15,200-207 > /sys/fs/cgroup/tenants.slice/tenant-gold/cpuset.cpus  # policies/cloud-multitenant.yaml:37:5
printf '%s\n' 8-15,200-207 > /sys/fs/cgroup/tenants.slice/tenant-gold/cpuset.cpus.exclusive  # policies/cloud-multitenant.yaml:37:5
printf '%s\n' isolated > /sys/fs/cgroup/tenants.slice/tenant-gold/cpuset.cpus.partition  # policies/cloud-multitenant.yaml:34:5
printf '%s\n' 400 > /sys/fs/cgroup/tenants.slice/tenant-gold/cpu.weight  # policies/cloud-multitenant.yaml:45:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/tenants.slice/tenant-gold/cpu.max  # policies/cloud-multitenant.yaml:37:5
printf '%s\n' 34359738368 > /sys/fs/cgroup/tenants.slice/tenant-gold/memory.min  # policies/cloud-multitenant.yaml:39:5
printf '%s\n' max > /sys/fs/cgroup/tenants.slice/tenant-gold/memory.high  # policies/cloud-multitenant.yaml:39:5
printf '%s\n' 68719476736 > /sys/fs/cgroup/tenants.slice/tenant-gold/memory.max  # policies/cloud-multitenant.yaml:39:5

# /sys/fs/cgroup/tenants.slice/tenant-silver: workload tenant-silver
mkdir -p /sys/fs/cgroup/tenants.slice/tenant-silver  # policies/cloud-multitenant.yaml:47:5
printf '%s\n' 0 > /sys/fs/cgroup/tenants.slice/tenant-silver/cpuset.mems  # policies/cloud-multitenant.yaml:50:5
printf '%s\n' 1-4,193-196 > /sys/fs/cgroup/tenants.slice/tenant-silver/cpuset.cpus  # policies/cloud-multitenant.yaml:50:5
printf '%s\n' 1-4,193-196 > /sys/fs/cgroup/tenants.slice/tenant-silver/cpuset.cpus.exclusive  # policies/cloud-multitenant.yaml:50:5
printf '%s\n' root > /sys/fs/cgroup/tenants.slice/tenant-silver/cpuset.cpus.partition  # policies/cloud-multitenant.yaml:47:5
printf '%s\n' 200 > /sys/fs/cgroup/tenants.slice/tenant-silver/cpu.weight  # policies/cloud-multitenant.yaml:58:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/tenants.slice/tenant-silver/cpu.max  # policies/cloud-multitenant.yaml:50:5
printf '%s\n' 17179869184 > /sys/fs/cgroup/tenants.slice/tenant-silver/memory.min  # policies/cloud-multitenant.yaml:52:5
printf '%s\n' max > /sys/fs/cgroup/tenants.slice/tenant-silver/memory.high  # policies/cloud-multitenant.yaml:52:5
printf '%s\n' 34359738368 > /sys/fs/cgroup/tenants.slice/tenant-silver/memory.max  # policies/cloud-multitenant.yaml:52:5

# /sys/fs/cgroup/tenants.slice/platform: workload platform
mkdir -p /sys/fs/cgroup/tenants.slice/platform  # policies/cloud-multitenant.yaml:71:5
printf '%s\n' 0-7 > /sys/fs/cgroup/tenants.slice/platform/cpuset.mems  # policies/cloud-multitenant.yaml:74:5
printf '%s\n' 22-23,25-47,49-71,73-95,97-119,121-143,145-167,169-191,214-215,217-239,241-263,265-287,289-311,313-335,337-359,361-383 > /sys/fs/cgroup/tenants.slice/platform/cpuset.cpus  # policies/cloud-multitenant.yaml:74:5
printf '%s\n' 50 > /sys/fs/cgroup/tenants.slice/platform/cpu.weight  # policies/cloud-multitenant.yaml:76:5
printf '%s\n' 'max 100000' > /sys/fs/cgroup/tenants.slice/platform/cpu.max  # policies/cloud-multitenant.yaml:74:5
printf '%s\n' 4294967296 > /sys/fs/cgroup/tenants.slice/platform/memory.min  # policies/cloud-multitenant.yaml:75:5
printf '%s\n' 1511828488192 > /sys/fs/cgroup/tenants.slice/platform/memory.high  # policies/cloud-multitenant.yaml:75:5
printf '%s\n' max > /sys/fs/cgroup/tenants.slice/platform/memory.max  # policies/cloud-multitenant.yaml:75:5
