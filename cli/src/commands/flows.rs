//! `flows list|get|delete|download|publish|update|run`.

use super::{run_rows, wait_for_run};
use crate::args::{FlowChanges, FlowRunArgs, FlowsCommand, FlowsListArgs};
use crate::error::CliError;
use crate::output::{Details, Output, Table, bytes, date, named, text, value};
use crate::progress;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tableau_flows::run::RunOptions;
use tableau_flows::upload::PublishOptions;
use tableau_flows::{
    Client, Flow, FlowParameter, FlowUpdate, Pagination, ProjectRef, QueryFlowsResponse,
    RunFlowNowResponse, UpdateFlowRequest, UserRef,
};

/// Runs a `flows` command.
pub fn run(client: &Client, command: FlowsCommand, out: &mut Output) -> Result<(), CliError> {
    match command {
        FlowsCommand::List(args) => list(client, args, out),
        FlowsCommand::Get { flow_id } => get(client, &flow_id, out),
        FlowsCommand::Delete { flow_id } => delete(client, &flow_id, out),
        FlowsCommand::Download { flow_id, output } => {
            download(client, &flow_id, output.as_deref(), out)
        }
        FlowsCommand::Publish {
            file,
            project,
            name,
            overwrite,
        } => publish(client, &file, &project, name, overwrite, out),
        FlowsCommand::Update { flow_id, changes } => update(client, &flow_id, changes, out),
        FlowsCommand::Run(args) => run_flow(client, args, out),
    }
}

/// The table of flows: ID, NAME, PROJECT, OWNER, TYPE, UPDATED.
pub fn flow_table(flows: &[Flow]) -> Table {
    let mut t = Table::new(&["ID", "NAME", "PROJECT", "OWNER", "TYPE", "UPDATED"]);
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
        ]);
    }
    t
}

/// The first requested page, or (`all`) every page in one answer without `pagination`.
fn one_page_or_all<B>(
    call: B,
    all: bool,
    send: impl FnOnce(B) -> Result<QueryFlowsResponse, tableau_flows::Error<B::Error>>,
) -> Result<QueryFlowsResponse, CliError>
where
    B: tableau_flows::pagination::Paged<Item = tableau_flows::Flow>,
{
    if all {
        let flows = tableau_flows::pagination::Pages::new(call).collect::<Result<Vec<_>, _>>()?;
        Ok(QueryFlowsResponse {
            pagination: None,
            flows,
        })
    } else {
        Ok(send(call)?)
    }
}

fn list(client: &Client, args: FlowsListArgs, out: &mut Output) -> Result<(), CliError> {
    let answer = match &args.user {
        Some(user) => {
            let mut call = client.query_flows_for_user(user.as_str());
            if args.owned {
                call = call.owned_by(true);
            }
            if let Some(n) = args.page_size {
                call = call.page_size(n);
            }
            one_page_or_all(call, args.all, |c| c.send())?
        }
        None => {
            let mut call = client.query_flows_for_site();
            if let Some(f) = args.filter {
                call = call.filter(f);
            }
            if let Some(s) = args.sort {
                call = call.sort(s);
            }
            if let Some(n) = args.page_size {
                call = call.page_size(n);
            }
            one_page_or_all(call, args.all, |c| c.send())?
        }
    };
    if out.is_json() {
        return out.json(&answer);
    }
    out.table(&flow_table(&answer.flows))?;
    if let Some(note) = more_pages(answer.pagination.as_ref(), answer.flows.len()) {
        out.flush()?;
        eprintln!("{note}");
    }
    Ok(())
}

/// A note for stderr when a page does not hold every item: how many there are in all.
fn more_pages(pagination: Option<&Pagination>, shown: usize) -> Option<String> {
    let p = pagination?;
    let total = p.total_available?;
    let number = u64::from(p.page_number.unwrap_or(1));
    let default = tableau_flows::endpoints::QUERY_FLOWS_FOR_SITE
        .param("pageSize")
        .and_then(|p| p.default)
        .and_then(|d| d.parse().ok())
        .unwrap_or(1);
    let size = u64::from(p.page_size.unwrap_or(default));
    let before = number.saturating_sub(1) * size;
    (before + (shown as u64) < total).then(|| {
        format!(
            "(page {number}: {shown} of {total} flows; --all lists every page, --page-size sets the page size)"
        )
    })
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

fn get(client: &Client, flow_id: &str, out: &mut Output) -> Result<(), CliError> {
    let answer = client.query_flow(flow_id).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    show_flow(&answer.flow, &answer.output_steps, out)
}

fn delete(client: &Client, flow_id: &str, out: &mut Output) -> Result<(), CliError> {
    client.delete_flow(flow_id).send()?;
    if out.is_json() {
        return out.json(&json!({ "flowId": flow_id, "deleted": true }));
    }
    out.line(format!("deleted flow {flow_id}"))
}

/// Downloads a flow into `target`: an existing directory gets the server's file name, anything
/// else is the file to write (written beside it first and renamed once complete). Returns the
/// path and the number of bytes.
pub fn download_to(
    client: &Client,
    flow_id: &str,
    target: Option<&Path>,
) -> Result<(PathBuf, u64), CliError> {
    let bar = progress::transfer(&format!("downloading {flow_id}"));
    let callback = Some(progress::transfer_callback(&bar));
    let dir = match target {
        None => Some(PathBuf::from(".")),
        Some(p) if p.is_dir() => Some(p.to_owned()),
        Some(_) => None,
    };
    let result = match dir {
        Some(dir) => client
            .download_flow_into(flow_id, &dir, callback)
            .map_err(CliError::from)
            .and_then(|path| {
                let size = std::fs::metadata(&path)
                    .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?
                    .len();
                Ok((path, size))
            }),
        None => {
            let path = target.map(Path::to_owned).unwrap_or_default();
            download_file(client, flow_id, &path, callback).map(|n| (path, n))
        }
    };
    bar.finish_and_clear();
    result
}

/// Downloads into the file `path`, through `path.part` so that the file appears only complete.
fn download_file(
    client: &Client,
    flow_id: &str,
    path: &Path,
    progress: Option<tableau_flows::Progress>,
) -> Result<u64, CliError> {
    if path.as_os_str().to_string_lossy().ends_with(['/', '\\']) {
        return Err(CliError::other(format!(
            "{}: no such directory",
            path.display()
        )));
    }
    let mut partial = path.as_os_str().to_owned();
    partial.push(".part");
    let partial = PathBuf::from(partial);
    let file = std::fs::File::create(&partial)
        .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
    let mut writer = std::io::BufWriter::new(file);
    let result = client
        .download_flow_to(flow_id, &mut writer, progress)
        .map_err(CliError::from)
        .and_then(|(n, _)| {
            let file = writer
                .into_inner()
                .map_err(|e| CliError::other(format!("{}: {}", path.display(), e.error())))?;
            file.sync_all()
                .and_then(|()| std::fs::rename(&partial, path))
                .map_err(|e| CliError::other(format!("{}: {e}", path.display())))?;
            Ok(n)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn download(
    client: &Client,
    flow_id: &str,
    target: Option<&Path>,
    out: &mut Output,
) -> Result<(), CliError> {
    let (path, size) = download_to(client, flow_id, target)?;
    if out.is_json() {
        return out.json(&json!({
            "flowId": flow_id,
            "path": path.display().to_string(),
            "bytes": size,
        }));
    }
    out.line(format!(
        "downloaded flow {flow_id} to {} ({})",
        path.display(),
        bytes(size)
    ))
}

fn publish(
    client: &Client,
    file: &Path,
    project: &str,
    name: Option<String>,
    overwrite: bool,
    out: &mut Output,
) -> Result<(), CliError> {
    let bar = progress::transfer(&format!("publishing {}", file.display()));
    let mut options = PublishOptions::new(project)
        .overwrite(overwrite)
        .progress(progress::transfer_callback(&bar));
    if let Some(name) = name {
        options = options.name(name);
    }
    let result = client.publish_flow_file(file, options);
    bar.finish_and_clear();
    let answer = result?;
    if out.is_json() {
        return out.json(&answer);
    }
    let flow = &answer.flow;
    out.line(format!(
        "published {} as flow {} ({}){}",
        file.display(),
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
    flow_id: &str,
    changes: FlowChanges,
    out: &mut Output,
) -> Result<(), CliError> {
    let body = UpdateFlowRequest {
        flow: FlowUpdate {
            project: changes.project.map(|id| ProjectRef {
                id: id.into(),
                name: None,
            }),
            owner: changes.owner.map(|id| UserRef {
                id: id.into(),
                name: None,
            }),
        },
    };
    let answer = client.update_flow(flow_id, body).send()?;
    if out.is_json() {
        return out.json(&answer);
    }
    out.line(format!("updated flow {flow_id}"))?;
    out.table(&flow_table(std::slice::from_ref(&answer.flow)))
}

fn run_flow(client: &Client, args: FlowRunArgs, out: &mut Output) -> Result<(), CliError> {
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
    let started = client.run_flow(args.flow_id.as_str(), options)?;
    let run_id = started.flow_run_id().ok();
    if !args.wait {
        if out.is_json() {
            return out.json(&RunFlowNowResponse { job: started.job });
        }
        return out.line(match &run_id {
            Some(id) => format!(
                "started flow run {} of flow {} (job {})",
                id.as_str(),
                args.flow_id,
                started.job.id.as_str()
            ),
            None => format!(
                "started job {} for flow {} (the server named no flow run)",
                started.job.id.as_str(),
                args.flow_id
            ),
        });
    }
    let run_id = started.flow_run_id()?;
    if !out.is_json() {
        out.line(format!(
            "started flow run {} of flow {} (job {})",
            run_id.as_str(),
            args.flow_id,
            started.job.id.as_str()
        ))?;
        out.flush()?;
    }
    let timeout = args.timeout.map(Duration::from_secs);
    let (run, outcome) = wait_for_run(client, run_id.as_str(), timeout);
    if out.is_json() {
        if let Some(run) = &run {
            out.json(&json!({ "job": started.job, "flowRun": run }))?;
        }
    } else if let Some(run) = &run {
        out.table(&run_rows(std::slice::from_ref(run)))?;
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_only_when_pages_are_left() {
        let p = |number, size, total| Pagination {
            page_number: Some(number),
            page_size: Some(size),
            total_available: Some(total),
        };
        assert_eq!(more_pages(Some(&p(1, 100, 40)), 40), None);
        assert_eq!(more_pages(Some(&p(2, 10, 20)), 10), None);
        assert!(
            more_pages(Some(&p(1, 10, 25)), 10)
                .unwrap()
                .contains("10 of 25")
        );
        assert_eq!(more_pages(None, 10), None);
    }
}
