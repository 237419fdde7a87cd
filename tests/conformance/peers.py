#!/usr/bin/env python3
"""The peers suite: Tableau clients this project did not write, each installed from PyPI at a
pinned version (tests/conformance/peers/requirements-*.txt) into a virtualenv of its own under
target/peers/ (they pin conflicting versions: tabcmd 2.0.21 requires tableauserverclient 0.41),
each run against a simulator of its own (`tabflow mock`). Prints one table (client, step, result,
cause) and exits 1 on any unexpected failure.

    python3 tests/conformance/peers.py target/debug/tabflow [CLIENT...]

Clients (and the script that drives each):
    tabcmd          tabcmd 2.0.21, Tableau's command line (peers/tabcmd_peer.py)
    tableau_tools   tableau_tools 6.0.0, XML (peers/tableau_tools_peer.py)
    tsc             tableauserverclient 0.42, the official Python client (tsc_conformance.py)
    api_lib         tableau-api-lib 0.1.50, JSON (api_lib_conformance.py)

Results: PASS; KNOWN (a defect of the client itself, listed with the line of its source that
causes it, and failing exactly that way); FAIL and UNEXPECTED-PASS (a listed defect that now
passes) are unexpected. A virtualenv is reused while its requirements file is unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENVS = os.path.join(ROOT, "target", "peers")
RUN_TIMEOUT = 600  # seconds a client's run
INSTALL_TIMEOUT = 600  # seconds a virtualenv's install


def py(env_dir: str) -> str:
    return os.path.join(env_dir, "bin", "python")


# client -> (requirements file, command given the virtualenv and the tabflow binary)
CLIENTS = {
    "tabcmd": ("requirements-tabcmd.txt",
               lambda env, tabflow: [py(env), os.path.join(HERE, "peers", "tabcmd_peer.py"),
                                     os.path.join(env, "bin", "tabcmd"), tabflow]),
    "tableau_tools": ("requirements-tableau_tools.txt",
                      lambda env, tabflow: [py(env), os.path.join(HERE, "peers", "tableau_tools_peer.py"), tabflow]),
    "tsc": ("requirements-tsc.txt",
            lambda env, tabflow: [py(env), os.path.join(HERE, "tsc_conformance.py"), tabflow]),
    "api_lib": ("requirements-api_lib.txt",
                lambda env, tabflow: [py(env), os.path.join(HERE, "api_lib_conformance.py"), tabflow]),
}
UNEXPECTED = {"FAIL", "UNEXPECTED-PASS"}


def ensure_venv(name: str, requirements: str) -> str:
    """The client's virtualenv, (re)built when its requirements changed."""
    env = os.path.join(VENVS, name)
    with open(requirements, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    stamp = os.path.join(env, ".requirements.sha256")
    if os.path.exists(stamp) and open(stamp).read() == digest and os.path.exists(py(env)):
        return env
    shutil.rmtree(env, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(env)
    subprocess.run([py(env), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-input", "-r", requirements], check=True, timeout=INSTALL_TIMEOUT)
    with open(stamp, "w") as fh:
        fh.write(digest)
    return env


def run_client(name: str, tabflow: str) -> list[dict]:
    """Runs one client's script; returns its results (a failing install or a crash is one)."""
    requirements, command = CLIENTS[name]
    try:
        env = ensure_venv(name, os.path.join(HERE, "peers", requirements))
    except Exception as e:  # noqa: BLE001 - reported as the client's failure
        return [{"client": name, "step": "install", "status": "FAIL", "cause": f"{type(e).__name__}: {e}"}]
    with tempfile.NamedTemporaryFile("r", suffix=".jsonl", delete=False) as out:
        path = out.name
    try:
        environ = dict(os.environ, PEERS_RESULTS=path, PYTHONDONTWRITEBYTECODE="1")
        started = time.time()
        try:
            run = subprocess.run(command(env, tabflow), env=environ, capture_output=True, text=True,
                                 timeout=RUN_TIMEOUT)
            code, output = run.returncode, run.stdout + run.stderr
        except subprocess.TimeoutExpired as e:
            code, output = None, f"timed out after {RUN_TIMEOUT}s: {(e.stdout or b'')[-500:]!r}"
        with open(path, encoding="utf-8") as fh:
            results = [json.loads(line) for line in fh if line.strip()]
        unexpected = any(r["status"] in UNEXPECTED for r in results)
        if code != 0 and not unexpected or not results:
            # a crash, a timeout, or an exit status its results do not explain
            tail = " | ".join(line for line in output.strip().splitlines()[-6:])
            results.append({"client": results[0]["client"] if results else name, "step": "(run)",
                            "status": "FAIL", "cause": f"exit {code}: {tail}"})
        print(f"# {name}: {len(results)} steps in {time.time() - started:.1f}s", file=sys.stderr)
        return results
    finally:
        os.unlink(path)


def table(rows: list[dict]) -> str:
    width = max(len(r["client"]) for r in rows)
    step_width = min(max(len(r["step"]) for r in rows), 60)
    lines = [f"{'client':<{width}}  {'step':<{step_width}}  {'result':<15}  cause",
             f"{'-' * width}  {'-' * step_width}  {'-' * 15}  -----"]
    for r in rows:
        lines.append(f"{r['client']:<{width}}  {r['step']:<{step_width}}  {r['status']:<15}  {r['cause']}".rstrip())
    return "\n".join(lines)


def main() -> int:
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    tabflow = os.path.abspath(args[0])
    names = args[1:] or list(CLIENTS)
    unknown = [n for n in names if n not in CLIENTS]
    if unknown:
        print(f"unknown clients {unknown}; known: {list(CLIENTS)}", file=sys.stderr)
        return 2
    rows = [r for name in names for r in run_client(name, tabflow)]
    print(table(rows))
    counts = {s: sum(r["status"] == s for r in rows) for s in ("PASS", "KNOWN", "FAIL", "UNEXPECTED-PASS")}
    bad = counts["FAIL"] + counts["UNEXPECTED-PASS"]
    print(f"\n{len(rows)} steps: {counts['PASS']} pass, {counts['KNOWN']} known defects of the clients, "
          f"{bad} unexpected")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
