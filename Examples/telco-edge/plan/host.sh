#!/bin/sh
# mkpolicy plan for policy telco-edge: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload control-plane (Policies/telco-edge.yaml:50:5)
printf '%s\n' performance > /sys/devices/system/cpu/cpu8/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu9/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu24/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu25/cpufreq/scaling_governor
printf '%s\n' 10 > /sys/devices/system/cpu/cpu8/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu9/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu24/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu25/power/pm_qos_resume_latency_us
printf '%s\n' fce1fce1 > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration

# workload control-plane (Policies/telco-edge.yaml:59:7)
printf '%s\n' 30 > /proc/sys/vm/stat_interval

# workload control-plane (Policies/telco-edge.yaml:50:5)
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload control-plane (Policies/telco-edge.yaml:50:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy telco-edge; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,5-7,10-16,21-23,26-31
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload control-plane (Policies/telco-edge.yaml:50:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy telco-edge; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload control-plane (Policies/telco-edge.yaml:50:5)
kernel.timer_migration = 0
# workload control-plane (Policies/telco-edge.yaml:59:7)
vm.stat_interval = 30
# workload control-plane (Policies/telco-edge.yaml:50:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (Policies/telco-edge.yaml:15:3)
mkdir -p /etc/systemd/system
printf %s '# Written by mkpolicy: parent of every workload slice of policy telco-edge.
[Unit]
Description=mkpolicy workloads of policy telco-edge

[Slice]
AllowedCPUs=5-15,21-31
AllowedMemoryNodes=0
' > /etc/systemd/system/mkpolicy.slice

# workload control-plane (Policies/telco-edge.yaml:48:5)
mkdir -p /etc/systemd/system
printf %s '# Written by mkpolicy: workload control-plane (Policies/telco-edge.yaml:48:5), cgroup /sys/fs/cgroup/mkpolicy.slice/mkpolicy-control_plane.slice.
# Partition (isolated): systemd cannot set cpuset.cpus.partition; the cgroup writes do.
[Unit]
Description=mkpolicy workload control-plane

[Slice]
AllowedMemoryNodes=0
AllowedCPUs=8-9,24-25
CPUWeight=100
MemoryMin=4294967296
MemoryHigh=infinity
MemoryMax=4294967296
' > /etc/systemd/system/mkpolicy-control_plane.slice

# workload control-plane (Policies/telco-edge.yaml:57:5)
mkdir -p /etc/systemd/system/cp-agent.service.d
printf %s '# Written by mkpolicy: cp-agent.service runs workload control-plane (Policies/telco-edge.yaml:57:5).
[Service]
Slice=mkpolicy-control_plane.slice
CPUAffinity=8-9,24-25
Delegate=yes
' > /etc/systemd/system/cp-agent.service.d/50-mkpolicy.conf

# host (Policies/telco-edge.yaml:15:3)
systemctl try-restart irqbalance

# host (Policies/telco-edge.yaml:15:3)
systemctl daemon-reload

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus; add boot parameter mkkernel_pool; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
