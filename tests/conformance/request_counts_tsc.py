#!/usr/bin/env python3
"""One everyday task with the official Python client (tableauserverclient, TSC), written as a
script of its users would write it: a Server that asks the server's version, a sign-in, the
task, a sign-out. The bench `cargo bench -p tableau-flows-cli --bench requests` runs it once per
task against its in-process simulator and counts the requests in the simulator's log.

    TABLEAU_SERVER=... TABLEAU_PAT_NAME=... TABLEAU_PAT_SECRET=... FLOW_ID=... OUT_DIR=... \
        python3 tests/conformance/request_counts_tsc.py TASK

TASK: server-info, flows-list, flows-get, flows-run-wait, runs-list, flows-download, tasks-list.
Exit status 3 when tableauserverclient cannot be imported (the bench then says so).
"""

from __future__ import annotations

import os
import sys

try:
    import tableauserverclient as TSC
except ImportError:
    print("tableauserverclient is not installed", file=sys.stderr)
    sys.exit(3)


def main() -> int:
    task = sys.argv[1]
    url = os.environ["TABLEAU_SERVER"]
    if task == "server-info":
        # No sign-in: Server Info takes anyone.
        server = TSC.Server(url)
        info = server.server_info.get()
        print(info.rest_api_version)
        return 0
    server = TSC.Server(url, use_server_version=True)
    auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"],
                                       os.environ["TABLEAU_PAT_SECRET"],
                                       os.environ.get("TABLEAU_SITE", ""))
    flow_id = os.environ.get("FLOW_ID", "")
    with server.auth.sign_in(auth):
        if task == "flows-list":
            flows, _ = server.flows.get()
            print(len(flows))
        elif task == "flows-get":
            print(server.flows.get_by_id(flow_id).name)
        elif task == "flows-run-wait":
            flow = server.flows.get_by_id(flow_id)
            job = server.flows.refresh(flow)
            job = server.jobs.wait_for_job(job, timeout=120)
            print(job.finish_code)
        elif task == "runs-list":
            # FlowRuns.get returns the items alone (Get Flow Runs gives no pagination).
            runs = server.flow_runs.get()
            print(len(runs[0] if isinstance(runs, tuple) else runs))
        elif task == "flows-download":
            print(server.flows.download(flow_id, filepath=os.environ["OUT_DIR"]))
        elif task == "tasks-list":
            # TSC reads no task from this answer (a defect listed in tsc_conformance.py), but it
            # makes the request.
            tasks, _ = server.tasks.get(task_type=TSC.TaskItem.Type.RunFlow)
            print(len(tasks))
        else:
            print(f"unknown task {task}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
