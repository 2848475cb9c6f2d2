# The second boot of the reconcile scenario: nothing of the partitions is
# left; the state directory comes back from the NVMe disk and
# `mkpolicy apply --last-applied` (what mkpolicy-apply.service runs at boot)
# restores them under the new boot id.
section state-boot dump_state
section restore tar xf /dev/nvme0n1 -C /var/lib
section verify-boot mkpolicy verify
section boot-apply mkpolicy apply --last-applied --yes
section state-restored dump_state
section verify-restored mkpolicy verify
