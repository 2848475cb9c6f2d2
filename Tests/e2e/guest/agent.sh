# The run-time agent on a real kernel: CPU-bound loops in one elastic
# partition make PSI rise; `mkpolicy agent run` grows it (to its max) and
# shrinks the other (not below its min), and returns both to the plan when
# the loops stop. Then an agent killed with SIGKILL in the middle of a
# resize (the test hook MKPOLICY_TEST_KILL_BEFORE_OP, as the crash tests use)
# is restarted: it completes the resize and verify exits 0.
#
# Time goes to the housekeeping CPU, which the shell, the agent and every
# mkpolicy run share while web's vCPUs spin (under TCG each spinning vCPU
# takes host CPU from it): two loops on a partition of one CPU growing to
# two, sizes polled twice a second with shell builtins only (no fork), the
# long-running agent discovers the host itself but the short `--once` runs
# read a snapshot taken before the load, and the loops stop as soon as no
# step needs them.
policy=/e2e/files/elastic.yaml
parent=/sys/fs/cgroup/mkpolicy.slice
state=/var/lib/mkpolicy
topology=/tmp/topology.yaml

# ncpus FILE: sets n to the number of CPUs in the cpulist FILE, without forking.
ncpus() {
  n=0
  read -r _list <"$1"
  _ifs=$IFS
  IFS=,
  for _r in $_list; do
    case $_r in
      *-*) n=$((n + ${_r#*-} - ${_r%-*} + 1)) ;;
      ?*) n=$((n + 1)) ;;
    esac
  done
  IFS=$_ifs
}
held() { ncpus $parent/web/cpuset.cpus.effective; _web=$n; ncpus $parent/batch/cpuset.cpus.effective; _batch=$n; }
sizes() { held; echo "web $_web batch $_batch"; }
# wait_sizes WEB BATCH SECONDS: until both partitions hold that many CPUs.
wait_sizes() {
  _i=0
  while [ $_i -lt $(($3 * 2)) ]; do
    held
    [ "$_web $_batch" = "$1 $2" ] && { sizes; return 0; }
    sleep 0.5
    _i=$((_i + 1))
  done
  sizes
  return 1
}
loops=""
start_loops() {
  for _n in 1 2; do
    sh -c "echo \$\$ > $parent/web/cgroup.procs; while :; do :; done" &
    loops="$loops $!"
  done
}
stop_loops() { kill -9 $loops 2>/dev/null; wait $loops 2>/dev/null; loops=""; }

section apply mkpolicy apply "$policy" --yes
section sizes-applied sizes
section discover mkpolicy discover -o "$topology"
start_loops
mkpolicy agent run "$policy" --metrics /tmp/agent.prom >/tmp/agent.log 2>/tmp/agent.err &
agent=$!
section grown wait_sizes 2 1 60
section pressure cat $parent/web/cpu.pressure
stop_loops
section returned wait_sizes 1 2 90
kill $agent
wait $agent
section journal cat /tmp/agent.log
section agent-stderr cat /tmp/agent.err
section metrics cat /tmp/agent.prom
section status mkpolicy agent status
section verify1 mkpolicy verify
# SIGKILL in the middle of a resize: the first kill point that leaves apply's journal behind.
start_loops
section killed sh -c "for k in 7 8 9 10 11 12 13 14 6; do \
  MKPOLICY_TEST_KILL_BEFORE_OP=\$k mkpolicy agent run $policy --topology $topology --once >/dev/null 2>&1; rc=\$?; \
  echo \"kill point \$k: exit \$rc\"; \
  if [ -e $state/journal.json ]; then echo \"killed at operation \$k, exit \$rc\"; exit 0; fi; done; \
  echo 'no kill point left a journal'; exit 1"
stop_loops
section sizes-killed sizes
section verify-killed mkpolicy verify
# Busy again for the restart (web uses all its CPUs: not idle), so that it
# completes the interrupted resize and makes no other.
start_loops
section restart mkpolicy agent run "$policy" --topology "$topology" --once
stop_loops
section sizes-restarted sizes
section journal-left sh -c "test ! -e $state/journal.json"
section verify2 mkpolicy verify
