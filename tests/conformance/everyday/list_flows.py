# list_flows.rs with the official Python client: the flows of the project Sales, every page.
import os
import tableauserverclient as TSC

server = TSC.Server(os.environ["TABLEAU_SERVER"], use_server_version=True)
auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"], os.environ["TABLEAU_PAT_SECRET"], os.environ.get("TABLEAU_SITE", ""))
with server.auth.sign_in(auth):
    options = TSC.RequestOptions()
    options.filter.add(TSC.Filter("projectName", TSC.RequestOptions.Operator.Equals, "Sales"))
    for flow in TSC.Pager(server.flows, options):
        print(flow.id, flow.name)
