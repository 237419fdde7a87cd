"""A minimal real flow file, the one every conformance script publishes.

A .tfl or .tflx is a zip archive whose `flow` entry is the flow document (JSON: `nodes` keyed by
id, each with `nodeType`, `baseType`, `nextNodes`; `connections`; `parameters`; `initialNodes`),
beside `displaySettings` and `maestroMetadata`; a .tflx also packages its data files
(spec/reference/SOURCES.md, "Flow files"). The simulator refuses anything else with 400087, as
real servers do (deviation S23).
"""

from __future__ import annotations

import io
import json
import os
import zipfile

# Fixed, like the simulator's own demo files: the same bytes at every call (but `payload`).
_DATE = (2024, 1, 1, 0, 0, 0)


def flow_document(name: str) -> dict:
    """One SQL input, a cleaning step, one output."""
    node_in, clean, out, conn = "in-" + name, "clean-" + name, "out-" + name, "conn-" + name
    nxt = lambda to: [{"namespace": "Default", "nextNodeId": to, "nextNamespace": "Default"}]  # noqa: E731
    return {
        "parameters": {"parameters": {}},
        "initialNodes": [node_in],
        "nodes": {
            node_in: {"nodeType": ".v1.LoadSql", "name": "Orders", "id": node_in, "baseType": "input",
                      "nextNodes": nxt(clean), "connectionId": conn,
                      "relation": {"type": "table", "table": "[orders]"}},
            clean: {"nodeType": ".v1.Container", "name": "Clean", "id": clean, "baseType": "container",
                    "nextNodes": nxt(out),
                    "loomContainer": {"parameters": {"parameters": {}}, "initialNodes": [], "nodes": {},
                                      "connections": {}}},
            out: {"nodeType": ".v1.PublishExtract", "name": "Output", "id": out, "baseType": "output",
                  "nextNodes": []},
        },
        "connections": {conn: {"connectionType": ".v1.SqlConnection", "id": conn, "name": "db.example.com",
                               "isPackaged": False,
                               "connectionAttributes": {"class": "postgres", "server": "db.example.com",
                                                        "port": "5432", "username": "reader"}}},
        "connectionIds": [conn],
        "majorVersion": 1,
        "minorVersion": 4,
    }


def flow_file(name: str, payload: int = 0) -> bytes:
    """A real flow file for `name`; with `payload`, a .tflx packaging that many incompressible bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        def put(entry: str, data: bytes, method: int = zipfile.ZIP_DEFLATED) -> None:
            info = zipfile.ZipInfo(entry, date_time=_DATE)
            info.compress_type = method
            z.writestr(info, data)

        put("flow", json.dumps(flow_document(name), indent=2).encode())
        put("displaySettings", b"{}")
        put("maestroMetadata", json.dumps({"majorVersion": 1, "documentFeaturesUsedInDocument": []}).encode())
        if payload:
            put("Data/padding.bin", os.urandom(payload), zipfile.ZIP_STORED)
    return buf.getvalue()
