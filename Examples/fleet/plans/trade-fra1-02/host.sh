#!/bin/sh
# mkpolicy plan for policy trading-edge: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# NIC channels: set by irq.sh (run it first), before its IRQ moves.

# workload market-data (policies/trading/10-workloads.yaml:34:5)
printf '%s\n' 0 > /sys/class/net/ens2f0/queues/rx-0/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f0/queues/rx-1/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f0/queues/rx-2/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f0/queues/rx-3/rps_cpus
printf '%s\n' 4 > /sys/class/net/ens2f0/queues/tx-0/xps_cpus
printf '%s\n' 8 > /sys/class/net/ens2f0/queues/tx-1/xps_cpus
printf '%s\n' 4,00000000 > /sys/class/net/ens2f0/queues/tx-2/xps_cpus
printf '%s\n' 8,00000000 > /sys/class/net/ens2f0/queues/tx-3/xps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f1/queues/rx-0/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f1/queues/rx-1/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f1/queues/rx-2/rps_cpus
printf '%s\n' 0 > /sys/class/net/ens2f1/queues/rx-3/rps_cpus
printf '%s\n' 4 > /sys/class/net/ens2f1/queues/tx-0/xps_cpus
printf '%s\n' 8 > /sys/class/net/ens2f1/queues/tx-1/xps_cpus
printf '%s\n' 4,00000000 > /sys/class/net/ens2f1/queues/tx-2/xps_cpus
printf '%s\n' 8,00000000 > /sys/class/net/ens2f1/queues/tx-3/xps_cpus
printf '%s\n' performance > /sys/devices/system/cpu/cpu2/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu3/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu34/cpufreq/scaling_governor
printf '%s\n' performance > /sys/devices/system/cpu/cpu35/cpufreq/scaling_governor
printf '%s\n' 1 > /sys/devices/system/cpu/cpu2/power/pm_qos_resume_latency_us
printf '%s\n' 1 > /sys/devices/system/cpu/cpu3/power/pm_qos_resume_latency_us
printf '%s\n' 1 > /sys/devices/system/cpu/cpu34/power/pm_qos_resume_latency_us
printf '%s\n' 1 > /sys/devices/system/cpu/cpu35/power/pm_qos_resume_latency_us
printf '%s\n' ffff00f3,ffff00f3 > /sys/devices/virtual/workqueue/cpumask
printf '%s\n' 0 > /proc/sys/kernel/timer_migration
printf '%s\n' 10 > /proc/sys/vm/stat_interval
printf '%s\n' 600 > /proc/sys/kernel/hung_task_timeout_secs

# workload market-data (policies/trading/10-workloads.yaml:34:5)
mkdir -p /etc/systemd/system.conf.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd and every service it starts run on the host CPUs, off the tuned partitions.
# Read at boot (or systemctl daemon-reexec); a workload'\''s own service sets its CPUAffinity= in its drop-in.
[Manager]
CPUAffinity=0-1,4-7,16-33,36-39,48-63
' > /etc/systemd/system.conf.d/90-mkpolicy.conf

# workload market-data (policies/trading/10-workloads.yaml:34:5)
mkdir -p /etc/sysctl.d
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# systemd-sysctl sets these again at every boot.
# workload market-data (policies/trading/10-workloads.yaml:34:5)
kernel.timer_migration = 0
# workload market-data (policies/trading/10-workloads.yaml:34:5)
vm.stat_interval = 10
# workload market-data (policies/trading/10-workloads.yaml:34:5)
kernel.hung_task_timeout_secs = 600
' > /etc/sysctl.d/90-mkpolicy.conf

# host (policies/trading/00-host.yaml:17:3)
systemctl disable irqbalance

# host (policies/trading/00-host.yaml:17:3)
update-grub

# A reboot is required: add boot parameter isolcpus; add boot parameter nohz_full; add boot parameter rcu_nocbs; add boot parameter irqaffinity; add boot parameter kthread_cpus; add boot parameter skew_tick; add boot parameter rcu_nocb_poll; add boot parameter nosoftlockup; add boot parameter nowatchdog; add boot parameter tsc; add boot parameter processor.max_cstate; add boot parameter intel_idle.max_cstate; stage /etc/systemd/system.conf.d/90-mkpolicy.conf
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
