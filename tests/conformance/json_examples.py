#!/usr/bin/env python3
"""The 3.24 page's JSON examples against the OpenAPI export's JSON schemas.

    python3 tests/conformance/json_examples.py OPENAPI.json [PAGE.txt]

The Flow Methods page (API 3.24) shows JSON for one method, Create Cloud Flow Task: its request
and its response. Each is read from the page (the JSON text after the method's heading) and
validated with jsonschema (Draft 2020-12, the dialect of OpenAPI 3.1), $refs resolved in the
export, every object closed to the keys the spec names:
- the request against the schema the export gives the request body's `application/json`;
- the response against the schema of the 200 answer's `application/json`, once the two shapes
  the page writes unlike real servers (deviation S28: a one-item list as the item object, an
  empty list as `[]`) are written as servers write them; the normalisation is checked to have
  been needed at exactly those places, so a schema that drifted from the page's other shapes
  still fails.
Exits 1 on any failure, printing what failed.
"""

import json
import sys
from pathlib import Path

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

HERE = Path(__file__).resolve().parent
OPERATION_ID = "create_cloud_flow_task"


def json_blocks(page: str, heading: str):
    """The JSON texts (top-level objects) after `heading` and before the next method's heading."""
    lines = page.splitlines()
    start = lines.index(heading)
    blocks, current, depth = [], [], 0
    for line in lines[start + 1 :]:
        if not current and line.strip() == "{":
            current, depth = [line], 1
            continue
        if current:
            current.append(line)
            depth += line.count("{") + line.count("[") - line.count("}") - line.count("]")
            if depth == 0:
                # The page indents its response with non-breaking spaces, which JSON does not
                # take as white space (the same repair as its XML examples', erratum E5).
                blocks.append(json.loads("\n".join(current).replace("\u00a0", " ")))
                current = []
                if len(blocks) == 2:
                    return blocks
    raise SystemExit(f"fewer than two JSON examples after {heading!r}")


def as_servers_write(value, path, fixed):
    """The page's one-item lists as arrays and empty lists `[]` as `{}` (deviation S28)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            here = f"{path}/{key}"
            if isinstance(item, list) and not item:
                fixed.append(here)
                out[key] = {}
            else:
                out[key] = as_servers_write(item, here, fixed)
        return out
    if isinstance(value, list):
        return [as_servers_write(v, f"{path}/{i}", fixed) for i, v in enumerate(value)]
    return value


def wrap_single_items(value, lists, fixed, path="", parent=None):
    """Wraps the item objects the schemas want as arrays (`"parameters": {"parameter": {...}}`):
    `lists` holds the (wrapper, item) names of every list of the JSON schemas."""
    if isinstance(value, dict):
        for key, item in list(value.items()):
            here = f"{path}/{key}"
            if (parent, key) in lists and isinstance(item, dict):
                fixed.append(here)
                value[key] = [item]
                item = value[key]
            wrap_single_items(item, lists, fixed, here, key)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            wrap_single_items(v, lists, fixed, f"{path}/{i}", None)
    return value


def list_names(schemas):
    """The (wrapper, item) names of every list in the JSON schemas: a property whose schema is an
    object holding one array."""
    names = set()
    for schema in schemas.values():
        for wrapper, prop in schema.get("properties", {}).items():
            inner = prop.get("properties", {})
            for item, items in inner.items():
                if items.get("type") == "array" and len(inner) == 1:
                    names.add((wrapper, item))
    return names


def closed(schema):
    """The schema with every object closed to keys it names (`unevaluatedProperties: false`): the
    export leaves objects open, as servers add keys, but the page's examples must use only keys
    the spec knows, so that a key the rule names wrongly (`xsi:type` for `xsi_type`) fails."""
    if isinstance(schema, dict):
        out = {k: closed(v) for k, v in schema.items()}
        if "properties" in schema and schema.get("type") == "object":
            out["unevaluatedProperties"] = False
        return out
    if isinstance(schema, list):
        return [closed(v) for v in schema]
    return schema


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    doc = json.loads(Path(sys.argv[1]).read_text())
    page_path = Path(sys.argv[2]) if len(sys.argv) == 3 else HERE / "../../spec/reference/flow-methods-api-3.24.txt"
    page = page_path.read_text()
    request, response = json_blocks(page, "Create Cloud Flow Task")
    registry = Registry().with_resource(
        "urn:openapi", Resource(contents=closed(doc), specification=DRAFT202012)
    )
    # The operation by its id (the spec's), wherever the export puts its path.
    op = next(o for path in doc["paths"].values() for o in path.values() if o.get("operationId") == OPERATION_ID)
    request_ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    response_ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    failures = 0

    def check(what, instance, ref):
        nonlocal failures
        validator = jsonschema.Draft202012Validator({"$ref": "urn:openapi" + ref}, registry=registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        for e in errors:
            print(f"FAIL {what} at /{'/'.join(map(str, e.path))}: {e.message}")
        if not errors:
            print(f"ok   {what} validates against {ref.rsplit('/', 1)[-1]}")
        failures += len(errors)

    check("the page's Create Cloud Flow Task request, as written", request, request_ref)
    fixed = []
    normalised = as_servers_write(response, "", fixed)
    normalised = wrap_single_items(normalised, list_names(doc["components"]["schemas"]), fixed)
    expected = [
        "/task/flowRun/flowRunSpec/flowParameterSpecs",
        "/task/flowRun/flow/parameters/parameter",
        "/task/flowRun/flowRunSpec/flowOutputSteps/flowOutputStep",
    ]
    if sorted(fixed) != sorted(expected):
        print(f"FAIL the S28 shapes of the page's response are {sorted(fixed)}, not {sorted(expected)}")
        failures += 1
    check("the page's Create Cloud Flow Task response, S28's shapes as servers write them", normalised, response_ref)
    # And as written, it does not: the exact schema tells the page's shapes apart.
    strict = jsonschema.Draft202012Validator({"$ref": "urn:openapi" + response_ref}, registry=registry)
    if strict.is_valid(response):
        print("FAIL the page's response validates as written: the schema does not tell S28's shapes apart")
        failures += 1
    else:
        print("ok   the page's response as written is refused by the exact schema (S28)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
