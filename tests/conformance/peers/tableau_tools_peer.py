#!/usr/bin/env python3
"""tableau_tools 6.0.0 (PyPI, an XML client) drives every flow operation it has against
`tabflow mock`, through `TableauServerRest36` at API 3.6 (the newest of its classes that signs in
with a personal access token; its permission tables stop at 3.6).

    python3 tests/conformance/peers/tableau_tools_peer.py TABFLOW

Its flow operations (tableau_rest_api/methods/flow.py, extract.py for jobs, published_content.py
for permissions, rest_api_base.py for sign-in, publishing and downloads): sign in with a password
or a token, query flows for a site (filters, sorts) or a user, query a flow, its connections, flow
run tasks, run a flow or a flow task, query a job, query and cancel jobs, update a flow or a
connection, download, publish (in one request or in chunks), permissions of a flow and a project's
default flow permissions, delete, add a flow task to a schedule, sign out. It has nothing for
flow runs.

Steps that fail because of tableau_tools itself are listed in KNOWN with the file:line of its
source that causes them and the failure they cause (exception type, a pattern of its message,
and the innermost tableau_tools frame of its traceback): a step counts as KNOWN only when it
fails exactly that way; any other failure is unexpected, and so is a listed step that passes.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import traceback
import uuid
from xml.etree import ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from simulator import (  # noqa: E402
    COFFEE_CHAIN,
    COFFEE_CONNECTION,
    FLOW_TASK_COFFEE,
    GROUP_ANALYSTS,
    NIGHTLY,
    PROJECT_DEFAULT,
    SEEDED_FLOWS,
    USER_ADMIN,
    USER_ANALYST,
    flow_file,
    is_flow_file,
    one_line,
    report,
    start_simulator,
    stop_simulator,
)

import requests  # noqa: E402
from tableau_tools import TableauServerRest36  # noqa: E402
from tableau_tools.tableau_exceptions import RecoverableHTTPException  # noqa: E402
from tableau_tools.tableau_rest_api.published_content import Flow33  # noqa: E402
from tableau_tools.tableau_rest_api.url_filter import UrlFilter33  # noqa: E402
from tableau_tools.tableau_rest_api.sort import Sort  # noqa: E402

CLIENT = "tableau_tools 6.0.0"
API = "3.6"
NS = {"t": "http://tableau.com/api"}


class StepFailed(AssertionError):
    pass


EXCHANGES: list[str] = []  # every HTTP exchange tableau_tools makes, for the failure reports
_send = requests.Session.send


def _recording_send(self, request, **kwargs):
    response = _send(self, request, **kwargs)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    if len(body) > 400:
        body = body[:300] + b"...(%d bytes)" % len(request.body)
    ctype = response.headers.get("Content-Type", "")
    answer = response.text if ("xml" in ctype or "json" in ctype or "text" in ctype) \
        else f"<{ctype}, {len(response.content)} bytes>"
    EXCHANGES.append(one_line(f"{request.method} {request.url}"
                              + (f" body={body.decode('utf-8', 'replace')}" if body else "")
                              + f" -> {response.status_code} {answer}", 700))
    return response


requests.Session.send = _recording_send


# step -> (source file:line, exception type name, message pattern, what goes wrong)
KNOWN: dict[str, tuple[str, str, str, str]] = {
    "flows.query_flow_luid": (
        "tableau_rest_api/methods/flow.py:14", "AttributeError", r"has no attribute 'create_name_filter'",
        "calls UrlFilter33.create_name_filter; the class has get_name_filter (and flow.py:16 then calls "
        "self.rest.query_flows_for_a_site, which the REST object lacks)"),
    "flows.query_flows_for_a_site(project)": (
        "tableau_rest_api/methods/flow.py:45", "AttributeError", r"create_project_name_equals_filter",
        "calls UrlFilter33.create_project_name_equals_filter; the class has get_project_name_equals_filter"),
    "flows.query_flow": (
        "tableau_rest_api/methods/flow.py:69", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.rest.query_flow_luid, a method of FlowMethods33 that the REST object lacks"),
    "flows.query_flow_connections": (
        "tableau_rest_api/methods/flow.py:79", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.rest.query_flow_luid, which the REST object lacks"),
    "flows.run_flow_now(name)": (
        "tableau_rest_api/methods/flow.py:102", "AttributeError", r"has no attribute 'query_flow_luid'",
        "looks a name up with self.rest.query_flow_luid, which the REST object lacks"),
    "flows.update_flow": (
        "tableau_rest_api/methods/flow.py:131", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.rest.query_flow_luid for a luid (and leaves flow_luid unset for a name, flow.py:130)"),
    "flows.update_flow_connection(port)": (
        "tableau_rest_api/methods/flow.py:169", "StepFailed", r"serverPort unchanged",
        "sends the port as `port=`; the connection attribute is `serverPort` (ts-api XSD connectionType, "
        "and tableau_tools' own __build_connection_update_xml, rest_api_base.py:215), so the port is "
        "not updated"),
    "flows.delete_flow": (
        "tableau_rest_api/methods/flow.py:193", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.rest.query_flow_luid, which the REST object lacks"),
    "flows.add_flow_task_to_schedule": (
        "tableau_rest_api/methods/flow.py:200", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.rest.query_flow_luid, which the REST object lacks"),
    "get_published_flow_object": (
        "tableau_rest_api/methods/rest_api_base.py:1274", "AttributeError", r"has no attribute 'query_flow_luid'",
        "calls self.query_flow_luid, which TableauRestApiBase33 and its subclasses lack"),
    "Flow33.set_permissions(permission objects)": (
        "tableau_rest_api/published_content.py:442", "TypeError", r"'NoneType' object is not iterable",
        "iterates current_perms_obj_list, which is None for a flow: Flow33 (line 685) has no "
        "convert_capabilities_xml_into_obj_list, so the template stub of PublishedContent (lines 379-381) "
        "returns None for the permissions read"),
    "Flow33.delete_permissions(user)": (
        "tableau_rest_api/published_content.py:74", "StepFailed", r"still granted after delete_permissions",
        "_get_permissions_object builds every grantee as a group (group_or_user='group', lines 72 and 74), "
        "so a user's rule is deleted as DELETE .../permissions/groups/{user id}/..., which names no group; "
        "send_delete_request (rest_api_base.py:644-650) swallows the 404"),
    "flows.publish_flow(chunked, > 20 MB)": (
        "tableau_rest_api/methods/rest_api_base.py:909", "TypeError", r"string argument without an encoding",
        "append_to_file_upload is Python 2 code: bytes(str) without an encoding (lines 909-920)"),
}


class Ctx:
    def __init__(self, info: dict, tmp: str):
        self.info, self.tmp = info, tmp
        self.t: TableauServerRest36 | None = None
        self.job_id: str | None = None
        self.published: str | None = None
        self.project = None
        self.file: str | None = None

    def new(self, **auth) -> TableauServerRest36:
        return TableauServerRest36(self.info["url"], site_content_url=self.info["site"], api_version=API, **auth)

    @property
    def s(self) -> TableauServerRest36:
        if self.t is None:
            raise StepFailed("no signed-in session (sign-in with a token failed)")
        return self.t


def ids_of(xml, tag: str) -> list[str]:
    return [e.get("id") for e in xml.iter(f"{{{NS['t']}}}{tag}")]


def names_of(xml, tag: str) -> list[str]:
    return [e.get("name") for e in xml.iter(f"{{{NS['t']}}}{tag}")]


def expect(what: str, got, want) -> None:
    if got != want:
        raise StepFailed(f"{what}: got {got!r}, expected {want!r}")


def connection_of(ctx, flow_id: str):
    xml = ctx.s.query_resource(f"flows/{flow_id}/connections")
    return next(xml.iter(f"{{{NS['t']}}}connection"))


def job_of(ctx, job_id: str):
    return next(ctx.s.extracts.query_job(job_id).iter(f"{{{NS['t']}}}job"))


STEPS: list[tuple[str, callable]] = []


def step(name):
    def deco(fn):
        STEPS.append((name, fn))
        return fn
    return deco


@step("signin (password)")
def _(ctx):
    t = ctx.new(username=ctx.info["username"], password=ctx.info["password"])
    t.signin()
    expect("user luid", t.user_luid, USER_ADMIN)
    if not t.site_luid or not t.token:
        raise StepFailed(f"no site luid or token: {t.site_luid!r} {t.token!r}")
    t.signout()


@step("signin (personal access token)")
def _(ctx):
    t = ctx.new(pat_name=ctx.info["patName"], pat_secret=ctx.info["patSecret"])
    t.signin()
    expect("user luid", t.user_luid, USER_ADMIN)
    ctx.t = t


@step("flows.query_flows_for_a_site")
def _(ctx):
    xml = ctx.s.flows.query_flows_for_a_site()
    expect("flows", sorted(ids_of(xml, "flow")), sorted(SEEDED_FLOWS))


@step("flows.query_flows_for_a_site(name filter)")
def _(ctx):
    xml = ctx.s.flows.query_flows_for_a_site(flow_name_filter=UrlFilter33.get_name_filter("Coffee Chain"))
    expect("flows", ids_of(xml, "flow"), [COFFEE_CHAIN])


@step("flows.query_flows_for_a_site(updatedAt filter, sort)")
def _(ctx):
    xml = ctx.s.flows.query_flows_for_a_site(
        updated_at_filter=UrlFilter33.get_updated_at_filter("gte", "2000-01-01T00:00:00Z"),
        sorts=[Sort.Descending("name")])
    expect("flows by name, descending", names_of(xml, "flow"), sorted(SEEDED_FLOWS.values(), reverse=True))


@step("flows.query_flows_for_a_site(project)")
def _(ctx):
    ctx.s.flows.query_flows_for_a_site(project_name_or_luid="Default")


@step("flows.query_flow_luid")
def _(ctx):
    expect("luid", ctx.s.flows.query_flow_luid("Coffee Chain"), COFFEE_CHAIN)


@step("flows.query_flow")
def _(ctx):
    xml = ctx.s.flows.query_flow(COFFEE_CHAIN)
    expect("flow", ids_of(xml, "flow")[:1], [COFFEE_CHAIN])


@step("flows.query_flow_connections")
def _(ctx):
    xml = ctx.s.flows.query_flow_connections(COFFEE_CHAIN)
    expect("connections", ids_of(xml, "connection"), [COFFEE_CONNECTION])


@step("flows.query_flows_for_a_user")
def _(ctx):
    xml = ctx.s.flows.query_flows_for_a_user(ctx.info["username"])
    expect("flows", sorted(ids_of(xml, "flow")), sorted(SEEDED_FLOWS))
    owned = ctx.s.flows.query_flows_for_a_user(USER_ADMIN, is_owner_flag=True)
    expect("flows owned", sorted(ids_of(owned, "flow")), sorted(SEEDED_FLOWS))


@step("flows.get_flow_run_tasks")
def _(ctx):
    xml = ctx.s.flows.get_flow_run_tasks()
    if FLOW_TASK_COFFEE not in ids_of(xml, "flowRun"):
        raise StepFailed(f"task {FLOW_TASK_COFFEE} not listed: {one_line(ET.tostring(xml, 'unicode'))}")


@step("flows.get_flow_run_task")
def _(ctx):
    xml = ctx.s.flows.get_flow_run_task(FLOW_TASK_COFFEE)
    expect("task", ids_of(xml, "flowRun")[:1], [FLOW_TASK_COFFEE])
    expect("flow", ids_of(xml, "flow")[:1], [COFFEE_CHAIN])


@step("flows.run_flow_task")
def _(ctx):
    xml = ctx.s.flows.run_flow_task(FLOW_TASK_COFFEE)
    if not ids_of(xml, "job"):
        raise StepFailed(f"no job: {one_line(ET.tostring(xml, 'unicode'))}")


@step("flows.run_flow_now(luid)")
def _(ctx):
    xml = ctx.s.flows.run_flow_now(COFFEE_CHAIN)
    jobs = ids_of(xml, "job")
    if not jobs:
        raise StepFailed(f"no job: {one_line(ET.tostring(xml, 'unicode'))}")
    ctx.job_id = jobs[0]


@step("flows.run_flow_now(name)")
def _(ctx):
    ctx.s.flows.run_flow_now("Coffee Chain")


@step("extracts.query_job")
def _(ctx):
    if not ctx.job_id:
        raise StepFailed("no job (run_flow_now failed)")
    job = job_of(ctx, ctx.job_id)
    expect("job id", job.get("id"), ctx.job_id)


@step("extracts.query_jobs")
def _(ctx):
    if not ctx.job_id:
        raise StepFailed("no job (run_flow_now failed)")
    listed = ids_of(ctx.s.extracts.query_jobs(), "backgroundJob")
    if ctx.job_id not in listed:
        raise StepFailed(f"job {ctx.job_id} not among the listed background jobs {listed}")


@step("extracts.cancel_job (a flow run's job)")
def _(ctx):
    xml = ctx.s.flows.run_flow_now(COFFEE_CHAIN)
    job_id = ids_of(xml, "job")[0]
    ctx.s.extracts.cancel_job(job_id)
    deadline = time.time() + 6
    while True:
        job = job_of(ctx, job_id)
        if job.get("completedAt") or time.time() > deadline:
            break
        time.sleep(0.2)
    # finishCode 2: cancelled (ts-api XSD jobType, TSC JobItem.FinishCode.Cancelled)
    expect("finishCode after cancel", job.get("finishCode"), "2")


@step("flows.update_flow")
def _(ctx):
    ctx.s.flows.update_flow(COFFEE_CHAIN, project_name_or_luid="Default")


@step("flows.update_flow_connection")
def _(ctx):
    before = connection_of(ctx, COFFEE_CHAIN)
    try:
        ctx.s.flows.update_flow_connection(COFFEE_CHAIN, COFFEE_CONNECTION, server_address="db2.example.com",
                                           connection_username="etl2")
        after = connection_of(ctx, COFFEE_CHAIN)
        expect("serverAddress", after.get("serverAddress"), "db2.example.com")
        expect("userName", after.get("userName"), "etl2")
    finally:
        ctx.s.flows.update_flow_connection(COFFEE_CHAIN, COFFEE_CONNECTION,
                                           server_address=before.get("serverAddress"),
                                           connection_username=before.get("userName"))


@step("flows.update_flow_connection(port)")
def _(ctx):
    before = connection_of(ctx, COFFEE_CHAIN)
    try:
        ctx.s.flows.update_flow_connection(COFFEE_CHAIN, COFFEE_CONNECTION, server_address="db3.example.com",
                                           port="1444")
        after = connection_of(ctx, COFFEE_CHAIN)
        expect("serverAddress", after.get("serverAddress"), "db3.example.com")
        if after.get("serverPort") != "1444":
            raise StepFailed(f"serverPort unchanged: {after.get('serverPort')!r} "
                             f"(was {before.get('serverPort')!r}), expected '1444'")
    finally:
        ctx.s.flows.update_flow_connection(COFFEE_CHAIN, COFFEE_CONNECTION,
                                           server_address=before.get("serverAddress"))


@step("flows.download_flow")
def _(ctx):
    saved = ctx.s.flows.download_flow(COFFEE_CHAIN, os.path.join(ctx.tmp, "coffee"))
    with open(saved, "rb") as fh:
        data = fh.read()
    if not is_flow_file(data):
        raise StepFailed(f"{os.path.basename(saved)} ({len(data)} bytes) is not a zip holding a `flow` entry")
    ctx.file = saved


@step("projects.query_project (publish's project object)")
def _(ctx):
    ctx.project = ctx.s.projects.query_project("Default")
    expect("luid", ctx.project.luid, PROJECT_DEFAULT)


@step("Flow33(default=True): a project's default flow permissions")
def _(ctx):
    defaults = Flow33(PROJECT_DEFAULT, ctx.s, default=True)
    if defaults.get_permissions_xml() is None:
        raise StepFailed("no default permissions read")


@step("flows.publish_flow")
def _(ctx):
    if ctx.project is None:
        raise StepFailed("no project object (projects.query_project failed)")
    path = ctx.file
    if path is None:  # the download failed: a small flow file of our own
        path = os.path.join(ctx.tmp, "peer.tflx")
        with open(path, "wb") as fh:
            fh.write(flow_file("peer"))
    name = f"tableau_tools {uuid.uuid4().hex[:8]}"
    first = ctx.s.flows.publish_flow(path, name, ctx.project)
    again = ctx.s.flows.publish_flow(path, name, ctx.project, overwrite=True)
    expect("flow id after overwrite", again, first)
    listed = ctx.s.flows.query_flows_for_a_site(flow_name_filter=UrlFilter33.get_name_filter(name))
    expect("published flow listed", ids_of(listed, "flow"), [first])
    ctx.published = first


@step("flows.publish_flow(chunked, > 20 MB)")
def _(ctx):
    if ctx.project is None:
        raise StepFailed("no project object (projects.query_project failed)")
    path = os.path.join(ctx.tmp, "big.tflx")
    with open(path, "wb") as fh:
        fh.write(flow_file("big", payload=20_500_000))
    ctx.s.flows.publish_flow(path, f"tableau_tools big {uuid.uuid4().hex[:8]}", ctx.project)


@step("get_published_flow_object")
def _(ctx):
    ctx.s.get_published_flow_object(COFFEE_CHAIN)


def _grants(flow_id: str, ctx) -> dict:
    """{(group|user, id): {capability: mode}} as Query Flow Permissions answers, read through
    Flow33.get_permissions_xml() (its permission objects are None, see KNOWN)."""
    xml = Flow33(flow_id, ctx.s).get_permissions_xml()
    out = {}
    for gc in xml.iter(f"{{{NS['t']}}}granteeCapabilities"):
        who = next(e for e in gc if e.tag.split("}")[1] in ("group", "user"))
        out[(who.tag.split("}")[1], who.get("id"))] = {
            c.get("name"): c.get("mode") for c in gc.iter(f"{{{NS['t']}}}capability")}
    return out


def _grant_request(kind: str, luid: str, caps: dict) -> ET.Element:
    tsr = ET.Element("tsRequest")
    gc = ET.SubElement(ET.SubElement(tsr, "permissions"), "granteeCapabilities")
    ET.SubElement(gc, kind, id=luid)
    c = ET.SubElement(gc, "capabilities")
    for name, mode in caps.items():
        ET.SubElement(c, "capability", name=name, mode=mode)
    return tsr


@step("Flow33 permissions (query)")
def _(ctx):
    grants = _grants(COFFEE_CHAIN, ctx)
    expect("the Analysts group's rule", grants.get(("group", GROUP_ANALYSTS)), {"Read": "Allow", "ExportXml": "Allow"})


@step("Flow33.set_permissions(permission objects)")
def _(ctx):
    flow = Flow33(ctx.published or COFFEE_CHAIN, ctx.s)
    perms = flow.get_permissions_obj(group_name_or_luid=GROUP_ANALYSTS)
    perms.set_capability("Write", "Allow")
    flow.set_permissions([perms])


@step("Flow33.set_permissions(direct XML), delete_permissions(group)")
def _(ctx):
    flow_id = ctx.published or COFFEE_CHAIN
    flow = Flow33(flow_id, ctx.s)
    flow.set_permissions(direct_xml_request=_grant_request("group", GROUP_ANALYSTS, {"Write": "Allow"}))
    expect("after set", _grants(flow_id, ctx).get(("group", GROUP_ANALYSTS), {}).get("Write"), "Allow")
    perms = flow.get_permissions_obj(group_name_or_luid=GROUP_ANALYSTS)
    perms.set_capability("Write", "Allow")
    flow.delete_permissions([perms])
    expect("after delete", _grants(flow_id, ctx).get(("group", GROUP_ANALYSTS), {}).get("Write"), None)


@step("Flow33.delete_permissions(user)")
def _(ctx):
    flow_id = ctx.published or COFFEE_CHAIN
    flow = Flow33(flow_id, ctx.s)
    flow.set_permissions(direct_xml_request=_grant_request("user", USER_ANALYST, {"Read": "Allow"}))
    expect("after set", _grants(flow_id, ctx).get(("user", USER_ANALYST)), {"Read": "Allow"})
    perms = flow.get_permissions_obj(username_or_luid=USER_ANALYST)
    perms.set_capability("Read", "Allow")
    flow.delete_permissions([perms])
    left = _grants(flow_id, ctx).get(("user", USER_ANALYST))
    if left:
        raise StepFailed(f"the user's rule is still granted after delete_permissions: {left}")


@step("flows.add_flow_task_to_schedule")
def _(ctx):
    ctx.s.flows.add_flow_task_to_schedule(COFFEE_CHAIN, NIGHTLY)


@step("flows.delete_flow")
def _(ctx):
    ctx.s.flows.delete_flow(ctx.published or COFFEE_CHAIN)


@step("signout")
def _(ctx):
    t, token, site = ctx.s, ctx.s.token, ctx.s.site_luid
    t.signout()
    r = requests.get(f"{ctx.info['url']}/api/{API}/sites/{site}/flows", headers={"X-Tableau-Auth": token})
    expect("the old token afterwards: HTTP", r.status_code, 401)


def describe(e: Exception) -> tuple[str, str, str]:
    """(type name, message, innermost tableau_tools frame as file:line)."""
    if isinstance(e, RecoverableHTTPException):
        message = f"{e.http_code} {e.tableau_error_code}"
    else:
        message = str(e)
    frame = ""
    for f in traceback.extract_tb(e.__traceback__):
        if "site-packages/tableau_tools/" in f.filename:
            frame = f"{f.filename.split('site-packages/tableau_tools/', 1)[1]}:{f.lineno}"
    return type(e).__name__, message, frame


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("TABFLOW")
    if not binary:
        print("usage: tableau_tools_peer.py PATH/TO/tabflow", file=sys.stderr)
        return 2
    assert set(KNOWN) <= {n for n, _ in STEPS}, set(KNOWN) - {n for n, _ in STEPS}
    proc, info = start_simulator(binary)
    failures = 0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ctx = Ctx(info, tmp)
            for name, fn in STEPS:
                known = KNOWN.get(name)
                mark = len(EXCHANGES)
                try:
                    fn(ctx)
                except Exception as e:  # noqa: BLE001 - every failure is the step's
                    kind, message, frame = describe(e)
                    got = f"{kind}: {one_line(message, 500)}" + (f" [at {frame}]" if frame else "")
                    if known and kind == known[1] and re.search(known[2], message) \
                            and (kind == "StepFailed" or frame == known[0]):
                        report(CLIENT, name, "KNOWN", f"{known[0]}: {known[3]} -- got {got}")
                    else:
                        failures += 1
                        xs = EXCHANGES[mark:]
                        bad = next((x for x in xs if re.search(r" -> [3-5]\d\d ", x)), xs[-1] if xs else "")
                        report(CLIENT, name, "FAIL", got + (f" | {bad}" if bad else "")
                               + (f" (listed as KNOWN at {known[0]}: expected {known[1]} /{known[2]}/)"
                                  if known else ""))
                    continue
                if known:
                    failures += 1
                    report(CLIENT, name, "UNEXPECTED-PASS", f"listed as KNOWN ({known[0]}): update KNOWN")
                else:
                    report(CLIENT, name, "PASS")
    finally:
        stop_simulator(proc)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
