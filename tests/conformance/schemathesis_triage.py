#!/usr/bin/env python3
"""Triage a schemathesis NDJSON event stream against the list of known tool artefacts.

Usage: schemathesis_triage.py ARTEFACTS_FILE EVENTS.ndjson [EVENTS.ndjson ...]

Prints every distinct failure (one example request/response each) and exits
  0  if every failure matches an entry of ARTEFACTS_FILE,
  1  if any failure does not (or schemathesis reported an error, or a stream is incomplete).

A failure is identified by: the check, the operation (schemathesis label, e.g.
`GET /api/{api-version}/sites/{site_id}/flows`), the response status and the Tableau error
code in the body (`<error code="...">`), if any.

ARTEFACTS_FILE: one entry a line, fields separated by `|` (the regex may contain `|`, the
reason may not), lines starting with `#` are comments:

    check | operation | status | regex | reason

`*` in the first three fields matches anything; operation may end with `*` (prefix match);
status may be a class such as `2xx`; regex (Python `re.search`) is applied to the failure's
message followed by a newline and the `<detail>` of the Tableau error in the response (or
the first line of the message); empty: any. The reason is mandatory. Each occurrence of a
failure is matched on its own, so one operation can have listed and unlisted occurrences.
"""

from __future__ import annotations

import base64
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

BODY_LIMIT = 600
ERROR_CODE = re.compile(r'<error\s+code="(\d+)"')


@dataclass
class Artefact:
    check: str
    operation: str
    status: str
    regex: re.Pattern[str] | None
    reason: str
    line: int
    used: int = 0

    def matches(self, failure: Failure) -> bool:
        if self.check != "*" and self.check != failure.check:
            return False
        if self.operation != "*":
            if self.operation.endswith("*"):
                if not failure.operation.startswith(self.operation[:-1]):
                    return False
            elif self.operation != failure.operation:
                return False
        if self.status != "*":
            status = str(failure.status)
            wanted = self.status.lower()
            if len(wanted) != 3 or any(w != "x" and w != c for w, c in zip(wanted, status)) or len(status) != 3:
                return False
        if self.regex is not None and not self.regex.search(f"{failure.message}\n{detail(failure)}"):
            return False
        return True


@dataclass
class Failure:
    check: str
    code: str
    title: str
    operation: str
    message: str
    status: int | None
    tableau_code: str | None
    request: dict
    response_headers: dict
    response_body: str
    phases: set[str] = field(default_factory=set)
    count: int = 0

    @property
    def key(self) -> tuple:
        return (self.check, self.operation, self.status, self.tableau_code, self.code)


def load_artefacts(path: Path) -> list[Artefact]:
    artefacts = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        # The regex may contain `|`; the reason may not.
        head = [part.strip() for part in line.split("|", 3)]
        tail = head.pop().rsplit("|", 1) if len(head) == 4 else []
        parts = head + [part.strip() for part in tail]
        if len(parts) != 5 or not all(parts[:3]) or not parts[4]:
            sys.exit(f"{path}:{number}: expected `check | operation | status | regex | reason`")
        check, operation, status, regex, reason = parts
        artefacts.append(
            Artefact(check, operation, status, re.compile(regex) if regex else None, reason, number)
        )
    return artefacts


def decode_body(content: object) -> str:
    if isinstance(content, dict) and "$base64" in content:
        raw = base64.b64decode(content["$base64"])
        return raw.decode("utf-8", errors="replace")
    if content is None:
        return ""
    return content if isinstance(content, str) else json.dumps(content)


def short(text: str, limit: int = BODY_LIMIT) -> str:
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


def collect(paths: list[Path]) -> tuple[list[Failure], list[str]]:
    occurrences: list[Failure] = []
    problems: list[str] = []
    for path in paths:
        finished = False
        if not path.is_file():
            problems.append(f"{path}: no such report: schemathesis did not start (see its log)")
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            event = json.loads(line)
            ((kind, data),) = event.items()
            if kind == "EngineFinished":
                finished = True
            elif kind in ("NonFatalError", "FatalError", "Interrupted"):
                problems.append(f"{path.name}:{number}: schemathesis {kind}: {short(json.dumps(data), 2000)}")
            elif kind == "ScenarioFinished":
                occurrences.extend(scenario_failures(data))
        if not finished:
            problems.append(f"{path.name}: no EngineFinished event: the run did not complete (timeout?)")
    return occurrences, problems


def scenario_failures(data: dict) -> list[Failure]:
    found = []
    recorder = data.get("recorder") or {}
    checks = recorder.get("checks") or {}
    interactions = recorder.get("interactions") or {}
    for case_id, results in checks.items():
        for result in results:
            if result.get("status") != "failure":
                continue
            info = (result.get("failure_info") or {}).get("failure") or {}
            interaction = interactions.get(case_id) or {}
            request = interaction.get("request") or {}
            response = interaction.get("response") or {}
            body = decode_body(response.get("content"))
            match = ERROR_CODE.search(body)
            failure = Failure(
                check=result.get("name", "?"),
                code=info.get("code", "?"),
                title=info.get("title", ""),
                operation=info.get("operation") or recorder.get("label", "?"),
                message=info.get("message", ""),
                status=response.get("status_code"),
                tableau_code=match.group(1) if match else None,
                request={
                    "method": request.get("method"),
                    "uri": request.get("uri"),
                    "headers": request.get("headers"),
                    "body": decode_body(request.get("body")),
                },
                response_headers=response.get("headers") or {},
                response_body=body,
            )
            failure.phases.add(str(data.get("phase")))
            failure.count = 1
            found.append(failure)
    return found


def detail(failure: Failure) -> str:
    match = re.search(r"<detail>(.*?)</detail>", failure.response_body, re.S)
    if match:
        return match.group(1)
    return failure.message.split("\n", 1)[0]


def print_group(verdict: str, examples: list[Failure]) -> None:
    first = examples[0]
    tableau = f" [{first.tableau_code}]" if first.tableau_code else ""
    phases = sorted({phase for f in examples for phase in f.phases})
    print()
    print(f"{verdict}: {first.check} ({first.code} {first.title}) on {first.operation}")
    print(f"  status {first.status}{tableau}; {len(examples)} occurrence(s) in {', '.join(phases)}")
    if first.message:
        print("  " + first.message.replace("\n", "\n  "))
    details = list(dict.fromkeys(short(detail(f), 160) for f in examples))
    for text in details[:4]:
        print(f"  detail: {text}")
    if len(details) > 4:
        print(f"  detail: ... and {len(details) - 4} more")
    req = first.request
    print(f"  request:  {req['method']} {req['uri']}")
    skip = ("user-agent", "accept-encoding", "accept", "connection", "x-schemathesis-testcaseid", "content-length")
    headers = {k: v for k, v in (req.get("headers") or {}).items() if k.lower() not in skip}
    if headers:
        print(f"            headers {json.dumps(headers, ensure_ascii=False)}")
    if req.get("body"):
        print(f"            body {short(req['body'])}")
    print(f"  response: {first.status} {json.dumps(first.response_headers, ensure_ascii=False)}")
    if first.response_body:
        print(f"            body {short(first.response_body)}")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    artefacts = load_artefacts(Path(argv[1]))
    occurrences, problems = collect([Path(p) for p in argv[2:]])

    # Each occurrence is matched on its own: one key can hold both artefacts and real failures.
    groups: dict[tuple, list[Failure]] = {}
    for failure in occurrences:
        artefact = next((a for a in artefacts if a.matches(failure)), None)
        if artefact is not None:
            artefact.used += 1
        groups.setdefault((artefact.line if artefact else 0, *failure.key), []).append(failure)

    def order(key: tuple) -> tuple:
        first = groups[key][0]
        return (key[0] != 0, first.operation, first.check, str(first.status), str(first.tableau_code))

    unexpected = sum(1 for key in groups if key[0] == 0)
    print(f"schemathesis: {len(groups)} distinct failure(s), {unexpected} not listed as tool artefacts")
    by_line = {a.line: a for a in artefacts}
    for key in sorted(groups, key=order):
        if key[0]:
            verdict = f"ARTEFACT (schemathesis-artefacts.txt:{key[0]}: {by_line[key[0]].reason})"
        else:
            verdict = "FAILURE"
        print_group(verdict, groups[key])

    for artefact in artefacts:
        if artefact.used == 0:
            print(f"\nnote: schemathesis-artefacts.txt:{artefact.line} matched nothing in this run")
    for problem in problems:
        print(f"\nERROR: {problem}")
    print(
        f"\nschemathesis: {len(groups)} distinct failure(s), {unexpected} not listed as tool artefacts,"
        f" {len(problems)} error(s)"
    )
    return 1 if unexpected or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
