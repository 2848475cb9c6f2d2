#!/bin/sh
# mkpolicy plan for policy trading-handover: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# Hand-over of 'order-router' to 'order-router-next': run by `mkpolicy apply`, not
# by this script (it waits for the health check and rolls back on failure):
#   handover:order-router:01-create: kerf create order-router-next --id=2 --cpus=12-15 --memory=8589934592 --numa-nodes=0
#   handover:order-router:02-load: kerf load order-router-next --kernel=/boot/vmlinuz-mk-rt-6.16.1-rc1 '--cmdline=root=/dev/vda1 ro nohz_full=1-3 rcu_nocbs=1-3 irqaffinity=0 skew_tick=1 nosoftlockup nowatchdog'
#   handover:order-router:03-start: kerf start order-router-next
#   handover:order-router:04-health-check: wait up to 5s for 'order-router-next' to pass its health check (file: /run/mkpolicy/order-router-ready); on failure roll back: 'order-router' is untouched
#   handover:order-router:05-release-device:enp32s0: kerf update order-router --cpus=4-7 --memory=8589934592 --devices=none
#   handover:order-router:06-acquire-device:enp32s0: kerf update order-router-next --cpus=12-15 --memory=8589934592 --devices=0000:20:00.0
#   handover:order-router:07-drain: let 'order-router' finish work in flight for 2s
#   handover:order-router:08-kill: kerf kill order-router
#   handover:order-router:09-unload: kerf unload order-router
#   handover:order-router:10-delete: kerf delete order-router
