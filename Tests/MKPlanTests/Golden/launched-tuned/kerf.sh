#!/bin/sh
# mkpolicy plan for policy trading-edge: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload order-router (fixture/policy.yaml:21:5)
kerf init --cpus=8-11 --memory=4294967296@1 --devices=0000:28:00.0=enp40s0

# create:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf create order-router --id=1 --cpus=8-11 --memory=4294967296 --numa-nodes=1 --devices=0000:28:00.0

# load:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf load order-router --kernel=/boot/vmlinuz-mk --initrd=/boot/initrd-mk.img '--cmdline=root=/dev/vda1 ro quiet console=ttyS1 hugepagesz=1G hugepages=2 nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0 skew_tick=1 nosoftlockup nowatchdog'

# start:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf start order-router
