# Helpers for scenario scripts (busybox sh). Scenarios report on fd 3
# (ttyS1); the host parses the markers (harness.py parse_sections).

# section NAME COMMAND...: run COMMAND and report its stdout, stderr and exit
# status under NAME. Returns COMMAND's status.
section() {
  _name=$1
  shift
  "$@" >/tmp/.e2e-out 2>/tmp/.e2e-err
  _rc=$?
  {
    echo "@@BEGIN $_name"
    cat /tmp/.e2e-out
    echo
    echo "@@STDERR"
    cat /tmp/.e2e-err
    echo
    echo "@@END $_name $_rc"
  } >&3
  return $_rc
}

# Waits (at most 30 s) until every NVMe controller has finished its
# asynchronous reset, which is when its I/O queue vectors exist.
settle_devices() {
  _tries=0
  while [ $_tries -lt 300 ]; do
    _pending=0
    for _state in /sys/class/nvme/nvme*/state; do
      [ -e "$_state" ] || continue
      [ "$(cat "$_state")" = live ] || _pending=1
    done
    [ $_pending = 0 ] && return 0
    _tries=$((_tries + 1))
    sleep 0.1
  done
  echo "e2e: NVMe controllers not live after 30 s" >&2
}

# The kernel state that apply changes: every cgroup's cpuset, cpu and memory
# files (`cg DIR FILE VALUE`, DIR relative to /sys/fs/cgroup) and every
# IRQ's requested and effective affinity (`irq N LIST EFFECTIVE`).
dump_state() {
  (
    cd /sys/fs/cgroup || exit 1
    find . -type d | sort | while read -r dir; do
      for file in cgroup.subtree_control cpuset.cpus cpuset.cpus.effective \
        cpuset.cpus.partition cpuset.mems cpuset.mems.effective cpu.weight cpu.max memory.max; do
        [ -r "$dir/$file" ] && echo "cg $dir $file $(cat "$dir/$file" | tr '\n' ' ' | sed 's/ $//')"
      done
    done
  )
  echo "default_smp_affinity - - $(cat /proc/irq/default_smp_affinity)"
  for irq in /proc/irq/[0-9]*; do
    echo "irq ${irq##*/} $(cat "$irq/smp_affinity_list") $(cat "$irq/effective_affinity_list")"
  done | sort -n -k2
}

# traced NAME COMMAND...: `section NAME COMMAND...`, and then a section
# NAME-writes listing every write made to a kernel file (sysfs/cgroupfs
# through kernfs, /proc/irq) while COMMAND ran, counted by ftrace: an account
# of writes that does not depend on what the command says it did. Nothing
# else runs in the guest meanwhile, so every write in the window is
# COMMAND's (or its threads' and children's).
#
# The function tracer is installed once per boot (trace_setup) and stays:
# each traced command only flips tracing_on and clears the buffer, which
# patches no kernel code. Switching tracers, the pid filter and
# function-fork all rewrite kernel text (text_poke_bp), which waits for every
# CPU to answer an IPI; under TCG a guest once never got that answer (a soft
# lockup in `echo nop > current_tracer`, CPU 0 waiting on CPU 1 for 400 s),
# so the scenario does it once, at its first traced command, instead of
# twice per command.
TRACING=/sys/kernel/tracing
trace_setup() {
  [ -n "$_trace_ready" ] && return 0
  echo 0 >$TRACING/tracing_on
  echo kernfs_fop_write_iter >$TRACING/set_ftrace_filter
  echo 'irq_affinity*proc_write' >>$TRACING/set_ftrace_filter
  echo default_affinity_write >>$TRACING/set_ftrace_filter
  echo function >$TRACING/current_tracer
  _trace_ready=1
}
traced() {
  _tname=$1
  shift
  trace_setup
  echo 0 >$TRACING/tracing_on
  echo >$TRACING/trace
  # shellcheck disable=SC2016
  section "$_tname" sh -c 'echo 1 >'$TRACING'/tracing_on; exec "$@"' traced "$@"
  _trc=$?
  echo 0 >$TRACING/tracing_on
  section "$_tname-writes" grep -v '^#' $TRACING/trace
  return $_trc
}
