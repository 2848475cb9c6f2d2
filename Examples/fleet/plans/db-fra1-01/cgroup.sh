#!/bin/sh
# mkpolicy plan for policy database-nvme: cgroup hybrid settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# /sys/fs/cgroup/cpuset/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice  # policies/database-nvme.yaml:15:3
printf '%s\n' 1-23,36-47,49-71,84-95 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.cpus  # policies/database-nvme.yaml:15:3
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/cpuset.mems  # policies/database-nvme.yaml:15:3

# /sys/fs/cgroup/cpuset/mkpolicy.slice/backup: workload backup
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice/backup  # policies/database-nvme.yaml:50:5
printf '%s\n' 2-3,50-51 > /sys/fs/cgroup/cpuset/mkpolicy.slice/backup/cpuset.cpus  # policies/database-nvme.yaml:53:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/backup/cpuset.mems  # policies/database-nvme.yaml:53:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/backup/cpuset.sched_load_balance  # policies/database-nvme.yaml:50:5

# /sys/fs/cgroup/cpuset/mkpolicy.slice/monitoring: workload monitoring
mkdir -p /sys/fs/cgroup/cpuset/mkpolicy.slice/monitoring  # policies/database-nvme.yaml:59:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/monitoring/cpuset.cpus  # policies/database-nvme.yaml:62:5
printf '%s\n' 0 > /sys/fs/cgroup/cpuset/mkpolicy.slice/monitoring/cpuset.mems  # policies/database-nvme.yaml:62:5
printf '%s\n' 1 > /sys/fs/cgroup/cpuset/mkpolicy.slice/monitoring/cpuset.sched_load_balance  # policies/database-nvme.yaml:59:5

# /sys/fs/cgroup/cpu/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice  # policies/database-nvme.yaml:15:3

# /sys/fs/cgroup/cpu/mkpolicy.slice/backup: workload backup
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice/backup  # policies/database-nvme.yaml:50:5
printf '%s\n' 204 > /sys/fs/cgroup/cpu/mkpolicy.slice/backup/cpu.shares  # policies/database-nvme.yaml:57:5
printf '%s\n' 100000 > /sys/fs/cgroup/cpu/mkpolicy.slice/backup/cpu.cfs_period_us  # policies/database-nvme.yaml:53:5
printf '%s\n' -1 > /sys/fs/cgroup/cpu/mkpolicy.slice/backup/cpu.cfs_quota_us  # policies/database-nvme.yaml:53:5

# /sys/fs/cgroup/cpu/mkpolicy.slice/monitoring: workload monitoring
mkdir -p /sys/fs/cgroup/cpu/mkpolicy.slice/monitoring  # policies/database-nvme.yaml:59:5
printf '%s\n' 512 > /sys/fs/cgroup/cpu/mkpolicy.slice/monitoring/cpu.shares  # policies/database-nvme.yaml:64:5
printf '%s\n' 100000 > /sys/fs/cgroup/cpu/mkpolicy.slice/monitoring/cpu.cfs_period_us  # policies/database-nvme.yaml:62:5
printf '%s\n' -1 > /sys/fs/cgroup/cpu/mkpolicy.slice/monitoring/cpu.cfs_quota_us  # policies/database-nvme.yaml:62:5

# /sys/fs/cgroup/memory/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice  # policies/database-nvme.yaml:15:3

# /sys/fs/cgroup/memory/mkpolicy.slice/backup: workload backup
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice/backup  # policies/database-nvme.yaml:50:5
printf '%s\n' 8589934592 > /sys/fs/cgroup/memory/mkpolicy.slice/backup/memory.limit_in_bytes  # policies/database-nvme.yaml:54:5
printf '%s\n' -1 > /sys/fs/cgroup/memory/mkpolicy.slice/backup/memory.soft_limit_in_bytes  # policies/database-nvme.yaml:54:5

# /sys/fs/cgroup/memory/mkpolicy.slice/monitoring: workload monitoring
mkdir -p /sys/fs/cgroup/memory/mkpolicy.slice/monitoring  # policies/database-nvme.yaml:59:5
printf '%s\n' 1073741824 > /sys/fs/cgroup/memory/mkpolicy.slice/monitoring/memory.limit_in_bytes  # policies/database-nvme.yaml:63:5
printf '%s\n' -1 > /sys/fs/cgroup/memory/mkpolicy.slice/monitoring/memory.soft_limit_in_bytes  # policies/database-nvme.yaml:63:5

# /sys/fs/cgroup/blkio/mkpolicy.slice: host
mkdir -p /sys/fs/cgroup/blkio/mkpolicy.slice  # policies/database-nvme.yaml:15:3

# /sys/fs/cgroup/blkio/mkpolicy.slice/backup: workload backup
mkdir -p /sys/fs/cgroup/blkio/mkpolicy.slice/backup  # policies/database-nvme.yaml:50:5
printf '%s\n' '259:2 400000000' > /sys/fs/cgroup/blkio/mkpolicy.slice/backup/blkio.throttle.read_bps_device  # policies/database-nvme.yaml:56:9
printf '%s\n' '259:2 200000000' > /sys/fs/cgroup/blkio/mkpolicy.slice/backup/blkio.throttle.write_bps_device  # policies/database-nvme.yaml:56:9
printf '%s\n' '259:2 20000' > /sys/fs/cgroup/blkio/mkpolicy.slice/backup/blkio.throttle.write_iops_device  # policies/database-nvme.yaml:56:9
