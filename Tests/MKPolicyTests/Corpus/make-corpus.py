#!/usr/bin/env python3
"""Writes the malformed-policy corpus (invalid/) and the valid examples (valid/).

Each invalid case is a small policy with one kind of mistake; the expected
diagnostics live next to it as NAME.expected (written by the Swift test with
MKPOLICY_UPDATE_GOLDEN=1 and reviewed by hand). Run from this folder:
    python3 make-corpus.py
The cases are data: rerunning rewrites the same files.
"""
import os
import shutil

BASE = """apiVersion: mkpolicy.io/v1
kind: PartitionPolicy
metadata:
  name: corpus
  description: A small policy every case starts from
  labels: {env: test}
host:
  housekeeping:
    cpus: 2
    perNode: false
    memory: 4GiB
  bootloader: grub
  irqbalance: ban
coordinator:
  kernel:
    image: /boot/vmlinuz-mk
workloads:
  - name: db
    isolation: kernel
    latency: low
    cpus: {min: 4, max: 8}
    memory: 8GiB
    devices:
      - type: nvme
        match: {driver: nvme}
        count: 1
  - name: web
    isolation: shared
    cpus: 2
    priority: 10
    weight: 200
    placement:
      avoid: [db]
"""

HERE = os.path.dirname(os.path.abspath(__file__))
INVALID = os.path.join(HERE, "invalid")
VALID = os.path.join(HERE, "valid")
cases = {}
valid = {}


def replace(name, old, new, base=BASE):
    assert old in base, (name, old)
    cases[name] = base.replace(old, new, 1)


def raw(name, text):
    cases[name] = text


# --- YAML syntax (E006) --------------------------------------------------
replace("syntax-unclosed-flow-list", "avoid: [db]", "avoid: [db")
replace("syntax-unclosed-flow-map", "match: {driver: nvme}", "match: {driver: nvme")
replace("syntax-unclosed-double-quote", "name: corpus", 'name: "corpus')
replace("syntax-unclosed-single-quote", "name: corpus", "name: 'corpus")
replace("syntax-tab-indent", "    perNode: false", "\tperNode: false")
replace("syntax-bad-indent", "    perNode: false", "   perNode: false")
replace("syntax-mapping-value-in-plain", "  description: A small policy every case starts from",
        "  description: note: colons need quotes")
replace("syntax-missing-colon", "    weight: 200", "    weight 200\n    other: 1")
replace("syntax-stray-bracket", "  irqbalance: ban", "  irqbalance: ban]")
replace("syntax-bad-escape", "name: corpus", 'name: "cor\\qpus"')
replace("syntax-sequence-under-mapping", "  bootloader: grub", "  bootloader: grub\n  - stray")
replace("syntax-flow-missing-comma", "labels: {env: test}", "labels: {env: test site: a}")
raw("syntax-only-colon", ":\n: :\n")
replace("syntax-control-character", "name: corpus", "name: cor\x07pus")

# --- encoding (E003 E004 E005) -------------------------------------------
replace("encoding-nul-byte", "name: corpus", "name: cor\x00pus")
replace("encoding-nul-in-comment", "  irqbalance: ban", "  irqbalance: ban # \x00")
cases["encoding-invalid-utf8-ff"] = BASE.replace("name: corpus", "name: cor\udcffpus")
cases["encoding-invalid-utf8-truncated"] = BASE.replace("A small policy", "A sm\udcc3ll policy")
cases["encoding-invalid-utf8-overlong"] = BASE.replace("name: web", "name: w\udcc0\udcafb")
cases["encoding-invalid-utf8-surrogate"] = BASE.replace("env: test", "env: t\udced\udca0\udc80st")
cases["encoding-bom-utf8"] = "\ufeff" + BASE
cases["encoding-bom-utf16"] = "\udcff\udcfe" + BASE

# --- duplicate keys at several depths (E011) -----------------------------
replace("duplicate-top-level", "kind: PartitionPolicy\n", "kind: PartitionPolicy\nkind: PartitionPolicy\n")
replace("duplicate-metadata-name", "  name: corpus\n", "  name: corpus\n  name: corpus2\n")
replace("duplicate-housekeeping-cpus", "    cpus: 2\n    perNode", "    cpus: 2\n    cpus: 3\n    perNode")
replace("duplicate-workload-field", "    cpus: 2\n    priority", "    cpus: 2\n    cpus: 4\n    priority")
replace("duplicate-flow-key", "match: {driver: nvme}", "match: {driver: nvme, driver: nvme2}")
replace("duplicate-labels", "labels: {env: test}", "labels: {env: test, env: prod}")
replace("duplicate-placement-section", "    placement:\n      avoid: [db]\n",
        "    placement:\n      avoid: [db]\n    placement:\n      numa: any\n")
replace("duplicate-three-times", "  bootloader: grub\n", "  bootloader: grub\n  bootloader: none\n  bootloader: grubby\n")
replace("duplicate-deep-device", "        count: 1\n", "        count: 1\n        count: 2\n")

# --- anchors, aliases, tags (E008 E009 E013) -----------------------------
replace("anchor-on-mapping", "  housekeeping:\n", "  housekeeping: &hk\n")
replace("alias-use", "avoid: [db]", "avoid: [*db]")
replace("anchor-on-scalar", "    cpus: 2\n    priority", "    cpus: &two 2\n    priority")
replace("anchor-merge-key", "    placement:\n", "    <<: *defaults\n    placement:\n")
bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
for name, prev in zip("bcdefghi", "abcdefgh"):
    bomb += f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
raw("alias-bomb", bomb)
replace("tag-str", "    cpus: 2\n    priority", "    cpus: !!int 2\n    priority")
replace("tag-custom", "  bootloader: grub", "  bootloader: !grub grub")
replace("tag-on-mapping", "coordinator:\n", "coordinator: !!map\n")

# --- depth, size, documents (E010 E007 E014) ------------------------------
raw("depth-10000-flow", "a: " + "[" * 10000 + "]" * 10000 + "\n")
raw("depth-65-block", "".join(" " * i + "k:\n" for i in range(70)))
raw("depth-100-flow-maps", "a: " + "{b: " * 100 + "1" + "}" * 100 + "\n")
cases["multi-document"] = BASE + "---\n" + BASE
raw("multi-document-explicit", "---\napiVersion: mkpolicy.io/v1\n---\nkind: PartitionPolicy\n")
raw("empty-file", "")
raw("only-comments", "# just a comment\n# and another\n")
raw("null-root", "~\n")

# --- the root and sections of the wrong type (E021) -----------------------
raw("root-is-list", "- apiVersion: mkpolicy.io/v1\n- kind: PartitionPolicy\n")
raw("root-is-scalar", "mkpolicy\n")
replace("type-metadata-list", "metadata:\n  name: corpus\n  description: A small policy every case starts from\n  labels: {env: test}\n",
        "metadata:\n  - name: corpus\n")
replace("type-workloads-mapping", "workloads:\n  - name: db", "workloads:\n  db:\n    name: db")
replace("type-workload-scalar", "  - name: web\n    isolation: shared\n    cpus: 2\n    priority: 10\n    weight: 200\n    placement:\n      avoid: [db]\n",
        "  - web\n")
replace("type-cpus-list", "    cpus: 2\n    priority", "    cpus: [2]\n    priority")
replace("type-memory-list", "    memory: 8GiB", "    memory: [8GiB]")
replace("type-labels-list", "labels: {env: test}", "labels: [env, test]")
replace("type-avoid-string", "avoid: [db]", "avoid: db")
replace("type-devices-mapping", "    devices:\n      - type: nvme", "    devices:\n      first:\n        type: nvme")
replace("type-host-scalar", "host:\n  housekeeping:\n    cpus: 2\n    perNode: false\n    memory: 4GiB\n  bootloader: grub\n  irqbalance: ban\n",
        "host: big\n")
replace("type-description-bool", "  description: A small policy every case starts from", "  description: true")
replace("type-label-value-int", "labels: {env: test}", "labels: {env: test, tier: 1}")
replace("type-name-int", "  - name: web", "  - name: 42")
replace("type-cmdline-mapping", "    image: /boot/vmlinuz-mk", "    image: /boot/vmlinuz-mk\n    cmdline: {quiet: true}")
replace("type-description-null", "  description: A small policy every case starts from", "  description:")
replace("type-io-mapping", "    weight: 200\n", "    weight: 200\n    io: {device: nvme0n1}\n")
replace("type-match-list", "match: {driver: nvme}", "match: [nvme]")

# --- unknown keys, did-you-mean (E020) -------------------------------------
replace("unknown-top-level", "workloads:\n", "workload:\n")
replace("unknown-metadata-lables", "labels: {env: test}", "lables: {env: test}")
replace("unknown-host-housekeepng", "  housekeeping:\n", "  housekeepng:\n")
replace("unknown-housekeeping-cpu", "    cpus: 2\n    perNode", "    cpu: 2\n    perNode")
replace("unknown-workload-isolaton", "    isolation: shared", "    isolaton: shared")
replace("unknown-placement-neardevice", "      avoid: [db]", "      avoid: [db]\n      nearDevice: true")
replace("unknown-device-matches", "match: {driver: nvme}", "matches: {driver: nvme}")
replace("unknown-match-vendorid", "match: {driver: nvme}", "match: {vendorId: 144d}")
replace("unknown-io-readbps", "    weight: 200\n", "    weight: 200\n    io:\n      - {device: nvme0n1, readBPS: 100MB}\n")
replace("unknown-kernel-cmdline-case", "    image: /boot/vmlinuz-mk", "    image: /boot/vmlinuz-mk\n    cmdLine: quiet")
replace("unknown-coordinator-kernal", "  kernel:\n    image", "  kernal:\n    image")
replace("unknown-hugepages-pages", "    memory: 8GiB", "    memory: 8GiB\n    hugepages: {size: 1GiB, pages: 2}")
replace("unknown-no-suggestion", "    weight: 200\n", "    weight: 200\n    frobnicate: 3\n")
replace("unknown-elastic-maximum", "cpus: {min: 4, max: 8}", "cpus: {min: 4, maximum: 8}")
replace("unknown-irqcpus-case", "        count: 1\n", "        count: 1\n    irqCPUs: 1\n")
replace("unknown-several", "    weight: 200\n", "    weight: 200\n    wieght: 3\n    prio: 2\n")

# --- missing required keys (E022 E111) --------------------------------------
replace("missing-apiversion", "apiVersion: mkpolicy.io/v1\n", "")
replace("missing-kind", "kind: PartitionPolicy\n", "")
replace("missing-metadata-name", "  name: corpus\n", "")
replace("missing-workload-name", "  - name: web\n    isolation", "  - isolation")
replace("missing-workload-cpus", "    cpus: 2\n    priority", "    priority")
replace("missing-device-type", "      - type: nvme\n        match", "      - match")
replace("missing-io-device", "    weight: 200\n", "    weight: 200\n    io:\n      - {readBps: 100MB}\n")
replace("missing-hugepages-count", "    memory: 8GiB", "    memory: 8GiB\n    hugepages: {size: 1GiB}")
replace("missing-metadata", "metadata:\n  name: corpus\n  description: A small policy every case starts from\n  labels: {env: test}\n", "")
replace("missing-elastic-min", "cpus: {min: 4, max: 8}", "cpus: {max: 8}")

# --- booleans: YAML 1.1 spellings and friends (E024) ------------------------
for spelling in ["yes", "no", "on", "off", "True", "FALSE", "y", "1", "0755", '"true"']:
    safe = spelling.strip('"').lower() + ("-quoted" if spelling.startswith('"') else "")
    replace(f"bool-perNode-{safe}", "    perNode: false", f"    perNode: {spelling}")
replace("bool-nearDevices-Yes", "      avoid: [db]", "      avoid: [db]\n      nearDevices: Yes")
replace("bool-allowForeignCgroups-off", "  irqbalance: ban", "  irqbalance: ban\n  allowForeignCgroups: off")
replace("bool-realtimeExtras-null", "  irqbalance: ban", "  irqbalance: ban\n  realtimeExtras:")

# --- integers (E025) ---------------------------------------------------------
replace("int-priority-0755", "    priority: 10", "    priority: 0755")
replace("int-weight-007", "    weight: 200", "    weight: 007")
replace("int-cpus-08", "    cpus: 2\n    priority", "    cpus: 08\n    priority")
replace("int-hugepages-count-0755", "    memory: 8GiB", "    memory: 8GiB\n    hugepages: {size: 2MiB, count: 0755}")
replace("int-priority-float", "    priority: 10", "    priority: 1.5")
replace("int-priority-quoted", "    priority: 10", '    priority: "10"')
replace("int-priority-hex", "    priority: 10", "    priority: 0x10")
replace("int-priority-sexagesimal", "    priority: 10", "    priority: 1:30")
replace("int-priority-too-high", "    priority: 10", "    priority: 2000")
replace("int-weight-zero", "    weight: 200", "    weight: 0")
replace("int-cpus-negative", "    cpus: 2\n    priority", "    cpus: -2\n    priority")
replace("int-device-count-zero", "        count: 1\n", "        count: 0\n")
replace("int-housekeeping-cpus-zero", "    cpus: 2\n    perNode", "    cpus: 0\n    perNode")
replace("int-cpus-huge", "    cpus: 2\n    priority", "    cpus: 99999999999999999999999\n    priority")
replace("int-irqcpus-zero", "        count: 1\n", "        count: 1\n    irqCpus: 0\n")

# --- enums (E023) -------------------------------------------------------------
replace("enum-isolation-kernal", "    isolation: kernel", "    isolation: kernal")
replace("enum-latency-real-time", "    latency: low", "    latency: real-time")
replace("enum-smt-exclusiv", "    latency: low", "    latency: low\n    smt: exclusiv")
replace("enum-numa-singel", "      avoid: [db]", "      avoid: [db]\n      numa: singel")
replace("enum-llc-private", "      avoid: [db]", "      avoid: [db]\n      llc: private")
replace("enum-bootloader-grubb", "  bootloader: grub", "  bootloader: grubb")
replace("enum-irqbalance-banned", "  irqbalance: ban", "  irqbalance: banned")
replace("enum-device-type-nic", "      - type: nvme", "      - type: nic")
replace("enum-profile-rt", "    memory: 8GiB", "    memory: 8GiB\n    kernel: {profile: rt}")
replace("enum-isolation-number", "    isolation: shared", "    isolation: 1")
replace("enum-isolation-case", "    isolation: shared", "    isolation: Shared")
replace("enum-kind-wrong", "kind: PartitionPolicy", "kind: PartitionPolcy")
replace("enum-apiversion-v2", "apiVersion: mkpolicy.io/v1", "apiVersion: mkpolicy.io/v2")
replace("enum-bootloader-quoted-none", "  bootloader: grub", "  bootloader: None")

# --- sizes and rates (E026 E027 E115 E116) --------------------------------------
replace("size-unit-Gb", "    memory: 8GiB", "    memory: 8Gb")
replace("size-words", "    memory: 8GiB", "    memory: 8 gigs")
replace("size-fractional-bytes", "    memory: 4GiB", "    memory: 1.5B")
replace("size-negative", "    memory: 8GiB", "    memory: -1GiB")
replace("size-unit-only", "    memory: 8GiB", "    memory: GiB")
replace("size-trailing-s", "    memory: 8GiB", "    memory: 8GiBs")
replace("size-overflow", "    memory: 8GiB", "    memory: 99999999999TiB")
replace("size-bool", "    memory: 4GiB", "    memory: true")
replace("size-elastic-min-bad", "    memory: 8GiB", "    memory: {min: lots, max: 16GiB}")
replace("rate-readbps-word", "    weight: 200\n", "    weight: 200\n    io:\n      - {device: nvme0n1, readBps: fast}\n")
replace("rate-iops-size", "    weight: 200\n", "    weight: 200\n    io:\n      - {device: nvme0n1, readIops: 5k}\n")
replace("granule-not-power-of-two", "  kernel:\n", "  memoryGranule: 3KiB\n  kernel:\n")
replace("granule-too-small", "  kernel:\n", "  memoryGranule: 1024\n  kernel:\n")
replace("hugepages-size-odd", "    memory: 8GiB", "    memory: 8GiB\n    hugepages: {size: 3MiB, count: 2}")
replace("size-dot-only", "    memory: 8GiB", "    memory: .5GiB")

# --- cpulists (E028 E029) ----------------------------------------------------------
for label, text in [("open-range", '"0-"'), ("letters", '"a-b"'), ("reversed", '"3-1"'),
                    ("double-comma", '"0,,1"'), ("too-large", '"70000"'), ("empty", '""'),
                    ("three-part", '"1-2-3"'), ("bool", "true"), ("seven-digits", '"1234567"')]:
    replace(f"cpulist-{label}", "    cpus: 2\n    perNode", f"    cpuList: {text}\n    perNode")

# --- elastic min > max (E102) ----------------------------------------------------
replace("elastic-cpus-min-gt-max", "cpus: {min: 4, max: 8}", "cpus: {min: 9, max: 8}")
replace("elastic-memory-min-gt-max", "    memory: 8GiB", "    memory: {min: 16GiB, max: 8GiB}")
replace("elastic-block-form", "    cpus: {min: 4, max: 8}", "    cpus:\n      max: 2\n      min: 3")

# --- names (E107), path escapes (E106), cgroup files (E105) ------------------------
for label, text in [("uppercase", "Web"), ("underscore", "web_front"), ("leading-dash", "-web"),
                    ("trailing-dash", "web-"), ("too-long", "w" * 64), ("empty", '""'),
                    ("space", '"web front"'), ("unicode", "wéb")]:
    replace(f"name-{label}", "  - name: web", f"  - name: {text}")
replace("name-metadata-dots", "  name: corpus", "  name: corpus.v2")
for label, text in [("dotdot-slash", "../etc"), ("slash", "team/web"), ("dot", "."), ("dotdot", "..")]:
    replace(f"escape-name-{label}", "  - name: web", f'  - name: "{text}"')
replace("escape-cgroupparent-absolute", "  irqbalance: ban", "  irqbalance: ban\n  cgroupParent: /sys/fs/cgroup/mk")
replace("escape-cgroupparent-dotdot", "  irqbalance: ban", "  irqbalance: ban\n  cgroupParent: a/../../b")
replace("escape-cgroupparent-empty-segment", "  irqbalance: ban", "  irqbalance: ban\n  cgroupParent: a//b")
replace("escape-io-device-path", "    weight: 200\n", "    weight: 200\n    io:\n      - {device: /dev/nvme0n1, readBps: 1GB}\n")
for label, text in [("cpu-max", "cpu.max"), ("cgroup-procs", "cgroup.procs"),
                    ("memory-high", "memory.high"), ("tasks", "tasks")]:
    replace(f"cgroupfile-name-{label}", "  - name: web", f"  - name: {text}")
replace("cgroupfile-parent", "  irqbalance: ban", "  irqbalance: ban\n  cgroupParent: cgroup.procs")
replace("cgroupfile-parent-nested", "  irqbalance: ban", "  irqbalance: ban\n  cgroupParent: mk.slice/cpuset.cpus")

# --- other value formats (E030 E031) -------------------------------------------------
replace("hexid-vendor-word", "match: {driver: nvme}", "match: {vendor: nvidia}")
replace("hexid-vendor-short", "match: {driver: nvme}", "match: {vendor: 12}")
replace("path-image-relative", "    image: /boot/vmlinuz-mk", "    image: vmlinuz-mk")
replace("path-initrd-relative", "    image: /boot/vmlinuz-mk", "    image: /boot/vmlinuz-mk\n    initrd: boot/initrd.img")

# --- semantic checks (E1xx) -------------------------------------------------------------
replace("semantic-duplicate-workload", "  - name: web", "  - name: db")
replace("semantic-avoid-unknown", "avoid: [db]", "avoid: [dbs]")
replace("semantic-avoid-self", "avoid: [db]", "avoid: [db, web]")
replace("semantic-kernel-field-on-shared", "    weight: 200\n", "    weight: 200\n    kernel: {profile: io}\n")
replace("semantic-kernel-without-image", "coordinator:\n  kernel:\n    image: /boot/vmlinuz-mk\n", "")
replace("semantic-kernel-without-memory", "    memory: 8GiB\n", "")
replace("semantic-kernel-hugepages-exceed-memory", "    memory: 8GiB\n", "    memory: 8GiB\n    hugepages: {size: 1GiB, count: 12}\n")
replace("semantic-kernel-hugepages-take-all-memory", "    memory: 8GiB\n", "    memory: 8GiB\n    hugepages: {size: 1GiB, count: 8}\n")
replace("semantic-partition-zero-cpus", "    isolation: shared\n    cpus: 2", "    isolation: partition\n    cpus: {min: 0, max: 4}")
replace("semantic-irqcpus-more-than-cpus", "        count: 1\n", "        count: 1\n    irqCpus: 6\n")
replace("semantic-cpus-and-cpulist", "    cpus: 2\n    perNode", "    cpus: 2\n    cpuList: \"0-1\"\n    perNode")
replace("semantic-checks-still-run-beside-value-errors", "    weight: 200\n    placement:\n      avoid: [db]",
        "    weight: 0\n    kernel: {profile: io}\n    placement:\n      avoid: [dbs]")
replace("semantic-many-errors", "avoid: [db]", "avoid: [nobody]\n    kernel: {cmdline: quiet}")

# --- update: hand-overs and headroom (E160-E166) ------------------------------------------
UPDATE = "        count: 1\n    update:\n      strategy: handover\n      healthCheck: {port: 7400}\n"
replace("update-health-check-two", "        count: 1\n",
        "        count: 1\n    update:\n      strategy: handover\n      healthCheck: {port: 7400, file: /run/ready}\n")
replace("update-health-check-none", "        count: 1\n",
        "        count: 1\n    update:\n      strategy: handover\n      healthCheck: {}\n")
replace("update-health-check-relative-command", "        count: 1\n",
        "        count: 1\n    update:\n      strategy: handover\n      healthCheck: {command: [curl, -fs, http://10.0.0.2/]}\n")
replace("update-health-check-port-range", "        count: 1\n",
        "        count: 1\n    update:\n      strategy: handover\n      healthCheck: {port: 70000}\n")
replace("update-restart-with-headroom", "        count: 1\n",
        "        count: 1\n    update:\n      strategy: restart\n      headroom: {cpus: 4, memory: 8GiB}\n")
replace("update-strategy-unknown", "        count: 1\n", "        count: 1\n    update: {strategy: handoff}\n")
replace("update-headroom-zero-memory", "        count: 1\n", UPDATE + "      headroom: {cpus: 4, memory: 0}\n")
replace("update-timeout-without-unit", "        count: 1\n", UPDATE + "      timeout: 30\n")
replace("update-on-shared-workload", "    weight: 200\n", "    weight: 200\n    update: {strategy: restart}\n")
replace("update-handover-without-health-check", "        count: 1\n",
        "        count: 1\n    update: {strategy: handover}\n")
replace("update-headroom-smaller-than-workload", "        count: 1\n", UPDATE + "      headroom: {cpus: 2, memory: 8GiB}\n")
replace("update-shared-headroom-too-small", "    image: /boot/vmlinuz-mk\n",
        "    image: /boot/vmlinuz-mk\n  updateHeadroom: {cpus: 4, memory: 2GiB}\n",
        base=BASE.replace("        count: 1\n", UPDATE, 1))
replace("update-shared-headroom-unused", "    image: /boot/vmlinuz-mk\n",
        "    image: /boot/vmlinuz-mk\n  updateHeadroom: {cpus: 4, memory: 8GiB}\n",
        base=BASE.replace("avoid: [db]", "avoid: [dbx]"))

# --- folders ------------------------------------------------------------------------------
HEAD = "apiVersion: mkpolicy.io/v1\nkind: PartitionPolicy\n"
folders = {
    "folder-duplicate-workload": {
        "00-host.yaml": HEAD + "metadata:\n  name: split\nhost:\n  housekeeping: {cpus: 2}\n",
        "10-team-a.yaml": HEAD + "workloads:\n  - name: api\n    cpus: 2\n",
        "20-team-b.yaml": HEAD + "workloads:\n  - name: batch\n    cpus: 4\n  - name: api\n    cpus: 1\n",
    },
    "folder-metadata-twice": {
        "a.yaml": HEAD + "metadata:\n  name: one\n",
        "b.yaml": HEAD + "metadata:\n  name: two\nworkloads:\n  - name: api\n    cpus: 1\n",
        "c.yaml": HEAD + "workloads:\n  - name: web\n    cpus: 1\n",
    },
    "folder-host-twice": {
        "a.yaml": HEAD + "metadata:\n  name: one\nhost:\n  bootloader: grub\n",
        "b.yaml": HEAD + "host:\n  bootloader: none\nworkloads:\n  - name: api\n    cpus: 1\n",
    },
    "folder-no-metadata": {
        "a.yaml": HEAD + "workloads:\n  - name: api\n    cpus: 1\n",
        "b.yaml": HEAD + "workloads:\n  - name: web\n    cpus: 1\n",
    },
    "folder-no-yaml-files": {
        "README.md": "This folder has no policy.\n",
    },
    "folder-one-file-broken": {
        "a.yaml": HEAD + "metadata:\n  name: one\nworkloads:\n  - name: api\n    cpus: 1\n",
        "b.yaml": HEAD + "workloads:\n  - name: web\n    cpus: [1\n",
    },
    "folder-avoid-across-files": {
        "a.yaml": HEAD + "metadata:\n  name: one\nworkloads:\n  - name: api\n    cpus: 1\n    placement: {avoid: [batch]}\n",
        "b.yaml": HEAD + "workloads:\n  - name: batchh\n    cpus: 1\n",
    },
}

# --- valid examples: strings keep what YAML 1.1 would retype -----------------------------
valid["strings-stay-strings"] = BASE.replace(
    "  labels: {env: test}",
    "  labels: {answer: no, switch: on, mode: 0755, time: 1:30, flag: 'true', version: '1'}",
).replace("    image: /boot/vmlinuz-mk", "    image: /boot/vmlinuz-mk\n    cmdline: no")
valid["every-field"] = """apiVersion: mkpolicy.io/v1
kind: PartitionPolicy
metadata:
  name: trading-edge
  description: Order routing and market data on one box
  labels: {env: prod, site: fra1}
host:
  housekeeping:
    cpuList: "0-1"
    perNode: false
    memory: 4GiB
  bootloader: kernel-install
  irqbalance: stop
  cgroupParent: tenants/mkpolicy.slice
  allowForeignCgroups: true
  realtimeExtras: true
  kubernetes: {topologyManagerPolicy: single-numa-node, topologyManagerScope: pod, evictionMemory: 200MiB}
coordinator:
  memoryGranule: 2MiB
  updateHeadroom: {cpus: 8, memory: 16GiB}
  kernel:
    image: /boot/vmlinuz-mk
    initrd: /boot/initrd-mk.img
    cmdline: "root=/dev/vda1 ro"
    profile: default
workloads:
  - name: order-router
    isolation: kernel
    latency: realtime
    cpus: {min: 4, max: 8}
    smt: exclusive
    memory: {min: 4GiB, max: 16GiB}
    hugepages: {size: 1GiB, count: 4}
    devices:
      - type: net
        match: {driver: mlx5_core, name: "ens*", pci: "0000:3b:*", vendor: 15b3, device: "0x1017"}
        count: 1
    placement:
      numa: single
      nearDevices: true
      llc: exclusive
      avoid: [analytics]
    priority: 100
    weight: 200
    irqCpus: 2
    kernel:
      profile: realtime
      cmdline: "quiet"
    update:
      strategy: handover
      healthCheck: {command: [/usr/local/bin/router-ready, --wait]}
      drain: 2s
      timeout: 30s
      release: headroom
  - name: analytics
    isolation: shared
    latency: batch
    cpus: {min: 2}
    smt: shared
    memory: 1.5GiB
    priority: 0
    weight: 10000
    io:
      - {device: nvme0n1, readBps: 500MB, writeBps: 200MB, readIops: 50000, writeIops: 20000}
    placement: {numa: any, llc: shared}
  - name: market-data
    isolation: partition
    latency: low
    cpus: 2
    smt: "off"
    memory: 1073741824
    devices:
      - {type: gpu, match: {vendor: 8086}}
"""

for folder in (INVALID, VALID):
    os.makedirs(folder, exist_ok=True)
    for entry in os.listdir(folder):
        path = os.path.join(folder, entry)
        if entry.endswith(".expected"):
            continue
        if os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def write(path, text):
    with open(path, "wb") as handle:
        handle.write(text.encode("utf-8", "surrogateescape"))


for name, text in cases.items():
    write(os.path.join(INVALID, name + ".yaml"), text)
for name, files in folders.items():
    os.makedirs(os.path.join(INVALID, name))
    for file, text in files.items():
        write(os.path.join(INVALID, name, file), text)
for name, text in valid.items():
    write(os.path.join(VALID, name + ".yaml"), text)
print(f"{len(cases) + len(folders)} invalid cases, {len(valid)} valid")
