"""What every conformance script of tests/conformance/ shares, in the standard library only (so
that each peer client's virtualenv can import it): starting and stopping `tabflow mock`, the
demo content's ids, the one line a step reports, and (from flowfile.py) a small but real flow
file.

A step's result is printed as `PASS name`, `FAIL name: cause`, `KNOWN name: cause` or
`UNEXPECTED-PASS name`; when PEERS_RESULTS names a file, it is also appended there as one JSON
line ({"client", "step", "status", "cause"}), which is how tests/conformance/peers.py gathers
the results of every client into one table.
"""

from __future__ import annotations

import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from flowfile import flow_document, flow_file  # noqa: E402,F401 (re-exported)

# The demo content of the simulator (tableau_flows_mock::demo).
SALES_CLEANUP = "d00700fe-28a0-4ece-a7af-5543ddf38a82"
COFFEE_CHAIN = "c1e82fe3-e7cf-4bd5-afd3-799b1e8aac27"
BROKEN_LOOM = "868eab1a-2b60-448a-9913-82e4522ab952"
COFFEE_CONNECTION = "5fd1c1db-572f-4ebd-94e7-a09e212bc147"
NIGHTLY = "9a4ebbab-9ec8-487a-9b48-47fa81d6077a"
FLOW_TASK_COFFEE = "1bff10bb-57ae-43df-8774-a86d14aef432"
GROUP_ANALYSTS = "9de5cc1a-5bb8-4c8e-b2cd-b54e736a7b9f"
USER_ADMIN = "711e59cf-d1c0-446e-be48-3673ae067f7b"
USER_ANALYST = "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b"
PROJECT_DEFAULT = "6f8a2966-e173-11e8-ae74-ffd84c19d7f3"
PROJECT_SALES = "9077e04c-ece4-11e8-aa58-df538c72f42f"
SEEDED_FLOWS = {SALES_CLEANUP: "Sales Cleanup", COFFEE_CHAIN: "Coffee Chain", BROKEN_LOOM: "Broken Loom"}
SEEDED_PROJECT_NAMES = ["Archive", "Archive", "Default", "Sales"]


def start_simulator(binary: str, *options: str):
    """Starts `tabflow --json mock --port 0 [options]`; returns the process and the JSON it
    prints (url, apiVersion, site, patName, patSecret, username, password, projectId)."""
    proc = subprocess.Popen([binary, "--json", "mock", "--port", "0", *options], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    text, deadline = "", time.time() + 15
    while time.time() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.time()))
        except queue.Empty:
            break
        if line is None:
            break
        text += line
        try:
            return proc, json.loads(text)
        except json.JSONDecodeError:
            continue
    proc.kill()
    raise RuntimeError(f"the simulator did not print its JSON: {text!r} {proc.stderr.read()[:500]!r}")


def stop_simulator(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def is_flow_file(data: bytes) -> bool:
    """Whether `data` is a zip archive holding a `flow` entry."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return "flow" in z.namelist()
    except zipfile.BadZipFile:
        return False


def one_line(text, n: int = 600) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def report(client: str, step: str, status: str, cause: str = "") -> None:
    """Prints one step's result (and appends it to $PEERS_RESULTS as a JSON line when set)."""
    print(f"{status} {step}" + (f": {cause}" if cause else ""))
    sys.stdout.flush()
    path = os.environ.get("PEERS_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"client": client, "step": step, "status": status, "cause": cause}) + "\n")
