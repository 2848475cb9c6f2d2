#!/bin/sh
# mkpolicy plan for policy telco-edge: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload upf (policies/telco-edge.yaml:28:5)
kerf init --cpus=2-9 --memory=17179869184@0 --devices=0000:17:00.0=ens785f0,0000:17:00.1=ens785f1

# create:upf: workload upf (policies/telco-edge.yaml:28:5)
kerf create upf --id=1 --cpus=2-9 --memory=17179869184 --numa-nodes=0 --devices=0000:17:00.0,0000:17:00.1

# load:upf: workload upf (policies/telco-edge.yaml:28:5)
kerf load upf --kernel=/boot/vmlinuz-mk-rt '--cmdline=root=/dev/sda2 ro hugepagesz=1G hugepages=8 nohz_full=1-7 rcu_nocbs=1-7 irqaffinity=0 skew_tick=1 nosoftlockup nowatchdog'

# start:upf: workload upf (policies/telco-edge.yaml:28:5)
kerf start upf
