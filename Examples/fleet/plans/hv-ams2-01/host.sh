#!/bin/sh
# mkpolicy plan for policy cloud-multitenant: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
printf '%s\n' performance > /sys/devices/system/cpu/cpu8/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu9/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu10/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu11/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu12/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu13/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu14/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu15/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu200/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu201/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu202/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu203/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu204/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu205/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu206/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu207/cpufreq/scaling_governor
printf '%s\n' 10 > /sys/devices/system/cpu/cpu8/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu9/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu10/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu11/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu12/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu13/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu14/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu15/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu200/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu201/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu202/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu203/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu204/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu205/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu206/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu207/power/pm_qos_resume_latency_us
printf '%s\n' ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,ffc000ff,ffffffff,ffffffff,ffffffff,ffffffff,ffffffff,ffc000ff > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy cloud-multitenant; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0-7,22-199,214-383
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy cloud-multitenant; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
kernel.timer_migration = 0
# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
vm.stat_interval = 10
# workload tenant-gold (policies/cloud-multitenant.yaml:36:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (policies/cloud-multitenant.yaml:19:3)
systemctl try-restart irqbalance

# host (policies/cloud-multitenant.yaml:19:3)
update-grub

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
