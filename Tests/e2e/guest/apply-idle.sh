# Idle siblings on cgroup v2: plan a policy whose smt: off partition leaves
# siblings idle, apply it, read the kernel's state back and verify.
policy=/e2e/files/idle-siblings.yaml
section plan mkpolicy plan "$policy" --format json && cp /tmp/.e2e-out /tmp/plan.json
traced apply mkpolicy apply --plan /tmp/plan.json --yes
section state-applied dump_state
section verify mkpolicy verify
