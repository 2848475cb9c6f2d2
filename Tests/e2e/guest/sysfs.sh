# The guest kernel's own view of its topology, one `KIND ID key=value...` line
# per machine, node, CPU and PCI device (lists use commas, never spaces).
dump_sysfs() {
  echo "machine - nodes=$(cat /sys/devices/system/node/online) cpus=$(cat /sys/devices/system/cpu/online)"
  for node in /sys/devices/system/node/node[0-9]*; do
    id=${node##*/node}
    memtotal=$(awk '/MemTotal/ {print $4}' "$node/meminfo")
    echo "node $id cpus=$(cat "$node/cpulist") distance=$(tr -s ' ' ',' <"$node/distance") memtotal_kb=$memtotal"
  done
  awk -F': ' '/^processor/ {cpu = $2} /^apicid/ {print cpu, $2}' /proc/cpuinfo >/tmp/apicids
  for cpu in /sys/devices/system/cpu/cpu[0-9]*; do
    id=${cpu##*/cpu}
    top=$cpu/topology
    apic=$(awk -v c="$id" '$1 == c {print $2}' /tmp/apicids)
    node=$(basename "$(ls -d "$cpu"/node[0-9]* 2>/dev/null | head -n 1)")
    echo "cpu $id siblings=$(cat "$top/thread_siblings_list") package=$(cat "$top/physical_package_id") core=$(cat "$top/core_id") apicid=$apic node=${node#node}"
  done
  for dev in /sys/bus/pci/devices/*; do
    node=$(cat "$dev/numa_node")
    [ "$node" = -1 ] && node=none
    driver=none
    [ -e "$dev/driver" ] && driver=$(basename "$(readlink "$dev/driver")")
    irqs=0
    [ -d "$dev/msi_irqs" ] && irqs=$(ls "$dev/msi_irqs" | wc -l)
    vendor=$(cat "$dev/vendor")
    device=$(cat "$dev/device")
    echo "pci ${dev##*/} vendor=${vendor#0x} device=${device#0x} class=$(cat "$dev/class") node=$node driver=$driver irqs=$irqs"
  done
}
section sysfs dump_sysfs
