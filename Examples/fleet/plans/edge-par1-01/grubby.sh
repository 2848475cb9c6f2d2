#!/bin/sh
# mkpolicy plan for policy telco-edge: boot parameters through grubby (needs a reboot).
# Generated; review it like code. Stops at the first failing step.
set -eu
grubby --update-kernel=ALL '--args=irqaffinity=0,16 kthread_cpus=0,16 mkkernel_pool=16G'
