#!/bin/sh
# mkpolicy plan for policy cloud-multitenant: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# init: workload noisy-batch (Policies/cloud-multitenant.yaml:60:5)
kerf init --cpus=66,450,452-461 --memory=2147483648@0,23622320128@7 --devices=none

# create:noisy-batch: workload noisy-batch (Policies/cloud-multitenant.yaml:60:5)
kerf create noisy-batch --id=1 --cpus=66,450,452-461 --memory=25769803776 --numa-nodes=0,1,7

# load:noisy-batch: workload noisy-batch (Policies/cloud-multitenant.yaml:60:5)
kerf load noisy-batch --kernel=/boot/vmlinuz-6.12-mk --initrd=/boot/initrd.img-6.12-mk '--cmdline=console=ttyS1 quiet transparent_hugepage=always'

# start:noisy-batch: workload noisy-batch (Policies/cloud-multitenant.yaml:60:5)
kerf start noisy-batch
