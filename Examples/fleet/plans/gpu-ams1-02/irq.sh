#!/bin/sh
# mkpolicy plan for policy ai-inference: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# workload inference-a (policies/ai-inference.yaml:30:5)
printf '%s\n' 1-12,65-76 > /proc/irq/100/smp_affinity_list
printf '%s\n' 1-12,65-76 > /proc/irq/101/smp_affinity_list

# host (policies/ai-inference.yaml:16:5)
printf '%s\n' 0,32,64,96 > /proc/irq/102/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/103/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/104/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/105/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/106/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/107/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/108/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/109/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/110/smp_affinity_list

# workload inference-b (policies/ai-inference.yaml:48:5)
printf '%s\n' 33-44,97-108 > /proc/irq/111/smp_affinity_list
printf '%s\n' 33-44,97-108 > /proc/irq/112/smp_affinity_list

# host (policies/ai-inference.yaml:16:5)
printf '%s\n' 0,32,64,96 > /proc/irq/113/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/114/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/115/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/116/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/117/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/118/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/119/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/120/smp_affinity_list
printf '%s\n' 0,32,64,96 > /proc/irq/121/smp_affinity_list

# host (policies/ai-inference.yaml:16:5)
printf %s '1,00000001,00000001,00000001
' > /proc/irq/default_smp_affinity
# host (policies/ai-inference.yaml:15:3)
mkdir -p /etc/default
printf %s '# Written by mkpolicy for policy ai-inference; mkpolicy apply rewrites this file.
# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.
IRQBALANCE_BANNED_CPULIST=1-31,33-63,65-95,97-127
IRQBALANCE_ARGS="--banirq=100 --banirq=101 --banirq=111 --banirq=112"
' > /etc/default/irqbalance
