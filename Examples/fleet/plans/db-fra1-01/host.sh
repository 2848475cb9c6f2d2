#!/bin/sh
# mkpolicy plan for policy database-nvme: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (policies/database-nvme.yaml:15:3)
systemctl try-restart irqbalance

# host (policies/database-nvme.yaml:15:3)
update-grub

# A reboot is required: add boot parameter irqaffinity; add boot parameter kthread_cpus
printf %s '*** System restart required ***
' > /run/reboot-required
grep -qx mkpolicy /run/reboot-required.pkgs 2>/dev/null || printf '%s\n' mkpolicy >> /run/reboot-required.pkgs
