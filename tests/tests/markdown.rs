//! The repository's Markdown pages (README.md, `docs/`, each crate's README): README stays a front
//! page of at most 200 lines; every relative link reaches a file of the repository and every
//! `#anchor` a heading of its page (as GitHub names headings); no page points to crates.io or
//! docs.rs pages of crates that are not published, nor tells to install from there; and every
//! install line names a directory holding the package it says.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The pages checked: README.md, every page of `docs/` and the README of each package and of
/// `fuzz/`, `spec/reference/` and `tests/fixtures/`.
fn pages() -> Vec<PathBuf> {
    let root = root();
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/ exists")
        .map(|e| e.expect("a docs/ entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    for dir in ["client", "cli", "mock", "codegen", "spec", "fuzz"] {
        pages.push(root.join(dir).join("README.md"));
    }
    pages.push(root.join("spec/reference/SOURCES.md"));
    pages.push(root.join("tests/fixtures/real/README.md"));
    pages.push(root.join("tests/fixtures/json/README.md"));
    pages
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The anchors GitHub gives a page's headings: the heading's text in lower case, without
/// punctuation but `-` and `_`, spaces as `-`, a repeated one suffixed `-1`, `-2`, ...
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut out = BTreeSet::new();
    let mut heading: Option<String> = None;
    for event in Parser::new(text) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let h = heading.take().unwrap_or_default();
                let slug: String = h
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
                    .map(|c| if c == ' ' { '-' } else { c })
                    .collect();
                let n = seen.entry(slug.clone()).or_insert(0);
                out.insert(if *n == 0 {
                    slug.clone()
                } else {
                    format!("{slug}-{n}")
                });
                *n += 1;
            }
            _ => {}
        }
    }
    out
}

/// Every link and image target of a page.
fn links(text: &str) -> Vec<String> {
    Parser::new(text)
        .filter_map(|e| match e {
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. }) => Some(dest_url.to_string()),
            _ => None,
        })
        .collect()
}

#[test]
fn readme_is_a_front_page_of_at_most_200_lines() {
    let readme = read(&root().join("README.md"));
    let lines = readme.lines().count();
    assert!(
        lines <= 200,
        "README.md has {lines} lines: move details to docs/"
    );
    for section in [
        "## Install",
        "## Quick start",
        "## The library",
        "## The command line",
    ] {
        assert!(
            readme.lines().any(|l| l == section),
            "README.md has no {section:?} section"
        );
    }
}

#[test]
fn every_relative_link_reaches_a_file_and_every_anchor_a_heading() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = read(&page);
        let dir = page.parent().expect("a page has a directory");
        for link in links(&text) {
            if link.starts_with("http://")
                || link.starts_with("https://")
                || link.starts_with("mailto:")
            {
                continue;
            }
            checked += 1;
            let (path, anchor) = match link.split_once('#') {
                Some((p, a)) => (p, Some(a)),
                None => (link.as_str(), None),
            };
            let target = if path.is_empty() {
                page.clone()
            } else {
                dir.join(path)
            };
            if !target.exists() {
                broken.push(format!("{}: {link}: no such file", page.display()));
                continue;
            }
            if let Some(anchor) = anchor {
                let is_page = target.extension().is_some_and(|x| x == "md");
                if !is_page || !anchors(&read(&target)).contains(anchor) {
                    broken.push(format!(
                        "{}: {link}: no heading with that anchor",
                        page.display()
                    ));
                }
            }
        }
    }
    assert!(checked > 30, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

#[test]
fn no_page_sends_people_to_registries_the_crates_are_not_on() {
    let mut untrue = Vec::new();
    for page in pages() {
        let text = read(&page);
        for (n, line) in text.lines().enumerate() {
            let registry_link = ["crates.io/crates/tableau-flows", "docs.rs/tableau-flows"]
                .iter()
                .any(|l| line.contains(l));
            let registry_install = line.contains("cargo install tableau-flows")
                || (line.contains("cargo add tableau-flows")
                    && !line.contains("--path")
                    && !line.contains("--git"));
            if registry_link || registry_install {
                untrue.push(format!("{}:{}: {line}", page.display(), n + 1));
            }
        }
    }
    assert!(
        untrue.is_empty(),
        "the crates are not published, yet:\n{}",
        untrue.join("\n")
    );
}

/// `[package] name` of a manifest, and whether it builds a binary.
fn package(dir: &Path) -> Option<(String, bool)> {
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
    let name = manifest
        .lines()
        .find_map(|l| l.strip_prefix("name = \""))?
        .trim_end_matches('"')
        .to_owned();
    let bin = manifest.contains("[[bin]]") || dir.join("src/main.rs").exists();
    Some((name, bin))
}

#[test]
fn every_install_line_names_the_directory_of_its_package() {
    let root = root();
    let mut lines = 0;
    for page in pages() {
        for line in read(&page).lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let Some(at) = words.iter().position(|w| *w == "--path") else {
                continue;
            };
            let Some(dir) = words.get(at + 1) else {
                continue;
            };
            if words.windows(2).any(|w| w == ["cargo", "install"]) {
                lines += 1;
                let (name, bin) = package(&root.join(dir))
                    .unwrap_or_else(|| panic!("{}: {line}: no package in {dir}", page.display()));
                assert!(bin, "{}: {line}: {name} builds no binary", page.display());
            } else if words.windows(2).any(|w| w == ["cargo", "add"]) {
                lines += 1;
                // `cargo add NAME --path ../tableau-flows/DIR`, from a project beside the clone.
                let name = words[words.iter().position(|w| *w == "add").expect("add") + 1];
                let dir = dir.strip_prefix("../tableau-flows/").unwrap_or_else(|| {
                    panic!("{}: {line}: a path beside the clone", page.display())
                });
                let (found, _) = package(&root.join(dir))
                    .unwrap_or_else(|| panic!("{}: {line}: no package in {dir}", page.display()));
                assert_eq!(found, name, "{}: {line}", page.display());
            }
        }
    }
    assert!(lines >= 3, "only {lines} install lines found");
}

#[test]
fn anchors_are_named_as_github_names_them() {
    let page = "# The client\n## Reliability: what is bounded\n## `tabflow api`, any path\n## Reliability: what is bounded\n";
    let got = anchors(page);
    for want in [
        "the-client",
        "reliability-what-is-bounded",
        "tabflow-api-any-path",
        "reliability-what-is-bounded-1",
    ] {
        assert!(got.contains(want), "{want} not in {got:?}");
    }
}
