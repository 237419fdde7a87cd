//! `flowspec check-doc`: compares a reference page with the spec as of the page's API version,
//! and `flowspec draft`: DSL skeletons for the page's methods the spec lacks.

use crate::check::docpage::{DocPage, PageMethod};
use crate::ir::*;
use heck::ToSnakeCase;
use std::collections::BTreeSet;

/// One difference between the page and the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The method's title (the page's, or the spec's when the page lacks it).
    pub method: String,
    /// What differs.
    pub what: String,
    /// The erratum or deviation that records it, when it is a known difference.
    pub known: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.known {
            Some(note) => write!(f, "known ({note}): {}: {}", self.method, self.what),
            None => write!(f, "DIFF: {}: {}", self.method, self.what),
        }
    }
}

fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                out.push_str("{}");
            }
            '}' => depth -= 1,
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn form_text(keys: &[String]) -> String {
    if keys.is_empty() {
        "(no query)".to_owned()
    } else {
        format!("?{}", keys.join("&"))
    }
}

/// How a page URI relates to an endpoint.
enum UriMatch {
    Path,
    DocPath(Vec<String>),
}

fn uri_match(e: &Endpoint, method: &str, path: &str) -> Option<UriMatch> {
    if e.method != method {
        return None;
    }
    if shape(&e.path) == shape(path) {
        return Some(UriMatch::Path);
    }
    match &e.doc_path {
        Some(d) if shape(&d.path) == shape(path) => Some(UriMatch::DocPath(d.notes.clone())),
        _ => None,
    }
}

/// Compares the page with the spec as of the page's version. Endpoints outside the Flow Methods
/// page are not expected on it.
pub fn check(spec: &Spec, page: &DocPage) -> Vec<Difference> {
    let spec = spec.as_of(page.version);
    let endpoints: Vec<&Endpoint> = spec
        .endpoints
        .iter()
        .filter(|e| e.page == Page::FlowMethods)
        .collect();
    let mut matched: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    for m in &page.methods {
        let diff = |what: String| Difference {
            method: m.title.clone(),
            what,
            known: None,
        };
        let mut mine: Vec<&Endpoint> = endpoints
            .iter()
            .filter(|e| {
                m.uris
                    .iter()
                    .any(|u| uri_match(e, &u.method, &u.path).is_some())
            })
            .copied()
            .collect();
        if mine.is_empty() {
            mine = endpoints
                .iter()
                .filter(|e| e.title == m.title)
                .copied()
                .collect();
        }
        if mine.is_empty() {
            out.push(diff("a method the spec lacks".into()));
            continue;
        }
        for e in &mine {
            matched.insert(e.id.clone());
        }
        let e0 = mine[0];
        if !mine.iter().any(|e| e.title == m.title) {
            out.push(diff(format!(
                "title differs: the spec says {:?} ({})",
                e0.title, e0.id
            )));
        }
        match m.version {
            Some(v) if v != e0.since => {
                out.push(diff(format!(
                    "version differs: the page says {v}, the spec says {}",
                    e0.since
                )));
            }
            None => out.push(diff("the page gives no version".into())),
            _ => {}
        }
        // URI lines.
        for u in &m.uris {
            let found = mine.iter().find_map(|e| uri_match(e, &u.method, &u.path));
            match found {
                Some(UriMatch::Path) => {}
                Some(UriMatch::DocPath(notes)) => out.push(Difference {
                    method: m.title.clone(),
                    what: format!(
                        "URI {} {} is the page's erratum for the real path",
                        u.method, u.path
                    ),
                    known: Some(notes.join(", ")),
                }),
                None => out.push(diff(format!(
                    "URI {} {} is not in the spec",
                    u.method, u.path
                ))),
            }
        }
        for e in &mine {
            let on_page = m
                .uris
                .iter()
                .any(|u| uri_match(e, &u.method, &u.path).is_some());
            if !on_page {
                out.push(diff(format!(
                    "URI {} {} ({}) is not on the page",
                    e.method, e.path, e.id
                )));
            }
        }
        // URI forms (sets of query keys) and query parameters.
        let page_forms: BTreeSet<Vec<String>> = m.uris.iter().map(|u| u.query.clone()).collect();
        let spec_forms: BTreeSet<Vec<String>> = mine
            .iter()
            .flat_map(|e| e.uri_forms.iter().map(|f| f.keys.clone()))
            .collect();
        let page_keys: BTreeSet<&String> = m.uris.iter().flat_map(|u| &u.query).collect();
        let spec_keys: BTreeSet<&String> = mine
            .iter()
            .flat_map(|e| e.query.iter().map(|q| &q.wire))
            .collect();
        for k in page_keys.difference(&spec_keys) {
            out.push(diff(format!(
                "query parameter {k} is on the page, not in the spec"
            )));
        }
        for f in page_forms.difference(&spec_forms) {
            out.push(diff(format!(
                "URI form {} is on the page, not in the spec",
                form_text(f)
            )));
        }
        for f in spec_forms.difference(&page_forms) {
            out.push(diff(format!(
                "URI form {} is in the spec, not on the page",
                form_text(f)
            )));
        }
        // Error rows (the spec's rows as of the page; rows dropped by then are not expected).
        let mut expected: Vec<(u16, u32, String)> = e0
            .errors
            .iter()
            .filter(|r| r.dropped.is_none() && r.on_page())
            .map(|r| {
                (
                    r.status,
                    r.code,
                    collapse(&format!("{} {}", r.summary, r.condition)),
                )
            })
            .collect();
        let mut unexpected = Vec::new();
        for r in &m.errors {
            match expected
                .iter()
                .position(|x| x.0 == r.status && x.1 == r.code && x.2 == r.text)
            {
                Some(i) => {
                    expected.remove(i);
                }
                None => unexpected.push(r),
            }
        }
        for r in unexpected {
            match expected.iter().position(|x| x.1 == r.code) {
                Some(i) => {
                    let x = expected.remove(i);
                    out.push(diff(format!(
                        "error row {} {} changed: the page says {:?}, the spec says {:?}",
                        r.status, r.code, r.text, x.2
                    )));
                }
                None => out.push(diff(format!(
                    "error row {} {} is on the page, not in the spec: {:?}",
                    r.status, r.code, r.text
                ))),
            }
        }
        for x in expected {
            out.push(diff(format!(
                "error row {} {} is in the spec, not on the page: {:?}",
                x.0, x.1, x.2
            )));
        }
    }
    for e in endpoints {
        if !matched.contains(&e.id) {
            out.push(Difference {
                method: e.title.clone(),
                what: format!(
                    "a method the page lacks ({}: {} {})",
                    e.id, e.method, e.path
                ),
                known: None,
            });
        }
    }
    out
}

/// Whether the spec has a method of the page (by URI or title).
fn spec_has(spec: &Spec, m: &PageMethod) -> bool {
    spec.endpoints.iter().any(|e| {
        e.title == m.title
            || m.uris
                .iter()
                .any(|u| uri_match(e, &u.method, &u.path).is_some())
    })
}

fn quote(s: &str) -> String {
    format!("{s:?}")
}

/// DSL skeletons for the page's methods that the spec lacks, ready to edit.
pub fn draft(spec: &Spec, page: &DocPage) -> String {
    let mut out = String::new();
    for m in page.methods.iter().filter(|m| !spec_has(spec, m)) {
        let id = m.title.to_snake_case();
        let uri = m.uris.first();
        let path = uri.map(|u| {
            u.path
                .split('/')
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => format!("{{{}}}", name.replace('-', "_")),
                        None => s.to_owned(),
                    },
                )
                .collect::<Vec<_>>()
                .join("/")
        });
        let group = path
            .as_deref()
            .and_then(|p| {
                p.split('/')
                    .filter(|s| !s.is_empty() && !s.starts_with('{'))
                    .nth(1)
            })
            .unwrap_or("flows")
            .to_snake_case();
        out.push_str(&format!("// Drafted from the page (line {}): check every line, then move it to spec/{group}.tfspec.\n", m.line));
        out.push_str(&format!("endpoint {id} {{\n"));
        out.push_str(&format!("    title: {},\n", quote(&m.title)));
        out.push_str("    page: flow_methods,\n");
        out.push_str(&format!("    group: {group},\n"));
        out.push_str(&format!(
            "    method: {},\n",
            uri.map_or("GET", |u| u.method.as_str())
        ));
        out.push_str(&format!(
            "    path: {},\n",
            quote(path.as_deref().unwrap_or("/"))
        ));
        out.push_str(&format!(
            "    since: {},\n",
            m.version
                .map_or_else(|| page.version.to_string(), |v| v.to_string())
        ));
        out.push_str(&format!("    description: {},\n", quote(&m.description)));
        out.push_str("    path_params {\n");
        for name in path
            .iter()
            .flat_map(|p| p.split('/'))
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        {
            let id_type = heck::ToPascalCase::to_pascal_case(name);
            let ty = match spec.ty(&id_type) {
                Some(TypeDef::Id(_)) if name == "site_id" => format!("{id_type} session"),
                Some(TypeDef::Id(_)) => id_type,
                _ => "String".to_owned(),
            };
            let page_name = name.replace('_', "-");
            let doc = m
                .parameter_docs
                .iter()
                .find(|(n, _)| *n == page_name)
                .map(|(_, d)| d.clone())
                .unwrap_or_else(|| "TODO: describe it".to_owned());
            out.push_str(&format!("        {name}: {ty} {},\n", quote(&doc)));
        }
        out.push_str("    },\n    query {\n");
        let keys: BTreeSet<&String> = m.uris.iter().flat_map(|u| &u.query).collect();
        for k in &keys {
            out.push_str(&format!(
                "        {}: String as {} \"TODO: type and description\",\n",
                k.to_snake_case(),
                quote(k)
            ));
        }
        out.push_str("    },\n");
        let forms: Vec<String> = m
            .uris
            .iter()
            .map(|u| {
                quote(&if u.query.is_empty() {
                    String::new()
                } else {
                    format!("?{}", u.query.join("&"))
                })
            })
            .collect();
        out.push_str(&format!("    uri_forms: [{}],\n", forms.join(", ")));
        out.push_str(
            "    request: none, // TODO: none, empty, xml TYPE or multipart TYPE file \"part\"\n",
        );
        out.push_str("    response: 200 none, // TODO: the status and the answer's root type\n");
        out.push_str("    errors {\n");
        for r in &m.errors {
            out.push_str(&format!(
                "        {} {} {} \"TODO: split the summary from the condition\",\n",
                r.status,
                r.code,
                quote(&r.text)
            ));
        }
        out.push_str("    },\n}\n\n");
    }
    out
}
