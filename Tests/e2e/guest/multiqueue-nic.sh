# A multiqueue NIC's host setup on a real kernel (issue 17): a virtio-net
# with 4 queue pairs, ethtool in the guest. apply runs `ethtool -L DEV
# combined 2`, moves the queue vectors, writes RPS/XPS of the 2 queues left;
# killed mid-way, `recover --rollback` puts the channels, vectors and masks
# back; applied whole, verify reads it back; the channel count changed by
# hand is drift that apply repairs.
policy=/e2e/files/multiqueue-nic.yaml
nic=
for dev in /sys/class/net/*; do
  [ "${dev##*/}" = lo ] || { nic=${dev##*/}; break; }
done
nic_state() {
  echo "channels $nic $(ethtool -l "$nic" | sed -n '/^Current/,$ s/^Combined:[[:space:]]*//p')"
  queues=
  for q in "/sys/class/net/$nic/queues"/*; do queues="$queues${q##*/} "; done
  echo "queues $nic $queues"
  for f in "/sys/class/net/$nic/queues"/rx-*/rps_cpus "/sys/class/net/$nic/queues"/tx-*/xps_cpus \
    /sys/devices/virtual/workqueue/cpumask; do
    echo "kv $f $(cat "$f")"
  done
  grep virtio /proc/interrupts | cut -d: -f1 | while read -r irq; do
    echo "irq $irq $(cat "/proc/irq/$irq/smp_affinity_list") $(cat "/proc/irq/$irq/effective_affinity_list")"
  done
}
# Kills apply (SIGKILL before its Nth write) at later points until the kill
# comes after the workqueue mask, which apply writes after the channel
# count, the IRQ moves and the queue masks; each earlier kill is rolled back.
crash_late() {
  before=$(cat /sys/devices/virtual/workqueue/cpumask)
  point=24
  while [ $point -le 200 ]; do
    MKPOLICY_TEST_KILL_BEFORE_OP=$point mkpolicy apply "$policy" --yes >/dev/null 2>&1
    rc=$?
    [ $rc = 137 ] || { echo "apply killed before write $point: exit $rc"; return 1; }
    if [ "$(cat /sys/devices/virtual/workqueue/cpumask)" != "$before" ]; then
      echo "killed before write $point"
      return 0
    fi
    mkpolicy recover --rollback >/dev/null 2>&1 || { echo "recover --rollback after write $point failed"; return 1; }
    point=$((point + 3))
  done
  return 1
}
export PATH="/usr/sbin:$PATH"
section before nic_state
section plan mkpolicy plan "$policy" --format json
section crash crash_late
section crashed nic_state
section recover mkpolicy recover
section rollback mkpolicy recover --rollback
section rolled-back nic_state
section apply mkpolicy apply "$policy" --yes
section after nic_state
section verify mkpolicy verify
section drift ethtool -L "$nic" combined 4
section verify-drift mkpolicy verify
section apply-again mkpolicy apply "$policy" --yes
section after-again nic_state
section verify-again mkpolicy verify
