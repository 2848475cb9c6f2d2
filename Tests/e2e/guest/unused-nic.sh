# An unused NIC: the e1000e's MSI-X vectors exist from probe
# (/sys/bus/pci/devices/ADDR/msi_irqs) but the driver requests them only when
# the link goes up, so until then there is no /proc/irq/N. Plan and apply
# with the link down (the vectors are pending, apply and verify exit 0), bring
# the link up (the vectors start on the default affinity apply set), then
# verify and apply again: nothing left to do.
policy=/e2e/files/unused-nic.yaml
nic=$(for d in /sys/bus/pci/drivers/e1000e/0000:*; do [ -e "$d" ] && echo "${d##*/}"; done | head -1)
iface=$(ls "/sys/bus/pci/devices/$nic/net" 2>/dev/null | head -1)
vectors() {
  for i in $(ls "/sys/bus/pci/devices/$nic/msi_irqs"); do
    if [ -e "/proc/irq/$i" ]; then echo "$i present"; else echo "$i absent"; fi
  done
}
section nic sh -c "echo $nic $iface; cat /sys/class/net/$iface/operstate"
section irqs-down vectors
section plan mkpolicy plan "$policy" --format json
section apply-down mkpolicy apply "$policy" --yes
section verify-down mkpolicy verify
section up ip link set "$iface" up
section irqs-up vectors
section state-up dump_state
section verify-up mkpolicy verify
section apply-up mkpolicy apply "$policy" --yes
section verify-again mkpolicy verify
