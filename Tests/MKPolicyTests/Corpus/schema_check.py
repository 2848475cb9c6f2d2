#!/usr/bin/env python3
"""Validates policy files against Schemas/policy.v1.schema.json.

Usage: schema_check.py SCHEMA FILE...  prints one line per file:
    FILE<TAB>valid   or   FILE<TAB>invalid<TAB>first error
YAML is read with the policy language's own scalar rules, not YAML 1.1's:
only plain true/false are booleans, only plain decimal integers without
leading zeros are integers, plain ~/null/empty is null, everything else
(no, on, 0755, 1:30, quoted text) is a string. So the JSON the schema sees
is the JSON the decoder means.
"""
import json
import re
import sys

import jsonschema
import yaml


class PolicyLoader(yaml.SafeLoader):
    pass


PolicyLoader.yaml_implicit_resolvers = {}
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
PolicyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


def main():
    schema = json.load(open(sys.argv[1]))
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            document = yaml.load(handle, Loader=PolicyLoader)
        document = json.loads(json.dumps(document))
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path)
            print(f"{path}\tinvalid\t{where}: {errors[0].message}")
        else:
            print(f"{path}\tvalid")


main()
