#!/bin/sh
# mkpolicy plan for policy trading-handover: cgroup v2 settings in kernel-valid order.
# Generated; review it like code. Stops at the first failing step.
set -eu

# Nothing to change.
