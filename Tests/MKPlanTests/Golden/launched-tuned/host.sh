#!/bin/sh
# mkpolicy plan for policy trading-edge: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# NIC channels: set by irq.sh (run it first), before its IRQ moves.

# workload md-feed (fixture/policy.yaml:38:5)
printf '%s\n' 0 > /sys/class/net/enp32s0/queues/rx-0/rps_cpus
printf '%s\n' 2 > /sys/class/net/enp32s0/queues/tx-0/xps_cpus

# workload md-feed (fixture/policy.yaml:50:7)
printf '%s\n' schedutil > /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor
printf '%s\n' schedutil > /sys/devices/system/cpu/cpu9/cpufreq/scaling_governor

# workload md-feed (fixture/policy.yaml:51:7)
printf '%s\n' n/a > /sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us
printf '%s\n' n/a > /sys/devices/system/cpu/cpu9/power/pm_qos_resume_latency_us

# workload md-feed (fixture/policy.yaml:38:5)
printf '%s\n' cdcd > /sys/devices/virtual/workqueue/cpumask

# workload md-feed (fixture/policy.yaml:52:7)
printf '%s\n' -1 > /proc/sys/kernel/sched_rt_runtime_us

# workload md-feed (fixture/policy.yaml:38:5)
printf '%s\n' 0 > /proc/sys/kernel/timer_migration

# workload md-feed (fixture/policy.yaml:53:7)
printf '%s\n' 60 > /proc/sys/vm/stat_interval

# workload md-feed (fixture/policy.yaml:38:5)
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload md-feed (fixture/policy.yaml:38:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,2-3,6-8,10-11,14-15
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload md-feed (fixture/policy.yaml:52:7)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload md-feed (fixture/policy.yaml:52:7)
kernel.sched_rt_runtime_us = -1
# workload md-feed (fixture/policy.yaml:38:5)
kernel.timer_migration = 0
# workload md-feed (fixture/policy.yaml:53:7)
vm.stat_interval = 60
# workload md-feed (fixture/policy.yaml:38:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (fixture/policy.yaml:7:1)
mkdir -p /etc/systemd/system
printf %s '# Written by mkpolicy: parent of every workload slice of policy trading-edge.
[Unit]
Description=mkpolicy workloads of policy trading-edge

[Slice]
AllowedCPUs=1-3,6-7,9-11,14-15
AllowedMemoryNodes=0-1
' > /etc/systemd/system/mkpolicy.slice

# workload md-feed (fixture/policy.yaml:36:5)
mkdir -p /etc/systemd/system
printf %s '# Written by mkpolicy: workload md-feed (fixture/policy.yaml:36:5), cgroup /sys/fs/cgroup/mkpolicy.slice/mkpolicy-md_feed.slice.
# Partition (isolated): systemd cannot set cpuset.cpus.partition; the cgroup writes do.
[Unit]
Description=mkpolicy workload md-feed

[Slice]
AllowedMemoryNodes=0
AllowedCPUs=1,9
CPUWeight=400
MemoryMin=2147483648
MemoryHigh=infinity
MemoryMax=2147483648
IOReadBandwidthMax=/dev/nvme0n1 500000000
IOWriteIOPSMax=/dev/nvme0n1 20000
' > /etc/systemd/system/mkpolicy-md_feed.slice

# workload md-feed (fixture/policy.yaml:47:5)
mkdir -p /etc/systemd/system/md-feed@primary.service.d
printf %s '# Written by mkpolicy: md-feed@primary.service runs workload md-feed (fixture/policy.yaml:47:5).
[Service]
Slice=mkpolicy-md_feed.slice
CPUAffinity=1,9
Delegate=yes
' > /etc/systemd/system/md-feed@primary.service.d/50-mkpolicy.conf

# workload md-feed (fixture/policy.yaml:54:7)
mkdir -p /etc/systemd/system
printf %s '# Written by mkpolicy for policy trading-edge: workload md-feed (fixture/policy.yaml:54:7).
[Unit]
Description=stalld watching the CPUs of md-feed (mkpolicy)
Documentation=https://gitlab.com/rt-linux-tools/stalld

[Service]
Type=simple
ExecStart=/usr/bin/stalld --foreground --cpu 1,9
CPUAffinity=0,2-3,6-8,10-11,14-15
Restart=on-failure

[Install]
WantedBy=multi-user.target
' > /etc/systemd/system/mkpolicy-stalld.service

# host (fixture/policy.yaml:7:1)
systemctl disable irqbalance

# host (fixture/policy.yaml:7:1)
update-grub

# host (fixture/policy.yaml:7:1)
systemctl daemon-reload

# workload md-feed (fixture/policy.yaml:54:7)
systemctl enable --now mkpolicy-stalld.service

# A reboot is required: add boot parameter isolcpus; add boot parameter nohz_full; add boot parameter rcu_nocbs; add boot parameter irqaffinity; add boot parameter kthread_cpus; add boot parameter hugepagesz; add boot parameter hugepages; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
