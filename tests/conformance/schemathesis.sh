#!/usr/bin/env bash
# Bounded schemathesis run of the OpenAPI export against the embedded simulator.
#
#   tests/conformance/schemathesis.sh TABFLOW_BINARY FLOWSPEC_BINARY
#
# 1. `flowspec export openapi` > $TMP/openapi.json (every body as application/xml and as
#    application/json: schemathesis sends and checks both)
# 2. `tabflow --json mock --port 0` (killed on exit), sign in with the demo PAT
# 3. look up / create the objects that schemathesis.toml binds the ids in paths and bodies to
#    (a flow with a connection and a group permission, a run and its job, upload sessions, a
#    flow to delete, the seeded tasks, linked task and schedule), written to ids/*.dict next
#    to a copy of schemathesis.toml
# 4. `schemathesis run` (fixed seed, small --max-examples, --checks all, `timeout` around
#    it) of every operation but Sign Out, with the session of step 2; then a second run of
#    Sign Out alone, with a session of its own (Sign Out ends the session it is given).
#    schemathesis_hooks.py makes schemathesis write XML attributes as attributes.
# 5. schemathesis_triage.py: print every distinct failure; exit 1 on any failure that is not
#    listed in schemathesis-artefacts.txt, on any schemathesis error and on a timeout.
#
# A run takes about 25 s (about 20 s of it schemathesis) on a laptop-class machine.
#
# Environment (all optional):
#   SCHEMATHESIS_SEED          default 20241203
#   SCHEMATHESIS_MAX_EXAMPLES  default 25 (per operation and phase)
#   SCHEMATHESIS_TIMEOUT       default 300 (seconds, for each schemathesis run)
#   SCHEMATHESIS_REPORT_DIR    where the NDJSON/JUnit reports go (default: a temporary
#                              directory, deleted on exit); set it in CI to keep them.
#   SCHEMATHESIS               the schemathesis command (default: schemathesis)
#   FLOWSPEC_SPEC_DIR          the spec folder to export (default: this checkout's spec/)
set -euo pipefail

if [[ $# -ne 2 ]]; then
  echo "usage: $0 TABFLOW_BINARY FLOWSPEC_BINARY" >&2
  exit 2
fi

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TABFLOW=$(realpath "$1")
FLOWSPEC=$(realpath "$2")
SEED=${SCHEMATHESIS_SEED:-20241203}
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-25}
TIME_LIMIT=${SCHEMATHESIS_TIMEOUT:-300}
ST=${SCHEMATHESIS:-schemathesis}
SPEC_DIR=$(realpath "${FLOWSPEC_SPEC_DIR:-$HERE/../../spec}")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tabflow-schemathesis.XXXXXX")
REPORT_DIR=${SCHEMATHESIS_REPORT_DIR:-$TMP/report}
mkdir -p "$REPORT_DIR"
REPORT_DIR=$(realpath "$REPORT_DIR")
MOCK_PID=""

cleanup() {
  if [[ -n "$MOCK_PID" ]] && kill -0 "$MOCK_PID" 2>/dev/null; then
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# parse_xml (Python): ElementTree root of an answer (a namespace-aware parse).
PARSE_XML='
import sys, xml.etree.ElementTree as ET
def parse_xml(path):
    return ET.fromstring(open(path, encoding="utf-8").read())
'

# xml_attr FILE XPATH ATTRIBUTE: the attribute of the first element matching XPATH (ElementTree
# syntax, `t:` is the Tableau namespace); fails if there is none.
xml_attr() {
  python3 -c "$PARSE_XML"'
path, xpath, attribute = sys.argv[1:4]
root = parse_xml(path)
for element in root.iterfind(xpath, {"t": "http://tableau.com/api"}):
    if attribute in element.attrib:
        print(element.attrib[attribute])
        sys.exit(0)
sys.exit(f"{path}: no {xpath}[@{attribute}] in {ET.tostring(root).decode()[:400]}")
' "$@"
}

echo "== exporting the OpenAPI document of $SPEC_DIR"
"$FLOWSPEC" --spec "$SPEC_DIR" export openapi > "$TMP/openapi.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("   openapi", d["openapi"], "servers", d.get("servers"))' "$TMP/openapi.json"

echo "== starting the simulator"
"$TABFLOW" --json mock --port 0 > "$TMP/mock.json" 2> "$TMP/mock.log" &
MOCK_PID=$!
# The simulator prints a pretty-printed JSON object once it listens; wait until it parses.
URL=""
for _ in $(seq 1 100); do
  if URL=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$TMP/mock.json" 2>/dev/null); then
    break
  fi
  if ! kill -0 "$MOCK_PID" 2>/dev/null; then
    echo "the simulator exited:" >&2; cat "$TMP/mock.json" "$TMP/mock.log" >&2; exit 1
  fi
  URL=""
  sleep 0.1
done
[[ -n "$URL" ]] || { echo "the simulator printed no URL" >&2; cat "$TMP/mock.json" >&2; exit 1; }
API_VERSION=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("apiVersion","3.24"))' "$TMP/mock.json")
API="$URL/api/$API_VERSION"
echo "   $URL (REST API $API_VERSION)"

sign_in() { # sign_in OUTPUT_FILE: a new session with the demo personal access token
  curl -fsS -X POST "$API/auth/signin" -H 'Content-Type: application/xml' \
    --data-binary '<tsRequest><credentials personalAccessTokenName="demo-admin" personalAccessTokenSecret="demo-admin-secret"><site contentUrl=""/></credentials></tsRequest>' \
    -o "$1"
}

sign_in "$TMP/signin.xml"
TOKEN=$(xml_attr "$TMP/signin.xml" ".//t:credentials" token)
SITE_ID=$(xml_attr "$TMP/signin.xml" ".//t:site" id)
USER_ID=$(xml_attr "$TMP/signin.xml" ".//t:user" id)
SITE="$API/sites/$SITE_ID"
AUTH=(-H "X-Tableau-Auth: $TOKEN")
echo "   site $SITE_ID, user $USER_ID"

echo "== preparing the objects that the ids in paths and bodies are bound to"
curl -fsS "${AUTH[@]}" "$SITE/flows" -o "$TMP/flows.xml"
# The first flow that has a connection and a group permission (seeded "Coffee Chain").
FLOW_ID=""
for flow in $(python3 -c "$PARSE_XML"'
for f in parse_xml(sys.argv[1]).iterfind(".//{http://tableau.com/api}flow"):
    print(f.attrib["id"])
' "$TMP/flows.xml"); do
  curl -fsS "${AUTH[@]}" "$SITE/flows/$flow/connections" -o "$TMP/connections.xml"
  curl -fsS "${AUTH[@]}" "$SITE/flows/$flow/permissions" -o "$TMP/permissions.xml"
  if CONNECTION_ID=$(xml_attr "$TMP/connections.xml" ".//t:connection" id 2>/dev/null) \
      && GROUP_ID=$(xml_attr "$TMP/permissions.xml" ".//t:granteeCapabilities/t:group" id 2>/dev/null); then
    FLOW_ID=$flow
    break
  fi
done
[[ -n "$FLOW_ID" ]] || { echo "no seeded flow has a connection and a group permission" >&2; exit 1; }

curl -fsS "${AUTH[@]}" "$SITE/tasks/runFlow" -o "$TMP/tasks.xml"
TASK_ID=$(xml_attr "$TMP/tasks.xml" ".//t:task/t:flowRun" id)
SCHEDULE_ID=$(xml_attr "$TMP/tasks.xml" ".//t:task/t:flowRun/t:schedule" id)
curl -fsS "${AUTH[@]}" "$SITE/tasks/linked" -o "$TMP/linked.xml"
LINKED_TASK_ID=$(xml_attr "$TMP/linked.xml" ".//t:linkedTasks/t:linkedTasks" id)

# A run of the flow, for Get Flow Run / Cancel Flow Run / Query Job.
curl -fsS -X POST "${AUTH[@]}" -H 'Content-Type: application/xml' --data-binary '<tsRequest/>' \
  "$SITE/flows/$FLOW_ID/run" -o "$TMP/run.xml"
JOB_ID=$(xml_attr "$TMP/run.xml" ".//t:job" id)
FLOW_RUN_ID=$(xml_attr "$TMP/run.xml" ".//t:job/t:runFlowJobType" flowRunId)

# An upload session, for Append to File Upload.
curl -fsS -X POST "${AUTH[@]}" "$SITE/fileUploads" -o "$TMP/upload.xml"
UPLOAD_SESSION_ID=$(xml_attr "$TMP/upload.xml" ".//t:fileUpload" uploadSessionId)

# An upload session holding a flow file, for Publish Flow's uploadSessionId.
curl -fsS -X POST "${AUTH[@]}" "$SITE/fileUploads" -o "$TMP/upload2.xml"
PUBLISH_UPLOAD_SESSION_ID=$(xml_attr "$TMP/upload2.xml" ".//t:fileUpload" uploadSessionId)
HERE="$HERE" python3 - "$TMP/append.bin" <<'PY'
import os, sys
sys.path.insert(0, os.environ["HERE"])
from flowfile import flow_file  # a real flow file (deviation S23): Publish Flow refuses others
boundary = b"tabflow-schemathesis-boundary"
body = (
    b"--" + boundary + b'\r\nContent-Disposition: name="request_payload"\r\nContent-Type: text/xml\r\n\r\n\r\n'
    + b"--" + boundary + b'\r\nContent-Disposition: name="tableau_file"; filename="upload.tfl"\r\n'
    + b"Content-Type: application/octet-stream\r\n\r\n" + flow_file("upload") + b"\r\n--" + boundary + b"--\r\n"
)
open(sys.argv[1], "wb").write(body)
PY
curl -fsS -X PUT "${AUTH[@]}" -H 'Content-Type: multipart/mixed; boundary=tabflow-schemathesis-boundary' \
  --data-binary @"$TMP/append.bin" "$SITE/fileUploads/$PUBLISH_UPLOAD_SESSION_ID" -o /dev/null

# A flow published only to be deleted by Delete Flow.
PROJECT_ID=$(xml_attr "$TMP/flows.xml" ".//t:flow/t:project" id)
HERE="$HERE" python3 - "$TMP/publish.bin" "$PROJECT_ID" <<'PY'
import os, sys
sys.path.insert(0, os.environ["HERE"])
from flowfile import flow_file
path, project = sys.argv[1:3]
boundary = "tabflow-schemathesis-boundary"
payload = f'<tsRequest><flow name="schemathesis-delete-me"><project id="{project}"/></flow></tsRequest>'
body = (
    f"--{boundary}\r\nContent-Disposition: name=\"request_payload\"\r\nContent-Type: text/xml\r\n\r\n{payload}\r\n"
    f"--{boundary}\r\nContent-Disposition: name=\"tableau_flow\"; filename=\"delete-me.tfl\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
).encode() + flow_file("delete-me") + f"\r\n--{boundary}--\r\n".encode()
open(path, "wb").write(body)
PY
curl -fsS -X POST "${AUTH[@]}" -H 'Content-Type: multipart/mixed; boundary=tabflow-schemathesis-boundary' \
  --data-binary @"$TMP/publish.bin" "$SITE/flows?flowType=tfl" -o "$TMP/published.xml"
DELETE_FLOW_ID=$(xml_attr "$TMP/published.xml" ".//t:flow" id)

export TABFLOW_API_VERSION=$API_VERSION TABFLOW_SITE_ID=$SITE_ID

# schemathesis.toml binds the other path ids to dictionaries read from ids/*.dict next to the
# config file: run a copy of it from $TMP/config with the ids of this simulator.
CONFIG="$TMP/config/schemathesis.toml"
mkdir -p "$TMP/config/ids"
cp "$HERE/schemathesis.toml" "$CONFIG"
write_ids() { # write_ids NAME ID...: one libFuzzer-style dictionary
  local name=$1
  shift
  printf '"%s"\n' "$@" > "$TMP/config/ids/$name.dict"
  echo "   $name: $*"
}
write_ids flow "$FLOW_ID"
write_ids delete_flow "$DELETE_FLOW_ID"
write_ids connection "$CONNECTION_ID"
write_ids group "$GROUP_ID"
write_ids user "$USER_ID"
write_ids flow_run "$FLOW_RUN_ID"
write_ids job "$JOB_ID"
write_ids upload_session "$UPLOAD_SESSION_ID"
write_ids publish_upload_session "$PUBLISH_UPLOAD_SESSION_ID"
write_ids schedule "$SCHEDULE_ID"
write_ids task "$TASK_ID"
write_ids linked_task "$LINKED_TASK_ID"
write_ids project $(python3 -c "$PARSE_XML"'
print(" ".join(sorted({p.attrib["id"] for p in parse_xml(sys.argv[1]).iterfind(".//{http://tableau.com/api}flow/{http://tableau.com/api}project")})))
' "$TMP/flows.xml")

# Makes schemathesis write Tableau's XML attributes as attributes: see schemathesis_hooks.py.
export SCHEMATHESIS_HOOKS="$HERE/schemathesis_hooks.py"
export TABLEAU_FLOWS_OPENAPI="$TMP/openapi.json"

# run_schemathesis NAME TOKEN ARGS...: one bounded run; its NDJSON goes to $REPORT_DIR/NAME.ndjson.
STATUS=0
run_schemathesis() {
  local name=$1 token=$2 rc=0
  shift 2
  echo
  echo "== schemathesis run: $name (seed $SEED, max-examples $MAX_EXAMPLES, timeout ${TIME_LIMIT}s)"
  # --url: the simulator's root; the export's paths are absolute (/api/{api-version}/...),
  #   its server is https://{server}.
  # --checks all: the default checks plus the stateless ones (missing_required_header,
  #   unsupported_method, ignored_auth, ...); use_after_free, ensure_resource_availability and
  #   object_level_authorization need links and JSON responses and never fire here.
  # --continue-on-failure: report every failing case of an operation, not only the first.
  # --suppress-health-check all: hypothesis health checks (too_slow, filter_too_much, ...)
  #   would turn a slow CI machine into errors; the bounds are -n and `timeout`.
  # The examples/coverage/fuzzing/stateful phases all run (examples: the export has none).
  # Run from $TMP: schemathesis writes .hypothesis/ and friends to the working directory.
  (
    cd "$TMP"
    timeout --kill-after=10 "$TIME_LIMIT" "$ST" --config-file "$CONFIG" --no-color \
      run "$TMP/openapi.json" \
      --url "$URL" \
      -H "X-Tableau-Auth: $token" \
      --seed "$SEED" \
      --max-examples "$MAX_EXAMPLES" \
      --checks all \
      --continue-on-failure \
      --suppress-health-check all \
      --report ndjson,junit \
      --report-ndjson-path "$REPORT_DIR/$name.ndjson" \
      --report-junit-path "$REPORT_DIR/$name.junit.xml" \
      "$@"
  ) > "$REPORT_DIR/$name.log" 2>&1 || rc=$?
  # schemathesis: 0 no failures, 1 failures (triaged below); anything else is an error.
  sed -n '/=== SUMMARY ===/,$p' "$REPORT_DIR/$name.log"
  case $rc in
    0 | 1) ;;
    124 | 137) echo "ERROR: schemathesis run $name exceeded ${TIME_LIMIT}s" >&2; STATUS=1 ;;
    *) echo "ERROR: schemathesis run $name exited with $rc:" >&2; tail -40 "$REPORT_DIR/$name.log" >&2; STATUS=1 ;;
  esac
}

# Everything but Sign Out, with the session signed in above. Sign Out would end that session
# and turn every later answer into 401002.
run_schemathesis main "$TOKEN" --exclude-operation-id sign_out

# Sign Out alone, with a session of its own that it may end.
sign_in "$TMP/signin-signout.xml"
run_schemathesis signout "$(xml_attr "$TMP/signin-signout.xml" ".//t:credentials" token)" \
  --include-operation-id sign_out

echo
echo "== triage (reports in $REPORT_DIR)"
python3 "$HERE/schemathesis_triage.py" "$HERE/schemathesis-artefacts.txt" \
  "$REPORT_DIR/main.ndjson" "$REPORT_DIR/signout.ndjson" | tee "$REPORT_DIR/triage.txt" || STATUS=1
exit "$STATUS"
