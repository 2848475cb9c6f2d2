"""Times `mkpolicy discover` against `lstopo --of xml` on this machine.

Both run as processes, back to back and interleaved (mkpolicy, lstopo,
mkpolicy, ...), so that both see the same machine state and cache warmth.
Prints the median and minimum wall time of each and the ratio of medians.

Usage: bench.py MKPOLICY_BINARY [RUNS]
"""
import statistics
import subprocess
import sys
import time


def timed(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


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
    for argv in commands.values():  # warm up page cache and dentries
        timed(argv)
    samples = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            samples[name].append(timed(argv))
    print(f"runs: {runs} each, interleaved")
    print(f"{'command':38} {'median ms':>10} {'min ms':>8}")
    for name, values in samples.items():
        print(f"{name:38} {statistics.median(values) * 1000:10.2f} {min(values) * 1000:8.2f}")

    def ratio(ours, reference):
        return statistics.median(samples[ours]) / statistics.median(samples[reference])

    print(f"ratio mkpolicy discover / lstopo --of xml (medians): "
          f"{ratio('mkpolicy discover', 'lstopo --of xml'):.2f}")
    print(f"ratio mkpolicy discover --format json / lstopo --of xml (medians): "
          f"{ratio('mkpolicy discover --format json', 'lstopo --of xml'):.2f} (goal <= 0.5)")
    print(f"ratio mkpolicy --version / lstopo --version (medians): "
          f"{ratio('mkpolicy --version', 'lstopo --version'):.2f} (goal <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
