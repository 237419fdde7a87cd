//! The spec travels as a package of its own, and `flowspec` carries it.

use std::io::Read;
use std::process::{Command, Stdio};

/// The spec package embeds exactly the spec folder's sources and examples.
#[test]
fn the_spec_package_embeds_every_spec_file() {
    let dir = tableau_flows_tests::spec_dir();
    let mut on_disk = Vec::new();
    for (sub, ext) in [("", ".tfspec"), ("examples/", ".xml")] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(ext) {
                on_disk.push((
                    format!("{sub}{name}"),
                    std::fs::read_to_string(entry.path()).unwrap(),
                ));
            }
        }
    }
    on_disk.sort();
    let embedded: Vec<(String, String)> = tableau_flows_spec::FILES
        .iter()
        .map(|(p, t)| ((*p).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(embedded, on_disk);
    // And what the generator reads from it is the spec the folder holds.
    let from_files = tableau_flows_codegen::load_embedded(tableau_flows_spec::FILES).unwrap();
    let from_dir = tableau_flows_codegen::load(&dir).unwrap();
    assert_eq!(
        tableau_flows_codegen::export_json(&from_files),
        tableau_flows_codegen::export_json(&from_dir)
    );
}

fn flowspec_binary() -> std::path::PathBuf {
    // Built by this call if needed; the binary lives next to the test executables' folder.
    let out = tableau_flows_tests::flowspec(["--version"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap();
    profile.join(format!("flowspec{}", std::env::consts::EXE_SUFFIX))
}

/// An installed flowspec needs no source tree: run from an empty folder, as a copy outside the
/// build tree, it reads the spec built into it.
#[test]
fn flowspec_works_without_the_source_tree() {
    let dir = std::env::temp_dir().join(format!("tableau-flows-installed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let installed = dir.join(format!("flowspec{}", std::env::consts::EXE_SUFFIX));
    std::fs::copy(flowspec_binary(), &installed).unwrap();
    let out = Command::new(&installed)
        .arg("check")
        .current_dir(&dir)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("spec OK: "), "{stdout}");
}

/// `flowspec export json | head -c 100`: the reader goes away, flowspec ends quietly.
#[test]
fn flowspec_ends_quietly_on_a_closed_pipe() {
    let mut child = Command::new(flowspec_binary())
        .args(["export", "openapi"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 100];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's reading end is closed here, before flowspec has written its whole answer.
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "status {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(first.starts_with(b"{"));
}
