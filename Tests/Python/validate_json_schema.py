"""Validate JSON documents against a JSON Schema (draft 2020-12).

Usage: validate_json_schema.py SCHEMA DOC...
Prints one line per error as `DOC: path: message`; exits 1 when any.
"""
import json
import sys

import jsonschema


def main(schema_path, documents):
    schema = json.load(open(schema_path, encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    failed = False
    for path in documents:
        document = json.load(open(path, encoding="utf-8"))
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
            failed = True
            print(f"{path}: {'/'.join(map(str, error.path))}: {error.message}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
