//! The five everyday programs of `docs/everyday.md` (`client/examples/`): each runs against the
//! simulator, and that page shows each one as it is, beside its equivalent with Tableau's official
//! Python client, never longer than it; README.md shows the first as it is.

use std::process::Command;
use std::time::Duration;
use tableau_flows_mock::{MockServer, demo};

const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
const PROGRAMS: [&str; 5] = ["list_flows", "publish", "run_and_wait", "download", "grant"];

fn example(name: &str) -> String {
    let path = format!(
        "{}/../client/examples/{name}.rs",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(path).unwrap()
}

/// The program without its leading `//!` comment: what the pages show.
fn body(source: &str) -> String {
    source
        .lines()
        .skip_while(|l| l.starts_with("//!"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The example `name`, run in `dir` against `server` as the demo's administrator, speaking XML
/// (or the format `TABLEAU_WIRE_FORMAT` of the command says).
fn example_command(name: &str, server: &MockServer, dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "-q", "--manifest-path", MANIFEST])
        .args(["-p", "tableau-flows", "--example", name])
        .current_dir(dir)
        .env("TABLEAU_SERVER", server.url())
        .env("TABLEAU_SITE", demo::SITE)
        .env("TABLEAU_PAT_NAME", demo::PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    command
}

fn run(name: &str, server: &MockServer, dir: &std::path::Path) -> String {
    run_in(name, server, dir, "xml")
}

/// The example `name` speaking `format` (`xml` or `json`): its standard output.
fn run_in(name: &str, server: &MockServer, dir: &std::path::Path, format: &str) -> String {
    let out = example_command(name, server, dir)
        .env("TABLEAU_WIRE_FORMAT", format)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_everyday_programs_work_against_the_simulator() {
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(20), Duration::from_millis(80))
        .start()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("tableau-flows-everyday-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sales.tflx"), demo::flow_file_bytes()).unwrap();

    let listed = run("list_flows", &server, &dir);
    assert!(
        listed.contains(&format!("{} Sales Cleanup", demo::SALES_FLOW_ID)),
        "{listed}"
    );
    assert!(
        !listed.contains("Coffee Chain"),
        "only the project Sales: {listed}"
    );

    let published = run("publish", &server, &dir);
    assert!(published.starts_with("published "), "{published}");

    let ran = run("run_and_wait", &server, &dir);
    assert!(
        ran.starts_with("run ") && ran.trim_end().ends_with(" succeeded"),
        "{ran}"
    );

    let saved = run("download", &server, &dir);
    assert!(saved.starts_with("saved "), "{saved}");
    // A second download does not replace the file: the program fails.
    let again = example_command("download", &server, &dir).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists"));

    let granted = run("grant", &server, &dir);
    assert!(granted.starts_with("granted Read on "), "{granted}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_everyday_programs_work_in_json_as_in_xml() {
    let server = MockServer::builder()
        .run_timing(Duration::from_millis(20), Duration::from_millis(80))
        .start()
        .unwrap();
    let dir = std::env::temp_dir().join(format!(
        "tableau-flows-everyday-json-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("sales.tflx"), demo::flow_file_bytes()).unwrap();
    // The same listing, decoded from either format.
    assert_eq!(
        run_in("list_flows", &server, &dir, "json"),
        run_in("list_flows", &server, &dir, "xml")
    );
    let published = run_in("publish", &server, &dir, "json");
    assert!(published.starts_with("published "), "{published}");
    let ran = run_in("run_and_wait", &server, &dir, "json");
    assert!(
        ran.starts_with("run ") && ran.trim_end().ends_with(" succeeded"),
        "{ran}"
    );
    let saved = run_in("download", &server, &dir, "json");
    assert!(saved.starts_with("saved "), "{saved}");
    let granted = run_in("grant", &server, &dir, "json");
    assert!(granted.starts_with("granted Read on "), "{granted}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn readme_shows_the_first_program_as_it_is() {
    let readme =
        std::fs::read_to_string(format!("{}/../README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(
        readme.contains(&body(&example(PROGRAMS[0]))),
        "README.md does not show client/examples/{}.rs as it is",
        PROGRAMS[0]
    );
}

#[test]
fn everyday_page_shows_each_program_beside_a_longer_or_equal_official_client_one() {
    let page = std::fs::read_to_string(format!(
        "{}/../docs/everyday.md",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for name in PROGRAMS {
        let rust = body(&example(name));
        assert!(
            page.contains(&rust),
            "docs/everyday.md does not show client/examples/{name}.rs as it is"
        );
        let python_path = format!(
            "{}/conformance/everyday/{name}.py",
            env!("CARGO_MANIFEST_DIR")
        );
        let python = std::fs::read_to_string(&python_path).unwrap();
        let python_body = body_py(&python);
        assert!(
            page.contains(&python_body),
            "docs/everyday.md does not show tests/conformance/everyday/{name}.py as it is"
        );
        // Blank lines and lines that only close a block (Python needs none) are not counted.
        let lines = |text: &str| {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.chars().all(|c| matches!(c, '}' | ')' | ']' | ';')))
                .count()
        };
        assert!(
            lines(&rust) <= lines(&python_body),
            "{name}: {} lines of Rust, {} of Python",
            lines(&rust),
            lines(&python_body)
        );
    }
}

/// A Python program without its leading `#` comment lines.
fn body_py(source: &str) -> String {
    source
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .collect::<Vec<_>>()
        .join("\n")
}
