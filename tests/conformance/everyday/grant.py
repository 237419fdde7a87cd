# grant.rs with the official Python client: analyst may read Sales Cleanup.
import os
import tableauserverclient as TSC

server = TSC.Server(os.environ["TABLEAU_SERVER"], use_server_version=True)
auth = TSC.PersonalAccessTokenAuth(os.environ["TABLEAU_PAT_NAME"], os.environ["TABLEAU_PAT_SECRET"], os.environ.get("TABLEAU_SITE", ""))
with server.auth.sign_in(auth):
    flow = next(f for f in TSC.Pager(server.flows) if f.name == "Sales Cleanup")
    analyst = next(u for u in TSC.Pager(server.users) if u.name == "analyst")
    read = TSC.PermissionsRule(TSC.UserItem.as_reference(analyst.id), {TSC.Permission.Capability.Read: TSC.Permission.Mode.Allow})
    server.flows.update_permissions(flow, [read])
    print("granted Read on", flow.id)
