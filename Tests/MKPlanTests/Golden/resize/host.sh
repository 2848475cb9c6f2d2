#!/bin/sh
# mkpolicy plan for policy trading-edge: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# NIC channels: set by irq.sh (run it first), before its IRQ moves.

# workload md-feed (fixture/policy.yaml:38:5)
printf '%s\n' 0 > /sys/class/net/enp32s0/queues/rx-0/rps_cpus
printf '%s\n' 2 > /sys/class/net/enp32s0/queues/tx-0/xps_cpus
printf '%s\n' performance > /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu9/cpufreq/scaling_governor
printf '%s\n' 1 > /sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us
printf '%s\n' 1 > /sys/devices/system/cpu/cpu9/power/pm_qos_resume_latency_us
printf '%s\n' eded > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload md-feed (fixture/policy.yaml:38:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,2-3,5-8,10-11,13-15
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload md-feed (fixture/policy.yaml:38:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload md-feed (fixture/policy.yaml:38:5)
kernel.timer_migration = 0
# workload md-feed (fixture/policy.yaml:38:5)
vm.stat_interval = 10
# workload md-feed (fixture/policy.yaml:38:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (fixture/policy.yaml:7:1)
systemctl try-restart irqbalance

# A reboot is required: stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
