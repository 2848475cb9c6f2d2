#!/bin/sh
# mkpolicy plan for policy ledger-handover: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (Examples/handover-nvme/policy.yaml:15:5)
printf '%s\n' 0-1,48-49 > /proc/irq/100/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/101/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/102/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/103/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/104/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/105/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/106/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/107/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/108/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/109/smp_affinity_list
printf '%s\n' 0-1,48-49 > /proc/irq/118/smp_affinity_list

# Not movable (kernel-managed); left to the boot parameters:
#   IRQ 110 on CPUs 0-11: no boot parameter keeps it off partition CPUs
#   IRQ 111 on CPUs 12-23: no boot parameter keeps it off partition CPUs
#   IRQ 112 on CPUs 24-35: no boot parameter keeps it off partition CPUs
#   IRQ 113 on CPUs 36-47: no boot parameter keeps it off partition CPUs
#   IRQ 114 on CPUs 48-59: no boot parameter keeps it off partition CPUs
#   IRQ 115 on CPUs 60-71: no boot parameter keeps it off partition CPUs
#   IRQ 116 on CPUs 72-83: no boot parameter keeps it off partition CPUs
#   IRQ 117 on CPUs 84-95: no boot parameter keeps it off partition CPUs
#   IRQ 119 on CPUs 0-11: no boot parameter keeps it off partition CPUs
#   IRQ 120 on CPUs 12-23: no boot parameter keeps it off partition CPUs
#   IRQ 121 on CPUs 24-35: no boot parameter keeps it off partition CPUs
#   IRQ 122 on CPUs 36-47: no boot parameter keeps it off partition CPUs
#   IRQ 123 on CPUs 48-59: no boot parameter keeps it off partition CPUs
#   IRQ 124 on CPUs 60-71: no boot parameter keeps it off partition CPUs
#   IRQ 125 on CPUs 72-83: no boot parameter keeps it off partition CPUs
#   IRQ 126 on CPUs 84-95: no boot parameter keeps it off partition CPUs

# host (Examples/handover-nvme/policy.yaml:15:5)
printf %s '30000,00000003
' > /proc/irq/default_smp_affinity
# host (Examples/handover-nvme/policy.yaml:14:3)
mkdir -p /etc/default
printf %s '# Written by mkpolicy for policy ledger-handover; mkpolicy apply rewrites this file.
# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.
IRQBALANCE_BANNED_CPULIST=2-47,50-95
' > /etc/default/irqbalance
