#!/bin/sh
# mkpolicy plan for policy trading-edge: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup/mkpolicy.slice: host
printf '%s\n' 1-3,5-7,9-11,13-15 > /sys/fs/cgroup/mkpolicy.slice/cpuset.cpus  # fixture/policy.yaml:7:1

# /sys/fs/cgroup/mkpolicy.slice/analytics: workload analytics
printf '%s\n' 2-3,5-7,10-11,13-15 > /sys/fs/cgroup/mkpolicy.slice/analytics/cpuset.cpus  # fixture/policy.yaml:53:5
