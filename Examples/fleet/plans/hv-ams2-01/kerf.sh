#!/bin/sh
# mkpolicy plan for policy cloud-multitenant: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload noisy-batch (policies/cloud-multitenant.yaml:60:5)
kerf init --cpus=32-43 --memory=25769803776@0 --devices=none

# create:noisy-batch: workload noisy-batch (policies/cloud-multitenant.yaml:60:5)
kerf create noisy-batch --id=1 --cpus=32-43 --memory=25769803776 --numa-nodes=0

# load:noisy-batch: workload noisy-batch (policies/cloud-multitenant.yaml:60:5)
kerf load noisy-batch --kernel=/boot/vmlinuz-6.12-mk --initrd=/boot/initrd.img-6.12-mk '--cmdline=console=ttyS1 quiet transparent_hugepage=always'

# start:noisy-batch: workload noisy-batch (policies/cloud-multitenant.yaml:60:5)
kerf start noisy-batch
