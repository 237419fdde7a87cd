#!/usr/bin/env python3
"""The official Python client's versions of the five everyday programs of docs/everyday.md
(tests/conformance/everyday/*.py), each run against `tabflow mock`: they must work, so that
docs/everyday.md compares the Rust programs with working Python ones.

    python3 tests/conformance/everyday_tsc.py target/debug/tabflow
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simulator import flow_file, start_simulator, stop_simulator  # noqa: E402

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "everyday")
EXPECTED = {
    "list_flows": "d00700fe-28a0-4ece-a7af-5543ddf38a82 Sales Cleanup",
    "publish": "published ",
    "run_and_wait": " succeeded",
    "download": "saved ",
    "grant": "granted Read on d00700fe-28a0-4ece-a7af-5543ddf38a82",
}


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TABFLOW", "target/debug/tabflow")
    proc, info = start_simulator(binary)
    failed = 0
    try:
        with tempfile.TemporaryDirectory() as work:
            with open(os.path.join(work, "sales.tflx"), "wb") as fh:
                fh.write(flow_file("Sales"))
            env = dict(os.environ, TABLEAU_SERVER=info["url"], TABLEAU_SITE=info["site"],
                       TABLEAU_PAT_NAME=info["patName"], TABLEAU_PAT_SECRET=info["patSecret"])
            for name, expected in EXPECTED.items():
                run = subprocess.run([sys.executable, os.path.join(HERE, f"{name}.py")], cwd=work,
                                     env=env, capture_output=True, text=True, timeout=120)
                if run.returncode == 0 and expected in run.stdout:
                    print(f"PASS {name}")
                else:
                    failed += 1
                    print(f"FAIL {name}: exit {run.returncode}\n{run.stdout}{run.stderr[-2000:]}")
    finally:
        stop_simulator(proc)
    print(f"{len(EXPECTED) - failed} of {len(EXPECTED)} everyday programs of the official client work")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
