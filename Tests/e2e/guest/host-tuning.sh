# The host setup of a realtime partition on a real kernel (issue 17): plan,
# apply, read every tuning file back from the kernel, start a task the way a
# runtime with a delegated cgroup does (no systemd), verify; then drift one
# sysctl by hand: verify finds it, apply puts it back.
policy=/e2e/files/host-tuning.yaml
runtime=/sys/fs/cgroup/mkpolicy.slice/feed-runtime
tuning_state() {
  for f in /sys/devices/virtual/workqueue/cpumask /proc/sys/kernel/sched_rt_runtime_us \
    /proc/sys/kernel/timer_migration /proc/sys/vm/stat_interval /proc/sys/kernel/hung_task_timeout_secs \
    /sys/class/net/*/queues/rx-*/rps_cpus /sys/class/net/*/queues/tx-*/xps_cpus \
    /sys/devices/system/cpu/cpu*/power/pm_qos_resume_latency_us \
    /sys/devices/system/cpu/cpu*/cpufreq/scaling_governor; do
    [ -r "$f" ] && echo "kv $f $(cat "$f")"
  done
}
delegate() {
  # What a container runtime does in the cgroup handed to it: a child of its
  # own, and a task moved into it.
  mkdir "$runtime/job1" || return 1
  sleep 600 &
  echo $! >"$runtime/job1/cgroup.procs" || return 1
  echo "subtree $(cat "$runtime/cgroup.subtree_control")"
  echo "effective $(cat "$runtime/job1/cpuset.cpus.effective")"
  echo "partition $(cat "$runtime/cpuset.cpus.partition")"
  echo "cgroup $(cat /proc/$!/cgroup)"
  echo "allowed $(grep Cpus_allowed_list /proc/$!/status | cut -f2)"
}
section plan mkpolicy plan "$policy" --format json
section apply mkpolicy apply "$policy" --yes
section tuning tuning_state
section files sh -c 'cat /etc/sysctl.d/90-mkpolicy.conf; echo @@; cat /etc/systemd/system.conf.d/90-mkpolicy.conf; echo @@; cat /run/reboot-required.pkgs'
section verify mkpolicy verify
section init-affinity sh -c 'grep Cpus_allowed_list /proc/1/status | cut -f2'
section delegate delegate
section verify-delegated mkpolicy verify
section drift sh -c 'echo 1 >/proc/sys/kernel/timer_migration'
section verify-drift mkpolicy verify
section apply-again mkpolicy apply "$policy" --yes
section tuning-again tuning_state
section verify-again mkpolicy verify
