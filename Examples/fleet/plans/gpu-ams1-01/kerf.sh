#!/bin/sh
# mkpolicy plan for policy ai-inference: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# Nothing to change.
