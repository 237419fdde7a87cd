# publish.rs with the official Python client: sales.tflx into the project Sales, by name.
import os
import tableauserverclient as TSC

server = TSC.Server(os.environ["TABLEAU_SERVER"], use_server_version=True)
auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"], os.environ["TABLEAU_PAT_SECRET"], os.environ.get("TABLEAU_SITE", ""))
with server.auth.sign_in(auth):
    project = next(p for p in TSC.Pager(server.projects) if p.name == "Sales")
    published = server.flows.publish(TSC.FlowItem(project.id), "sales.tflx", TSC.Server.PublishMode.Overwrite)
    print("published", published.id)
