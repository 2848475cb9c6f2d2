#!/bin/sh
# mkpolicy plan for policy trading-handover: host tuning and the commands that make staged files take effect.
# Generated; review it like code. Stops at the first failing step.
set -eu

# host (Examples/handover-realtime/policy.yaml:13:3)
systemctl disable irqbalance

# host (Examples/handover-realtime/policy.yaml:13:3)
update-grub
