//! Reads a Tableau "Flow Methods" reference page in its plain-text form (as in
//! `spec/reference/*.txt`): each method's title, URI lines with their query keys, parameter table,
//! version and error rows, and the page's API version.

use crate::ir::Version;

/// One URI line of a method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageUri {
    /// HTTP method.
    pub method: String,
    /// The path after `/api/api-version`, placeholders as `{name}` with the page's names.
    pub path: String,
    /// The query keys, in order.
    pub query: Vec<String>,
}

/// One row of an error table: status, code, and the summary and condition as one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageErrorRow {
    /// HTTP status.
    pub status: u16,
    /// Code.
    pub code: u32,
    /// "Summary Condition", whitespace collapsed.
    pub text: String,
}

/// One method of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageMethod {
    /// The title.
    pub title: String,
    /// 1-based line of the title.
    pub line: usize,
    /// The description (paragraphs before `URI`).
    pub description: String,
    /// URI lines.
    pub uris: Vec<PageUri>,
    /// Names in the "Parameter Values" table.
    pub parameters: Vec<String>,
    /// Each table entry's description, by name.
    pub parameter_docs: Vec<(String, String)>,
    /// "Version X and later" / "Available in API X".
    pub version: Option<Version>,
    /// Error rows.
    pub errors: Vec<PageErrorRow>,
}

/// A parsed page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocPage {
    /// The API version of the edition ("such as 3.24").
    pub version: Version,
    /// Its methods, in page order.
    pub methods: Vec<PageMethod>,
}

/// Why a page could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError(pub String);

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PageError {}

const SMALL_WORDS: &[&str] = &["to", "for", "a", "an", "of", "the", "and", "on", "in"];
const SECTION_WORDS: &[&str] = &[
    "URI",
    "Parameter Values",
    "URI Parameter Values",
    "Request Body",
    "Response Body",
    "Response Code",
    "Attribute Values",
    "Request Attributes",
    "Permissions",
    "Version",
    "Errors",
    "Example",
    "Copy",
    "None",
    "Required scope for JWT authorization",
    "cURL Request Example",
    "Flow Methods",
];

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A line that looks like a method title: two or more words in title case, no punctuation.
fn title_like(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.len() > 70 || SECTION_WORDS.contains(&t) {
        return false;
    }
    if t.contains([
        '<', '>', '{', '}', '"', ':', '/', '.', '(', ')', ',', '=', '@', '[',
    ]) {
        return false;
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    words.len() >= 2
        && words.iter().enumerate().all(|(i, w)| {
            w.chars().next().is_some_and(char::is_uppercase) || (i > 0 && SMALL_WORDS.contains(w))
        })
}

fn parse_version(s: &str) -> Option<Version> {
    let digits: String = s
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    Version::parse(digits.trim_end_matches('.'))
}

/// Parses a URI line such as `GET /api/api-version/sites/site-id/flows?filter=filter-expression`.
/// Segments that the parameter table names, or that end in `-id`/`-luid`, are placeholders.
fn parse_uri(line: &str, parameters: &[String]) -> Option<PageUri> {
    let (method, rest) = line.trim().split_once(' ')?;
    if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method) {
        return None;
    }
    let rest = rest.split_whitespace().next()?;
    let rest = rest.strip_prefix("/api/api-version")?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segments: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let placeholder =
                parameters.iter().any(|p| p == s) || s.ends_with("-id") || s.ends_with("-luid");
            if placeholder {
                format!("{{{s}}}")
            } else {
                s.to_owned()
            }
        })
        .collect();
    let query: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split('=').next().unwrap_or(p).to_owned())
        .collect();
    Some(PageUri {
        method: method.to_owned(),
        path: format!("/{}", segments.join("/")),
        query,
    })
}

/// Reads a page.
pub fn parse(text: &str) -> Result<DocPage, PageError> {
    let lines: Vec<&str> = text.lines().collect();
    let version = text
        .split("such as ")
        .skip(1)
        .find_map(parse_version)
        .ok_or_else(|| PageError("the page names no API version (\"such as 3.24\")".into()))?;
    // A method starts at a title line that is followed, before the next title, by a `URI` line.
    let uri_lines: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "URI")
        .map(|(i, _)| i)
        .collect();
    let mut starts = Vec::new();
    let mut previous_end = 0;
    for &u in &uri_lines {
        let title = (previous_end..u)
            .rfind(|&i| {
                title_like(lines[i])
                    && (i == 0 || lines[i - 1].trim().is_empty())
                    && lines.get(i + 1).is_none_or(|l| l.trim().is_empty())
            })
            .or_else(|| (previous_end..u).rev().find(|&i| title_like(lines[i])));
        if let Some(t) = title {
            starts.push((t, u));
        }
        previous_end = u + 1;
    }
    let mut methods = Vec::new();
    for (k, &(title_at, uri_at)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(lines.len(), |s| s.0);
        let section = &lines[title_at..end];
        let description = collapse(
            &lines[title_at + 1..uri_at]
                .iter()
                .filter(|l| {
                    let t = l.trim();
                    !t.starts_with("Note:")
                        && !t.starts_with("Version:")
                        && !t.starts_with("License:")
                        && !t.starts_with("Permissions:")
                        && !t.starts_with("JWT Access Scope:")
                        && !t.starts_with("- ")
                })
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
        );
        // The parameter table runs from "Parameter Values" to the next section heading.
        let mut parameters = Vec::new();
        let mut parameter_docs = Vec::new();
        if let Some(p) = section
            .iter()
            .position(|l| matches!(l.trim(), "Parameter Values" | "URI Parameter Values"))
        {
            for l in &section[p + 1..] {
                let t = l.trim();
                if SECTION_WORDS.contains(&t)
                    || t.starts_with("Request Body")
                    || t.starts_with("Publishing a file")
                {
                    break;
                }
                if let Some(name) = t.split_whitespace().next()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !name.is_empty()
                    && name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                {
                    parameters.push(name.to_owned());
                    parameter_docs.push((name.to_owned(), collapse(t[name.len()..].trim())));
                }
            }
        }
        let uris: Vec<PageUri> = section[uri_at - title_at + 1..]
            .iter()
            .take_while(|l| !matches!(l.trim(), "Parameter Values" | "URI Parameter Values"))
            .filter_map(|l| parse_uri(l, &parameters))
            .collect();
        let version = section.iter().find_map(|l| {
            let t = l.trim();
            t.strip_prefix("Version ")
                .filter(|r| r.contains("and later"))
                .and_then(parse_version)
                .or_else(|| {
                    t.strip_prefix("Version: Available in API ")
                        .and_then(parse_version)
                })
        });
        let mut errors = Vec::new();
        if let Some(e) = section
            .iter()
            .position(|l| l.trim().starts_with("HTTP status error Code"))
        {
            for l in &section[e + 1..] {
                let t = l.trim();
                if t.starts_with("For more information") || t.is_empty() && !errors.is_empty() {
                    break;
                }
                let mut parts = t.splitn(3, ' ');
                let (Some(s), Some(c), Some(rest)) = (parts.next(), parts.next(), parts.next())
                else {
                    continue;
                };
                let (Ok(status), Ok(code)) = (s.parse::<u16>(), c.parse::<u32>()) else {
                    continue;
                };
                errors.push(PageErrorRow {
                    status,
                    code,
                    text: collapse(rest),
                });
            }
        }
        methods.push(PageMethod {
            title: lines[title_at].trim().to_owned(),
            line: title_at + 1,
            description,
            uris,
            parameters,
            parameter_docs,
            version,
            errors,
        });
    }
    if methods.is_empty() {
        return Err(PageError(
            "no methods found (a method is a title followed by a URI section)".into(),
        ));
    }
    Ok(DocPage { version, methods })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        for t in [
            "Add Flow Task to Server Schedule",
            "Query Flows for a Site",
            "Get Flow Run",
        ] {
            assert!(title_like(t), "{t}");
        }
        for t in [
            "Example",
            "Example response:",
            "Errors",
            "Content of x.xml:",
            "Runs the specified flow.",
            "Parameter Values",
        ] {
            assert!(!title_like(t), "{t}");
        }
    }

    #[test]
    fn uris() {
        let u = parse_uri(
            "DELETE /api/api-version/sites/site-id/flows/flow-id/permissions/users/user-id/capability-name/capability-mode",
            &["capability-name".into(), "capability-mode".into()],
        )
        .unwrap();
        assert_eq!(
            u.path,
            "/sites/{site-id}/flows/{flow-id}/permissions/users/{user-id}/{capability-name}/{capability-mode}"
        );
        let u = parse_uri("POST /api/api-version/sites/site-id/flows?overwrite=overwrite-flag&uploadSessionId=x&flowType=y", &[]).unwrap();
        assert_eq!(u.query, ["overwrite", "uploadSessionId", "flowType"]);
    }
}
