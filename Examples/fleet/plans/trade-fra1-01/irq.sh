#!/bin/sh
# mkpolicy plan for policy trading-edge: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host.irqbalance: stop
systemctl stop irqbalance

# NIC channels before the IRQ moves: workload market-data (policies/trading/10-workloads.yaml:34:5)
ethtool -L ens2f0 combined 4

# NIC channels before the IRQ moves: workload market-data (policies/trading/10-workloads.yaml:34:5)
ethtool -L ens2f1 combined 4

# workload market-data (policies/trading/10-workloads.yaml:38:5)
printf '%s\n' 2-3,34-35 > /proc/irq/109/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/110/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/111/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/112/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/113/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/114/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/115/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/116/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/117/smp_affinity_list
printf '%s\n' 2-3,34-35 > /proc/irq/118/smp_affinity_list

# host (policies/trading/00-host.yaml:18:5)
printf '%s\n' 0-1,32-33 > /proc/irq/119/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/124/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/125/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/126/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/127/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/128/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/129/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/130/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/131/smp_affinity_list
printf '%s\n' 0-1,32-33 > /proc/irq/132/smp_affinity_list

# Not movable (kernel-managed); left to the boot parameters:
#   IRQ 120 on CPUs 0-15: isolcpus=managed_irq,domain,2-3,34-35
#   IRQ 121 on CPUs 16-31: isolcpus=managed_irq,domain,2-3,34-35
#   IRQ 122 on CPUs 32-47: isolcpus=managed_irq,domain,2-3,34-35
#   IRQ 123 on CPUs 48-63: isolcpus=managed_irq,domain,2-3,34-35

# host (policies/trading/00-host.yaml:18:5)
printf %s '3,00000003
' > /proc/irq/default_smp_affinity
