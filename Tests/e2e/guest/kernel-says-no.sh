# The kernel says no, twice; each time apply must fail, roll back and leave
# the tree as it was.
policy=/e2e/files/partitions.yaml
section plan mkpolicy plan "$policy" --format json && cp /tmp/.e2e-out /tmp/plan.json

# A write the kernel refuses: the plan's parent exists already and a process
# runs in it, so enabling the memory controller below it breaks the "no
# internal processes" rule (EBUSY).
mkdir /sys/fs/cgroup/mkpolicy.slice
sleep 1000 &
sleeper=$!
echo $sleeper >/sys/fs/cgroup/mkpolicy.slice/cgroup.procs
section before-refused dump_state
traced apply-refused mkpolicy apply --plan /tmp/plan.json --yes
section after-refused dump_state
kill $sleeper
wait $sleeper 2>/dev/null
rmdir /sys/fs/cgroup/mkpolicy.slice

# A partition the kernel turns invalid: a cgroup made by hand next to the
# plan's parent shares CPUs with it, so the parent's `root` partition is not
# exclusive; the write succeeds and the file then reads `root invalid (...)`.
echo +cpuset >/sys/fs/cgroup/cgroup.subtree_control
mkdir /sys/fs/cgroup/intruder
echo 6-7 >/sys/fs/cgroup/intruder/cpuset.cpus
section before-invalid dump_state
traced apply-invalid mkpolicy apply --plan /tmp/plan.json --yes
section after-invalid dump_state

# A partition that is not apply's holds some of the plan's CPUs. The kernel
# would accept the parent's cpuset.cpus write and turn that partition
# invalid, and no rollback revalidates it: apply must refuse before writing.
echo root >/sys/fs/cgroup/intruder/cpuset.cpus.partition
section before-foreign dump_state
traced apply-foreign mkpolicy apply --plan /tmp/plan.json --yes
section after-foreign dump_state
