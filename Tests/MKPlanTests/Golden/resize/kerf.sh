#!/bin/sh
# mkpolicy plan for policy trading-edge: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# kill:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf kill order-router

# unload:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf unload order-router

# update-shrink:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf update order-router --cpus=8-9 --memory=4294967296 --devices=0000:28:00.0

# init: workload order-router (fixture/policy.yaml:21:5)
kerf init --cpus=8-9 --memory=4294967296@1 --devices=0000:28:00.0=enp40s0

# load:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf load order-router --kernel=/boot/vmlinuz-mk --initrd=/boot/initrd-mk.img '--cmdline=root=/dev/vda1 ro quiet console=ttyS1 hugepagesz=1G hugepages=2 nohz_full=1 rcu_nocbs=1 irqaffinity=0 skew_tick=1 nosoftlockup nowatchdog'

# start:order-router: workload order-router (fixture/policy.yaml:21:5)
kerf start order-router
