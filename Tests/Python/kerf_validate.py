"""Validate a multikernel state device tree with kerf 0.4.0's own code.

Usage: kerf_validate.py STATE.dtb
Prints one JSON object: {"errors": [...], "cpuErrors": {...}, "instances": {...}}.
Uses the validator's errors only: its warnings read this machine's
/proc/cpuinfo and say nothing about the tree.
"""
import json
import sys

from kerf.dtc.parser import DeviceTreeParser
from kerf.dtc.validator import MultikernelValidator
from kerf.resources import validate_cpu_allocation


def main(path):
    out = {"errors": [], "cpuErrors": {}, "instances": {}}
    try:
        tree = DeviceTreeParser().parse_dtb(path)
    except Exception as error:  # a tree kerf cannot read is an error too
        out["errors"].append(f"parse: {error}")
        print(json.dumps(out, sort_keys=True))
        return
    result = MultikernelValidator().validate(tree)
    out["errors"] = list(result.errors)
    for name, instance in sorted(tree.instances.items()):
        out["instances"][name] = {
            "id": instance.id,
            "cpus": list(instance.resources.cpus),
            "memoryBytes": instance.resources.memory_bytes,
            "devices": list(instance.resources.devices),
        }
        try:
            validate_cpu_allocation(tree, list(instance.resources.cpus), exclude_instance=name)
        except Exception as error:
            out["cpuErrors"][name] = str(error)
    out["poolCPUs"] = list(tree.hardware.cpus.available)
    out["poolBytes"] = tree.hardware.memory.memory_pool_bytes
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1])
