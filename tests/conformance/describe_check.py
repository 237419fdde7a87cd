#!/usr/bin/env python3
"""`tabflow flows describe` checked against the flow files themselves, read independently.

Starts `tabflow mock`, downloads every demo flow with `tabflow flows download`, opens each file
with Python's zipfile and json (not our decoder), walks the flow document itself (inputs, their
connections, outputs, the steps breadth-first from `initialNodes` along `nextNodes`, and for each
output the inputs a path leads from) and compares that with `tabflow flows describe --format json`
of the file and of the flow by id on the server. It also checks that no credential of a
connection (`username`, `password`) appears in the description.

    python3 tests/conformance/describe_check.py target/debug/tabflow
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simulator import start_simulator, stop_simulator  # noqa: E402


def read_document(path: str) -> dict:
    with zipfile.ZipFile(path) as z:
        return json.loads(z.read("flow"))


def nexts(node: dict) -> list[str]:
    return [n["nextNodeId"] for n in node.get("nextNodes") or [] if "nextNodeId" in n]


def expected(doc: dict) -> dict:
    """What describe should report, from the document alone."""
    nodes = doc["nodes"]
    # Breadth-first from initialNodes, each node once, then the nodes no path reaches (by id).
    order, seen, queue = [], set(), deque()
    for nid in doc.get("initialNodes") or []:
        if nid in nodes and nid not in seen:
            seen.add(nid)
            queue.append(nid)
    while True:
        while queue:
            nid = queue.popleft()
            order.append(nid)
            for n in nexts(nodes[nid]):
                if n in nodes and n not in seen:
                    seen.add(n)
                    queue.append(n)
        rest = sorted(set(nodes) - seen)
        if not rest:
            break
        seen.add(rest[0])
        queue.append(rest[0])

    def reach(start: str) -> set[str]:
        found, todo = {start}, [start]
        while todo:
            for n in nexts(nodes[todo.pop()]):
                if n in nodes and n not in found:
                    found.add(n)
                    todo.append(n)
        return found

    connections = doc.get("connections") or {}
    inputs, outputs = [], []
    for nid in order:
        node = nodes[nid]
        if node.get("baseType") == "input":
            attrs = connections.get(node.get("connectionId"), {}).get("connectionAttributes", {})
            inputs.append({
                "id": nid,
                "name": node.get("name") or nid,
                "class": attrs.get("class") or None,
                "server": attrs.get("server") or None,
                "file": attrs.get("filename") or None,
                "table": (node.get("relation") or {}).get("table") or None,
            })
        if node.get("baseType") == "output":
            outputs.append({"id": nid, "name": node.get("name") or nid})
    reached = {i["id"]: reach(i["id"]) for i in inputs}
    lineage = [
        {"output": o["id"], "inputs": [i["id"] for i in inputs if o["id"] in reached[i["id"]]]}
        for o in outputs
    ]
    secrets = set()
    for c in connections.values():
        for key in ("username", "password"):
            value = (c.get("connectionAttributes") or {}).get(key)
            if value:
                secrets.add(value)
    return {"steps": order, "inputs": inputs, "outputs": outputs, "lineage": lineage, "secrets": secrets}


def actual(described: dict) -> dict:
    return {
        "steps": [s["id"] for s in described["steps"]],
        "inputs": [{
            "id": i["id"],
            "name": i["name"],
            "class": (i.get("connection") or {}).get("class"),
            "server": (i.get("connection") or {}).get("server"),
            "file": (i.get("connection") or {}).get("file"),
            "table": i.get("table"),
        } for i in described["inputs"]],
        "outputs": [{"id": o["id"], "name": o["name"]} for o in described["outputs"]],
        "lineage": [{"output": l["output"]["id"], "inputs": [i["id"] for i in l["inputs"]]}
                    for l in described["lineage"]],
    }


def check(binary: str, mode: str) -> tuple[int, int]:
    """Describes every demo flow of a simulator whose experimental flow-document endpoint is
    `mode` (off: the server answers 403200 and tabflow downloads the flow; on: tabflow reads the
    endpoint); returns (checked, failed)."""
    proc, info = start_simulator(binary, "--flow-document-api", mode)
    want_source = "document" if mode == "on" else "download"
    failed = checked = 0
    try:
        env = dict(os.environ, TABLEAU_SERVER=info["url"], TABLEAU_SITE=info["site"],
                   TABLEAU_PAT_NAME=info["patName"], TABLEAU_PAT_SECRET=info["patSecret"])

        def tabflow(*args: str) -> str:
            run = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)
            if run.returncode != 0:
                raise RuntimeError(f"tabflow {' '.join(args)}: exit {run.returncode}: {run.stderr}")
            return run.stdout

        flows = json.loads(tabflow("--json", "flows", "list", "--all"))["flows"]["flow"]
        with tempfile.TemporaryDirectory() as work:
            for flow in flows:
                path = os.path.join(work, f"{flow['id']}.{flow.get('fileType') or 'tflx'}")
                tabflow("flows", "download", flow["id"], "-o", path)
                want = expected(read_document(path))
                from_file = json.loads(tabflow("flows", "describe", path, "--format", "json"))
                from_server = json.loads(tabflow("flows", "describe", flow["id"], "--format", "json"))
                problems = []
                if from_file.pop("source", None) != "file":
                    problems.append("the file's description does not say it comes from the file")
                source = from_server.pop("source", None)
                if source != want_source:
                    problems.append(f"the server's description comes from {source!r}, not {want_source!r}")
                if from_server != from_file:
                    problems.append("the server's description differs from the file's")
                got = actual(from_file)
                for key in ("steps", "inputs", "outputs", "lineage"):
                    if got[key] != want[key]:
                        problems.append(f"{key}: described {got[key]!r}, the document has {want[key]!r}")
                text = json.dumps(from_file)
                for secret in want["secrets"]:
                    if f'"{secret}"' in text:
                        problems.append(f"a credential of a connection appears: {secret!r}")
                if not want["inputs"] or not want["lineage"]:
                    problems.append("the document has no inputs or no outputs: nothing was checked")
                checked += 1
                if problems:
                    failed += 1
                    print(f"FAIL {flow['name']} (endpoint {mode}): " + "; ".join(problems))
                else:
                    print(f"PASS {flow['name']} (endpoint {mode}, from the {want_source}): "
                          f"{len(want['inputs'])} inputs, {len(want['steps'])} steps, "
                          f"{len(want['outputs'])} outputs, lineage as the document's")
    finally:
        stop_simulator(proc)
    return checked, failed


def main() -> int:
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "target/debug/tabflow")
    checked = failed = 0
    for mode in ("off", "on"):
        c, f = check(binary, mode)
        checked += c
        failed += f
    print(f"{checked - failed} of {checked} demo flow descriptions as their documents say")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
