# run_and_wait.rs with the official Python client: it cannot send a parameter value, so the run
# uses the flow's defaults.
import os
import tableauserverclient as TSC

server = TSC.Server(os.environ["TABLEAU_SERVER"], use_server_version=True)
auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"], os.environ["TABLEAU_PAT_SECRET"], os.environ.get("TABLEAU_SITE", ""))
with server.auth.sign_in(auth):
    flow = next(f for f in TSC.Pager(server.flows) if f.name == "Sales Cleanup")
    job = server.jobs.wait_for_job(server.flows.refresh(flow))
    print("run", job.flow_run.id, "succeeded")
