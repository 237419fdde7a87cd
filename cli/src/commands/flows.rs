//! `flows list|get|delete|tag|untag|download|describe|publish|update|run`.

use super::{FlowNames, flow_name, list, note_more_pages, resume_hint, run_rows, wait_for_run};
use crate::args::{
    DownloadArgs, FlowArg, FlowChanges, FlowRunArgs, FlowsCommand, FlowsListArgs, PublishArgs,
};
use crate::error::CliError;
use crate::interrupt;
use crate::output::{Details, Output, Table, bytes, date, named, text, value};
use crate::progress;
use crate::resolve::{self, looks_like_id};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tableau_flows::endpoints;
use tableau_flows::flows::{FlowUpdate, QueryFlowsResponse, RunFlowNowResponse, UpdateFlowRequest};
use tableau_flows::tags::AddTagsToFlowRequest;
use tableau_flows::{
    CancelToken, Client, DownloadOptions, Error, Flow, FlowParameter, ProjectRef, PublishOptions,
    RunOptions, UserRef,
};

/// Runs a `flows` command; `cancel` stops a transfer, a wait or the listing of pages (Ctrl-C).
pub fn run(
    client: &Client,
    command: FlowsCommand,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        FlowsCommand::List(args) => list_flows(client, args, out, cancel),
        FlowsCommand::Get { flow } => get(client, &flow, out),
        FlowsCommand::Delete { flow } => delete(client, &flow, out),
        FlowsCommand::Tag { flow, tags } => tag(client, &flow, &tags, out),
        FlowsCommand::Untag { flow, tags } => untag(client, &flow, &tags, out),
        FlowsCommand::Download(args) => download(client, args, out, cancel),
        FlowsCommand::Describe(args) => super::describe::describe_flow(client, &args, out, cancel),
        FlowsCommand::Publish(args) => publish(client, args, out, cancel),
        FlowsCommand::Update { flow, changes } => update(client, &flow, changes, out),
        FlowsCommand::Run(args) => run_flow(client, args, out, cancel),
    }
}

/// The table of flows: ID, NAME, PROJECT (its name), OWNER (their name), TYPE, UPDATED, TAGS.
pub fn flow_table(flows: &[Flow]) -> Table {
    let mut t = Table::new(&["ID", "NAME", "PROJECT", "OWNER", "TYPE", "UPDATED", "TAGS"]);
    for f in flows {
        t.row([
            f.id.as_str().to_owned(),
            text(&f.name).to_owned(),
            f.project
                .as_ref()
                .map(|p| p.name.clone().unwrap_or_else(|| p.id.to_string()))
                .unwrap_or_default(),
            f.owner
                .as_ref()
                .map(|o| o.name.clone().unwrap_or_else(|| o.id.to_string()))
                .unwrap_or_default(),
            value(f.file_type.as_ref()),
            date(f.updated_at.as_ref()),
            tag_list(f),
        ]);
    }
    t
}

/// A flow's tags, comma-separated.
fn tag_list(flow: &Flow) -> String {
    flow.tags
        .iter()
        .map(|t| t.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether the flow carries every one of `tags` (exactly as it lists them).
fn carries(flow: &Flow, tags: &[String]) -> bool {
    tags.iter().all(|t| flow.tags.iter().any(|l| l.label == *t))
}

/// Fills in the owners' names where the answers name them by id only, as real servers do
/// (deviation S24): each owner is asked for once with Query User On Site. A user may query only
/// themselves unless an administrator, so after the first refusal the other owners keep their ids;
/// an owner who cannot be found keeps their id too.
fn name_owners(client: &Client, flows: &mut [Flow]) -> Result<(), CliError> {
    let mut names: std::collections::HashMap<String, Option<String>> = Default::default();
    let mut refused = false;
    let me = client
        .session()
        .and_then(|s| s.user_id)
        .map(|id| id.to_string());
    for owner in flows.iter_mut().filter_map(|f| f.owner.as_mut()) {
        if owner.name.is_some() {
            continue;
        }
        let id = owner.id.to_string();
        if !names.contains_key(&id) {
            let name = if let Some(name) = crate::session::known_user_name(&id) {
                Some(name)
            } else if refused && me.as_deref() != Some(id.as_str()) {
                None
            } else {
                match client.query_user_on_site(id.as_str()).send() {
                    Ok(answer) => Some(answer.user.name.unwrap_or(id.clone())),
                    Err(e) => match Error::from(e) {
                        Error::Service(api) => {
                            refused |= api.code.code() / 1000 == 403;
                            None
                        }
                        other => return Err(other.into()),
                    },
                }
            };
            names.insert(id.clone(), name);
        }
        owner.name = names[&id].clone();
    }
    Ok(())
}

fn list_flows(
    client: &Client,
    args: FlowsListArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let listing: (super::Listing<Flow>, usize) = match &args.user {
        Some(user) => {
            let user_id = resolve::user_id(client, user)?;
            let mut call = client.query_flows_for_user(user_id.as_str());
            if args.owned {
                call = call.owned_by(true);
            }
            if let Some(n) = args.pages.page_size {
                call = call.page_size(n);
            }
            tagged(call, args.pages, &args.tags, cancel, |c| {
                let a = c.send()?;
                Ok((a.flows, a.pagination))
            })?
        }
        None => {
            let mut call = client.query_flows_for_site();
            if let Some(f) = args.filter {
                call = call.filter(f);
            }
            if let Some(s) = args.sort {
                call = call.sort(s);
            }
            if let Some(n) = args.pages.page_size {
                call = call.page_size(n);
            }
            tagged(call, args.pages, &args.tags, cancel, |c| {
                let a = c.send()?;
                Ok((a.flows, a.pagination))
            })?
        }
    };
    let (mut listing, read) = listing;
    if out.is_json() {
        return out.json(&model!(
            QueryFlowsResponse::new(),
            pagination = listing.pagination,
            flows = listing.items,
        ));
    }
    name_owners(client, &mut listing.items)?;
    out.table(&flow_table(&listing.items))?;
    if !args.tags.is_empty() && listing.pagination.is_some() {
        // One page was read: say how many of its flows matched before the note on other pages.
        out.flush()?;
        crate::verbose::to_stderr(&format!(
            "({} of the {read} flows of this page carry the tags; --all reads every page)",
            listing.items.len()
        ));
    }
    note_more_pages(
        out,
        listing.pagination.as_ref(),
        read,
        "flows",
        &endpoints::QUERY_FLOWS_FOR_SITE,
    )
}

/// The flows of a listing that carry every one of `tags` (all of them when none is given), and
/// how many flows the pages read held. Servers refuse `tags` as a flow filter field (deviation
/// S14), so the pages are filtered here: with `--all` or `--limit N` pages are read until `N`
/// flows match (or none is left); otherwise the one page read is filtered.
fn tagged<B: tableau_flows::pagination::Paged<Item = Flow>>(
    call: B,
    pages: crate::args::PageArgs,
    tags: &[String],
    cancel: &CancelToken,
    send: impl FnOnce(B) -> Result<(Vec<Flow>, Option<tableau_flows::Pagination>), CliError>,
) -> Result<(super::Listing<Flow>, usize), CliError> {
    if tags.is_empty() {
        let listing = list(call, pages, "flows", cancel, send)?;
        let read = listing.items.len();
        return Ok((listing, read));
    }
    if pages.all || pages.limit.is_some() {
        let (items, read) =
            super::every_matching(call, pages.limit, "flows", cancel, |f| carries(f, tags))?;
        return Ok((
            super::Listing {
                items,
                pagination: None,
            },
            read,
        ));
    }
    let (items, pagination) = send(call)?;
    let read = items.len();
    let items = items.into_iter().filter(|f| carries(f, tags)).collect();
    Ok((super::Listing { items, pagination }, read))
}

fn tag(client: &Client, flow: &FlowArg, tags: &[String], out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, flow)?;
    let answer = client
        .add_tags_to_flow(flow_id.as_str(), AddTagsToFlowRequest::new(tags))
        .send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    let all: Vec<&str> = answer.tags.iter().map(|t| t.label.as_str()).collect();
    out.line(format!(
        "tagged flow {}; its tags: {}",
        shown(&flow.flow, &flow_id),
        all.join(", ")
    ))
}

fn untag(
    client: &Client,
    flow: &FlowArg,
    tags: &[String],
    out: &mut Output,
) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, flow)?;
    for t in tags {
        client
            .delete_tag_from_flow(flow_id.as_str(), t.as_str())
            .send()?;
    }
    if out.is_json() {
        return out.json(&json!({ "flowId": flow_id, "removedTags": tags }));
    }
    out.line(format!(
        "removed {} from flow {}",
        tags.join(", "),
        shown(&flow.flow, &flow_id)
    ))
}

fn describe_domain(p: &FlowParameter) -> String {
    use tableau_flows::{ParameterDomainKind, ParameterDomainType};
    let Some(d) = &p.domain else {
        return "any".to_owned();
    };
    if !d.values.is_empty() {
        return format!("one of {}", d.values.join(", "));
    }
    if d.min_value.is_some() || d.max_value.is_some() {
        let mut s = format!("{}..{}", text(&d.min_value), text(&d.max_value));
        if let Some(step) = &d.step_size {
            s.push_str(&format!(" step {step}"));
        }
        return s;
    }
    match (&d.kind, &d.domain_type) {
        (Some(ParameterDomainKind::Binary), _) => "true or false".to_owned(),
        (Some(ParameterDomainKind::System), _) => "set by the system".to_owned(),
        (Some(ParameterDomainKind::Any), _) | (_, Some(ParameterDomainType::Any)) => {
            "any".to_owned()
        }
        (Some(kind), _) => kind.as_str().to_owned(),
        (None, Some(t)) => t.as_str().to_owned(),
        (None, None) => "any".to_owned(),
    }
}

/// The fields of a flow, its output steps and its parameters.
fn show_flow(
    flow: &Flow,
    steps: &[tableau_flows::FlowOutputStep],
    out: &mut Output,
) -> Result<(), CliError> {
    let mut d = Details::new();
    d.field("ID", flow.id.as_str())
        .field("Name", text(&flow.name))
        .field("Description", text(&flow.description))
        .field(
            "Project",
            flow.project
                .as_ref()
                .map(|p| named(p.name.as_deref(), p.id.as_str()))
                .unwrap_or_default(),
        )
        .field(
            "Owner",
            flow.owner
                .as_ref()
                .map(|o| named(o.name.as_deref(), o.id.as_str()))
                .unwrap_or_default(),
        )
        .field("Type", value(flow.file_type.as_ref()))
        .field("Created", date(flow.created_at.as_ref()))
        .field("Updated", date(flow.updated_at.as_ref()))
        .field("Web page", text(&flow.webpage_url))
        .field(
            "Tags",
            flow.tags
                .iter()
                .map(|t| t.label.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        );
    out.details(&d)?;
    if !steps.is_empty() {
        out.line("")?;
        let mut t = Table::new(&["OUTPUT STEP", "NAME"]);
        for s in steps {
            t.row([s.id.as_str(), text(&s.name)]);
        }
        out.table(&t)?;
    }
    if !flow.parameters.is_empty() {
        out.line("")?;
        let mut t = Table::new(&[
            "PARAMETER",
            "NAME",
            "TYPE",
            "REQUIRED",
            "DEFAULT",
            "ALLOWED",
        ]);
        for p in &flow.parameters {
            t.row([
                p.id.as_str().to_owned(),
                text(&p.name).to_owned(),
                value(p.data_type.as_ref()),
                p.is_required
                    .map(|r| if r { "yes" } else { "no" })
                    .unwrap_or("")
                    .to_owned(),
                text(&p.value).to_owned(),
                describe_domain(p),
            ]);
        }
        out.table(&t)?;
    }
    Ok(())
}

fn get(client: &Client, flow: &FlowArg, out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, flow)?;
    let mut answer = client.query_flow(flow_id.as_str()).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    name_owners(client, std::slice::from_mut(&mut answer.flow))?;
    show_flow(&answer.flow, &answer.output_steps, out)
}

/// `name (id)` when the argument was a name, the id otherwise.
fn shown(arg: &str, id: &str) -> String {
    if arg == id {
        id.to_owned()
    } else {
        named(Some(arg), id)
    }
}

fn delete(client: &Client, flow: &FlowArg, out: &mut Output) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, flow)?;
    client.delete_flow(flow_id.as_str()).send()?;
    if out.is_json() {
        return out.json(&json!({ "flowId": flow_id, "deleted": true }));
    }
    out.line(format!("deleted flow {}", shown(&flow.flow, &flow_id)))
}

/// The message of an interrupted download.
const DOWNLOAD_INTERRUPTED: &str =
    "interrupted; the partial file was removed: run the same command again to download the flow";

/// What a failed download says: an interruption how to resume, an existing file how to replace it.
fn download_error(e: Error) -> CliError {
    match e {
        Error::Cancelled(_) => CliError::Interrupted(DOWNLOAD_INTERRUPTED.to_owned()),
        Error::FileExists(path) => CliError::other(format!(
            "{} exists: give --force to replace it",
            path.display()
        )),
        other => CliError::from(other),
    }
}

/// Whether `-o PATH` names a directory to download into: a directory (not a link to one), or a
/// directory written with a trailing separator (`link/`, which follows a link).
fn is_download_dir(p: &Path) -> bool {
    let text = p.as_os_str().to_string_lossy();
    if text.ends_with(['/', '\\']) {
        return p.is_dir();
    }
    std::fs::symlink_metadata(p).is_ok_and(|m| m.is_dir())
}

/// Downloads a flow into `target`: an existing directory gets the server's file name (the current
/// directory without a target), anything else is the file to write. The file appears only once
/// complete; an existing one is replaced only with `force`; a character device or a FIFO is
/// written into; a symbolic link is followed to a file only with `force`, and to a directory
/// only when written `link/`; `cancel` stops the download and removes the partial file. Returns
/// the path and the number of bytes.
pub fn download_to(
    client: &Client,
    flow_id: &str,
    target: Option<&Path>,
    force: bool,
    cancel: &CancelToken,
) -> Result<(PathBuf, u64), CliError> {
    let (dir, file_name) = match target {
        None => (PathBuf::new(), None),
        Some(p) if is_download_dir(p) => (p.to_owned(), None),
        Some(p) => {
            let text = p.as_os_str().to_string_lossy();
            if text.ends_with(['/', '\\']) {
                return Err(CliError::other(format!(
                    "{}: no such directory",
                    p.display()
                )));
            }
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| CliError::other(format!("{} names no file", p.display())))?;
            let parent = p.parent().map(Path::to_owned).unwrap_or_default();
            if !parent.as_os_str().is_empty() && !parent.is_dir() {
                return Err(CliError::other(format!(
                    "{}: no such directory",
                    parent.display()
                )));
            }
            (parent, Some(name))
        }
    };
    let bar = progress::transfer(&format!("downloading {flow_id}"));
    let guard = interrupt::cancellable();
    // The bytes written, counted as they go (a device or a FIFO has no size to read after).
    let moved = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let (counter, show) = (moved.clone(), progress::transfer_callback(&bar));
    let mut options = DownloadOptions::new()
        .overwrite(force)
        .progress(std::sync::Arc::new(move |done, total| {
            counter.store(done, std::sync::atomic::Ordering::Relaxed);
            show(done, total);
        }))
        .cancel(cancel.clone());
    if let Some(name) = file_name {
        options = options.file_name(name);
    }
    let result = client.download_flow_into(flow_id, &dir, options);
    bar.finish_and_clear();
    drop(guard);
    let path = result.map_err(download_error)?;
    Ok((path, moved.load(std::sync::atomic::Ordering::Relaxed)))
}

/// Downloads a flow to standard output, until `cancel` is raised.
fn download_to_stdout(
    client: &Client,
    flow_id: &str,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let bar = progress::transfer(&format!("downloading {flow_id}"));
    let guard = interrupt::cancellable();
    let options = DownloadOptions::new()
        .progress(progress::transfer_callback(&bar))
        .cancel(cancel.clone());
    let result = client.download_flow_to(flow_id, out.writer(), options);
    bar.finish_and_clear();
    drop(guard);
    match result {
        Ok(_) => out.flush(),
        Err(_) if cancel.is_cancelled() => Err(CliError::Interrupted(
            "interrupted; what was written to standard output is incomplete: run the same \
             command again to download the flow"
                .to_owned(),
        )),
        Err(Error::Io(e)) => Err(crate::output::stdout_error(e)),
        Err(e) => Err(CliError::from(e)),
    }
}

fn download(
    client: &Client,
    args: DownloadArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let to_stdout = args.output.as_deref() == Some(Path::new("-"));
    if to_stdout && out.is_json() {
        return Err(CliError::usage(
            "-o - writes the flow file itself to standard output: it takes no --json",
        ));
    }
    let flow_id = resolve::flow_id(client, &args.flow)?;
    if to_stdout {
        return download_to_stdout(client, &flow_id, out, cancel);
    }
    let (path, size) = download_to(client, &flow_id, args.output.as_deref(), args.force, cancel)?;
    if out.is_json() {
        return out.json(&json!({
            "flowId": flow_id,
            "path": path.display().to_string(),
            "bytes": size,
        }));
    }
    out.line(format!(
        "downloaded flow {} to {} ({})",
        shown(&args.flow.flow, &flow_id),
        path.display(),
        bytes(size)
    ))
}

/// Refuses a file that is not a flow file before anything is sent (a server would answer 400087
/// once the whole file is uploaded): it reads only the archive's directory and its `flow` entry.
/// A file that cannot be opened is left to the publish, which says why.
fn check_flow_file(path: &std::path::Path) -> Result<(), CliError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    tableau_flows_mock::check_flow_file(std::io::BufReader::new(file)).map_err(|error| {
        CliError::NotAFlowFile {
            path: path.display().to_string(),
            error,
        }
    })
}

fn publish(
    client: &Client,
    args: PublishArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    check_flow_file(&args.file)?;
    let project_id = resolve::project_id(client, &args.project)?;
    let bar = progress::transfer(&format!("publishing {}", args.file.display()));
    let guard = interrupt::cancellable();
    let mut options = PublishOptions::new(project_id.as_str())
        .overwrite(args.overwrite)
        .progress(progress::transfer_callback(&bar))
        .cancel(cancel.clone());
    if let Some(name) = args.name {
        options = options.name(name);
    }
    if let Some(description) = args.description {
        options = options.description(description);
    }
    let result = client.publish_flow_file(&args.file, options);
    bar.finish_and_clear();
    drop(guard);
    let answer = result.map_err(|e| match e {
        Error::Cancelled(_) => CliError::Interrupted(
            "interrupted; nothing was published: run the same command again to publish the flow"
                .to_owned(),
        ),
        other => CliError::from(other),
    })?;
    if out.is_json() {
        return out.json(&answer);
    }
    let flow = &answer.flow;
    out.line(format!(
        "published {} as flow {} ({}){}",
        args.file.display(),
        flow.id.as_str(),
        text(&flow.name),
        flow.project
            .as_ref()
            .map(|p| format!(" in project {}", named(p.name.as_deref(), p.id.as_str())))
            .unwrap_or_default()
    ))?;
    if let Some(url) = &flow.webpage_url {
        out.line(url)?;
    }
    Ok(())
}

fn update(
    client: &Client,
    flow: &str,
    changes: FlowChanges,
    out: &mut Output,
) -> Result<(), CliError> {
    let flow_id = resolve::flow_id_in(client, flow, None)?;
    let project = match &changes.project {
        Some(p) => Some(resolve::project_id(client, p)?),
        None => None,
    };
    let owner = match &changes.owner {
        Some(u) => Some(resolve::user_id(client, u)?),
        None => None,
    };
    let body = UpdateFlowRequest {
        flow: FlowUpdate {
            project: project.map(ProjectRef::new),
            owner: owner.map(UserRef::new),
        },
    };
    let mut answer = client.update_flow(flow_id.as_str(), body).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    name_owners(client, std::slice::from_mut(&mut answer.flow))?;
    out.line(format!("updated flow {}", shown(flow, &flow_id)))?;
    out.table(&flow_table(std::slice::from_ref(&answer.flow)))
}

fn run_flow(
    client: &Client,
    args: FlowRunArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let flow_id = resolve::flow_id(client, &args.flow)?;
    let mut options = RunOptions::new();
    for step in args.output_steps {
        options = options.output_step(step);
    }
    if let Some(mode) = args.mode {
        options = options.mode(mode.into());
    }
    for (name, val) in args.params {
        options = options.parameter(name, val);
    }
    let started = client.run_flow(flow_id.as_str(), options)?;
    let run_id = started.flow_run_id().ok();
    let flow_shown = shown(&args.flow.flow, &flow_id);
    if !args.wait {
        if out.is_json() {
            return out.json(&RunFlowNowResponse::new(started.job));
        }
        return out.line(match &run_id {
            Some(id) => format!(
                "started flow run {} of flow {flow_shown} (job {}); follow it with: {}",
                id.as_str(),
                started.job.id.as_str(),
                resume_hint(id.as_str())
            ),
            None => format!(
                "started job {} for flow {flow_shown} (the server named no flow run)",
                started.job.id.as_str(),
            ),
        });
    }
    let run_id = started.flow_run_id()?;
    if !out.is_json() {
        out.line(format!(
            "started flow run {} of flow {flow_shown} (job {})",
            run_id.as_str(),
            started.job.id.as_str()
        ))?;
        out.flush()?;
    }
    let timeout = args.timeout.map(Duration::from_secs);
    let (run, outcome) = wait_for_run(client, run_id.as_str(), timeout, cancel);
    if out.is_json() {
        if let Some(run) = &run {
            out.json(&json!({ "job": started.job, "flowRun": run }))?;
        }
    } else if let Some(run) = &run {
        let names = if looks_like_id(&args.flow.flow) {
            flow_name(client, Some(flow_id.as_str()))
        } else {
            FlowNames::from([(flow_id.clone(), args.flow.flow.clone())])
        };
        out.table(&run_rows(std::slice::from_ref(run), &names))?;
    }
    outcome
}
