#!/usr/bin/env python3
"""A policy of COUNT workloads that fits the 1,920-thread example host, for
timing `mkpolicy plan` at 2,000 and 4,000 workloads.

The families of `mkpolicy-bench families` give every workload at least one
CPU, so past the host's 1,904 free threads they only time the refusal. This
keeps BASE (a policy those families wrote, e.g. cloud-fit-500.yaml) as it is
and adds shared tenants that reserve memory but no CPU of their own
(`cpus: 0`: they run on the shared pool), with deterministic sizes of
256 MiB to 1 GiB, `numa: single` on every other one, and the priorities and
weights of the cloud mix, until COUNT workloads.

    Benchmarks/solver/dense-policy.py BASE COUNT > policy.yaml
"""
import sys


def main() -> None:
    base_path, count = sys.argv[1], int(sys.argv[2])
    base = open(base_path, encoding="utf-8").read().rstrip("\n") + "\n"
    have = sum(1 for line in base.splitlines() if line.startswith("  - name: "))
    lines = [base]
    for index in range(have, count):
        memory = 256 * (1 + index % 4)
        lines.append(
            f"  - name: t{index}\n"
            "    isolation: shared\n"
            "    cpus: 0\n"
            f"    memory: {memory}MiB\n"
            + ("    placement: {numa: single}\n" if index % 2 == 0 else "")
            + f"    priority: {(index * 7) % 50}\n"
            f"    weight: {100 * (1 + index % 4)}\n"
        )
    sys.stdout.write("".join(lines))


if __name__ == "__main__":
    main()
