"""Schemathesis hooks for the tableau-flows conformance run (loaded via SCHEMATHESIS_HOOKS).

Why this exists
---------------
Schemathesis 4.32.5's XML serializer (`schemathesis.transport.serialization._write_object`)
does not resolve every `$ref` it meets: a reference inside a `multipart/mixed` part (Publish
Flow's `request_payload`) or one wrapped in `allOf` is written without the referenced schema's
`xml` objects. It then loses every `xml.attribute: true` below it and writes the Tableau
attributes as child elements:

    <tsRequest><credentials><site><contentUrl></contentUrl></site></credentials></tsRequest>

instead of

    <tsRequest><credentials><site contentUrl=""/></credentials></tsRequest>

The simulator (like Tableau Server) correctly rejects such bodies with 400000 "<site> has no
attribute `contentUrl`", so without this hook no generated XML body (application/xml bodies
and the text/xml `request_payload` part of multipart/mixed bodies) ever reaches the
simulator's logic, and positive_data_acceptance fails on every operation with a body.

This hook inlines `$ref`s (against the schema it is given, then against the whole OpenAPI
document named by TABLEAU_FLOWS_OPENAPI) and merges one-level `allOf`s before the schema
reaches schemathesis's own serializer. The sibling keywords of the wrapper win over the referenced
schema (this is how the root becomes `tsRequest` rather than the `tsResponse` that the
request component schemas declare; see the report), exactly as schemathesis already does
for the top-level wrapper. Nothing else in schemathesis is changed: generation, the checks
and the schema under test are untouched.

Remove this file (and the SCHEMATHESIS_HOOKS export in schemathesis.sh) once schemathesis
resolves every `$ref` when it writes XML.
"""

from __future__ import annotations

import json
import os
from typing import Any

from schemathesis.transport import requests as _requests_transport
from schemathesis.transport import serialization as _serialization

_ORIGINAL = _serialization.serialize_xml_with_schema
_MAX_DEPTH = 64


def _document() -> dict[str, Any]:
    path = os.environ.get("TABLEAU_FLOWS_OPENAPI")
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        return json.load(f)


_DOCUMENT = _document()


def _pointer(root: dict[str, Any], ref: str) -> Any:
    found = _walk(root, ref)
    return found if found is not None else _walk(_DOCUMENT, ref)


def _walk(root: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for raw in ref[2:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if key == "properties" and isinstance(out.get(key), dict) and isinstance(value, dict):
            out[key] = {**out[key], **value}
        elif key == "required" and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = list(dict.fromkeys([*out[key], *value]))
        else:
            out[key] = value
    return out


def _flatten(node: Any, root: dict[str, Any], depth: int = 0) -> Any:
    if depth > _MAX_DEPTH:
        return node
    if isinstance(node, list):
        return [_flatten(item, root, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: value for key, value in node.items() if key != "x-bundled"}
    if isinstance(node.get("$ref"), str):
        target = _pointer(root, node.pop("$ref"))
        if isinstance(target, dict):
            # The use site's keywords (e.g. `xml`) win over the referenced schema's.
            node = {**_flatten(target, root, depth + 1), **node}
    if isinstance(node.get("allOf"), list):
        parts = node.pop("allOf")
        merged: dict[str, Any] = {}
        for part in parts:
            flat = _flatten(part, root, depth + 1)
            if isinstance(flat, dict):
                merged = _merge(merged, flat)
        node = {**merged, **node}
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: _flatten(sub, root, depth + 1) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "not"):
            out[key] = _flatten(value, root, depth + 1)
        else:
            out[key] = value
    return out


def _serialize_xml_with_schema(value: Any, schema: Any, resource_name: str | None) -> dict[str, Any]:
    if isinstance(schema, dict):
        schema = _flatten(schema, schema)
    return _ORIGINAL(value, schema, resource_name)


# `serialize_xml` (application/xml bodies) looks the name up in the serialization module;
# the multipart serializer (text/xml parts) imported it into the requests transport module.
_serialization.serialize_xml_with_schema = _serialize_xml_with_schema
_requests_transport.serialize_xml_with_schema = _serialize_xml_with_schema
