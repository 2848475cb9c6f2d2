#!/bin/sh
# mkpolicy plan for policy ledger-handover: kerf 0.4.0 coordinator commands.
# Generated; review it like code. Stops at the first failing step.
set -eu

# Hand-over of 'ledger' to 'ledger-next': run by `mkpolicy apply`, not
# by this script (it waits for the health check and rolls back on failure):
#   handover:ledger:01-create: kerf create ledger-next --id=2 --cpus=72-73 --memory=4294967296 --numa-nodes=1
#   handover:ledger:02-load: kerf load ledger-next --kernel=/boot/vmlinuz-mk-io-6.16.1 '--cmdline=root=/dev/vda1 ro nvme_core.io_timeout=4294967295 nvme.poll_queues=8'
#   handover:ledger:03-start: kerf start ledger-next
#   handover:ledger:04-health-check: wait up to 120s for 'ledger-next' to pass its health check (port: 7400); on failure roll back: 'ledger' is untouched
#   handover:ledger:05-release-device:nvme2: kerf update ledger --cpus=64-71 --memory=34359738368 --devices=0000:5e:01.0
#   handover:ledger:06-acquire-device:nvme2: kerf update ledger-next --cpus=72-73 --memory=4294967296 --devices=0000:5e:00.0
#   handover:ledger:07-release-device:nvme3: kerf update ledger --cpus=64-71 --memory=34359738368 --devices=none
#   handover:ledger:08-acquire-device:nvme3: kerf update ledger-next --cpus=72-73 --memory=4294967296 --devices=0000:5e:00.0,0000:5e:01.0
#   handover:ledger:09-kill: kerf kill ledger
#   handover:ledger:10-unload: kerf unload ledger
#   handover:ledger:11-delete: kerf delete ledger
#   handover:ledger:12-take-place: kerf update ledger-next --cpus=64-71 --memory=34359738368 --devices=0000:5e:00.0,0000:5e:01.0
