#!/bin/sh
# mkpolicy plan for policy trading-edge: boot parameters through grubby (needs a reboot).
# Generated; review it like code. Stops at the first failing step.
set -eu
grubby --update-kernel=ALL '--args=isolcpus=managed_irq,domain,1,9 nohz_full=1,9 rcu_nocbs=1,9 irqaffinity=0,8 kthread_cpus=0,8 hugepagesz=2M hugepages=0:128'
