#!/usr/bin/env python3
"""tabcmd 2.0.21 (Tableau's command line, PyPI) against `tabflow mock`, run as a user runs it:
the `tabcmd` entry point of its virtualenv, one process a command.

    python3 tests/conformance/peers/tabcmd_peer.py TABCMD TABFLOW

What its source (tabcmd/commands/auth/session.py) shows and this script relies on:
- `-s http://127.0.0.1:PORT` keeps the http scheme (Session._get_server_base_url); no
  `--no-certcheck` is needed for plain http.
- The session lives in ~/tableau_auth.json (Session._get_file_path) and the log in ./tabcmd.log
  (logger_config.configure_log): each run gets a HOME and working directory of its own.
- Every command signs in again from the saved session: with a token (its value is saved) or a
  password file (its path is saved); a password given with `-p` is not saved, so a later command
  would prompt for it. After signing in, tabcmd checks the session with Query User On Site
  (`users.get_by_id(user_id)`, Session._validate_existing_signin).
- `logout` deletes ~/tableau_auth.json and sends no Sign Out (the signed-in TSC object is not
  kept between commands).
- `list flows` prints one line a flow to the console log (stderr): `-n` adds the name, `-o` the
  owner id, `--machine` drops the labels (ListCommand.run_command).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from simulator import (  # noqa: E402
    SEEDED_FLOWS,
    USER_ADMIN,
    one_line,
    report,
    start_simulator,
    stop_simulator,
)

CLIENT = "tabcmd 2.0.21"
TIMEOUT = 60  # seconds a command


class StepFailed(AssertionError):
    pass


class Tabcmd:
    def __init__(self, exe: str, home: str, info: dict):
        self.exe, self.home, self.info = exe, home, info

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TABLEAU_", "PEERS_"))}
        env.update(HOME=self.home, USERPROFILE=self.home)
        return subprocess.run([self.exe, *args], cwd=self.home, env=env, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=TIMEOUT)

    def ok(self, *args: str) -> str:
        """Runs a command that must succeed; returns its console output (stdout and stderr)."""
        run = self.run(*args)
        out = run.stdout + run.stderr
        if run.returncode != 0:
            raise StepFailed(f"`tabcmd {' '.join(redact(args))}` exited {run.returncode}: {one_line(tail(out), 900)}")
        return out

    def session(self) -> dict | None:
        path = os.path.join(self.home, "tableau_auth.json")
        if not os.path.exists(path):
            return None
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return (data.get("tableau_auth") or [None])[0]

    def site_args(self) -> list[str]:
        return ["-t", self.info["site"]] if self.info["site"] else []


def redact(args) -> list[str]:
    secret = {"-p", "--password", "--token-value"}
    return ["***" if i and args[i - 1] in secret else a for i, a in enumerate(args)]


def tail(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-8:])


def expect_signed_in(t: Tabcmd, via: str) -> None:
    s = t.session()
    if not s or not s.get("auth_token"):
        raise StepFailed(f"no session saved in ~/tableau_auth.json: {s!r}")
    problems = []
    if s.get("user_id") != USER_ADMIN:
        problems.append(f"user_id {s.get('user_id')!r}, expected {USER_ADMIN}")
    if s.get("last_login_using") != via:
        problems.append(f"last_login_using {s.get('last_login_using')!r}, expected {via!r}")
    if not s.get("site_id"):
        problems.append("no site_id")
    if problems:
        raise StepFailed("; ".join(problems))


def expect_flows(out: str, lines: list[str]) -> None:
    """Every line is in the output (whitespace runs compared as one space: labels start with a tab)."""
    flat = " ".join(out.split())
    missing = [line for line in lines if line not in flat]
    if missing:
        raise StepFailed(f"missing {missing}: {one_line(tail(out), 600)}")


def expect_logged_out(t: Tabcmd) -> None:
    # tabcmd's logout only forgets the session: the TSC server object that signed in is not
    # saved (Session.tableau_server), so Session._end_session sends no Sign Out, and the token
    # stays valid on any server until it expires.
    if t.session() is not None:
        raise StepFailed("~/tableau_auth.json is still there after logout")


def logout_and_check(t: Tabcmd) -> None:
    session = t.session() or {}
    if not session.get("auth_token"):
        raise StepFailed("no session to log out of (the login before failed)")
    t.ok("logout")
    expect_logged_out(t)


def steps(t: Tabcmd, work: str):
    info = t.info
    server = ["-s", info["url"], *t.site_args()]
    password_file = os.path.join(work, "password.txt")
    with open(password_file, "w", encoding="utf-8") as fh:
        fh.write(info["password"])
    ids = sorted(SEEDED_FLOWS)

    def login_password():
        t.ok("login", *server, "-u", info["username"], "-p", info["password"])
        expect_signed_in(t, "username")

    def login_password_file():
        t.ok("login", *server, "-u", info["username"], "--password-file", password_file)
        expect_signed_in(t, "username")

    def list_flows_after_password_login():
        expect_flows(t.ok("list", "flows"), [f"ID: {i}" for i in ids])

    def logout_password_session():
        logout_and_check(t)

    def login_token():
        t.ok("login", *server, "--token-name", info["patName"], "--token-value", info["patSecret"])
        expect_signed_in(t, "token")

    def list_flows():
        expect_flows(t.ok("list", "flows"), [f"ID: {i}" for i in ids])

    def list_flows_name_owner():
        out = t.ok("list", "flows", "-n", "-o")
        expect_flows(out, [f"ID: {i}, NAME: {SEEDED_FLOWS[i]}, OWNER: {USER_ADMIN}" for i in ids])

    def list_flows_machine():
        out = t.ok("list", "flows", "--machine", "-n", "-o")
        expect_flows(out, [f"{i}, {SEEDED_FLOWS[i]}, {USER_ADMIN}" for i in ids])
        if "ID:" in out:
            raise StepFailed(f"--machine still prints labels: {one_line(tail(out))}")

    def list_projects():
        out = t.ok("list", "projects", "-n")
        expect_flows(out, ["NAME: Default", "NAME: Sales", "NAME: Archive"])

    def logout():
        logout_and_check(t)

    return [
        ("login (password, -p)", login_password),
        ("login (password file)", login_password_file),
        ("list flows (password session)", list_flows_after_password_login),
        ("logout (password session)", logout_password_session),
        ("login (personal access token)", login_token),
        ("list flows", list_flows),
        ("list flows -n -o", list_flows_name_owner),
        ("list flows --machine -n -o", list_flows_machine),
        ("list projects -n", list_projects),
        ("logout", logout),
    ]


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: tabcmd_peer.py PATH/TO/tabcmd PATH/TO/tabflow", file=sys.stderr)
        return 2
    exe, binary = sys.argv[1], sys.argv[2]
    proc, info = start_simulator(binary)
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as home:
            t = Tabcmd(exe, home, info)
            for name, step in steps(t, home):
                try:
                    step()
                    report(CLIENT, name, "PASS")
                except Exception as e:  # noqa: BLE001 - every failure is the step's
                    failures += 1
                    cause = str(e) if isinstance(e, StepFailed) else f"{type(e).__name__}: {e}"
                    report(CLIENT, name, "FAIL", cause)
    finally:
        stop_simulator(proc)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
