#!/bin/sh
# /init of the e2e guest: mount the kernel's filesystems, load the device
# drivers, run the scenario (/e2e/scenario.sh) and power off. The kernel log
# and anything unexpected go to ttyS0; scenarios report on ttyS1 (lib.sh).
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
hostname e2e-guest
mkdir -p /etc /var/lib
stty -F /dev/ttyS1 raw -echo
exec 3>/dev/ttyS1
echo "@@INIT" >&3
for module in $(cat /e2e/modules.load); do
  insmod "/e2e/modules/$module.ko" || echo "e2e: insmod $module failed"
done
. /e2e/lib.sh
settle_devices
echo "e2e: devices settled at $(cut -d" " -f1 /proc/uptime) s"
. /e2e/scenario.sh
echo "e2e: scenario done at $(cut -d" " -f1 /proc/uptime) s"
echo "@@DONE" >&3
poweroff -f
