//! Routing and request checking from the spec's endpoint metadata (`tableau_flows::endpoints`):
//! method, path template, the API version each endpoint appeared in, and query parameter ranges.
//! Nothing here is per endpoint.

use crate::ApiFailure;
use std::collections::BTreeMap;
use tableau_flows::ApiVersion;
use tableau_flows::meta::EndpointMeta;

/// A request matched to an endpoint.
#[derive(Debug)]
pub(crate) struct Routed {
    pub meta: &'static EndpointMeta,
    pub version: ApiVersion,
    pub path: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Matches `/api/{version}/...` against every endpoint; the most literal template wins
/// (`/flows/runs` before `/flows/{flow_id}`).
pub(crate) fn route(
    method: &str,
    url: &str,
    server_version: ApiVersion,
) -> Result<Routed, ApiFailure> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let rest = path.strip_prefix("/api/").ok_or_else(|| {
        ApiFailure::new(
            404,
            404001,
            "Resource not found",
            format!("{path} is not under /api/"),
        )
    })?;
    let (version, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let version: ApiVersion = version.parse().map_err(|_| {
        ApiFailure::new(
            400,
            400000,
            "Bad request",
            format!("{version:?} is not an API version"),
        )
    })?;
    if version > server_version {
        return Err(ApiFailure::new(
            404,
            404001,
            "Resource not found",
            format!("this server speaks API {server_version}, not {version}"),
        ));
    }
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let mut best: Option<(usize, &'static EndpointMeta, BTreeMap<String, String>)> = None;
    let mut path_matched = false;
    for meta in tableau_flows::endpoints::ALL {
        let template: Vec<&str> = meta.path.split('/').filter(|s| !s.is_empty()).collect();
        if template.len() != segments.len() {
            continue;
        }
        let mut params = BTreeMap::new();
        let mut literal = 0;
        let ok = template.iter().zip(&segments).all(|(t, s)| {
            if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                params.insert(name.to_owned(), decode(s));
                true
            } else if t == s {
                literal += 1;
                true
            } else {
                false
            }
        });
        if !ok {
            continue;
        }
        path_matched = true;
        if meta.method != method {
            continue;
        }
        if best.as_ref().is_none_or(|(l, _, _)| literal > *l) {
            best = Some((literal, meta, params));
        }
    }
    let Some((_, meta, params)) = best else {
        return Err(if path_matched {
            ApiFailure::new(
                405,
                405000,
                "Invalid request method",
                format!("{method} is not allowed on {path}"),
            )
        } else {
            ApiFailure::new(
                404,
                404001,
                "Resource not found",
                format!("no endpoint at {path}"),
            )
        });
    };
    if meta.since > version {
        return Err(ApiFailure::new(
            404,
            404001,
            "Resource not found",
            format!(
                "{} ({}) appeared in API {}; the request names {version}",
                meta.title, meta.id, meta.since
            ),
        ));
    }
    let mut q = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        q.insert(decode(k), decode(&v.replace('+', " ")));
    }
    check_query(meta, &q)?;
    Ok(Routed {
        meta,
        version,
        path: params,
        query: q,
    })
}

/// Integer parameters must be integers within the spec's range; page errors use the codes the
/// endpoint's table lists.
fn check_query(meta: &EndpointMeta, query: &BTreeMap<String, String>) -> Result<(), ApiFailure> {
    for p in meta.query {
        let (Some((lo, hi)), Some(v)) = (p.range, query.get(p.wire)) else {
            continue;
        };
        let n: Option<i64> = v.parse().ok();
        if n.is_some_and(|n| n >= lo && n <= hi) {
            continue;
        }
        let (status, code, summary) = match p.wire {
            "pageNumber" => (400, 400006, "Invalid page number"),
            "pageSize" if n.is_some_and(|n| n > hi) && meta.errors.contains(&403014) => {
                (403, 403014, "Page size exceeds upper limit")
            }
            "pageSize" => (400, 400007, "Invalid page size"),
            _ => (400, 400000, "Bad request"),
        };
        return Err(ApiFailure::new(
            status,
            code,
            summary,
            format!("{}={v:?} is not an integer from {lo} to {hi}", p.wire),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: ApiVersion = ApiVersion::new(3, 24);

    #[test]
    fn literal_templates_win_and_placeholders_decode() {
        let r = route("GET", "/api/3.24/sites/s1/flows/runs", V).unwrap();
        assert_eq!(r.meta.id, "get_flow_runs");
        let r = route("GET", "/api/3.24/sites/s1/flows/a%2Fb", V).unwrap();
        assert_eq!(r.meta.id, "query_flow");
        assert_eq!(r.path["flow_id"], "a/b");
        let r = route(
            "DELETE",
            "/api/3.24/sites/s/flows/f/permissions/users/u/Read/Allow",
            V,
        )
        .unwrap();
        assert_eq!(r.meta.id, "delete_flow_permission_for_user");
    }

    #[test]
    fn versions_methods_and_ranges() {
        assert_eq!(
            route("GET", "/api/3.6/sites/s/flows/runs", V)
                .unwrap_err()
                .code,
            404001
        );
        assert_eq!(
            route("GET", "/api/3.30/serverinfo", V).unwrap_err().code,
            404001
        );
        assert_eq!(
            route("PATCH", "/api/3.24/sites/s/flows/f", V)
                .unwrap_err()
                .code,
            405000
        );
        assert_eq!(
            route("GET", "/api/3.24/nothing", V).unwrap_err().code,
            404001
        );
        assert_eq!(
            route("GET", "/api/3.24/sites/s/flows?pageSize=0", V)
                .unwrap_err()
                .code,
            400007
        );
        assert_eq!(
            route("GET", "/api/3.24/sites/s/users/u/flows?pageSize=1001", V)
                .unwrap_err()
                .code,
            403014
        );
        assert_eq!(
            route("GET", "/api/3.24/sites/s/flows?pageNumber=x", V)
                .unwrap_err()
                .code,
            400006
        );
        let r = route(
            "GET",
            "/api/3.24/sites/s/flows?filter=name:eq:A%20B&pageSize=5",
            V,
        )
        .unwrap();
        assert_eq!(r.query["filter"], "name:eq:A B");
    }
}
