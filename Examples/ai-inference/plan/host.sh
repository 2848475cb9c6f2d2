#!/bin/sh
# mkpolicy plan for policy ai-inference: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload inference-a (Policies/ai-inference.yaml:25:5)
printf '%s\n' performance > /sys/devices/system/cpu/cpu1/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu3/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu4/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu5/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu6/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu7/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu8/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu9/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu10/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu11/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu12/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu65/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu66/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu67/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu68/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu69/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu70/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu71/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu72/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu73/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu74/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu75/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu76/cpufreq/scaling_governor
printf '%s\n' 10 > /sys/devices/system/cpu/cpu1/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu2/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu3/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu4/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu5/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu6/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu7/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu8/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu9/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu10/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu11/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu12/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu65/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu66/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu67/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu68/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu69/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu70/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu71/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu72/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu73/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu74/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu75/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu76/power/pm_qos_resume_latency_us

# workload inference-b (Policies/ai-inference.yaml:43:5)
printf '%s\n' performance > /sys/devices/system/cpu/cpu33/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu34/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu35/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu36/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu37/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu38/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu39/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu40/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu41/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu42/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu43/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu44/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu97/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu98/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu99/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu100/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu101/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu102/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu103/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu104/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu105/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu106/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu107/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu108/cpufreq/scaling_governor
printf '%s\n' 10 > /sys/devices/system/cpu/cpu33/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu34/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu35/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu36/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu37/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu38/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu39/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu40/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu41/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu42/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu43/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu44/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu97/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu98/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu99/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu100/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu101/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu102/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu103/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu104/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu105/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu106/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu107/power/pm_qos_resume_latency_us
printf '%s\n' 10 > /sys/devices/system/cpu/cpu108/power/pm_qos_resume_latency_us

# workload inference-a (Policies/ai-inference.yaml:25:5)
printf '%s\n' ffffe001,ffffe001,ffffe001,ffffe001 > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload inference-a (Policies/ai-inference.yaml:25:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy ai-inference; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0,13-32,45-64,77-96,109-127
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload inference-a (Policies/ai-inference.yaml:25:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy ai-inference; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload inference-a (Policies/ai-inference.yaml:25:5)
kernel.timer_migration = 0
# workload inference-a (Policies/ai-inference.yaml:25:5)
vm.stat_interval = 10
# workload inference-a (Policies/ai-inference.yaml:25:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (Policies/ai-inference.yaml:15:3)
systemctl try-restart irqbalance

# host (Policies/ai-inference.yaml:15:3)
kernel-install add 6.8.0-49-generic /usr/lib/modules/6.8.0-49-generic/vmlinuz

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus; add boot parameter hugepagesz; add boot parameter hugepages; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
