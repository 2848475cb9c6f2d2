#!/bin/sh
# mkpolicy plan for policy k8s-worker: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload packet-io (policies/k8s-worker.yaml:34:5)
printf '%s\n' performance > /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu3/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu4/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu49/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu50/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu51/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu52/cpufreq/scaling_governor
printf '%s\n' 10 > /sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu2/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu3/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu4/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu49/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu50/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu51/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu52/power/pm_qos_resume_latency_us
printf '%s\n' fffffff0,0fe1ffff,fff00fe1 > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload packet-io (policies/k8s-worker.yaml:34:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy k8s-worker; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,5-11,20-48,53-59,68-95
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload packet-io (policies/k8s-worker.yaml:34:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy k8s-worker; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload packet-io (policies/k8s-worker.yaml:34:5)
kernel.timer_migration = 0
# workload packet-io (policies/k8s-worker.yaml:34:5)
vm.stat_interval = 10
# workload packet-io (policies/k8s-worker.yaml:34:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (policies/k8s-worker.yaml:16:3)
systemctl try-restart irqbalance

# host (policies/k8s-worker.yaml:16:3)
update-grub

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
