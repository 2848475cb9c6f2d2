#!/usr/bin/env python3
"""Benchmark of the policy front end (`mkpolicy check`).

Usage: .venv/bin/python Benchmarks/policy-check.py [--bin .build/release/mkpolicy] [--rounds 5]

Measures, in one run:
  1. every malformed corpus case checked by its own `mkpolicy check` process
     (as CI checks one changed file): median and slowest wall time, against
     the issue's bound of 100 ms per case;
  2. all comparable cases plus the shipped policies in one `mkpolicy check`
     process, against the reference: the same files parsed by PyYAML's C
     loader and validated against Schemas/policy.v1.schema.json with
     jsonschema in one Python process (less work than mkpolicy does: no
     locations, no semantic checks). Reported as a ratio, best of N rounds.
Files the reference cannot load safely (alias bomb, reader-level errors) are
left out of part 2 for both sides.
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Tests/MKPolicyTests/Corpus")

REFERENCE = r"""
import json, sys, yaml, jsonschema
validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
bad = 0
for path in sys.argv[2:]:
    with open(path, encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=yaml.CSafeLoader)
    bad += any(True for _ in validator.iter_errors(json.loads(json.dumps(document, default=str))))
print(bad)
"""


def wall(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/debug/mkpolicy"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    cases = sorted(p for p in glob.glob(os.path.join(CORPUS, "invalid", "*"))
                   if not p.endswith(".expected"))
    per_case = {}
    for case in cases:
        per_case[case] = min(wall([args.bin, "check", case]) for _ in range(3))
    floor = min(wall([args.bin, "--version"]) for _ in range(5))
    times = sorted(per_case.values())
    slowest = max(per_case, key=per_case.get)
    print(f"binary: {os.path.relpath(args.bin, ROOT)}")
    print(f"per-case check ({len(cases)} malformed cases, one process each, best of 3):")
    print(f"  median {statistics.median(times) * 1000:.1f} ms, slowest {times[-1] * 1000:.1f} ms "
          f"({os.path.basename(slowest)}); bound 100 ms")
    print(f"  process start-up alone (mkpolicy --version): {floor * 1000:.1f} ms")

    # Part 2: one process over many files, against the Python reference.
    comparable = []
    for case in cases:
        if not case.endswith(".yaml"):
            continue
        expected = open(case[:-5] + ".expected", encoding="utf-8").read()
        codes = {line.split("error[")[1][:4] for line in expected.splitlines() if "error[" in line}
        if codes and all(code >= "E014" for code in codes):
            comparable.append(case)
    files = comparable + sorted(glob.glob(os.path.join(ROOT, "Policies", "*.yaml")))
    schema = os.path.join(ROOT, "Schemas/policy.v1.schema.json")
    python = os.path.join(ROOT, ".venv/bin/python")
    ours = min(wall([args.bin, "check", "--format", "json"] + files) for _ in range(args.rounds))
    reference = min(wall([python, "-c", REFERENCE, schema] + files) for _ in range(args.rounds))
    print(f"batch check ({len(files)} files in one process, best of {args.rounds}):")
    print(f"  mkpolicy {ours * 1000:.1f} ms, reference PyYAML C loader + jsonschema "
          f"{reference * 1000:.1f} ms, ratio {ours / reference:.2f}")


main()
