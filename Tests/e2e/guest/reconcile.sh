# Desired-state apply on the real kernel: switch between two plans whose
# partitions trade CPUs both ways, repair hand-made drift with
# `apply POLICY`, then keep the state directory on the NVMe disk for the
# reboot (guest/reconcile-boot.sh restores it and reconciles).
a=/e2e/files/switch-a.yaml
b=/e2e/files/switch-b.yaml
parent=/sys/fs/cgroup/mkpolicy.slice
traced apply-a mkpolicy apply "$a" --yes
section state-a dump_state
traced apply-b mkpolicy apply "$b" --yes
section state-b dump_state
section verify-b mkpolicy verify
traced apply-a2 mkpolicy apply "$a" --yes
section state-a2 dump_state
section verify-a2 mkpolicy verify
# By hand: ingest demoted to a member, ledger given one of ingest's CPUs
# (the kernel invalidates it), a stray cgroup, and the NIC's first vector
# spread over every CPU.
nic_irq=$(for d in /sys/bus/pci/drivers/virtio-pci/0000:*; do ls "$d/msi_irqs"; done 2>/dev/null | sort -n | head -1)
section drift sh -c "echo member > $parent/ingest/cpuset.cpus.partition; \
  cat $parent/ledger/cpuset.cpus > /tmp/ledger; \
  echo \$(cat /tmp/ledger),\$(cut -d- -f1 $parent/ingest/cpuset.cpus | cut -d, -f1) > $parent/ledger/cpuset.cpus; \
  mkdir $parent/stray; cat $parent/ledger/cpuset.cpus.partition; \
  cat /sys/devices/system/cpu/online > /proc/irq/$nic_irq/smp_affinity_list && echo irq $nic_irq"
section verify-drift mkpolicy verify
traced repair mkpolicy apply "$a" --yes
section state-repaired dump_state
section verify-repaired mkpolicy verify
section detailed mkpolicy plan "$a" --detailed-exitcode
section save tar cf /dev/nvme0n1 -C /var/lib mkpolicy
