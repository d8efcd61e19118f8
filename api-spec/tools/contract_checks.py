"""Checks on api-spec/openapi.yaml that the standard validators do not make.

- YAML 1.1 and YAML 1.2 readers must agree on the document, and no mapping may repeat a key.
- No `allOf` branch may close itself with `additionalProperties: false`: the other branches'
  properties would then be refused and the schema could never be satisfied (close the combined
  schema with `unevaluatedProperties: false` instead).

YAML 1.1 (PyYAML, many older tools) reads unquoted `no`, `on`, `yes`, `off` as booleans and
`1:30` as a sexagesimal number; YAML 1.2 (js-yaml, ruamel) reads them as strings. An OpenAPI
document must mean the same thing to both.
"""

import datetime
import sys

import yaml
from ruamel.yaml import YAML


def normalise(value):
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, (bool, int, float)) else repr(k): normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return ("timestamp", value.isoformat())
    return (type(value).__name__, value)


def differences(a, b, path="#"):
    if type(a) is not type(b):
        yield f"{path}: YAML 1.1 reads {a!r}, YAML 1.2 reads {b!r}"
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{path}: key {key!r} only in YAML {'1.2' if key not in a else '1.1'}"
            else:
                yield from differences(a[key], b[key], f"{path}/{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{path}: lists of different lengths"
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{path}/{i}")
    elif a != b:
        yield f"{path}: YAML 1.1 reads {a[1]!r}, YAML 1.2 reads {b[1]!r}"


def closed_allof_branches(doc):
    schemas = doc.get("components", {}).get("schemas", {})

    def resolve(node):
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in seen or not ref.startswith("#/components/schemas/"):
                break
            seen.add(ref)
            node = schemas.get(ref.rsplit("/", 1)[1], {})
        return node

    def walk(node, path):
        if isinstance(node, dict):
            for i, branch in enumerate(node.get("allOf", []) or []):
                if resolve(branch).get("additionalProperties") is False:
                    yield f"{path}/allOf/{i}: a branch with additionalProperties: false makes the allOf unsatisfiable"
            for key, value in node.items():
                yield from walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, f"{path}/{i}")

    yield from walk(doc, "#")


def main(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    v11 = yaml.safe_load(text)
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 2)
    reader.allow_duplicate_keys = False
    v12 = reader.load(text)
    found = list(differences(normalise(v11), normalise(v12)))
    found += list(closed_allof_branches(v12))
    for line in found:
        print(f"{path}: {line}", file=sys.stderr)
    if found:
        sys.exit(1)
    print(f"{path}: YAML 1.1 and 1.2 readers agree; no allOf branch is closed")


if __name__ == "__main__":
    main(sys.argv[1])
