"""Times `mkpolicy discover` against `lstopo --of xml` on this machine.

Both run as processes, back to back and interleaved (mkpolicy, lstopo,
mkpolicy, ...), so that both see the same machine state and cache warmth.
Prints the median and minimum wall time of each, the median CPU time, and
the goal ratios of medians (wall and CPU), with the load average.

Usage: bench.py MKPOLICY_BINARY [RUNS] [BEFORE_BINARY]

With BEFORE_BINARY (an older build), its `discover --format json`,
`--version` and `check` run in the same interleaved rounds, for a
before/after side by side under the same load.
"""
import os
import statistics
import subprocess
import sys
import time


def timed(argv):
    """Wall time and CPU time (user + system, from wait4's rusage) of one run.
    On a machine shared with other jobs the wall time includes waiting for a
    core; the CPU time does not, so it is the steadier of the two."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise subprocess.CalledProcessError(process.returncode, argv)
    return wall, usage.ru_utime + usage.ru_stime


def main() -> int:
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    commands = {
        "mkpolicy discover": [binary, "discover", "--format", "yaml"],
        "mkpolicy discover --format json": [binary, "discover", "--format", "json"],
        "lstopo --of xml": ["lstopo", "--of", "xml"],
        "lstopo --of xml --whole-io": ["lstopo", "--of", "xml", "--whole-io"],
        # Process start-up alone (Swift runtime), against hwloc's.
        "mkpolicy --version": [binary, "--version"],
        "lstopo --version": ["lstopo", "--version"],
        # One policy file checked (start-up, YAML, decode, checks).
        "mkpolicy check Policies/default.yaml": [binary, "check", "Policies/default.yaml"],
    }
    if len(sys.argv) > 3:
        before = sys.argv[3]
        commands["before: discover --format json"] = [before, "discover", "--format", "json"]
        commands["before: --version"] = [before, "--version"]
        commands["before: check Policies/default.yaml"] = [before, "check", "Policies/default.yaml"]
    for argv in commands.values():  # warm up page cache and dentries
        timed(argv)
    samples = {name: [] for name in commands}
    cpu = {name: [] for name in commands}
    load_before = os.getloadavg()
    for _ in range(runs):
        for name, argv in commands.items():
            wall, used = timed(argv)
            samples[name].append(wall)
            cpu[name].append(used)
    load_after = os.getloadavg()
    print(f"runs: {runs} each, interleaved; load average {load_before[0]:.2f} at the start, "
          f"{load_after[0]:.2f} at the end")
    print(f"{'command':38} {'median ms':>10} {'min ms':>8} {'CPU median ms':>14}")
    for name, values in samples.items():
        print(f"{name:38} {statistics.median(values) * 1000:10.2f} {min(values) * 1000:8.2f} "
              f"{statistics.median(cpu[name]) * 1000:14.2f}")

    def ratio(ours, reference, table=samples):
        return statistics.median(table[ours]) / statistics.median(table[reference])

    for label, table in (("wall medians", samples), ("CPU medians", cpu)):
        print(f"ratio mkpolicy discover / lstopo --of xml ({label}): "
              f"{ratio('mkpolicy discover', 'lstopo --of xml', table):.2f}")
        print(f"ratio mkpolicy discover --format json / lstopo --of xml ({label}): "
              f"{ratio('mkpolicy discover --format json', 'lstopo --of xml', table):.2f} (goal <= 0.5)")
        print(f"ratio mkpolicy --version / lstopo --version ({label}): "
              f"{ratio('mkpolicy --version', 'lstopo --version', table):.2f} (goal <= 1.2)")
    check = "mkpolicy check Policies/default.yaml"
    print(f"{check}: median {statistics.median(samples[check]) * 1000:.2f} ms wall, "
          f"{statistics.median(cpu[check]) * 1000:.2f} ms CPU (goal <= 5 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
