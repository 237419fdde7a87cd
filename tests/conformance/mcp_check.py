#!/usr/bin/env python3
"""`tabflow mcp` driven by the official Python MCP SDK (`mcp` from PyPI, pinned in
peers/requirements-mcp.txt, installed into a virtualenv of its own as the peers are).

Starts `tabflow mock`, then `tabflow mcp` against it through the SDK's stdio client, and checks:
the tool list (one tool per endpoint of the spec, as `tabflow api --list --json` lists them,
but the two that sign in and out and the two that send a file, plus the four curated tools),
every input schema valid under JSON Schema 2020-12 (jsonschema's `check_schema`), list-flows,
query_flow (get-flow), flow-run-history and describe-flow, a write tool refused without
--allow-writes, a flow run with a parameter by run-flow-and-wait with --allow-writes, and a tool
outside --project refused. Prints a table; exits 1 when a step fails.

    python3 tests/conformance/mcp_check.py target/debug/tabflow
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from simulator import SALES_CLEANUP, COFFEE_CHAIN, SEEDED_FLOWS, start_simulator, stop_simulator  # noqa: E402

# Endpoints that are not tools: the server holds its own session, and the call layer behind
# the tools sends JSON documents, not files (docs/mcp.md).
LEFT_OUT = {"sign_in", "sign_out", "publish_flow", "append_to_file_upload"}
CURATED = {"list-flows", "run-flow-and-wait", "flow-run-history", "describe-flow"}
INSIDE = "_TABFLOW_MCP_CHECK_IN_VENV"


def in_venv(tabflow: str) -> int:
    """Runs this script again with the virtualenv's Python (building it when needed)."""
    from peers import ensure_venv

    env = ensure_venv("mcp", os.path.join(HERE, "peers", "requirements-mcp.txt"))
    python = os.path.join(env, "bin", "python")
    return subprocess.run([python, os.path.abspath(__file__), tabflow],
                          env=dict(os.environ, **{INSIDE: "1"})).returncode


async def check(tabflow: str) -> list[tuple[str, str, str]]:
    import jsonschema
    from importlib.metadata import version
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    rows: list[tuple[str, str, str]] = []

    def step(name: str, ok: bool, detail: str = "") -> None:
        rows.append((name, "PASS" if ok else "FAIL", " ".join(str(detail).split())[:160]))

    proc, sim = start_simulator(tabflow)
    try:
        env = {"TABLEAU_SERVER": sim["url"], "TABLEAU_SITE": sim["site"],
               "TABLEAU_PAT_NAME": sim["patName"], "TABLEAU_PAT_SECRET": sim["patSecret"],
               "TABFLOW_STATE_DIR": os.path.join(os.getcwd(), "target", "mcp-check-state"),
               "TABFLOW_CONFIG_DIR": os.path.join(os.getcwd(), "target", "mcp-check-config")}
        listed = subprocess.run([tabflow, "api", "--list", "--json"], capture_output=True, text=True,
                                check=True)
        endpoints = {e["id"] for e in json.loads(listed.stdout)}
        step(f"the SDK: mcp {version('mcp')}", True)

        def server(*args: str) -> StdioServerParameters:
            return StdioServerParameters(command=tabflow, args=["mcp", *args], env=env)

        def payload(result) -> dict:
            return result.structured_content or json.loads(result.content[0].text)

        def text(result) -> str:
            return " ".join(c.text for c in result.content if getattr(c, "type", "") == "text")

        # Read-only (the default).
        async with stdio_client(server()) as (r, w):
            async with ClientSession(r, w) as s:
                init = await s.initialize()
                step("initialize", init.server_info.name == "tabflow",
                     f"protocol {init.protocol_version}, server {init.server_info.name}")
                tools = (await s.list_tools()).tools
                names = {t.name for t in tools}
                expected = (endpoints - LEFT_OUT) | CURATED
                step("tools/list: one per endpoint but sessions and files, plus the curated ones",
                     names == expected and len(tools) == len(expected),
                     f"{len(tools)} tools, {len(endpoints)} endpoints; missing {sorted(expected - names)}, "
                     f"extra {sorted(names - expected)}")
                bad = []
                for t in tools:
                    try:
                        jsonschema.Draft202012Validator.check_schema(t.input_schema)
                    except jsonschema.SchemaError as e:
                        bad.append(f"{t.name}: {e.message}")
                step("every inputSchema valid (Draft 2020-12 check_schema)", not bad,
                     f"{len(tools) - len(bad)} of {len(tools)} valid {bad[:3]}")
                hints = [t.name for t in tools if t.name in endpoints and t.annotations
                         and t.annotations.read_only_hint is None]
                step("annotations on every generated tool", not hints, f"without readOnlyHint: {hints}")

                flows = payload(await s.call_tool("list-flows", {}))
                got = sorted(f["name"] for f in flows.get("flows", []))
                step("list-flows", got == sorted(SEEDED_FLOWS.values()) and flows["returnedCount"] == 3
                     and flows["truncated"] is False, f"{got}, returnedCount {flows.get('returnedCount')}, "
                     f"totalAvailable {flows.get('totalAvailable')}, truncated {flows.get('truncated')}")
                flow = payload(await s.call_tool("query_flow", {"flow_id": SALES_CLEANUP}))
                step("query_flow (get-flow)", flow.get("flow", {}).get("name") == "Sales Cleanup",
                     flow.get("flow", {}).get("name"))
                history = payload(await s.call_tool("flow-run-history", {"limit": 5}))
                step("flow-run-history", isinstance(history.get("runs"), list)
                     and {"returnedCount", "totalAvailable", "truncated"} <= set(history),
                     f"{history.get('returnedCount')} runs")
                described = payload(await s.call_tool("describe-flow", {"flow": "Sales Cleanup"}))
                step("describe-flow", bool(described.get("inputs")) and bool(described.get("outputs")),
                     f"{len(described.get('inputs', []))} inputs, {len(described.get('outputs', []))} outputs, "
                     f"{len(described.get('steps', []))} steps")
                refused = await s.call_tool("run_flow_now", {"flow_id": SALES_CLEANUP})
                step("a write tool refused without --allow-writes",
                     refused.is_error and "--allow-writes" in text(refused), text(refused))
                refused = await s.call_tool("run-flow-and-wait", {"flow": "Sales Cleanup"})
                step("run-flow-and-wait refused without --allow-writes",
                     refused.is_error and "--allow-writes" in text(refused), text(refused))

        # Writes allowed: a run with a parameter.
        async with stdio_client(server("--allow-writes")) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                result = await s.call_tool("run-flow-and-wait", {"flow": "Sales Cleanup",
                                                                 "parameters": {"Region": "East"}})
                run = payload(result).get("flowRun", {})
                values = [p.get("overrideValue") for p in
                          (run.get("flowParameterRuns") or {}).get("parameterRuns", [])]
                step("run-flow-and-wait with a parameter (--allow-writes)",
                     not result.is_error and run.get("status") == "Success" and "East" in values,
                     f"status {run.get('status')}, parameters {values} {text(result) if result.is_error else ''}")
                history = payload(await s.call_tool("flow-run-history", {"flow": "Sales Cleanup", "limit": 1}))
                newest = (history.get("runs") or [{}])[0]
                step("flow-run-history: that run, newest first", newest.get("id") == run.get("id"),
                     f"{newest.get('id')} {newest.get('status')} {newest.get('duration')}")

        # Bounded to a project.
        async with stdio_client(server("--project", "Sales")) as (r, w):
            async with ClientSession(r, w) as s:
                await s.initialize()
                refused = await s.call_tool("query_flow", {"flow_id": COFFEE_CHAIN})
                step("a tool outside --project refused", refused.is_error and "--project" in text(refused),
                     text(refused))
                flows = payload(await s.call_tool("list-flows", {}))
                got = [f["name"] for f in flows.get("flows", [])]
                step("list-flows within --project", got == ["Sales Cleanup"]
                     and flows.get("withheld", {}).get("count") == 2, f"{got}, withheld {flows.get('withheld')}")
    finally:
        stop_simulator(proc)
    return rows


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tabflow = os.path.abspath(sys.argv[1])
    if not os.environ.get(INSIDE):
        return in_venv(tabflow)
    import asyncio

    try:
        rows = asyncio.run(check(tabflow))
    except Exception as e:  # noqa: BLE001 - a crash is a failed step, shown in the table
        rows = [("(run)", "FAIL", f"{type(e).__name__}: {e}")]
    width = max(len(r[0]) for r in rows)
    print(f"{'STEP':<{width}}  STATUS  DETAIL")
    for name, status, detail in rows:
        print(f"{name:<{width}}  {status:<6}  {detail}")
    failed = sum(r[1] == "FAIL" for r in rows)
    print(f"\n{len(rows) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
