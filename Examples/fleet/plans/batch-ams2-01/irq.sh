#!/bin/sh
# mkpolicy plan for policy batch-elastic: IRQ affinity.
# Generated; review it like code. Stops at the first failing step.
set -eu

# Nothing to change.
