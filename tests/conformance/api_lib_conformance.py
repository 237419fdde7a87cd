#!/usr/bin/env python3
"""tableau-api-lib (PyPI; a JSON-only client) drives the flow operations it has against
`tabflow mock`.

    python3 tests/conformance/api_lib_conformance.py [TABFLOW_BINARY]

tableau-api-lib sends `Accept: application/json` and JSON bodies everywhere (its publish's
`request_payload` part too), with quirks real servers take: Update Flow with `"owner": {}` beside
the project, Run Flow Now with `{}`. Each step checks the HTTP status and reads the JSON answer
the way a user of the library would. Prints one line a step and a summary; exits 1 on any failure.

Operations tableau-api-lib does not have for flows (so not driven): Get Flow Run Task and Run Flow
Task exist but take a task of its own listing; Create Cloud Flow Task, linked tasks and the
download of a flow revision are absent from the library.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flowfile  # noqa: E402
from tsc_conformance import start_simulator, stop_simulator  # noqa: E402

from tableau_api_lib import TableauServerConnection  # noqa: E402


class Steps:
    def __init__(self):
        self.results = []

    def check(self, name, response, status, read=None):
        """Checks a response's status (and that its body is JSON when it has one), then `read`."""
        try:
            got = response.status_code
            if got != status:
                raise AssertionError(f"HTTP {got}, expected {status}: {response.text[:300]}")
            if response.content and "json" not in response.headers.get("Content-Type", ""):
                raise AssertionError(f"not JSON: {response.headers.get('Content-Type')}: {response.text[:200]}")
            value = read(response.json() if response.content else {}) if read else None
            self.results.append((name, True, ""))
            print(f"PASS {name}")
            return value
        except Exception as e:  # noqa: BLE001 - every failure is reported as the step's
            self.results.append((name, False, f"{type(e).__name__}: {e}"))
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            return None


def connection(info, **auth):
    config = {
        "mock": {
            "server": info["url"],
            "api_version": info["apiVersion"],
            "site_name": "Default",
            "site_url": info["site"],
            **auth,
        }
    }
    return TableauServerConnection(config_json=config, env="mock", ssl_verify=False)


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TABFLOW", "target/debug/tabflow")
    proc, info = start_simulator(binary)
    s = Steps()
    try:
        # Sign in with a password, then with a personal access token (kept for the rest).
        by_password = connection(info, username=info["username"], password=info["password"])
        s.check("sign in (password)", by_password.sign_in(), 200, lambda j: j["credentials"]["token"])
        by_password.sign_out()
        conn = connection(
            info,
            personal_access_token_name=info["patName"],
            personal_access_token_secret=info["patSecret"],
        )
        s.check("sign in (personal access token)", conn.sign_in(), 200, lambda j: j["credentials"]["token"])
        s.check("server info", conn.server_info(), 200, lambda j: j["serverInfo"]["restApiVersion"])

        def flows_of(j):
            return [f["name"] for f in j["flows"].get("flow", [])]

        every = s.check("query flows for site", conn.query_flows_for_site(), 200, flows_of) or []
        if "Coffee Chain" not in every:
            s.check("query flows for site lists Coffee Chain", type("R", (), {"status_code": 0, "text": str(every)})(), 200)
        s.check(
            "query flows for site: filter, sort and page",
            conn.query_flows_for_site(
                parameter_dict={"filter": "filter=name:eq:Coffee Chain", "sort": "sort=name:asc", "pageSize": "pageSize=1"}
            ),
            200,
            lambda j: (flows_of(j) == ["Coffee Chain"]) or (_ for _ in ()).throw(AssertionError(flows_of(j))),
        )
        page = s.check(
            "query flows for site: a page",
            conn.query_flows_for_site(parameter_dict={"pageSize": "pageSize=1", "pageNumber": "pageNumber=2"}),
            200,
            lambda j: (j["pagination"]["pageNumber"], len(flows_of(j))),
        )
        if page and page != ("2", 1):
            s.results.append(("query flows for site: a page is page 2 of one flow", False, str(page)))
        coffee = s.check(
            "query flow ids",
            conn.query_flows_for_site(parameter_dict={"filter": "filter=name:eq:Coffee Chain"}),
            200,
            lambda j: j["flows"]["flow"][0],
        )
        flow_id = coffee["id"] if coffee else ""
        project_id = coffee["project"]["id"] if coffee else ""
        owner_id = coffee["owner"]["id"] if coffee else ""
        s.check("query flows for user", conn.query_flows_for_user(owner_id), 200, flows_of)
        s.check("query flow", conn.query_flow(flow_id), 200, lambda j: j["flow"]["name"])
        connections = s.check(
            "query flow connections", conn.query_flow_connections(flow_id), 200,
            lambda j: j["connections"].get("connection", []),
        ) or []
        s.check("update flow (project, \"owner\": {})", conn.update_flow(flow_id, new_project_id=project_id), 200,
                lambda j: j["flow"]["project"]["id"])
        if connections:
            s.check(
                "update flow connection",
                conn.update_flow_connection(flow_id, connections[0]["id"], server_address="db.example.com", port="5432"),
                200,
                lambda j: j["connection"]["serverAddress"],
            )
        job = s.check("run flow now ({})", conn.run_flow_now(flow_id), 200, lambda j: j["job"])
        s.check("query job", conn.query_job(job["id"] if job else ""), 200, lambda j: j["job"]["id"])
        runs = s.check("get flow runs", conn.get_flow_runs(), 200, lambda j: j["flowRuns"].get("flowRuns", []))
        run_id = runs[0]["id"] if runs else ""
        s.check("get flow run", conn.get_flow_run(run_id), 200, lambda j: j["flowRun"]["status"])
        cancelled = conn.cancel_flow_run(run_id)
        # A run already complete answers 200 with an error (403135), as real servers do.
        s.check("cancel flow run", cancelled, 200,
                lambda j: j.get("error", {}).get("code") in (None, "403135") or (_ for _ in ()).throw(AssertionError(j)))
        tasks = s.check("get flow run tasks", conn.get_flow_run_tasks(), 200, lambda j: j["tasks"].get("task", []))
        if tasks:
            task_id = tasks[0]["flowRun"]["id"]
            s.check("get flow run task", conn.get_flow_run_task(task_id), 200, lambda j: j["task"]["flowRun"]["id"])
            s.check("run flow task", conn.run_flow_task(task_id), 200, lambda j: j["job"]["id"])
        schedules = conn.query_schedules() if hasattr(conn, "query_schedules") else None
        schedule_id = None
        if schedules is not None and schedules.status_code == 200:
            flow_schedules = [x for x in schedules.json()["schedules"].get("schedule", []) if x.get("type") == "Flow"]
            schedule_id = flow_schedules[0]["id"] if flow_schedules else None
        if schedule_id:
            s.check("add flow task to schedule", conn.add_flow_task_to_schedule(flow_id, schedule_id), 200,
                    lambda j: j["task"]["flowRun"]["id"])
        s.check("query flow permissions", conn.query_flow_permissions(flow_id), 200,
                lambda j: j["permissions"].get("granteeCapabilities", []))
        s.check(
            "add flow permissions",
            conn.add_flow_permissions(flow_id, user_capability_dict={"Read": "Allow"}, group_capability_dict=None,
                                      user_id=owner_id),
            200,
            lambda j: j["permissions"],
        )
        s.check("delete flow permission", conn.delete_flow_permission(flow_id, "users", owner_id, "Read", "Allow"), 204)
        s.check("initiate file upload", conn.initiate_file_upload(), 201, lambda j: j["fileUpload"]["uploadSessionId"])
        with tempfile.TemporaryDirectory() as work:
            path = os.path.join(work, "api_lib.tflx")
            with open(path, "wb") as fh:
                fh.write(flowfile.flow_file("api_lib"))
            published = s.check("publish flow (JSON request_payload)",
                                conn.publish_flow(path, "API Lib Publish", project_id), 201, lambda j: j["flow"]["id"])
        downloaded = conn.download_flow(flow_id)
        s.check("download flow", type("R", (), {
            "status_code": downloaded.status_code, "content": b"", "headers": {}, "text": downloaded.text[:100],
            "json": lambda self: None})(), 200)
        if published:
            s.check("delete flow", conn.delete_flow(published), 204)
        s.check("sign out", conn.sign_out(), 204)
    finally:
        stop_simulator(proc)
    failed = [r for r in s.results if not r[1]]
    print(f"tableau-api-lib: {len(s.results) - len(failed)} passed, {len(failed)} failed")
    for name, _, cause in failed:
        print(f"  {name}: {cause}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
