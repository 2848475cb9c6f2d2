#!/bin/sh
# mkpolicy plan for policy ledger-handover: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (Examples/handover-nvme/policy.yaml:14:3)
systemctl try-restart irqbalance
