# Boot parameters, second boot (with the plan's parameters): what the kernel
# made of them.
report_kernel() {
  echo "cmdline $(cat /proc/cmdline)"
  echo "isolated $(cat /sys/devices/system/cpu/isolated)"
  echo "nohz_full $(cat /sys/devices/system/cpu/nohz_full)"
  for pool in /sys/devices/system/node/node[0-9]*/hugepages/hugepages-*; do
    node=${pool%/hugepages/*}
    echo "hugepages ${node##*/node} ${pool##*/hugepages-} $(cat "$pool/nr_hugepages")"
  done
}
section kernel report_kernel
# Planned again on the rebooted host: its boot parameters are in effect now.
section replan mkpolicy plan /e2e/files/realtime.yaml
