#!/bin/sh
# mkpolicy plan for policy k8s-worker: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload storage-kernel (policies/k8s-worker.yaml:43:5)
kerf init --cpus=16-31 --memory=34359738368@0 --devices=none

# create:storage-kernel: workload storage-kernel (policies/k8s-worker.yaml:43:5)
kerf create storage-kernel --id=1 --cpus=16-31 --memory=34359738368 --numa-nodes=0

# load:storage-kernel: workload storage-kernel (policies/k8s-worker.yaml:43:5)
kerf load storage-kernel --kernel=/boot/vmlinuz-6.12-mk '--cmdline=console=ttyS1 quiet nvme.poll_queues=16'

# start:storage-kernel: workload storage-kernel (policies/k8s-worker.yaml:43:5)
kerf start storage-kernel
