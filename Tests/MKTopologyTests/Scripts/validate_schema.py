"""Validates snapshot files against Schemas/topology.v1.schema.json.

Usage: validate_schema.py SCHEMA FILE...  (YAML or JSON files)
Prints one line per file: `PATH ok` or `PATH invalid: MESSAGE` (first error).
"""
import json
import sys

import jsonschema
import yaml


def main() -> int:
    schema = json.load(open(sys.argv[1], encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle) if path.endswith(".json") else yaml.safe_load(handle)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            print(f"{path} invalid: {where}: {errors[0].message}")
        else:
            print(f"{path} ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
