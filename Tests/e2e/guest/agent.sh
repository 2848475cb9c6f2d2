# The run-time agent on a real kernel: CPU-bound loops in one elastic
# partition make PSI rise; `mkpolicy agent run` grows it (to its max) and
# shrinks the other (not below its min), and returns both to the plan when
# the loops stop. Then an agent killed with SIGKILL in the middle of a
# resize (the test hook MKPOLICY_TEST_KILL_BEFORE_OP, as the crash tests use)
# is restarted: it completes the resize and verify exits 0.
policy=/e2e/files/elastic.yaml
parent=/sys/fs/cgroup/mkpolicy.slice
state=/var/lib/mkpolicy

count() { awk -F, '{n=0; for (i=1;i<=NF;i++) { if (split($i,r,"-")==2) n+=r[2]-r[1]+1; else if ($i!="") n++ } print n}' "$1"; }
sizes() { echo "web $(count $parent/web/cpuset.cpus.effective) batch $(count $parent/batch/cpuset.cpus.effective)"; }
# wait_sizes WEB BATCH SECONDS: until both partitions hold that many CPUs.
wait_sizes() {
  _i=0
  while [ $_i -lt $(($3 * 4)) ]; do
    [ "$(sizes)" = "web $1 batch $2" ] && { sizes; return 0; }
    sleep 0.25
    _i=$((_i + 1))
  done
  sizes
  return 1
}
loops=""
start_loops() {
  for _n in 1 2 3 4 5; do
    sh -c "echo \$\$ > $parent/web/cgroup.procs; while :; do :; done" &
    loops="$loops $!"
  done
}
stop_loops() { kill -9 $loops 2>/dev/null; wait $loops 2>/dev/null; loops=""; }

section apply mkpolicy apply "$policy" --yes
section sizes-applied sizes
start_loops
mkpolicy agent run "$policy" --metrics /tmp/agent.prom >/tmp/agent.log 2>/tmp/agent.err &
agent=$!
section grown wait_sizes 4 1 60
section pressure cat $parent/web/cpu.pressure
stop_loops
section returned wait_sizes 3 2 90
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
  MKPOLICY_TEST_KILL_BEFORE_OP=\$k mkpolicy agent run $policy --once >/dev/null 2>&1; rc=\$?; \
  if [ -e $state/journal.json ]; then echo \"killed at operation \$k, exit \$rc\"; exit 0; fi; done; \
  echo 'no kill point left a journal'; exit 1"
section sizes-killed sizes
section verify-killed mkpolicy verify
section restart mkpolicy agent run "$policy" --once
section sizes-restarted sizes
section journal-left sh -c "test ! -e $state/journal.json"
section verify2 mkpolicy verify
stop_loops
