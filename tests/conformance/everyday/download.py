# download.rs with the official Python client: the flow Sales Cleanup into the current folder.
import os
import tableauserverclient as TSC

server = TSC.Server(os.environ["TABLEAU_SERVER"], use_server_version=True)
auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"], os.environ["TABLEAU_PAT_SECRET"], os.environ.get("TABLEAU_SITE", ""))
with server.auth.sign_in(auth):
    flow = next(f for f in TSC.Pager(server.flows) if f.name == "Sales Cleanup")
    path = server.flows.download(flow.id)
    print("saved", path)
