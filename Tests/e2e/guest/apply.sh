# Apply on cgroup v2: plan the policy on the guest itself, apply it, read the
# kernel's state back, verify, apply again (no writes), change one value by
# hand and verify again (drift).
policy=/e2e/files/partitions.yaml
section state-before dump_state
section plan mkpolicy plan "$policy" --format json && cp /tmp/.e2e-out /tmp/plan.json
traced apply1 mkpolicy apply --plan /tmp/plan.json --yes
section state-applied dump_state
section verify1 mkpolicy verify
traced apply2 mkpolicy apply --plan /tmp/plan.json --yes
# By hand, as an operator might: the shared pool loses all but its first CPU.
parent=$(sed -n 's/^ *"cgroupParentPath" *: *"\(.*\)",*$/\1/p' /tmp/plan.json)
pool=$(cat "$parent/pool/cpuset.cpus")
section drift sh -c "echo ${pool%%[-,]*} > $parent/pool/cpuset.cpus"
section verify2 mkpolicy verify
