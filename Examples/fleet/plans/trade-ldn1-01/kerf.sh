#!/bin/sh
# mkpolicy plan for policy trading-edge: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload order-router (policies/trading/10-workloads.yaml:9:5)
kerf init --cpus=16,18,20,22,24,26,28,30 --memory=8589934592@0 --devices=0000:20:00.0=enp32s0

# create:order-router: workload order-router (policies/trading/10-workloads.yaml:9:5)
kerf create order-router --id=1 --cpus=16,18,20,22,24,26,28,30 --memory=8589934592 --numa-nodes=0 --devices=0000:20:00.0

# load:order-router: workload order-router (policies/trading/10-workloads.yaml:9:5)
kerf load order-router --kernel=/boot/vmlinuz-mk-rt --initrd=/boot/initrd-mk-rt.img '--cmdline=root=/dev/vda1 ro quiet hugepagesz=1G hugepages=4 nohz_full=1-7 rcu_nocbs=1-7 irqaffinity=0 skew_tick=1 nosoftlockup nowatchdog'

# start:order-router: workload order-router (policies/trading/10-workloads.yaml:9:5)
kerf start order-router
