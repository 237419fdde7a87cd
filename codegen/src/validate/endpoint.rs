//! Endpoint declarations: entries, path, request, response, example.

use super::*;

pub(super) fn endpoint_decl(
    cx: &mut Cx,
    names: &Names,
    d: &ast::EndpointDecl,
    group: &str,
    read: &dyn Fn(&str) -> Result<String, String>,
) -> Option<Endpoint> {
    let id = d.name.to_string();
    let what = format!("endpoint `{id}`");
    let span = d.name.span();
    if !is_snake(&id) {
        cx.err(span, format!("endpoint ids are snake_case, not `{id}`"));
    }
    let mut e = Entries::new(cx, &d.entries, &what);

    let title = e.string(cx, "title");
    let old_title = e.str_mods(cx, "old_title", &["since"]).and_then(|(t, m)| {
        let before = opt_version(cx, &m.since);
        if before.is_none() && m.since.is_none() {
            cx.err(span, format!("{what}: `old_title` needs `before VERSION`"));
        }
        before.map(|before| OldTitle { title: t, before })
    });
    let page = e
        .ident(cx, "page")
        .and_then(|p| match p.to_string().as_str() {
            "flow_methods" => Some(Page::FlowMethods),
            "support" => Some(Page::Support),
            other => {
                cx.err(
                    p.span(),
                    format!("unknown page `{other}`: expected `flow_methods` or `support`"),
                );
                None
            }
        });
    let group_decl = e.ident(cx, "group").map(|g| g.to_string());
    let method = e.ident(cx, "method").and_then(|m| {
        let s = m.to_string();
        if ["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&s.as_str()) {
            Some(s)
        } else {
            cx.err(m.span(), format!("unknown HTTP method `{s}`"));
            None
        }
    });
    let path_entry = e.take("path");
    let path = match path_entry.map(|p| &p.value) {
        Some(Value::Str(s, _)) => Some((s.value(), s.span())),
        Some(_) => {
            cx.err(path_entry.unwrap().key.span(), "`path` takes a string");
            None
        }
        None => None,
    };
    let doc_path = e.str_mods(cx, "doc_path", &["note"]).map(|(p, m)| DocPath {
        path: p,
        notes: notes(cx, names, &m.notes),
    });
    let also_path = e.str_mods(cx, "also_path", &["note"]).map(|(p, m)| {
        if m.notes.is_empty() {
            cx.err(
                span,
                format!("{what}: `also_path` names the deviation it records with `note`"),
            );
        }
        DocPath {
            path: p,
            notes: notes(cx, names, &m.notes),
        }
    });
    if let (Some(also), Some((p, _))) = (&also_path, &path)
        && placeholders(&also.path) != placeholders(p)
    {
        cx.err(
            span,
            format!("{what}: `also_path` must have the placeholders of `path`, in order"),
        );
    }
    // `experimental: "where it is available" note S..`: under /api/exp, no API version.
    let experimental_span = d
        .entries
        .iter()
        .find(|x| x.key == "experimental")
        .map_or(span, |x| x.key.span());
    let experimental = e
        .str_mods(cx, "experimental", &["note"])
        .map(|(availability, m)| {
            if availability.trim().is_empty() {
                cx.err(
                    experimental_span,
                    format!("{what}: `experimental` says which servers answer it and the switch that turns it on"),
                );
            }
            if m.notes.is_empty() {
                cx.err(
                    experimental_span,
                    format!("{what}: `experimental` names the deviation that records its source with `note`"),
                );
            }
            Experimental {
                base: EXPERIMENTAL_BASE.to_owned(),
                availability,
                notes: notes(cx, names, &m.notes),
            }
        });
    let since_entry = d.entries.iter().find(|x| x.key == "since");
    let since = if experimental.is_some() {
        if let Some(x) = since_entry {
            cx.err(
                x.key.span(),
                format!("{what} is experimental: it has no API version (its path follows /api/exp), so no `since`"),
            );
        }
        e.take("since");
        // Set to the spec's oldest version once the `api` block is read.
        Some(Version { major: 0, minor: 0 })
    } else {
        e.version(cx, "since")
    };
    if experimental.is_some() && matches!(page, Some(Page::FlowMethods)) {
        cx.err(
            experimental_span,
            format!("{what} is experimental: the Flow Methods page documents no experimental endpoint (`page: support`)"),
        );
    }
    for key in ["doc_path", "also_path"] {
        if let (Some(_), Some(x)) = (&experimental, d.entries.iter().find(|x| x.key == key)) {
            cx.err(
                x.key.span(),
                format!("{what} is experimental: `{key}` spells a path under /api/{{version}}, which it does not have"),
            );
        }
    }
    let description = e.string(cx, "description");
    let permissions = e.string(cx, "permissions");
    let license = e.string(cx, "license");
    let platform = e
        .str_mods(cx, "platform", &["since"])
        .map(|(t, m)| Platform {
            text: t,
            since: opt_version(cx, &m.since),
        });
    let jwt_scope = e.string(cx, "jwt_scope");
    let auth = match e.ident(cx, "auth") {
        None => true,
        Some(i) if i == "none" => false,
        Some(i) if i == "token" => true,
        Some(i) => {
            cx.err(
                i.span(),
                format!("unknown auth `{i}`: expected `none` or `token`"),
            );
            true
        }
    };
    let idempotent_entry = e.take("idempotent");
    let idempotent = match idempotent_entry.map(|x| &x.value) {
        Some(Value::Bool(b)) => Some(b.value),
        Some(_) => {
            cx.err(
                idempotent_entry.unwrap().key.span(),
                "`idempotent` takes `true` or `false`",
            );
            None
        }
        None => None,
    };
    let notes_v = match e.take("notes") {
        Some(Entry {
            value: Value::Idents(ids),
            ..
        }) => notes(cx, names, ids),
        Some(other) => {
            cx.err(other.key.span(), "`notes` takes a list such as `[E1, S4]`");
            Vec::new()
        }
        None => Vec::new(),
    };
    let errors_entry = e.take("errors");
    let mut errors = match errors_entry {
        Some(Entry {
            value: Value::Errors(rows),
            ..
        }) => error_rows(cx, names, rows),
        _ => Vec::new(),
    };
    if auth {
        for row in &names.auth_errors {
            if !errors.iter().any(|r| r.code == row.code) {
                errors.push(row.clone());
            }
        }
    }
    let codes: Vec<u32> = errors.iter().map(|r| r.code).collect();
    let path_params = match e.take("path_params") {
        Some(Entry {
            value: Value::Fields(f),
            ..
        }) => params(cx, names, f, true, &what, &codes),
        _ => Vec::new(),
    };
    let query = match e.take("query") {
        Some(Entry {
            value: Value::Fields(f),
            ..
        }) => params(cx, names, f, false, &what, &codes),
        _ => Vec::new(),
    };
    let uri_forms = match e.take("uri_forms") {
        Some(Entry {
            value: Value::Forms(forms),
            ..
        }) => forms
            .iter()
            .map(|(s, m)| {
                check_mods(cx, m, &["since", "dropped"], "a URI form");
                let text = s.value();
                let keys: Vec<String> = if text.is_empty() {
                    Vec::new()
                } else if let Some(rest) = text.strip_prefix('?') {
                    rest.split('&').map(str::to_owned).collect()
                } else {
                    cx.err(s.span(), "a URI form is \"\" or \"?key&key...\"");
                    Vec::new()
                };
                for k in &keys {
                    if !query.iter().any(|q| &q.wire == k) {
                        cx.err(
                            s.span(),
                            format!(
                                "URI form names `{k}`, which is not a query parameter of {what}"
                            ),
                        );
                    }
                }
                UriForm {
                    keys,
                    since: opt_version(cx, &m.since),
                    dropped: opt_version(cx, &m.dropped),
                }
            })
            .collect(),
        Some(other) => {
            cx.err(other.key.span(), "`uri_forms` takes a list of strings");
            Vec::new()
        }
        None => vec![UriForm {
            keys: Vec::new(),
            since: None,
            dropped: None,
        }],
    };
    let request = match e.take("request") {
        None => Some(Request::None),
        Some(Entry {
            value: Value::Request(r),
            ..
        }) => match r {
            ast::RequestDecl::None => Some(Request::None),
            ast::RequestDecl::Empty => Some(Request::Empty),
            ast::RequestDecl::Xml(t, optional) => {
                root_type(cx, names, t, "request").map(|ty| Request::Xml {
                    ty,
                    optional: *optional,
                })
            }
            ast::RequestDecl::Multipart(t, part, required) => root_type(cx, names, t, "request")
                .map(|ty| Request::Multipart {
                    ty,
                    file_part: part.value(),
                    file_required: *required,
                }),
        },
        Some(other) => {
            cx.err(
                other.key.span(),
                "`request` takes none, empty, xml TYPE or multipart TYPE file \"part\"",
            );
            None
        }
    };
    let response = match e.take("response") {
        Some(Entry {
            value: Value::Response(r),
            ..
        }) => {
            let status = r
                .status
                .base10_parse::<u16>()
                .ok()
                .filter(|s| (200..300).contains(s));
            if status.is_none() {
                cx.err(r.status.span(), "a success response has a 2xx status");
            }
            let body = match &r.body {
                ast::ResponseBody::None => Some(ResponseBody::None),
                ast::ResponseBody::Binary(types) => {
                    Some(ResponseBody::Binary(file_types(cx, r.status.span(), types)))
                }
                ast::ResponseBody::Xml(t) => {
                    root_type(cx, names, t, "response").map(ResponseBody::Xml)
                }
                ast::ResponseBody::Json(what_it_is) => {
                    if what_it_is.value().trim().is_empty() {
                        cx.err(
                            what_it_is.span(),
                            "a `json` response says what the document is: `json \"The flow's document ...\"`",
                        );
                    }
                    Some(ResponseBody::Json(what_it_is.value()))
                }
            };
            match (status, body) {
                (Some(status), Some(body)) => Some(Response { status, body }),
                _ => None,
            }
        }
        Some(other) => {
            cx.err(
                other.key.span(),
                "`response` takes STATUS followed by none, binary, xml TYPE or json \"what it is\"",
            );
            None
        }
        None => None,
    };
    let listed = |code: u32| errors.iter().any(|r| r.code == code);
    if matches!(
        request,
        Some(Request::Xml { .. } | Request::Multipart { .. })
    ) && !listed(400000)
    {
        cx.err(
            span,
            format!("{what}: an endpoint with a request body lists 400000, its answer to a malformed body"),
        );
    }
    let example = e.str_mods(cx, "example", &["repaired"]).and_then(|(p, m)| {
        let repaired = m.repaired.as_ref().map(|(n, t)| Repair {
            note: notes(cx, names, std::slice::from_ref(n)).remove(0),
            text: t.value(),
        });
        match read(&p) {
            Ok(text) => Some(Example {
                path: p,
                repaired,
                text,
            }),
            Err(err) => {
                let s = d
                    .entries
                    .iter()
                    .find(|x| x.key == "example")
                    .map(|x| x.key.span())
                    .unwrap_or(span);
                cx.err(s, format!("cannot read example `{p}`: {err}"));
                None
            }
        }
    });
    e.finish(cx, span, &what, &[]);

    for key in [
        "title",
        "page",
        "group",
        "method",
        "path",
        "since",
        "description",
        "response",
    ] {
        if key == "since" && experimental.is_some() {
            continue;
        }
        if !d.entries.iter().any(|x| x.key == key) {
            missing(cx, span, &what, key);
        }
    }
    if errors_entry.is_none() {
        missing(cx, span, &what, "errors");
    }

    if let Some(g) = &group_decl
        && g != group
    {
        cx.err(
            span,
            format!("{what} declares group `{g}` but lives in `{group}.tfspec`"),
        );
    }

    // Path placeholders and path parameters must match one to one.
    if let Some((p, pspan)) = &path {
        if !p.starts_with('/') {
            cx.err(
                *pspan,
                "a path starts with `/` (it follows /api/{version}, or /api/exp)",
            );
        }
        let holes = placeholders(p);
        match &holes {
            Err(msg) => cx.err(*pspan, msg.clone()),
            Ok(holes) => {
                let declared: Vec<String> = d
                    .entries
                    .iter()
                    .filter(|x| x.key == "path_params")
                    .flat_map(|x| match &x.value {
                        Value::Fields(f) => f.iter().map(|f| f.name.to_string()).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                for h in holes {
                    if !declared.contains(h) {
                        cx.err(
                            *pspan,
                            format!("path placeholder `{{{h}}}` has no path parameter in {what}"),
                        );
                    }
                }
                for pp in &path_params {
                    if !holes.contains(&pp.name) {
                        let s = d
                            .entries
                            .iter()
                            .find(|x| x.key == "path_params")
                            .map(|x| x.key.span())
                            .unwrap_or(*pspan);
                        cx.err(
                            s,
                            format!(
                                "path parameter `{}` does not appear in the path of {what}",
                                pp.name
                            ),
                        );
                    }
                }
            }
        }
    }
    let paged = query.iter().any(|q| q.wire == "pageNumber");
    if let Some(size) = query.iter().find(|q| q.wire == "pageSize")
        && paged
        && size
            .default
            .as_deref()
            .and_then(|d| d.parse::<u32>().ok())
            .is_none()
    {
        cx.err(span, format!("{what}: a paginated endpoint's pageSize states the server's default, e.g. `default \"100\"`"));
    }
    let since = since?;
    for q in path_params.iter().chain(&query) {
        if let Some(v) = q.since
            && v < since
        {
            cx.err(
                span,
                format!(
                    "{what}: parameter `{}` appears in {v}, before the endpoint ({since})",
                    q.name
                ),
            );
        }
    }
    let method = method?;
    let idempotent = idempotent.unwrap_or(method != "POST");
    Some(Endpoint {
        id,
        title: title?,
        old_title,
        page: page?,
        group: group.to_owned(),
        method,
        path: path?.0,
        experimental,
        doc_path,
        also_path,
        since,
        description: description?,
        permissions,
        license,
        platform,
        jwt_scope,
        auth,
        idempotent,
        notes: notes_v,
        path_params,
        query,
        uri_forms,
        request: request?,
        response: response?,
        errors,
        example,
    })
}

pub(super) fn placeholders(path: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("unclosed `{` in path".into());
        };
        let name = &after[..close];
        if !is_snake(name) {
            return Err(format!(
                "path placeholder `{{{name}}}` is not a snake_case name"
            ));
        }
        out.push(name.to_owned());
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err("stray `}` in path".into());
    }
    Ok(out)
}

pub(super) fn root_type(cx: &mut Cx, names: &Names, t: &syn::Ident, what: &str) -> Option<String> {
    let s = t.to_string();
    match names.types.get(&s) {
        Some((TypeKindTag::Struct { root: true }, _)) => Some(s),
        Some(_) => {
            cx.err(
                t.span(),
                format!("the {what} type `{s}` must be a `root` struct"),
            );
            None
        }
        None => {
            cx.err(t.span(), format!("unknown type `{s}`"));
            None
        }
    }
}

/// The file types of a file response: at least one, each extension once, each media type
/// `type/subtype`.
fn file_types(cx: &mut Cx, span: Span, types: &[(LitStr, LitStr)]) -> Vec<FileType> {
    if types.is_empty() {
        cx.err(
            span,
            "a file response lists the Content-Type of each file type: `binary [\"tfl\" \"application/xml\", \"tflx\" \"application/octet-stream\"]`",
        );
    }
    let mut out: Vec<FileType> = Vec::new();
    for (ext, media) in types {
        let extension = ext.value();
        if extension.is_empty() || !extension.chars().all(|c| c.is_ascii_alphanumeric()) {
            cx.err(
                ext.span(),
                format!(
                    "a file type is an extension without its dot, such as `tflx`, not `{extension}`"
                ),
            );
        } else if out
            .iter()
            .any(|t| t.extension.eq_ignore_ascii_case(&extension))
        {
            cx.err(
                ext.span(),
                format!("the file type `{extension}` is listed twice"),
            );
        }
        let media_type = media.value();
        let valid = media_type.split_once('/').is_some_and(|(t, s)| {
            let token = |x: &str| {
                !x.is_empty()
                    && x.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
            };
            token(t) && token(s)
        });
        if !valid {
            cx.err(
                media.span(),
                format!(
                    "`{media_type}` is not a media type (`type/subtype`, such as `application/xml`)"
                ),
            );
        }
        out.push(FileType {
            extension,
            media_type,
        });
    }
    out
}
