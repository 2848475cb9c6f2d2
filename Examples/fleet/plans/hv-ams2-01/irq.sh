#!/bin/sh
# mkpolicy plan for policy cloud-multitenant: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (policies/cloud-multitenant.yaml:20:5)
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/100/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/101/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/102/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/103/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/104/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/105/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/106/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/107/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/108/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/109/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/110/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/111/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/112/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/113/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/114/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/115/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/116/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/117/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/118/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/119/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/120/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/121/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/122/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/123/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/124/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/125/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/126/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/127/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/128/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/129/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/130/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/131/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/132/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/133/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/134/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/135/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/136/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/137/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/138/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/139/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/140/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/141/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/142/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/143/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/144/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/145/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/146/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/147/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/148/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/149/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/150/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/151/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/152/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/153/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/154/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/155/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/156/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/157/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/158/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/159/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/160/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/161/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/162/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/163/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/164/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/213/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/262/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/263/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/312/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/361/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/362/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/363/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/364/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/365/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/366/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/367/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/368/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/369/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/370/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/371/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/372/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/373/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/374/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/375/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/376/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/377/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/378/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/379/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/380/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/381/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/382/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/383/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/384/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/385/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/386/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/387/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/388/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/389/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/390/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/391/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/392/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/393/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/394/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/395/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/396/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/397/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/398/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/399/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/400/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/401/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/402/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/403/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/404/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/405/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/406/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/407/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/408/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/409/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/410/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/411/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/412/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/413/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/414/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/415/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/416/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/417/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/418/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/419/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/420/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/421/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/422/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/423/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/424/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/425/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/474/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/523/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/524/smp_affinity_list
printf '%s\n' 0,24,48,72,96,120,144,168,192,216,240,264,288,312,336,360 > /proc/irq/573/smp_affinity_list

# Not movable (kernel-managed); left to the boot parameters:
#   IRQ 165 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 166 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 167 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 168 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 169 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 170 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 171 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 172 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 173 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 174 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 175 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 176 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 177 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 178 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 179 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 180 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 181 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 182 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 183 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 184 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 185 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 186 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 187 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 188 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 189 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 190 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 191 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 192 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 193 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 194 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 195 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 196 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 197 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 198 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 199 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 200 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 201 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 202 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 203 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 204 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 205 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 206 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 207 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 208 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 209 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 210 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 211 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 212 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 214 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 215 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 216 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 217 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 218 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 219 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 220 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 221 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 222 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 223 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 224 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 225 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 226 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 227 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 228 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 229 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 230 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 231 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 232 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 233 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 234 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 235 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 236 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 237 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 238 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 239 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 240 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 241 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 242 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 243 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 244 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 245 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 246 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 247 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 248 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 249 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 250 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 251 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 252 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 253 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 254 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 255 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 256 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 257 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 258 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 259 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 260 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 261 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 264 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 265 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 266 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 267 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 268 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 269 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 270 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 271 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 272 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 273 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 274 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 275 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 276 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 277 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 278 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 279 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 280 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 281 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 282 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 283 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 284 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 285 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 286 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 287 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 288 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 289 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 290 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 291 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 292 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 293 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 294 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 295 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 296 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 297 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 298 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 299 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 300 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 301 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 302 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 303 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 304 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 305 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 306 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 307 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 308 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 309 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 310 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 311 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 313 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 314 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 315 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 316 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 317 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 318 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 319 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 320 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 321 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 322 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 323 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 324 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 325 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 326 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 327 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 328 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 329 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 330 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 331 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 332 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 333 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 334 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 335 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 336 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 337 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 338 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 339 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 340 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 341 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 342 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 343 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 344 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 345 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 346 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 347 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 348 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 349 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 350 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 351 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 352 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 353 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 354 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 355 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 356 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 357 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 358 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 359 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 360 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 426 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 427 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 428 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 429 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 430 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 431 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 432 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 433 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 434 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 435 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 436 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 437 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 438 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 439 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 440 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 441 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 442 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 443 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 444 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 445 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 446 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 447 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 448 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 449 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 450 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 451 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 452 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 453 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 454 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 455 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 456 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 457 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 458 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 459 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 460 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 461 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 462 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 463 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 464 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 465 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 466 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 467 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 468 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 469 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 470 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 471 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 472 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 473 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 475 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 476 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 477 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 478 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 479 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 480 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 481 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 482 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 483 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 484 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 485 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 486 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 487 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 488 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 489 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 490 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 491 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 492 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 493 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 494 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 495 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 496 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 497 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 498 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 499 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 500 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 501 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 502 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 503 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 504 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 505 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 506 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 507 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 508 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 509 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 510 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 511 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 512 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 513 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 514 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 515 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 516 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 517 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 518 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 519 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 520 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 521 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 522 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 525 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 526 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 527 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 528 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 529 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 530 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 531 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 532 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 533 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 534 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 535 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 536 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 537 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 538 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 539 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 540 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 541 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 542 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 543 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 544 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 545 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 546 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 547 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 548 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 549 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 550 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 551 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 552 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 553 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 554 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 555 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 556 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 557 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 558 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 559 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 560 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 561 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 562 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 563 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 564 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 565 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 566 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 567 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 568 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 569 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 570 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 571 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 572 on CPUs 376-383: no boot parameter keeps it off partition CPUs
#   IRQ 574 on CPUs 0-7: no boot parameter keeps it off partition CPUs
#   IRQ 575 on CPUs 8-15: no boot parameter keeps it off partition CPUs
#   IRQ 576 on CPUs 16-23: no boot parameter keeps it off partition CPUs
#   IRQ 577 on CPUs 24-31: no boot parameter keeps it off partition CPUs
#   IRQ 578 on CPUs 32-39: no boot parameter keeps it off partition CPUs
#   IRQ 579 on CPUs 40-47: no boot parameter keeps it off partition CPUs
#   IRQ 580 on CPUs 48-55: no boot parameter keeps it off partition CPUs
#   IRQ 581 on CPUs 56-63: no boot parameter keeps it off partition CPUs
#   IRQ 582 on CPUs 64-71: no boot parameter keeps it off partition CPUs
#   IRQ 583 on CPUs 72-79: no boot parameter keeps it off partition CPUs
#   IRQ 584 on CPUs 80-87: no boot parameter keeps it off partition CPUs
#   IRQ 585 on CPUs 88-95: no boot parameter keeps it off partition CPUs
#   IRQ 586 on CPUs 96-103: no boot parameter keeps it off partition CPUs
#   IRQ 587 on CPUs 104-111: no boot parameter keeps it off partition CPUs
#   IRQ 588 on CPUs 112-119: no boot parameter keeps it off partition CPUs
#   IRQ 589 on CPUs 120-127: no boot parameter keeps it off partition CPUs
#   IRQ 590 on CPUs 128-135: no boot parameter keeps it off partition CPUs
#   IRQ 591 on CPUs 136-143: no boot parameter keeps it off partition CPUs
#   IRQ 592 on CPUs 144-151: no boot parameter keeps it off partition CPUs
#   IRQ 593 on CPUs 152-159: no boot parameter keeps it off partition CPUs
#   IRQ 594 on CPUs 160-167: no boot parameter keeps it off partition CPUs
#   IRQ 595 on CPUs 168-175: no boot parameter keeps it off partition CPUs
#   IRQ 596 on CPUs 176-183: no boot parameter keeps it off partition CPUs
#   IRQ 597 on CPUs 184-191: no boot parameter keeps it off partition CPUs
#   IRQ 598 on CPUs 192-199: no boot parameter keeps it off partition CPUs
#   IRQ 599 on CPUs 200-207: no boot parameter keeps it off partition CPUs
#   IRQ 600 on CPUs 208-215: no boot parameter keeps it off partition CPUs
#   IRQ 601 on CPUs 216-223: no boot parameter keeps it off partition CPUs
#   IRQ 602 on CPUs 224-231: no boot parameter keeps it off partition CPUs
#   IRQ 603 on CPUs 232-239: no boot parameter keeps it off partition CPUs
#   IRQ 604 on CPUs 240-247: no boot parameter keeps it off partition CPUs
#   IRQ 605 on CPUs 248-255: no boot parameter keeps it off partition CPUs
#   IRQ 606 on CPUs 256-263: no boot parameter keeps it off partition CPUs
#   IRQ 607 on CPUs 264-271: no boot parameter keeps it off partition CPUs
#   IRQ 608 on CPUs 272-279: no boot parameter keeps it off partition CPUs
#   IRQ 609 on CPUs 280-287: no boot parameter keeps it off partition CPUs
#   IRQ 610 on CPUs 288-295: no boot parameter keeps it off partition CPUs
#   IRQ 611 on CPUs 296-303: no boot parameter keeps it off partition CPUs
#   IRQ 612 on CPUs 304-311: no boot parameter keeps it off partition CPUs
#   IRQ 613 on CPUs 312-319: no boot parameter keeps it off partition CPUs
#   IRQ 614 on CPUs 320-327: no boot parameter keeps it off partition CPUs
#   IRQ 615 on CPUs 328-335: no boot parameter keeps it off partition CPUs
#   IRQ 616 on CPUs 336-343: no boot parameter keeps it off partition CPUs
#   IRQ 617 on CPUs 344-351: no boot parameter keeps it off partition CPUs
#   IRQ 618 on CPUs 352-359: no boot parameter keeps it off partition CPUs
#   IRQ 619 on CPUs 360-367: no boot parameter keeps it off partition CPUs
#   IRQ 620 on CPUs 368-375: no boot parameter keeps it off partition CPUs
#   IRQ 621 on CPUs 376-383: no boot parameter keeps it off partition CPUs

# host (policies/cloud-multitenant.yaml:20:5)
printf %s '100,00010000,01000001,00000100,00010000,01000001,00000100,00010000,01000001,00000100,00010000,01000001
' > /proc/irq/default_smp_affinity
# host (policies/cloud-multitenant.yaml:19:3)
mkdir -p /etc/default
printf %s '# Written by mkpolicy for policy cloud-multitenant; mkpolicy apply rewrites this file.
# irqbalance stays on the housekeeping CPUs and leaves IRQs pinned to partition CPUs alone.
IRQBALANCE_BANNED_CPULIST=1-23,25-47,49-71,73-95,97-119,121-143,145-167,169-191,193-215,217-239,241-263,265-287,289-311,313-335,337-359,361-383
' > /etc/default/irqbalance
