#!/bin/sh
# mkpolicy plan for policy telco-edge: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (policies/telco-edge.yaml:16:5)
printf '%s\n' 0,16 > /proc/irq/110/smp_affinity_list
printf '%s\n' 0,16 > /proc/irq/111/smp_affinity_list
printf '%s\n' 0,16 > /proc/irq/112/smp_affinity_list
printf '%s\n' 0,16 > /proc/irq/113/smp_affinity_list

# Not movable (kernel-managed); left to the boot parameters:
#   IRQ 114 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 115 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 116 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 117 on CPUs 24-31: no boot parameter keeps it off partition CPUs

# host (policies/telco-edge.yaml:16:5)
printf %s '10001
' > /proc/irq/default_smp_affinity
# host (policies/telco-edge.yaml:15:3)
mkdir -p /etc/default
printf %s '# Written by mkpolicy for policy telco-edge; mkpolicy apply rewrites this file.
# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.
IRQBALANCE_BANNED_CPULIST=1-15,17-31
' > /etc/default/irqbalance
