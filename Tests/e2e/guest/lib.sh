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
