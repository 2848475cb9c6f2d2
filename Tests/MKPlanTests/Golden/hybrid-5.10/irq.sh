#!/bin/sh
# mkpolicy plan for policy trading-edge: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# NIC channels before the IRQ moves: workload md-feed (fixture/policy.yaml:38:5)
ethtool -L enp32s0 combined 1

# workload md-feed (fixture/policy.yaml:36:5)
printf '%s\n' 1 > /proc/irq/100/smp_affinity_list

# host (fixture/policy.yaml:8:5)
printf '%s\n' 0,8 > /proc/irq/103/smp_affinity_list

# Not movable (kernel-managed); left to the boot parameters:
#   IRQ 101 on CPUs 0-7: isolcpus=managed_irq,domain,1,9
#   IRQ 102 on CPUs 8-15: isolcpus=managed_irq,domain,1,9
#   IRQ 104 on CPUs 0-15: isolcpus=managed_irq,domain,1,9

# host (fixture/policy.yaml:8:5)
printf %s '101
' > /proc/irq/default_smp_affinity
# host (fixture/policy.yaml:7:1)
mkdir -p /etc/default
printf %s '# Written by mkpolicy for policy trading-edge; mkpolicy apply rewrites this file.
# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.
IRQBALANCE_BANNED_CPULIST=1-7,9-15
IRQBALANCE_ARGS="--banirq=100"
' > /etc/default/irqbalance
