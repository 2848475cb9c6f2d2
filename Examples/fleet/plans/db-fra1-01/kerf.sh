#!/bin/sh
# mkpolicy plan for policy database-nvme: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload postgres (policies/database-nvme.yaml:29:5)
kerf init --cpus=64-87 --memory=206158430208@1 --devices=0000:5e:00.0=nvme2,0000:5e:01.0=nvme3

# create:postgres: workload postgres (policies/database-nvme.yaml:29:5)
kerf create postgres --id=1 --cpus=64-87 --memory=206158430208 --numa-nodes=1 --devices=0000:5e:00.0,0000:5e:01.0

# load:postgres: workload postgres (policies/database-nvme.yaml:29:5)
kerf load postgres --kernel=/boot/vmlinuz-mk --initrd=/boot/initrd-mk.img '--cmdline=root=/dev/vda1 ro nvme_core.io_timeout=4294967295 hugepagesz=2M hugepages=16384 nvme.poll_queues=24'

# start:postgres: workload postgres (policies/database-nvme.yaml:29:5)
kerf start postgres
