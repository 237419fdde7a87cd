//! Finding flows and projects by name against the simulator: paths (`Dev/Flow`,
//! `Parent/Child/Flow`, `\/` inside a name), narrowing by project, ambiguous names listing their
//! paths, and suggestions for a name that matches nothing.

use std::time::Duration;
use tableau_flows::{Client, Credentials, Error, PublishOptions};
use tableau_flows_mock::{MockServer, demo};

fn admin(server: &MockServer) -> Client {
    let client = Client::builder(server.url()).build().unwrap();
    client
        .sign_in_with(
            Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
            demo::SITE,
        )
        .unwrap();
    client
}

/// Publishes the demo flow file as `name` into the project `project_id`; returns the flow's id.
fn publish(client: &Client, name: &str, project_id: &str) -> String {
    let bytes = demo::flow_file_bytes();
    let size = bytes.len() as u64;
    client
        .publish_flow_reader(
            "flow.tflx",
            std::io::Cursor::new(bytes),
            size,
            PublishOptions::new(project_id).name(name),
        )
        .unwrap()
        .flow
        .id
        .to_string()
}

/// Projects Dev and Prod each holding a flow "Nightly Load", Parent/Child holding "Deep Flow",
/// a flow "In/Out" in Dev, and a project "A/B" holding "X".
struct Site {
    server: MockServer,
    dev_load: String,
    prod_load: String,
    deep: String,
    in_out: String,
    ab_x: String,
}

fn site() -> Site {
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(20), Duration::from_millis(80))
        .start()
        .unwrap();
    let client = admin(&server);
    let dev = server.add_project("Dev", None).unwrap();
    let prod = server.add_project("Prod", None).unwrap();
    let parent = server.add_project("Parent", None).unwrap();
    let child = server.add_project("Child", Some(&parent)).unwrap();
    let ab = server.add_project("A/B", None).unwrap();
    assert_eq!(
        server.add_project("Dev", None),
        None,
        "siblings' names are unique"
    );
    Site {
        dev_load: publish(&client, "Nightly Load", &dev),
        prod_load: publish(&client, "Nightly Load", &prod),
        deep: publish(&client, "Deep Flow", &child),
        in_out: publish(&client, "In/Out", &dev),
        ab_x: publish(&client, "X", &ab),
        server,
    }
}

#[test]
fn a_path_or_a_project_picks_one_of_two_flows_of_the_same_name() {
    let site = site();
    let client = admin(&site.server);
    let id = |r: Result<tableau_flows::Flow, Error>| r.unwrap().id.to_string();
    assert_eq!(id(client.find_flow("Dev/Nightly Load")), site.dev_load);
    assert_eq!(id(client.find_flow("Prod/Nightly Load")), site.prod_load);
    assert_eq!(
        id(client.find_flow_in("Prod", "Nightly Load")),
        site.prod_load
    );
    assert_eq!(
        id(client.find_flow_in("Dev", "Nightly Load")),
        site.dev_load
    );
    // The project by id, the flow by id (checked to be in the project).
    let prod_id = client.find_project("Prod").unwrap().id.to_string();
    assert_eq!(
        id(client.find_flow_in(&prod_id, "Nightly Load")),
        site.prod_load
    );
    assert_eq!(
        id(client.find_flow_in("Prod", &site.prod_load)),
        site.prod_load
    );
    let err = client.find_flow_in("Dev", &site.prod_load).unwrap_err();
    assert!(matches!(err, Error::NotFound { what: "flow", .. }), "{err}");

    // The name alone is ambiguous: both candidates, by their paths, and how to pick one.
    let err = client.find_flow("Nightly Load").unwrap_err();
    let Error::Ambiguous {
        what, candidates, ..
    } = &err
    else {
        panic!("expected an ambiguous name, got {err}")
    };
    assert_eq!(*what, "flow");
    let mut found: Vec<(&str, &str)> = candidates
        .iter()
        .map(|c| (c.description.as_str(), c.id.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("Dev/Nightly Load", site.dev_load.as_str()),
            ("Prod/Nightly Load", site.prod_load.as_str())
        ]
    );
    let text = err.to_string();
    assert!(
        text.starts_with("2 flows are named \"Nightly Load\": "),
        "{text}"
    );
    assert!(
        text.ends_with("; name one by its path (Project/Flow) or its id"),
        "{text}"
    );

    // In a project that has no flow of that name: suggested where the name is.
    let err = client.find_flow_in("Default", "Nightly Load").unwrap_err();
    let Error::NotFound { name, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(name, "Default/Nightly Load");
    let mut suggested = err.suggestions().to_vec();
    suggested.sort();
    assert_eq!(suggested, ["Dev/Nightly Load", "Prod/Nightly Load"]);
    // A close name in the project comes first.
    let err = client.find_flow_in("Dev", "Nightly Laod").unwrap_err();
    assert_eq!(err.suggestions()[0], "Nightly Load", "{err}");
}

#[test]
fn nested_projects_and_slashes_inside_names() {
    let site = site();
    let client = admin(&site.server);
    let id = |r: Result<tableau_flows::Flow, Error>| r.unwrap().id.to_string();
    assert_eq!(id(client.find_flow("Parent/Child/Deep Flow")), site.deep);
    assert_eq!(
        id(client.find_flow_in("Parent/Child", "Deep Flow")),
        site.deep
    );
    assert_eq!(id(client.find_flow("Deep Flow")), site.deep);
    // A path starts at the top: Child is not a top-level project.
    let err = client.find_flow("Child/Deep Flow").unwrap_err();
    assert_eq!(err.suggestions(), ["Parent/Child/Deep Flow"], "{err}");

    // A `/` inside a flow's name: escaped in a path, and the whole name still works.
    assert_eq!(id(client.find_flow(r"Dev/In\/Out")), site.in_out);
    assert_eq!(id(client.find_flow(r"In\/Out")), site.in_out);
    assert_eq!(id(client.find_flow("In/Out")), site.in_out);
    assert_eq!(id(client.find_flow_in("Dev", "In/Out")), site.in_out);
    // ... and inside a project's name.
    assert_eq!(id(client.find_flow(r"A\/B/X")), site.ab_x);
    assert_eq!(
        client.find_project(r"A\/B").unwrap().name.as_deref(),
        Some("A/B")
    );
    assert_eq!(
        client.find_project("A/B").unwrap().name.as_deref(),
        Some("A/B")
    );
    assert_eq!(
        client.find_project("Parent/Child").unwrap().name.as_deref(),
        Some("Child")
    );
    // An empty name in a path names nothing, before any request.
    assert!(matches!(
        client.find_flow("Dev//Nightly Load"),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_name_that_matches_nothing_suggests_the_closest() {
    let site = site();
    let client = admin(&site.server);
    let err = client.find_flow("Sales Cleanpu").unwrap_err();
    assert_eq!(err.suggestions(), ["Sales Cleanup"]);
    assert_eq!(
        err.to_string(),
        "no flow named \"Sales Cleanpu\"; did you mean \"Sales Cleanup\"?"
    );
    // In any case.
    assert_eq!(
        client.find_flow("sales cleanup").unwrap_err().suggestions(),
        ["Sales Cleanup"]
    );
    // A path suggests paths.
    let err = client.find_flow("Dev/Nightly Laod").unwrap_err();
    assert_eq!(err.suggestions()[0], "Dev/Nightly Load", "{err}");
    // Nothing close: nothing suggested, the message unchanged.
    let err = client.find_flow("Nowhere Flow").unwrap_err();
    assert!(err.suggestions().is_empty());
    assert_eq!(err.to_string(), "no flow named \"Nowhere Flow\"");

    let err = client.find_project("Slaes").unwrap_err();
    assert_eq!(err.suggestions(), ["Sales"], "{err}");
    let err = client.find_project("Parent/Chld").unwrap_err();
    assert_eq!(err.suggestions(), ["Parent/Child"], "{err}");
    let err = client.find_schedule("Nightyl").unwrap_err();
    assert_eq!(err.suggestions(), ["Nightly"], "{err}");
    // Users and groups are filtered by the server: no suggestions.
    assert!(
        client
            .find_user("admn")
            .unwrap_err()
            .suggestions()
            .is_empty()
    );
    let err = client.raw("query_flws").unwrap_err();
    assert_eq!(err.suggestions()[0], "query_flow", "{err}");
}
