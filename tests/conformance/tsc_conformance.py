#!/usr/bin/env python3
"""Conformance suite: Tableau's official Python client (tableauserverclient, TSC 0.42)
against our simulator, `tabflow mock`.

It starts `tabflow --json mock --port 0`, then drives every flow-related call TSC offers
whose endpoint the simulator documents (Flow Methods, Sign In/Out, Server Info, Query Job,
Query Jobs, Cancel Job, File Uploads): sign in (token and password), server info, flows (list, pages, filters,
sorts, get, connections, permissions, download, publish in one request and in chunks,
update, update connection, run, delete), flow runs (list, filter, get, cancel, wait),
jobs (list, filter, get, wait, cancel), flow tasks (list, get, run, add to schedule, create on Cloud), linked
tasks (list, get, run now), and sign out. Each check asserts the values it gets back
(ids, names, statuses, dates), not only that no exception was raised.

Run it with the path of the binary (or set TABFLOW):

    python3 tests/conformance/tsc_conformance.py target/debug/tabflow

It prints one line per check:

    PASS name                 the call works and returned the expected values
    FAIL name: reason         the exception, and the HTTP exchange that went wrong
    KNOWN name: reason        a defect of TSC itself (KNOWN_TSC_DEFECTS) that still fails
    UNEXPECTED-PASS name      a listed TSC defect that now passes: update the table

and exits 0 only when every check passes or is a listed TSC defect that still fails.

Notes
- Sessions: the `*_use_server_version` checks sign in the way TSC's docs recommend
  (`TSC.Server(url, use_server_version=True)`); every later check uses a session whose
  API version is pinned to the simulator's (`server.version = apiVersion`), so that a
  version-negotiation problem does not hide the others.
- Order: reading checks first, then runs, tasks, publishing, updates, permissions,
  delete and sign out. Checks that change seeded content restore it.
- TSC_CALLS maps every flow-related TSC call to the checks that drive it. Calls whose
  endpoints the simulator does not document are not run; OUT_OF_SCOPE lists them.
- Requirements: Python 3.11, tableauserverclient 0.42 (and its dependency requests).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import io
import os
import sys
import tempfile
import time
import traceback
import uuid
from xml.etree import ElementTree as ET

import requests
import tableauserverclient as TSC

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from simulator import flow_file, report, start_simulator, stop_simulator  # noqa: E402,F401 (re-exported)
from tableauserverclient.models.task_item import TaskItem
from tableauserverclient.server.endpoint import flows_endpoint as tsc_flows_endpoint
from tableauserverclient.server.endpoint.exceptions import (
    FailedSignInError,
    FlowRunCancelledException,
    FlowRunFailedException,
    JobCancelledException,
    JobFailedException,
    ServerResponseError,
)

# --------------------------------------------------------------------------------------
# Demo content of the simulator (tableau_flows_mock::demo)
# --------------------------------------------------------------------------------------
SALES_CLEANUP = "d00700fe-28a0-4ece-a7af-5543ddf38a82"
COFFEE_CHAIN = "c1e82fe3-e7cf-4bd5-afd3-799b1e8aac27"
BROKEN_LOOM = "868eab1a-2b60-448a-9913-82e4522ab952"
COFFEE_CONNECTION = "5fd1c1db-572f-4ebd-94e7-a09e212bc147"
NIGHTLY = "9a4ebbab-9ec8-487a-9b48-47fa81d6077a"
FLOW_TASK_COFFEE = "1bff10bb-57ae-43df-8774-a86d14aef432"
FLOW_TASK_BROKEN = "f11741cb-9646-4fb8-bbac-6d099c8d56b9"
LINKED_TASK = "18d267af-4c40-4d06-8234-6a08c3dea67f"
GROUP_ANALYSTS = "9de5cc1a-5bb8-4c8e-b2cd-b54e736a7b9f"
USER_ADMIN = "711e59cf-d1c0-446e-be48-3673ae067f7b"
USER_ANALYST = "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b"
PROJECT_SALES = "9077e04c-ece4-11e8-aa58-df538c72f42f"
PROJECT_ARCHIVE = "0c7d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
PROJECT_SALES_ARCHIVE = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"
GROUP_ALL_USERS = "2b5a8f3e-7c1d-4e9a-b6f0-3d8c2a1e5f47"
EXTRACT_SCHEDULE = "a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b"
USER_ANALYST = "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b"
PROJECT_DEFAULT = "6f8a2966-e173-11e8-ae74-ffd84c19d7f3"
PROJECT_SALES = "9077e04c-ece4-11e8-aa58-df538c72f42f"
SEEDED_NAMES = ["Broken Loom", "Coffee Chain", "Sales Cleanup"]
ADMIN_FULL_NAME = "Ada Admin"  # the owner's display name, what ownerName compares
ANALYST_PAT_NAME = "demo-analyst"  # a creator who is not an administrator
ANALYST_PAT_SECRET = "demo-analyst-secret"

WAIT_TIMEOUT = 6  # seconds; runs finish in about 1.2 s on the simulator

TSC_SRC = "tableauserverclient"  # paths below are relative to the installed package
CLIENT = f"tableauserverclient {importlib.metadata.version('tableauserverclient')}"  # the peers table's column

# --------------------------------------------------------------------------------------
# Defects of TSC itself: calls that cannot work against any server that follows Tableau's
# documented API, whatever the simulator does. check name -> (reason, Rust test showing
# that our own client performs the operation).
# --------------------------------------------------------------------------------------
KNOWN_TSC_DEFECTS: dict[str, tuple[str, str]] = {
    "tasks_get_by_id_run_flow": (
        f"{TSC_SRC}/server/endpoint/tasks_endpoint.py:84-88 builds the URL with "
        "__normalize_task_type(TaskItem.Type.ExtractRefresh) whatever the task is, so it asks "
        "GET /sites/{site}/tasks/extractRefreshes/{id}; Get Flow Run Task is "
        "GET /sites/{site}/tasks/runFlow/{id}. get_by_id has no task_type parameter.",
        "tests/tests/conformance.rs::get_flow_run_task_by_id",
    ),
    "tasks_run_run_flow": (
        f"{TSC_SRC}/server/endpoint/tasks_endpoint.py:138-142 posts to "
        "/sites/{site}/tasks/extractRefreshes/{id}/runNow whatever task_item.task_type is; "
        "Run Flow Task is POST /sites/{site}/tasks/runFlow/{id}/runNow.",
        "tests/tests/conformance.rs::run_flow_task_now",
    ),
    "tasks_get_run_flow": (
        f"{TSC_SRC}/models/task_item.py:82 looks for `.//t:task/t:{{task_type}}`, i.e. "
        "<task><runFlow>, because it reuses the URL segment `runFlow` as the element name; "
        "Get Flow Run Tasks answers <task><flowRun ...> (doc page, example, and the XSD "
        "taskType choice `flowRun`), so TSC returns an empty list.",
        "tests/tests/conformance.rs::list_flow_run_tasks",
    ),
    "flow_tasks_create": (
        f"{TSC_SRC}/server/request_factory.py:1283-1314 (FlowTaskRequest.create_flow_task_req) "
        "sends <tsRequest><runFlow type=...><flow id=.../></runFlow><schedule .../></tsRequest>: "
        "no <task> wrapper and `runFlow` instead of `flowRun`. Create Cloud Flow Task takes "
        "<tsRequest><task><flowRun><flow id=.../></flowRun></task><schedule .../></tsRequest> "
        "(doc page request body; XSD taskType has no runFlow).",
        "tests/tests/conformance.rs::create_cloud_flow_task",
    ),
    "flow_runs_filter_list": (
        f"{TSC_SRC}/server/query.py:166-167: QuerySet.__len__ returns sys.maxsize when the "
        "endpoint gives no pagination, and FlowRuns.get (flow_runs_endpoint.py:31-36) never does "
        "(real servers send none, and TSC does not read it); list() takes __len__ as a size hint "
        "and raises MemoryError. Iterating the same QuerySet works (flow_runs_filter_flow_id).",
        "tests/tests/conformance.rs::list_flow_runs_filtered_all_pages",
    ),
    "flow_runs_cancel_finished_run_reports_error": (
        f"{TSC_SRC}/server/endpoint/endpoint.py:284-304 (_check_status) only looks at the HTTP "
        "status and flow_runs_endpoint.py:57 discards the body, so Cancel Flow Run's documented "
        "real-server answer, HTTP 200 with <error code=\"403135\"> (run already complete), "
        "is reported as success.",
        "tests/tests/conformance.rs::cancel_finished_flow_run_is_an_error",
    ),
}

# --------------------------------------------------------------------------------------
# Every flow-related call of TSC 0.42 (server/endpoint/*.py) and the checks that drive it.
# --------------------------------------------------------------------------------------
TSC_CALLS: dict[str, list[str]] = {
    "server.server_info.get": ["server_info_get", "server_info_get_at_api_version"],
    "server.auth.sign_in(PersonalAccessTokenAuth)": ["sign_in_pat_use_server_version", "sign_in_pat",
                                                     "sign_in_bad_secret_fails"],
    "server.auth.sign_in(TableauAuth)": ["sign_in_password_use_server_version", "sign_in_password"],
    "server.use_server_version (on sign-in)": ["sign_in_pat_use_server_version",
                                               "sign_in_password_use_server_version"],
    "server.auth.sign_out": ["sign_in_password", "sign_out"],
    "server.flows.get(RequestOptions)": ["flows_get", "flows_filter_name_eq", "flows_filter_project_name_eq",
                                         "flows_filter_owner_name_eq", "flows_filter_tags_eq",
                                         "flows_filter_created_at_gt", "flows_filter_updated_at_gte",
                                         "flows_sort_name", "flows_sort_created_at_desc"],
    "TSC.Pager(server.flows)": ["flows_pager_page_size_1"],
    "server.flows.all / filter (QuerySet)": ["flows_all_queryset_page_size_2", "flows_queryset_filter_name"],
    "server.flows.get_by_id": ["flows_get_by_id", "flows_get_by_id_with_parameters", "flows_get_by_id_not_found"],
    "server.flows.populate_connections": ["flows_populate_connections"],
    "server.flows.populate_permissions": ["flows_populate_permissions"],
    "server.flows.download": ["flows_download_to_directory", "flows_download_to_file_object"],
    "server.flows.refresh (Run Flow Now)": ["flows_refresh"],
    "server.flows.publish (single request)": ["flows_publish_file_path", "flows_publish_file_object",
                                             "flows_publish_existing_name_without_overwrite_fails",
                                             "flows_publish_overwrite", "flows_publish_with_connections"],
    "server.flows.publish (chunked: fileuploads.initiate/append)": ["flows_publish_chunked"],
    "server.flows.update": ["flows_update_project_and_owner", "flows_update_changed_tags"],
    "server.flows.add_tags": ["flows_add_and_delete_tags", "flows_update_changed_tags"],
    "server.flows.delete_tags": ["flows_add_and_delete_tags", "flows_update_changed_tags"],
    "server.flows.update_connection": ["flows_update_connection"],
    "server.flows.update_permissions": ["flows_permissions_user", "flows_permissions_group"],
    "server.flows.delete_permission": ["flows_permissions_user", "flows_permissions_group"],
    "server.flows.delete": ["flows_delete", "jobs_wait_for_job_flow_deleted_mid_run"],
    "server.flows.schedule_flow_run": ["flows_schedule_flow_run"],
    "server.schedules.add_to_schedule(flow=...)": ["schedules_add_to_schedule_flow"],
    "server.jobs.get_by_id": ["jobs_get_by_id"],
    "server.jobs.get() (Query Jobs)": ["jobs_get_list"],
    "server.jobs.filter (QuerySet)": ["jobs_filter_job_type_and_status"],
    "server.jobs.cancel (Cancel Job on a flow run's job)": ["jobs_cancel_flow_run_job",
                                                           "jobs_cancel_finished_job_reports_error"],
    "server.jobs.wait_for_job": ["jobs_wait_for_job", "jobs_wait_for_job_failed_run",
                                 "jobs_wait_for_job_flow_deleted_mid_run"],
    "server.flow_runs.get": ["flow_runs_get"],
    "server.flow_runs.filter (QuerySet)": ["flow_runs_filter_flow_id", "flow_runs_filter_list"],
    "server.flow_runs.get_by_id": ["flow_runs_get_by_id"],
    "server.flow_runs.cancel": ["flow_runs_cancel", "flow_runs_cancel_finished_run_reports_error"],
    "server.flow_runs.wait_for_job": ["flow_runs_wait_for_job", "flow_runs_wait_for_job_failed_run"],
    "server.tasks.get(task_type=RunFlow)": ["tasks_get_run_flow"],
    "server.tasks.get_by_id": ["tasks_get_by_id_run_flow"],
    "server.tasks.run": ["tasks_run_run_flow"],
    "server.flow_tasks.create (Tableau Cloud)": ["flow_tasks_create"],
    "server.linked_tasks.get": ["linked_tasks_get"],
    "server.linked_tasks.get_by_id": ["linked_tasks_get_by_id"],
    "server.linked_tasks.run_now": ["linked_tasks_run_now"],
    # The support endpoints a flow tool uses to find things by name.
    "server.projects.get / TSC.Pager(server.projects)": ["projects_get", "projects_filter_name",
                                                         "projects_pager"],
    "server.users.get": ["users_get", "users_filter_site_role"],
    "server.groups.get": ["groups_get", "groups_filter_name"],
    "server.schedules.get": ["schedules_get"],
    # What clients ask around flows: who is signed in (tabcmd checks its session so), and a
    # project's permissions before publishing into it (tableau_tools builds a Project so).
    "server.users.get_by_id": ["users_get_by_id", "users_get_by_id_self_as_non_admin"],
    "server.projects.populate_permissions": ["projects_populate_permissions"],
    "server.projects.populate_workbook/datasource/flow_default_permissions":
        ["projects_populate_default_permissions"],
}

# --------------------------------------------------------------------------------------
# Flow-related TSC calls that are NOT run: their endpoints are outside what the simulator
# documents (Flow Methods plus Sign In/Out, Server Info, Query Job(s), Cancel Job, File Uploads).
# --------------------------------------------------------------------------------------
OUT_OF_SCOPE: dict[str, str] = {
    "tags.batch_add / batch_delete": "PUT /tags:batchCreate|batchDelete: Tags methods",
    "flows.populate_dqw / add_dqw / update_dqw / delete_dqw":
        "/sites/{site}/dataQualityWarnings/flow/{id}: Metadata methods",
    "favorites.add_favorite_flow / delete_favorite_flow": "/sites/{site}/favorites/{user}: Favorites",
    "projects.update_*_default_permissions / delete_*_default_permissions, "
    "update_permissions / delete_permission":
        "PUT/DELETE /sites/{site}/projects/{id}/(default-)permissions: only the queries are documented",
    "schedules.get_by_id / create / update / delete / batch_update_state":
        "/api/{v}/schedules/{id}, POST/PUT/DELETE: only List Server Schedules is documented",
    "projects.create / update / delete, users.add / update / remove, groups.create / ...":
        "only the list endpoints (Query Projects, Get Users on Site, Query Groups) are documented",
    "tasks.delete(id, TaskItem.Type.RunFlow)":
        "DELETE /sites/{site}/tasks/runFlow/{id}: no such documented endpoint",
    "auth.switch_site / revoke_all_server_admin_tokens": "not documented by the simulator",
    "populate_output_steps / flow parameters":
        "TSC offers no such call: FlowItem ignores <flowOutputSteps> and <parameters>, and "
        "flows.refresh() cannot send a flowRunSpec",
}


# --------------------------------------------------------------------------------------
# Plumbing
# --------------------------------------------------------------------------------------
RECORDER = None  # the Recorder of the run, so that a failure can note where it happened


class CheckFailed(AssertionError):
    def __init__(self, *args):
        super().__init__(*args)
        self.at = RECORDER.mark() if RECORDER is not None else None


class Expect:
    """Soft assertions: collects every mismatch of a check, raises them together."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def eq(self, what, actual, expected):
        if actual != expected:
            self.problems.append(f"{what}: got {actual!r}, expected {expected!r}")

    def true(self, what, cond, detail=""):
        if not cond:
            self.problems.append(f"{what}{': ' + detail if detail else ''}")

    def not_none(self, what, value):
        if value is None:
            self.problems.append(f"{what} is None")

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self.problems:
            raise CheckFailed("; ".join(self.problems))
        return False


def expect_error(fn, exc_type, code=None):
    """Calls fn and returns the exception it must raise (of exc_type, with code if given)."""
    try:
        fn()
    except exc_type as e:
        if code is not None and getattr(e, "code", None) != code:
            raise CheckFailed(f"raised {type(e).__name__} with code {getattr(e, 'code', None)!r}, "
                              f"expected code {code!r}: {e}") from e
        return e
    raise CheckFailed(f"no {exc_type.__name__}{' ' + code if code else ''} raised")


class Recorder:
    """Keeps every HTTP exchange TSC makes, for the failure reports."""

    def __init__(self) -> None:
        self.exchanges: list[dict] = []

    def hook(self, response, *args, **kwargs):
        req = response.request
        body = req.body
        if isinstance(body, bytes):
            if b"Content-Disposition: name=\"tableau_" in body or len(body) > 2000:
                body = body[:300] + b"...(%d bytes)" % len(req.body)
            body = body.decode("utf-8", "replace")
        ctype = response.headers.get("Content-Type", "")
        if "xml" in ctype or "text" in ctype or not ctype:
            answer = response.content.decode("utf-8", "replace")
        else:
            answer = f"<{ctype}, {response.headers.get('Content-Length', '?')} bytes>"
        self.exchanges.append({
            "method": req.method, "url": req.url, "body": body or "",
            "status": response.status_code, "answer": answer,
        })

    def session_factory(self):
        def make():
            s = requests.Session()
            s.hooks["response"].append(self.hook)
            return s
        return make

    def mark(self) -> int:
        return len(self.exchanges)

    def since(self, mark: int) -> list[dict]:
        return self.exchanges[mark:]


def short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 3] + "..."


def describe_exchange(x: dict) -> str:
    s = f"{x['method']} {x['url']}"
    if x["body"]:
        s += f" body={short(x['body'], 260)}"
    s += f" -> {x['status']} {short(x['answer'], 420)}"
    return s


class Ctx:
    def __init__(self, info: dict, rec: Recorder, tmp: str) -> None:
        self.info = info
        self.url = info["url"]
        self.api_version = info["apiVersion"]
        self.rec = rec
        self.tmp = tmp
        self.server: TSC.Server | None = None  # the pinned-version PAT session
        self.published: dict[str, object] = {}

    def new_server(self, use_server_version=False, pin=True) -> TSC.Server:
        server = TSC.Server(self.url, use_server_version=use_server_version,
                            session_factory=self.rec.session_factory())
        if pin:
            server.version = self.api_version
        return server

    def pat(self):
        return TSC.PersonalAccessTokenAuth(self.info["patName"], self.info["patSecret"], site_id=self.info["site"])

    def password(self):
        return TSC.TableauAuth(self.info["username"], self.info["password"], site_id=self.info["site"])

    @property
    def s(self) -> TSC.Server:
        if self.server is None or not self.server.is_signed_in():
            raise CheckFailed("no signed-in session (check sign_in_pat failed)")
        return self.server


CHECKS: list[tuple[str, callable]] = []


def check(name):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn
    return deco


# --------------------------------------------------------------------------------------
# Helpers built on TSC
# --------------------------------------------------------------------------------------
def flow_by_id(ctx, flow_id):
    return ctx.s.flows.get_by_id(flow_id)


def make_tflx(name: str, payload: int = 0) -> bytes:
    """A small .tflx (simulator.flow_file), optionally with `payload` incompressible bytes."""
    return flow_file(name, payload)


def start_run(ctx, flow_id):
    job = ctx.s.flows.refresh(flow_id)
    if job is None:
        raise CheckFailed("flows.refresh returned None (TSC treats the answer as a duplicate job)")
    if job.flow_run is None or not job.flow_run.id:
        raise CheckFailed(f"flows.refresh: the job has no <runFlowJobType flowRunId=...>: {job!r}")
    return job


def check_dates(e: Expect, what: str, **dates):
    for k, v in dates.items():
        e.not_none(f"{what}.{k}", v)


# --------------------------------------------------------------------------------------
# Server info and signing in
# --------------------------------------------------------------------------------------
def _check_server_info(ctx, info):
    with Expect() as e:
        e.true("server_info.get() returned None", info is not None)
        if info is not None:
            e.eq("rest_api_version", info.rest_api_version, ctx.api_version)
            e.true("product_version", bool(info.product_version) and info.product_version != "Unknown",
                   repr(info.product_version))
            e.true("build_number", bool(info.build_number) and info.build_number != "Unknown",
                   repr(info.build_number))


@check("server_info_get")
def _(ctx):
    # As TSC uses it: before sign-in, at TSC's default version (2.4), which is what
    # use_server_version() does.
    server = ctx.new_server(pin=False)
    _check_server_info(ctx, server.server_info.get())


@check("server_info_get_at_api_version")
def _(ctx):
    server = ctx.new_server(pin=True)
    _check_server_info(ctx, server.server_info.get())


def _sign_in_and_check(ctx, server, auth, expect_version):
    server.auth.sign_in(auth)
    with Expect() as e:
        e.true("auth_token", bool(server._auth_state.auth_token))
        e.true("site_id", bool(server._auth_state.site_id))
        e.eq("user_id", server._auth_state.user_id, USER_ADMIN)
        e.eq("site_url", server._auth_state.site_url, ctx.info["site"])
        e.eq("server.version", server.version, expect_version)


@check("sign_in_pat_use_server_version")
def _(ctx):
    server = ctx.new_server(use_server_version=True, pin=False)
    _sign_in_and_check(ctx, server, ctx.pat(), ctx.api_version)
    server.auth.sign_out()


@check("sign_in_password_use_server_version")
def _(ctx):
    server = ctx.new_server(use_server_version=True, pin=False)
    _sign_in_and_check(ctx, server, ctx.password(), ctx.api_version)
    server.auth.sign_out()


@check("sign_in_pat")
def _(ctx):
    server = ctx.new_server(pin=True)
    _sign_in_and_check(ctx, server, ctx.pat(), ctx.api_version)
    ctx.server = server  # the session of every later check


@check("sign_in_password")
def _(ctx):
    server = ctx.new_server(pin=True)
    _sign_in_and_check(ctx, server, ctx.password(), ctx.api_version)
    server.auth.sign_out()
    if server.is_signed_in():
        raise CheckFailed("still signed in after sign_out")


@check("sign_in_bad_secret_fails")
def _(ctx):
    server = ctx.new_server(pin=True)
    auth = TSC.PersonalAccessTokenAuth(ctx.info["patName"], "wrong-secret", site_id=ctx.info["site"])
    err = expect_error(lambda: server.auth.sign_in(auth), FailedSignInError)
    if not str(getattr(err, "code", "")).startswith("401"):
        raise CheckFailed(f"FailedSignInError code {err.code!r}, expected 401xxx")


# --------------------------------------------------------------------------------------
# Flows: reading
# --------------------------------------------------------------------------------------
def _check_seeded_flows(e: Expect, flows, what):
    by_name = {f.name: f for f in flows}
    e.eq(f"{what}: names", sorted(by_name), SEEDED_NAMES)
    sc = by_name.get("Sales Cleanup")
    if sc is not None:
        e.eq(f"{what}: Sales Cleanup id", sc.id, SALES_CLEANUP)
        e.eq(f"{what}: Sales Cleanup project_id", sc.project_id, PROJECT_SALES)
        e.eq(f"{what}: Sales Cleanup project_name", sc.project_name, "Sales")
        e.eq(f"{what}: Sales Cleanup owner_id", sc.owner_id, USER_ADMIN)
        e.eq(f"{what}: Sales Cleanup tags", sc.tags, {"sales", "daily"})
        e.true(f"{what}: Sales Cleanup webpage_url", bool(sc.webpage_url))
    cc = by_name.get("Coffee Chain")
    if cc is not None:
        e.eq(f"{what}: Coffee Chain id", cc.id, COFFEE_CHAIN)
        e.eq(f"{what}: Coffee Chain project_id", cc.project_id, PROJECT_DEFAULT)
    for f in flows:
        check_dates(e, f"{what}: {f.name}", created_at=f.created_at, updated_at=f.updated_at)


@check("projects_get")
def _(ctx):
    projects, pagination = ctx.s.projects.get()
    with Expect() as e:
        by_id = {p.id: p for p in projects}
        e.eq("project names", sorted(p.name for p in projects), ["Archive", "Archive", "Default", "Sales"])
        e.eq("pagination.total_available", pagination.total_available, 4)
        nested = by_id.get(PROJECT_SALES_ARCHIVE)
        e.true("the nested Archive is listed", nested is not None)
        if nested is not None:
            e.eq("nested Archive parent_id", nested.parent_id, PROJECT_SALES)
        top = by_id.get(PROJECT_ARCHIVE)
        if top is not None:
            e.eq("top-level Archive parent_id", top.parent_id, None)
            e.true("content_permissions", bool(top.content_permissions), repr(top.content_permissions))


@check("projects_filter_name")
def _(ctx):
    options = TSC.RequestOptions()
    options.filter.add(TSC.Filter(TSC.RequestOptions.Field.Name, TSC.RequestOptions.Operator.Equals, "Archive"))
    projects, _ = ctx.s.projects.get(options)
    with Expect() as e:
        e.eq("Archive ids", sorted(p.id for p in projects), sorted([PROJECT_ARCHIVE, PROJECT_SALES_ARCHIVE]))


@check("projects_pager")
def _(ctx):
    names = [p.name for p in TSC.Pager(ctx.s.projects, TSC.RequestOptions(pagesize=1))]
    with Expect() as e:
        e.eq("every project, one per page", sorted(names), ["Archive", "Archive", "Default", "Sales"])


@check("users_get")
def _(ctx):
    users, _ = ctx.s.users.get()
    with Expect() as e:
        e.eq("user names", sorted(u.name for u in users), ["admin", "analyst"])
        roles = {u.id: u.site_role for u in users}
        e.eq("admin site role", roles.get(USER_ADMIN), "ServerAdministrator")
        e.eq("analyst site role", roles.get(USER_ANALYST), "Creator")


@check("users_filter_site_role")
def _(ctx):
    options = TSC.RequestOptions()
    options.filter.add(TSC.Filter(TSC.RequestOptions.Field.SiteRole, TSC.RequestOptions.Operator.Equals, "Creator"))
    users, _ = ctx.s.users.get(options)
    with Expect() as e:
        e.eq("creators", [u.id for u in users], [USER_ANALYST])


@check("users_get_by_id")
def _(ctx):
    admin = ctx.s.users.get_by_id(USER_ADMIN)
    analyst = ctx.s.users.get_by_id(USER_ANALYST)
    with Expect() as e:
        e.eq("admin name", admin.name, "admin")
        e.eq("admin fullname", admin.fullname, ADMIN_FULL_NAME)
        e.eq("admin site role", admin.site_role, "ServerAdministrator")
        e.not_none("admin last_login (signed in)", admin.last_login)
        e.eq("analyst name", analyst.name, "analyst")
        e.eq("analyst site role", analyst.site_role, "Creator")
        e.eq("analyst auth setting", analyst.auth_setting, "ServerDefault")
        e.eq("analyst domain", analyst.domain_name, "local")
    expect_error(lambda: ctx.s.users.get_by_id("00000000-0000-4000-8000-000000000000"),
                 ServerResponseError, "404002")


@check("users_get_by_id_self_as_non_admin")
def _(ctx):
    # tabcmd's login: sign in, then Query User On Site with the signed-in user's id.
    server = ctx.new_server()
    server.auth.sign_in(TSC.PersonalAccessTokenAuth(ANALYST_PAT_NAME, ANALYST_PAT_SECRET,
                                                    site_id=ctx.info["site"]))
    try:
        me = server.users.get_by_id(server.user_id)
        with Expect() as e:
            e.eq("the signed-in user", me.id, USER_ANALYST)
            e.eq("their name", me.name, "analyst")
        # Someone else: administrators only (403133).
        expect_error(lambda: server.users.get_by_id(USER_ADMIN), ServerResponseError, "403133")
    finally:
        server.auth.sign_out()


def _grantee_rules(rules):
    """(grantee tag, grantee id) -> {capability: mode}, from TSC's PermissionsRule list."""
    return {(r.grantee.tag_name, r.grantee.id): dict(r.capabilities) for r in rules}


@check("projects_populate_permissions")
def _(ctx):
    projects = {p.id: p for p in TSC.Pager(ctx.s.projects)}
    default, archive = projects[PROJECT_DEFAULT], projects[PROJECT_ARCHIVE]
    ctx.s.projects.populate_permissions(default)
    ctx.s.projects.populate_permissions(archive)
    with Expect() as e:
        e.eq("Default: the Analysts may publish (Write)", _grantee_rules(default.permissions),
             {("group", GROUP_ANALYSTS): {"Write": "Allow"}})
        e.eq("Archive: the analyst leads it", _grantee_rules(archive.permissions),
             {("user", USER_ANALYST): {"ProjectLeader": "Allow"}})


@check("projects_populate_default_permissions")
def _(ctx):
    projects = {p.id: p for p in TSC.Pager(ctx.s.projects)}
    default, sales = projects[PROJECT_DEFAULT], projects[PROJECT_SALES]
    for project in (default, sales):
        ctx.s.projects.populate_workbook_default_permissions(project)
        ctx.s.projects.populate_datasource_default_permissions(project)
        ctx.s.projects.populate_flow_default_permissions(project)
    viewer = {c: "Allow" for c in ["Read", "Filter", "ViewComments", "AddComment", "ExportImage",
                                   "ExportData", "ShareView"]}
    with Expect() as e:
        e.eq("Default workbooks", _grantee_rules(default.default_workbook_permissions),
             {("group", GROUP_ALL_USERS): viewer})
        e.eq("Default data sources", _grantee_rules(default.default_datasource_permissions),
             {("group", GROUP_ALL_USERS): {"Read": "Allow", "Connect": "Allow"}})
        e.eq("Default flows", _grantee_rules(default.default_flow_permissions),
             {("group", GROUP_ANALYSTS): {"Read": "Allow", "ExportXml": "Allow"}})
        # No rule: an empty, well-formed answer.
        e.eq("Sales workbooks", sales.default_workbook_permissions, [])
        e.eq("Sales data sources", sales.default_datasource_permissions, [])
        e.eq("Sales flows", sales.default_flow_permissions, [])


@check("groups_get")
def _(ctx):
    groups, _ = ctx.s.groups.get()
    with Expect() as e:
        e.eq("group ids", sorted(g.id for g in groups), sorted([GROUP_ALL_USERS, GROUP_ANALYSTS]))
        e.eq("group names", sorted(g.name for g in groups), ["All Users", "Analysts"])
        e.eq("domain", sorted({g.domain_name for g in groups}), ["local"])


@check("groups_filter_name")
def _(ctx):
    options = TSC.RequestOptions()
    options.filter.add(TSC.Filter(TSC.RequestOptions.Field.Name, TSC.RequestOptions.Operator.Equals, "Analysts"))
    groups, _ = ctx.s.groups.get(options)
    with Expect() as e:
        e.eq("Analysts", [g.id for g in groups], [GROUP_ANALYSTS])


@check("schedules_get")
def _(ctx):
    schedules, _ = ctx.s.schedules.get()
    with Expect() as e:
        e.eq("schedule ids", sorted(s.id for s in schedules), sorted([NIGHTLY, EXTRACT_SCHEDULE]))
        types = {s.id: s.schedule_type for s in schedules}
        e.eq("Nightly type", types.get(NIGHTLY), "Flow")
        e.eq("Weekend extracts type", types.get(EXTRACT_SCHEDULE), "Extract")


@check("flows_get")
def _(ctx):
    flows, pagination = ctx.s.flows.get()
    with Expect() as e:
        e.eq("pagination.total_available", pagination.total_available, 3)
        e.eq("pagination.page_number", pagination.page_number, 1)
        _check_seeded_flows(e, flows, "flows.get")


@check("flows_pager_page_size_1")
def _(ctx):
    mark = ctx.rec.mark()
    flows = list(TSC.Pager(ctx.s.flows, TSC.RequestOptions(pagesize=1)))
    requests_made = len(ctx.rec.since(mark))
    with Expect() as e:
        e.eq("number of flows", len(flows), 3)
        e.eq("distinct ids", len({f.id for f in flows}), 3)
        e.eq("requests made", requests_made, 3)


@check("flows_all_queryset_page_size_2")
def _(ctx):
    flows = list(ctx.s.flows.all(page_size=2))
    with Expect() as e:
        e.eq("names", sorted(f.name for f in flows), SEEDED_NAMES)


def _filtered(ctx, *filters, sort=None):
    opts = TSC.RequestOptions()
    for f in filters:
        opts.filter.add(f)
    for s in sort or []:
        opts.sort.add(s)
    flows, _ = ctx.s.flows.get(opts)
    return flows


F, O = TSC.RequestOptions.Field, TSC.RequestOptions.Operator


@check("flows_filter_name_eq")
def _(ctx):
    flows = _filtered(ctx, TSC.Filter(F.Name, O.Equals, "Sales Cleanup"))
    with Expect() as e:
        e.eq("ids", [f.id for f in flows], [SALES_CLEANUP])


@check("flows_filter_name_eq_value_as_sent")
def _(ctx):
    # TSC sends a value as it is, spaces included; the simulator compares it as sent (it used to
    # trim the last term of the expression). What a real server does with a padded value is not
    # documented; matching it as sent is what the builder and `--filter` of our client hold too.
    padded = _filtered(ctx, TSC.Filter(F.Name, O.Equals, "Sales Cleanup "))
    padded_first = _filtered(ctx, TSC.Filter(F.Name, O.Equals, "Sales Cleanup "),
                             TSC.Filter(F.ProjectName, O.Equals, "Sales"))
    with Expect() as e:
        e.eq("ids, padded value last", [f.id for f in padded], [])
        e.eq("ids, padded value before a comma", [f.id for f in padded_first], [])


@check("flows_queryset_filter_name")
def _(ctx):
    flows = list(ctx.s.flows.filter(name="Coffee Chain"))
    with Expect() as e:
        e.eq("ids", [f.id for f in flows], [COFFEE_CHAIN])


@check("flows_filter_project_name_eq")
def _(ctx):
    flows = _filtered(ctx, TSC.Filter(F.ProjectName, O.Equals, "Sales"))
    with Expect() as e:
        e.eq("ids", [f.id for f in flows], [SALES_CLEANUP])


@check("flows_filter_owner_name_eq")
def _(ctx):
    # ownerName is the owner's display name, not the login name (KNOWN-DEVIATIONS S14).
    flows = _filtered(ctx, TSC.Filter(F.OwnerName, O.Equals, ADMIN_FULL_NAME))
    by_login = _filtered(ctx, TSC.Filter(F.OwnerName, O.Equals, "admin"))
    with Expect() as e:
        e.eq("names", sorted(f.name for f in flows), SEEDED_NAMES)
        e.eq("names by login name", [f.name for f in by_login], [])


@check("flows_filter_tags_eq")
def _(ctx):
    # Servers refuse a tags filter on flows with 400065 (KNOWN-DEVIATIONS S14); TSC raises it.
    try:
        _filtered(ctx, TSC.Filter(F.Tags, O.Equals, "sales"))
    except ServerResponseError as err:
        with Expect() as e:
            e.eq("error code", str(err.code), "400065")
        return
    raise CheckFailed("a tags filter on flows was not refused with 400065")


@check("flows_filter_created_at_gt")
def _(ctx):
    past = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)
    all_flows = _filtered(ctx, TSC.Filter(F.CreatedAt, O.GreaterThan, past))
    none = _filtered(ctx, TSC.Filter(F.CreatedAt, O.GreaterThan, future))
    with Expect() as e:
        e.eq("createdAt:gt:2000 names", sorted(f.name for f in all_flows), SEEDED_NAMES)
        e.eq("createdAt:gt:tomorrow", [f.name for f in none], [])


@check("flows_filter_updated_at_gte")
def _(ctx):
    past = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    flows = _filtered(ctx, TSC.Filter(F.UpdatedAt, O.GreaterThanOrEqual, past))
    with Expect() as e:
        e.eq("names", sorted(f.name for f in flows), SEEDED_NAMES)


@check("flows_sort_name")
def _(ctx):
    asc = _filtered(ctx, sort=[TSC.Sort(F.Name, TSC.RequestOptions.Direction.Asc)])
    desc = _filtered(ctx, sort=[TSC.Sort(F.Name, TSC.RequestOptions.Direction.Desc)])
    with Expect() as e:
        e.eq("name:asc", [f.name for f in asc], SEEDED_NAMES)
        e.eq("name:desc", [f.name for f in desc], SEEDED_NAMES[::-1])


@check("flows_sort_created_at_desc")
def _(ctx):
    flows = _filtered(ctx, sort=[TSC.Sort(F.CreatedAt, TSC.RequestOptions.Direction.Desc)])
    with Expect() as e:
        e.eq("count", len(flows), 3)
        dates = [f.created_at for f in flows]
        e.true("created_at parsed", all(d is not None for d in dates), repr(dates))
        if all(d is not None for d in dates):
            e.true("created_at descending", dates == sorted(dates, reverse=True), repr(dates))


@check("flows_get_by_id")
def _(ctx):
    f = ctx.s.flows.get_by_id(COFFEE_CHAIN)
    with Expect() as e:
        e.eq("id", f.id, COFFEE_CHAIN)
        e.eq("name", f.name, "Coffee Chain")
        e.true("description", bool(f.description))
        e.eq("project_id", f.project_id, PROJECT_DEFAULT)
        e.eq("project_name", f.project_name, "Default")
        e.eq("owner_id", f.owner_id, USER_ADMIN)
        e.true("webpage_url", bool(f.webpage_url))
        check_dates(e, "flow", created_at=f.created_at, updated_at=f.updated_at)


@check("flows_get_by_id_with_parameters")
def _(ctx):
    f = ctx.s.flows.get_by_id(SALES_CLEANUP)
    with Expect() as e:
        e.eq("id", f.id, SALES_CLEANUP)
        e.eq("name", f.name, "Sales Cleanup")
        e.eq("project_id", f.project_id, PROJECT_SALES)
        e.eq("tags", f.tags, {"sales", "daily"})
        check_dates(e, "flow", created_at=f.created_at, updated_at=f.updated_at)


@check("flows_get_by_id_not_found")
def _(ctx):
    expect_error(lambda: ctx.s.flows.get_by_id(str(uuid.uuid4())), ServerResponseError, "404027")


@check("flows_populate_connections")
def _(ctx):
    f = flow_by_id(ctx, COFFEE_CHAIN)
    ctx.s.flows.populate_connections(f)
    conns = list(f.connections)
    with Expect() as e:
        e.eq("number of connections", len(conns), 1)
        if conns:
            c = conns[0]
            e.eq("id", c.id, COFFEE_CONNECTION)
            e.eq("connection_type", c.connection_type, "sqlserver")
            e.eq("server_address", c.server_address, "sql.example.com")
            e.eq("server_port", c.server_port, "1433")
            e.eq("username", c.username, "etl")
            e.eq("embed_password", c.embed_password, True)


def _rules(flow):
    """{(grantee type, grantee id): {capability: mode}} of a populated flow."""
    return {(r.grantee.tag_name, r.grantee.id): dict(r.capabilities) for r in flow.permissions}


@check("flows_populate_permissions")
def _(ctx):
    f = flow_by_id(ctx, COFFEE_CHAIN)
    ctx.s.flows.populate_permissions(f)
    rules = _rules(f)
    with Expect() as e:
        e.eq("Analysts group rule", rules.get(("group", GROUP_ANALYSTS)), {"Read": "Allow", "ExportXml": "Allow"})


@check("flows_download_to_directory")
def _(ctx):
    d = tempfile.mkdtemp(dir=ctx.tmp)
    path = ctx.s.flows.download(COFFEE_CHAIN, d)
    with Expect() as e:
        e.eq("file name", os.path.basename(path), "Coffee Chain.tfl")
        e.true("file exists and is not empty", os.path.isfile(path) and os.path.getsize(path) > 0)


@check("flows_download_to_file_object")
def _(ctx):
    buf = io.BytesIO()
    ctx.s.flows.download(SALES_CLEANUP, buf)
    with Expect() as e:
        e.true("bytes written", len(buf.getvalue()) > 0)


# --------------------------------------------------------------------------------------
# Runs and jobs
# --------------------------------------------------------------------------------------
@check("flows_refresh")
def _(ctx):
    job = start_run(ctx, COFFEE_CHAIN)
    with Expect() as e:
        e.true("job id", bool(job.id))
        e.eq("job type", job.type, "RunFlow")
        e.eq("job mode", job.mode, "Asynchronous")
        e.eq("flow_run.flow_id", job.flow_run.flow_id, COFFEE_CHAIN)
        check_dates(e, "job", created_at=job.created_at)


@check("jobs_get_by_id")
def _(ctx):
    started = start_run(ctx, COFFEE_CHAIN)
    job = ctx.s.jobs.get_by_id(started.id)
    with Expect() as e:
        e.eq("id", job.id, started.id)
        e.eq("type", job.type, "RunFlow")
        e.true("progress", job.progress is not None)
        e.eq("flow_run.id", job.flow_run.id if job.flow_run else None, started.flow_run.id)
        check_dates(e, "job", created_at=job.created_at)


@check("jobs_wait_for_job")
def _(ctx):
    started = start_run(ctx, COFFEE_CHAIN)
    job = ctx.s.jobs.wait_for_job(started.id, timeout=WAIT_TIMEOUT)
    with Expect() as e:
        e.eq("finish_code", job.finish_code, 0)
        e.eq("progress", job.progress, "100")
        check_dates(e, "job", completed_at=job.completed_at)


@check("jobs_wait_for_job_failed_run")
def _(ctx):
    started = start_run(ctx, BROKEN_LOOM)
    err = expect_error(lambda: ctx.s.jobs.wait_for_job(started.id, timeout=WAIT_TIMEOUT), JobFailedException)
    with Expect() as e:
        e.eq("finish_code", err.job.finish_code, 1)


@check("flow_runs_get_by_id")
def _(ctx):
    started = start_run(ctx, COFFEE_CHAIN)
    run = ctx.s.flow_runs.get_by_id(started.flow_run.id)
    with Expect() as e:
        e.eq("id", run.id, started.flow_run.id)
        e.eq("flow_id", run.flow_id, COFFEE_CHAIN)
        e.true("status", run.status in ("Pending", "InProgress", "Success"), repr(run.status))
        e.true("progress", run.progress is not None)
        e.eq("background_job_id", run.background_job_id, started.id)
        check_dates(e, "run", started_at=run.started_at)


@check("flow_runs_get")
def _(ctx):
    started = start_run(ctx, SALES_CLEANUP)
    runs = ctx.s.flow_runs.get()
    mine = [r for r in runs if r.id == started.flow_run.id]
    with Expect() as e:
        e.eq("runs with the started id", len(mine), 1)
        e.true("every run has id, flow_id and status",
               all(r.id and r.flow_id and r.status for r in runs))
        for r in mine:
            e.eq("flow_id", r.flow_id, SALES_CLEANUP)
            check_dates(e, "run", started_at=r.started_at)


@check("flow_runs_filter_flow_id")
def _(ctx):
    start_run(ctx, COFFEE_CHAIN)
    runs = [r for r in ctx.s.flow_runs.filter(flow_id=COFFEE_CHAIN)]  # iterate: see the next check
    with Expect() as e:
        e.true("at least one run", len(runs) >= 1)
        e.eq("flow ids", {r.flow_id for r in runs}, {COFFEE_CHAIN})
        e.eq("no duplicates", len({r.id for r in runs}), len(runs))


@check("flow_runs_filter_list")
def _(ctx):
    start_run(ctx, COFFEE_CHAIN)
    runs = list(ctx.s.flow_runs.filter(flow_id=COFFEE_CHAIN))
    with Expect() as e:
        e.true("at least one run", len(runs) >= 1)


@check("flow_runs_wait_for_job")
def _(ctx):
    started = start_run(ctx, COFFEE_CHAIN)
    run = ctx.s.flow_runs.wait_for_job(started.flow_run.id, timeout=WAIT_TIMEOUT)
    with Expect() as e:
        e.eq("status", run.status, "Success")
        e.eq("progress", run.progress, "100")
        check_dates(e, "run", started_at=run.started_at, completed_at=run.completed_at)


@check("flow_runs_wait_for_job_failed_run")
def _(ctx):
    started = start_run(ctx, BROKEN_LOOM)
    err = expect_error(lambda: ctx.s.flow_runs.wait_for_job(started.flow_run.id, timeout=WAIT_TIMEOUT),
                       FlowRunFailedException)
    with Expect() as e:
        e.eq("status", err.flow_run.status, "Failed")
        e.eq("background_job_id", err.background_job_id, started.id)


@check("flow_runs_cancel")
def _(ctx):
    started = start_run(ctx, SALES_CLEANUP)
    ctx.s.flow_runs.cancel(started.flow_run.id)
    run = ctx.s.flow_runs.get_by_id(started.flow_run.id)
    with Expect() as e:
        e.eq("status after cancel", run.status, "Cancelled")
        try:
            ctx.s.flow_runs.wait_for_job(started.flow_run.id, timeout=WAIT_TIMEOUT)
            e.true("wait_for_job raised FlowRunCancelledException", False, "it returned")
        except FlowRunCancelledException:
            pass
        except Exception as exc:  # noqa: BLE001
            e.true("wait_for_job raised FlowRunCancelledException", False, f"{type(exc).__name__}: {exc}")
        check_dates(e, "run", completed_at=run.completed_at)


@check("flow_runs_cancel_finished_run_reports_error")
def _(ctx):
    started = start_run(ctx, SALES_CLEANUP)
    ctx.s.flow_runs.cancel(started.flow_run.id)
    # The run is now Cancelled: cancelling again must fail (403135).
    expect_error(lambda: ctx.s.flow_runs.cancel(started.flow_run.id), ServerResponseError, "403135")


@check("jobs_get_list")
def _(ctx):
    # Query Jobs: every job of the site, the one just started among them.
    started = start_run(ctx, COFFEE_CHAIN)
    jobs, pagination = ctx.s.jobs.get()
    mine = [j for j in jobs if j.id == started.id]
    with Expect() as e:
        e.eq("jobs with the started id", len(mine), 1)
        e.true("total_available counts them", (pagination.total_available or 0) >= len(jobs),
               repr(pagination.total_available))
        e.true("every job has id, type and status", all(j.id and j.type and j.status for j in jobs))
        for j in mine:
            e.eq("type", j.type, "run_flow")
            e.eq("name (the title)", j.name, "Coffee Chain")
            e.true("status", j.status in ("Pending", "InProgress", "Success"), repr(j.status))
            e.eq("priority", j.priority, "50")
            check_dates(e, "job", created_at=j.created_at)


@check("jobs_filter_job_type_and_status")
def _(ctx):
    # Finished jobs are listed too: wait for one, then filter on its type and state.
    started = start_run(ctx, COFFEE_CHAIN)
    ctx.s.jobs.wait_for_job(started.id, timeout=WAIT_TIMEOUT)
    done = list(ctx.s.jobs.filter(job_type="run_flow", status="Success"))
    going = list(ctx.s.jobs.filter(status="Cancelled", job_type="refresh_extracts"))
    with Expect() as e:
        e.true("the finished job is listed", started.id in {j.id for j in done})
        e.eq("states", {j.status for j in done}, {"Success"})
        e.eq("types", {j.type for j in done}, {"run_flow"})
        e.eq("no duplicates", len({j.id for j in done}), len(done))
        e.eq("no extract refreshes", going, [])
        for j in done:
            if j.id == started.id:
                check_dates(e, "job", started_at=j.started_at, ended_at=j.ended_at)


@check("jobs_cancel_flow_run_job")
def _(ctx):
    # Cancel Job on a flow run's job cancels the run (as tableau_tools cancels runs at 3.6).
    started = start_run(ctx, SALES_CLEANUP)
    ctx.s.jobs.cancel(started.id)
    run = ctx.s.flow_runs.get_by_id(started.flow_run.id)
    job = ctx.s.jobs.get_by_id(started.id)
    with Expect() as e:
        e.eq("run status after cancelling its job", run.status, "Cancelled")
        e.eq("job finish_code", job.finish_code, TSC.JobItem.FinishCode.Cancelled)
        check_dates(e, "job", completed_at=job.completed_at)
        try:
            ctx.s.jobs.wait_for_job(started.id, timeout=WAIT_TIMEOUT)
            e.true("wait_for_job raised JobCancelledException", False, "it returned")
        except JobCancelledException:
            pass
        except Exception as exc:  # noqa: BLE001
            e.true("wait_for_job raised JobCancelledException", False, f"{type(exc).__name__}: {exc}")


@check("jobs_cancel_finished_job_reports_error")
def _(ctx):
    started = start_run(ctx, SALES_CLEANUP)
    ctx.s.jobs.cancel(started.id)
    # The job is now finished (cancelled): cancelling again must fail (403091).
    expect_error(lambda: ctx.s.jobs.cancel(started.id), ServerResponseError, "403091")


# --------------------------------------------------------------------------------------
# Flow tasks, schedules, linked tasks
# --------------------------------------------------------------------------------------
@check("tasks_get_run_flow")
def _(ctx):
    tasks, _ = ctx.s.tasks.get(task_type=TaskItem.Type.RunFlow)
    by_id = {t.id: t for t in tasks}
    with Expect() as e:
        e.true("seeded tasks listed", {FLOW_TASK_COFFEE, FLOW_TASK_BROKEN} <= set(by_id), repr(sorted(by_id)))
        t = by_id.get(FLOW_TASK_COFFEE)
        if t is not None:
            e.eq("task_type", t.task_type, TaskItem.Type.RunFlow)
            e.eq("priority", t.priority, 50)
            e.eq("schedule_id", t.schedule_id, NIGHTLY)
            e.eq("schedule name", t.schedule_item.name if t.schedule_item else None, "Nightly")
            check_dates(e, "schedule", next_run_at=t.schedule_item.next_run_at if t.schedule_item else None)


@check("tasks_get_by_id_run_flow")
def _(ctx):
    t = ctx.s.tasks.get_by_id(FLOW_TASK_COFFEE)
    with Expect() as e:
        e.eq("id", t.id, FLOW_TASK_COFFEE)
        e.eq("schedule_id", t.schedule_id, NIGHTLY)


@check("tasks_run_run_flow")
def _(ctx):
    task = TaskItem(FLOW_TASK_COFFEE, TaskItem.Type.RunFlow, 50)
    content = ctx.s.tasks.run(task)
    job = TSC.JobItem.from_response(content, ctx.s.namespace)
    with Expect() as e:
        e.eq("jobs in the answer", len(job), 1)
        if job:
            e.eq("job type", job[0].type, "RunFlow")


def _add_to_schedule_result(ctx, call):
    mark = ctx.rec.mark()
    result = call()
    xs = ctx.rec.since(mark)
    with Expect() as e:
        e.eq("failures reported by TSC", result, [])
        e.true("one PUT .../schedules/{id}/flows", len(xs) == 1 and xs[0]["method"] == "PUT"
               and xs[0]["url"].endswith(f"/schedules/{NIGHTLY}/flows"), repr([x["url"] for x in xs]))
        if xs:
            e.true("answer holds the created <task>", "<task" in xs[-1]["answer"], short(xs[-1]["answer"], 200))


@check("schedules_add_to_schedule_flow")
def _(ctx):
    f = flow_by_id(ctx, COFFEE_CHAIN)
    _add_to_schedule_result(ctx, lambda: ctx.s.schedules.add_to_schedule(NIGHTLY, flow=f))


@check("flows_schedule_flow_run")
def _(ctx):
    f = flow_by_id(ctx, BROKEN_LOOM)
    _add_to_schedule_result(ctx, lambda: ctx.s.flows.schedule_flow_run(NIGHTLY, f))


@check("flow_tasks_create")
def _(ctx):
    schedule = TSC.ScheduleItem(None, None, None, None, TSC.WeeklyInterval(dt.time(12, 30), "Monday"))
    task = TaskItem(None, TaskItem.Type.RunFlow, None, schedule_item=schedule,
                    target=TSC.Target(COFFEE_CHAIN, "flow"))
    content = ctx.s.flow_tasks.create(task)
    root = ET.fromstring(content)
    ns = {"t": "http://tableau.com/api"}
    run = root.find(".//t:task/t:flowRun", ns)
    with Expect() as e:
        e.true("answer has <task><flowRun id>", run is not None and bool(run.get("id")), short(content, 200))
        if run is not None:
            flow = run.find("t:flow", ns)
            e.eq("flow id", flow.get("id") if flow is not None else None, COFFEE_CHAIN)
            sched = run.find("t:schedule", ns)
            e.eq("schedule frequency", sched.get("frequency") if sched is not None else None, "Weekly")


@check("linked_tasks_get")
def _(ctx):
    tasks, _ = ctx.s.linked_tasks.get()
    by_id = {t.id: t for t in tasks}
    with Expect() as e:
        e.eq("ids", sorted(by_id), [LINKED_TASK])
        t = by_id.get(LINKED_TASK)
        if t is not None:
            e.eq("num_steps", t.num_steps, 3)
            e.eq("schedule id", t.schedule.id if t.schedule else None, NIGHTLY)
            e.eq("schedule name", t.schedule.name if t.schedule else None, "Nightly")
            check_dates(e, "schedule", next_run_at=t.schedule.next_run_at if t.schedule else None)


@check("linked_tasks_get_by_id")
def _(ctx):
    t = ctx.s.linked_tasks.get_by_id(LINKED_TASK)
    with Expect() as e:
        e.eq("id", t.id, LINKED_TASK)
        e.eq("num_steps", t.num_steps, 3)
        e.eq("schedule id", t.schedule.id if t.schedule else None, NIGHTLY)


@check("linked_tasks_run_now")
def _(ctx):
    job = ctx.s.linked_tasks.run_now(LINKED_TASK)
    with Expect() as e:
        e.true("job id", bool(job.id))
        e.eq("linked_task_id", job.linked_task_id, LINKED_TASK)
        e.true("status", job.status in ("Pending", "InProgress", "Success", "Failed"), repr(job.status))
        check_dates(e, "job", created_at=job.created_at)


# --------------------------------------------------------------------------------------
# Publishing (each check creates its own flow)
# --------------------------------------------------------------------------------------
def _download_bytes(ctx, flow_id) -> bytes:
    buf = io.BytesIO()
    ctx.s.flows.download(flow_id, buf)
    return buf.getvalue()


def _check_published(ctx, e, new, name, project, data):
    e.true("id", bool(new.id))
    e.eq("name", new.name, name)
    e.eq("project_id", new.project_id, project)
    e.eq("owner_id", new.owner_id, USER_ADMIN)
    check_dates(e, "flow", created_at=new.created_at, updated_at=new.updated_at)
    if new.id:
        e.true("downloaded bytes are the published bytes", _download_bytes(ctx, new.id) == data)


@check("flows_publish_file_path")
def _(ctx):
    name = f"TSC path {uuid.uuid4().hex[:8]}"
    data = make_tflx(name)
    path = os.path.join(ctx.tmp, f"{name}.tflx")
    with open(path, "wb") as fh:
        fh.write(data)
    new = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT), path, TSC.Server.PublishMode.CreateNew)
    ctx.published["path"] = new
    with Expect() as e:
        _check_published(ctx, e, new, name, PROJECT_DEFAULT, data)


@check("flows_publish_file_object")
def _(ctx):
    name = f"TSC object {uuid.uuid4().hex[:8]}"
    data = make_tflx(name)
    new = ctx.s.flows.publish(TSC.FlowItem(PROJECT_SALES, name), io.BytesIO(data), "CreateNew")
    with Expect() as e:
        _check_published(ctx, e, new, name, PROJECT_SALES, data)


@check("flows_publish_existing_name_without_overwrite_fails")
def _(ctx):
    data = make_tflx("dup")
    expect_error(lambda: ctx.s.flows.publish(TSC.FlowItem(PROJECT_SALES, "Sales Cleanup"), io.BytesIO(data),
                                             "CreateNew"), ServerResponseError, "409041")


@check("flows_publish_overwrite")
def _(ctx):
    name = f"TSC overwrite {uuid.uuid4().hex[:8]}"
    first = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT, name), io.BytesIO(make_tflx(name)), "CreateNew")
    data = make_tflx(name + " v2")
    second = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT, name), io.BytesIO(data), "Overwrite")
    with Expect() as e:
        e.eq("same flow id after overwrite", second.id, first.id)
        _check_published(ctx, e, second, name, PROJECT_DEFAULT, data)


@check("flows_publish_with_connections")
def _(ctx):
    name = f"TSC connections {uuid.uuid4().hex[:8]}"
    conn = TSC.ConnectionItem()
    conn.server_address = "pg.example.com"
    conn.server_port = "5432"
    conn.connection_credentials = TSC.ConnectionCredentials("etl", "secret", embed=True)
    data = make_tflx(name)
    new = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT, name), io.BytesIO(data), "CreateNew",
                              connections=[conn])
    with Expect() as e:
        _check_published(ctx, e, new, name, PROJECT_DEFAULT, data)


@check("flows_publish_chunked")
def _(ctx):
    # TSC chunks when the file size >= flows_endpoint.FILESIZE_LIMIT (64 MB, flows_endpoint.py:30,401),
    # in chunks of config.CHUNK_SIZE_MB (env TSC_CHUNK_SIZE_MB). Lower both to keep this fast.
    name = f"TSC chunked {uuid.uuid4().hex[:8]}"
    data = make_tflx(name, payload=2 * 1024 * 1024 + 512 * 1024)
    path = os.path.join(ctx.tmp, f"{name}.tflx")
    with open(path, "wb") as fh:
        fh.write(data)
    saved_limit, saved_chunk = tsc_flows_endpoint.FILESIZE_LIMIT, os.environ.get("TSC_CHUNK_SIZE_MB")
    tsc_flows_endpoint.FILESIZE_LIMIT = 1024 * 1024
    os.environ["TSC_CHUNK_SIZE_MB"] = "1"
    mark = ctx.rec.mark()
    try:
        new = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT, name), path, "CreateNew")
    finally:
        tsc_flows_endpoint.FILESIZE_LIMIT = saved_limit
        if saved_chunk is None:
            os.environ.pop("TSC_CHUNK_SIZE_MB", None)
        else:
            os.environ["TSC_CHUNK_SIZE_MB"] = saved_chunk
    xs = ctx.rec.since(mark)
    with Expect() as e:
        appends = [x for x in xs if x["method"] == "PUT" and "/fileUploads/" in x["url"]]
        e.eq("chunks appended", len(appends), 3)
        publish = [x for x in xs if x["method"] == "POST" and "uploadSessionId=" in x["url"]]
        e.eq("publish with uploadSessionId", len(publish), 1)
        _check_published(ctx, e, new, name, PROJECT_DEFAULT, data)


# --------------------------------------------------------------------------------------
# Updating (seeded content, restored afterwards)
# --------------------------------------------------------------------------------------
@check("flows_update_project_and_owner")
def _(ctx):
    f = flow_by_id(ctx, BROKEN_LOOM)
    f.project_id, f.owner_id = PROJECT_SALES, USER_ANALYST
    try:
        updated = ctx.s.flows.update(f)
        again = flow_by_id(ctx, BROKEN_LOOM)
        with Expect() as e:
            e.eq("returned project_id", updated.project_id, PROJECT_SALES)
            e.eq("returned project_name", updated.project_name, "Sales")
            e.eq("returned owner_id", updated.owner_id, USER_ANALYST)
            e.eq("project_id read back", again.project_id, PROJECT_SALES)
            e.eq("owner_id read back", again.owner_id, USER_ANALYST)
            check_dates(e, "flow", updated_at=updated.updated_at)
    finally:
        try:
            f.project_id, f.owner_id = PROJECT_DEFAULT, USER_ADMIN
            ctx.s.flows.update(f)
        except Exception:
            pass


@check("flows_add_and_delete_tags")
def _(ctx):
    # Sales Cleanup is seeded with the tags sales and daily. TSC quotes a tag holding a space or
    # a comma; the server stores it whole (deviation S34). Adding a tag the flow has is no error,
    # and the answer is every tag of the flow.
    added = {"daily", "Yearly Sales", "Sales, Revenue", "#q1/2024", "näive"}
    try:
        answer = ctx.s.flows.add_tags(SALES_CLEANUP, added)
        again = flow_by_id(ctx, SALES_CLEANUP)
        with Expect() as e:
            e.eq("add_tags answer", answer, {"sales"} | added)
            e.eq("tags read back", again.tags, {"sales"} | added)
        ctx.s.flows.delete_tags(SALES_CLEANUP, added - {"daily"})
        with Expect() as e:
            e.eq("tags after delete_tags", flow_by_id(ctx, SALES_CLEANUP).tags, {"sales", "daily"})
        try:
            ctx.s.flows.delete_tags(SALES_CLEANUP, "not-a-tag")
        except ServerResponseError as err:
            with Expect() as e:
                e.eq("unknown tag: error code", str(err.code), "404007")
        else:
            raise CheckFailed("deleting a tag the flow does not carry was not refused")
    finally:
        try:
            ctx.s.flows.delete_tags(SALES_CLEANUP, flow_by_id(ctx, SALES_CLEANUP).tags - {"sales", "daily"})
            ctx.s.flows.add_tags(SALES_CLEANUP, {"sales", "daily"})
        except Exception:
            pass


@check("flows_update_changed_tags")
def _(ctx):
    # update() of a flow whose tags changed: TSC deletes the removed tags, adds the new ones
    # (TaggingMixin.update_tags) and then sends Update Flow.
    f = flow_by_id(ctx, BROKEN_LOOM)
    before = set(f.tags)
    try:
        f.tags = before | {"weekly run", "ops"}
        updated = ctx.s.flows.update(f)
        with Expect() as e:
            e.eq("tags after update (item)", f.tags, before | {"weekly run", "ops"})
            e.eq("tags read back", flow_by_id(ctx, BROKEN_LOOM).tags, before | {"weekly run", "ops"})
            e.eq("update answer id", updated.id, BROKEN_LOOM)
        f.tags = {"ops"}
        ctx.s.flows.update(f)
        with Expect() as e:
            e.eq("tags after removing", flow_by_id(ctx, BROKEN_LOOM).tags, {"ops"})
    finally:
        try:
            f = flow_by_id(ctx, BROKEN_LOOM)
            f.tags = before
            ctx.s.flows.update(f)
        except Exception:
            pass


@check("flows_update_connection")
def _(ctx):
    f = flow_by_id(ctx, COFFEE_CHAIN)
    ctx.s.flows.populate_connections(f)
    conn = list(f.connections)[0]
    original = (conn.server_address, conn.server_port, conn.username)
    conn.server_address, conn.server_port, conn.username = "db2.example.com", "1444", "etl2"
    conn.password, conn.embed_password = "new-secret", True
    try:
        updated = ctx.s.flows.update_connection(f, conn)
        ctx.s.flows.populate_connections(f)
        again = list(f.connections)[0]
        with Expect() as e:
            e.eq("returned id", updated.id, COFFEE_CONNECTION)
            e.eq("returned server_address", updated.server_address, "db2.example.com")
            e.eq("returned server_port", updated.server_port, "1444")
            e.eq("returned username", updated.username, "etl2")
            e.eq("read back", (again.server_address, again.server_port, again.username),
                 ("db2.example.com", "1444", "etl2"))
    finally:
        try:
            conn.server_address, conn.server_port, conn.username = original
            conn.password = None
            ctx.s.flows.update_connection(f, conn)
        except Exception:
            pass


# --------------------------------------------------------------------------------------
# Permissions (on Coffee Chain; every grant is removed again)
# --------------------------------------------------------------------------------------
def _grant_then_revoke(ctx, grantee, key, grant: dict, revoke: dict, left: dict | None):
    f = flow_by_id(ctx, COFFEE_CHAIN)
    ctx.s.flows.update_permissions(f, [TSC.PermissionsRule(grantee, grant)])
    ctx.s.flows.populate_permissions(f)
    after_add = _rules(f).get(key, {})
    ctx.s.flows.delete_permission(f, TSC.PermissionsRule(grantee, revoke))
    ctx.s.flows.populate_permissions(f)
    after_delete = _rules(f).get(key)
    with Expect() as e:
        for cap, mode in grant.items():
            e.eq(f"after update_permissions: {cap}", after_add.get(cap), mode)
        e.eq("after delete_permission", after_delete, left)


@check("flows_permissions_user")
def _(ctx):
    user = TSC.UserItem.as_reference(USER_ANALYST)
    try:
        _grant_then_revoke(ctx, user, ("user", USER_ANALYST),
                           {"Execute": "Allow", "Write": "Deny"}, {"Execute": "Allow"}, {"Write": "Deny"})
    finally:
        try:
            ctx.s.flows.delete_permission(flow_by_id(ctx, COFFEE_CHAIN), TSC.PermissionsRule(user, {"Write": "Deny"}))
        except Exception:
            pass


@check("flows_permissions_group")
def _(ctx):
    group = TSC.GroupItem.as_reference(GROUP_ANALYSTS)
    _grant_then_revoke(ctx, group, ("group", GROUP_ANALYSTS),
                       {"Execute": "Allow"}, {"Execute": "Allow"}, {"Read": "Allow", "ExportXml": "Allow"})


# --------------------------------------------------------------------------------------
# Deleting and signing out (last)
# --------------------------------------------------------------------------------------
@check("flows_delete")
def _(ctx):
    # A flow this suite published if there is one, else the seeded Broken Loom (last use).
    victim = getattr(ctx.published.get("path"), "id", None) or BROKEN_LOOM
    ctx.s.flows.delete(victim)
    expect_error(lambda: ctx.s.flows.get_by_id(victim), ServerResponseError, "404027")


@check("jobs_wait_for_job_flow_deleted_mid_run")
def _(ctx):
    # A flow of this check's own, deleted while its run is pending or in progress: the job ends
    # failed, its notes say why, and the run is gone with the flow's run history (S27).
    name = f"TSC doomed {uuid.uuid4().hex[:8]}"
    path = os.path.join(ctx.tmp, f"{name}.tflx")
    with open(path, "wb") as fh:
        fh.write(make_tflx(name))
    doomed = ctx.s.flows.publish(TSC.FlowItem(PROJECT_DEFAULT), path, TSC.Server.PublishMode.CreateNew)
    started = start_run(ctx, doomed.id)
    ctx.s.flows.delete(doomed.id)
    err = expect_error(lambda: ctx.s.jobs.wait_for_job(started.id, timeout=WAIT_TIMEOUT), JobFailedException)
    with Expect() as e:
        e.eq("finish_code", err.job.finish_code, 1)
        e.true("notes say the flow was deleted", any("deleted" in (n or "") for n in err.job.notes),
               repr(err.job.notes))
        e.eq("flow_run.flow_id", err.job.flow_run.flow_id if err.job.flow_run else None, doomed.id)
        check_dates(e, "job", completed_at=err.job.completed_at)
    expect_error(lambda: ctx.s.flow_runs.get_by_id(started.flow_run.id), ServerResponseError, "404036")


@check("sign_out")
def _(ctx):
    server = ctx.s
    token, site_id = server.auth_token, server.site_id
    server.auth.sign_out()
    if server.is_signed_in():
        raise CheckFailed("still signed in after sign_out")
    # The token must be dead on the server too.
    r = requests.get(f"{ctx.url}/api/{ctx.api_version}/sites/{site_id}/flows",
                     headers={"X-Tableau-Auth": token})
    if r.status_code != 401:
        raise CheckFailed(f"old token still accepted: HTTP {r.status_code}")


# --------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------
def self_check():
    names = {n for n, _ in CHECKS}
    assert len(names) == len(CHECKS), "duplicate check names"
    listed = {n for ns in TSC_CALLS.values() for n in ns}
    assert listed <= names, f"TSC_CALLS names unknown checks: {sorted(listed - names)}"
    assert set(KNOWN_TSC_DEFECTS) <= names, f"unknown KNOWN_TSC_DEFECTS: {sorted(set(KNOWN_TSC_DEFECTS) - names)}"


def run_checks(ctx) -> int:
    failures = 0
    for name, fn in CHECKS:
        mark = ctx.rec.mark()
        started = time.time()
        try:
            fn(ctx)
            error = None
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            error = exc
        xs = ctx.rec.since(mark)
        took = time.time() - started
        known = KNOWN_TSC_DEFECTS.get(name)
        if error is None:
            if known:
                report(CLIENT, name, "UNEXPECTED-PASS", f"listed as a TSC defect: {known[0]}")
                failures += 1
            else:
                report(CLIENT, name, "PASS")
            continue
        reason = f"{type(error).__name__}: {short(error, 600)}"
        if not isinstance(error, CheckFailed):
            tb = traceback.extract_tb(error.__traceback__)
            frame = next((f for f in reversed(tb) if "tableauserverclient" in f.filename), None)
            if frame:
                reason += f" [at {frame.filename.split('site-packages/')[-1]}:{frame.lineno}]"
        bad = next((x for x in xs if x["status"] >= 300), None)
        if bad is None and xs:
            # the last XML answer before the failure (downloads are not shown)
            upto = xs[: error.at - mark] if getattr(error, "at", None) is not None else xs
            bad = next((x for x in reversed(upto) if x["answer"].startswith("<?xml")), None) or xs[-1]
        if bad:
            reason += f" | {describe_exchange(bad)}"
        if took > 4:
            reason += f" ({took:.1f}s)"
        if known:
            report(CLIENT, name, "KNOWN", f"{known[0]} -- got {reason}")
        else:
            report(CLIENT, name, "FAIL", reason)
            failures += 1
    return failures


def main() -> int:
    global RECORDER
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TABFLOW")
    if not binary:
        print("usage: tsc_conformance.py PATH/TO/tabflow (or set TABFLOW)", file=sys.stderr)
        return 2
    self_check()
    proc, info = start_simulator(binary)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            RECORDER = Recorder()
            ctx = Ctx(info, RECORDER, tmp)
            started = time.time()
            failures = run_checks(ctx)
            print(f"# {len(CHECKS)} checks, {failures} failing, {time.time() - started:.1f}s")
            return 0 if failures == 0 else 1
    finally:
        stop_simulator(proc)


if __name__ == "__main__":
    sys.exit(main())
