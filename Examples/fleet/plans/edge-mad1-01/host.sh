#!/bin/sh
# mkpolicy plan for policy telco-edge: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload control-plane (policies/telco-edge.yaml:50:5)
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
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload control-plane (policies/telco-edge.yaml:50:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy telco-edge; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,5-7,10-16,21-23,26-31
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload control-plane (policies/telco-edge.yaml:50:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy telco-edge; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload control-plane (policies/telco-edge.yaml:50:5)
kernel.timer_migration = 0
# workload control-plane (policies/telco-edge.yaml:50:5)
vm.stat_interval = 10
# workload control-plane (policies/telco-edge.yaml:50:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (policies/telco-edge.yaml:15:3)
systemctl try-restart irqbalance

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus; add boot parameter mkkernel_pool; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
