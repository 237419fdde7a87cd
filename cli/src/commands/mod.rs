//! The commands that talk to a server, one module per group, and what they share.

pub mod api;
pub mod auth;
pub mod connections;
pub mod describe;
pub mod directory;
pub mod flows;
pub mod jobs;
pub mod linked;
pub mod permissions;
pub mod runs;
pub mod server;
pub mod tasks;

use crate::args::{Command, PageArgs};
use crate::error::CliError;
use crate::interrupt;
use crate::output::{Output, Table, date, named, value};
use crate::progress;
use std::collections::HashMap;
use std::time::Duration;
use tableau_flows::meta::EndpointMeta;
use tableau_flows::pagination::{Paged, Pages};
use tableau_flows::{CancelToken, Client, Error, FlowRun, Pagination, WaitOptions};

/// Runs a command that needs a signed-in client (`server-info`, `mock`, `demo`, `completions`
/// and `api --list` do not); `cancel` is raised by Ctrl-C during a wait or a transfer.
pub fn run(
    client: &Client,
    command: Command,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    match command {
        Command::Flows(c) => flows::run(client, c, out, cancel),
        Command::Runs(c) => runs::run(client, c, out, cancel),
        Command::Tasks(c) => tasks::run(client, c, out),
        Command::Linked(c) => linked::run(client, c, out, cancel),
        Command::Connections(c) => connections::run(client, c, out),
        Command::Permissions(c) => permissions::run(client, c, out),
        Command::Jobs(c) => jobs::run(client, c, out, cancel),
        Command::Projects(c) => directory::projects(client, c, out, cancel),
        Command::Users(c) => directory::users(client, c, out, cancel),
        Command::Groups(c) => directory::groups(client, c, out, cancel),
        Command::Schedules(c) => directory::schedules(client, c, out, cancel),
        Command::Api(args) => api::call(client, &args, out),
        Command::ServerInfo => server::info(client, out),
        Command::Mock(_)
        | Command::Demo
        | Command::Mcp(_)
        | Command::Completions { .. }
        | Command::Login
        | Command::Logout
        | Command::Status(_)
        | Command::Profiles(_) => Err(CliError::other(
            "mock, demo, mcp, completions, login, logout, status and profiles are not run here",
        )),
    }
}

/// One page of a list, or every page (`pagination` is then `None`).
#[derive(Debug)]
pub struct Listing<T> {
    /// The items.
    pub items: Vec<T>,
    /// Where the page stands, for one page.
    pub pagination: Option<Pagination>,
}

/// The page `call` asks for (sent with `send`), or with `--all` every page, or with `--limit N`
/// at most N items from as many pages as they need; Ctrl-C stops the pages (see [`every`]).
/// `what` is the items' plural.
pub fn list<B: Paged>(
    call: B,
    pages: PageArgs,
    what: &str,
    cancel: &CancelToken,
    send: impl FnOnce(B) -> Result<(Vec<B::Item>, Option<Pagination>), CliError>,
) -> Result<Listing<B::Item>, CliError> {
    if pages.all || pages.limit.is_some() {
        let items = every(call, pages.limit, what, cancel)?;
        Ok(Listing {
            items,
            pagination: None,
        })
    } else {
        let (items, pagination) = send(call)?;
        Ok(Listing { items, pagination })
    }
}

/// `n` and the noun, plural unless one: `1 page`, `3 pages`.
fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Every item of the list `call` asks for, at most `limit` of them (fetching no page beyond what
/// they need). Ctrl-C (`cancel`) stops it between two items, with [`CliError::Interrupted`]
/// saying how many pages and items had been fetched: a server may claim any number of pages.
/// `what` is the items' plural.
pub fn every<B: Paged>(
    call: B,
    limit: Option<u64>,
    what: &str,
    cancel: &CancelToken,
) -> Result<Vec<B::Item>, CliError> {
    let _guard = interrupt::cancellable();
    let mut pages = Pages::new(call);
    if let Some(n) = limit {
        pages = pages.limit(n);
    }
    let mut items = Vec::new();
    loop {
        if cancel.is_cancelled() {
            return Err(CliError::Interrupted(format!(
                "interrupted after fetching {} and {} {what}; --limit N lists at most N",
                count(u64::from(pages.pages_fetched()), "page", "pages"),
                items.len()
            )));
        }
        match pages.next() {
            Some(item) => items.push(item?),
            None => return Ok(items),
        }
    }
}

/// The items of the list `call` asks for that `keep` accepts, at most `limit` of them, and how
/// many items were read: pages are fetched until `limit` items match or none is left (a filter the
/// server does not offer, applied here). Ctrl-C (`cancel`) stops it as [`every`] does.
pub fn every_matching<B: Paged>(
    call: B,
    limit: Option<u64>,
    what: &str,
    cancel: &CancelToken,
    keep: impl Fn(&B::Item) -> bool,
) -> Result<(Vec<B::Item>, usize), CliError> {
    let _guard = interrupt::cancellable();
    let mut pages = Pages::new(call);
    let (mut items, mut read) = (Vec::new(), 0);
    loop {
        if limit.is_some_and(|n| items.len() as u64 >= n) {
            return Ok((items, read));
        }
        if cancel.is_cancelled() {
            return Err(CliError::Interrupted(format!(
                "interrupted after fetching {} and {read} {what}, {} of them matching; --limit N lists at most N",
                count(u64::from(pages.pages_fetched()), "page", "pages"),
                items.len()
            )));
        }
        match pages.next() {
            Some(item) => {
                let item = item?;
                read += 1;
                if keep(&item) {
                    items.push(item);
                }
            }
            None => return Ok((items, read)),
        }
    }
}

/// A note for stderr when a page does not hold every item: how many there are in all. `what` is
/// the items' plural; `endpoint` gives the server's default page size.
pub fn more_pages(
    pagination: Option<&Pagination>,
    shown: usize,
    what: &str,
    endpoint: &EndpointMeta,
) -> Option<String> {
    let p = pagination?;
    let total = p.total_available?;
    let number = u64::from(p.page_number.unwrap_or(1));
    let default = endpoint
        .param("pageSize")
        .and_then(|p| p.default)
        .and_then(|d| d.parse().ok())
        .unwrap_or(100);
    let size = u64::from(p.page_size.unwrap_or(default));
    let before = number.saturating_sub(1) * size;
    (before + (shown as u64) < total).then(|| {
        format!(
            "(page {number}: {shown} of {total} {what}; --all lists every page, --page-size sets the page size)"
        )
    })
}

/// Prints the note of [`more_pages`], if any, on stderr after what was printed.
pub fn note_more_pages(
    out: &mut Output,
    pagination: Option<&Pagination>,
    shown: usize,
    what: &str,
    endpoint: &EndpointMeta,
) -> Result<(), CliError> {
    if let Some(note) = more_pages(pagination, shown, what, endpoint) {
        out.flush()?;
        crate::verbose::to_stderr(&note);
    }
    Ok(())
}

/// Flow names by id, as far as they are known (best effort: for tables only).
pub type FlowNames = HashMap<String, String>;

/// The names of the site's flows (one request of up to 1000; nothing if it fails).
pub fn flow_names(client: &Client) -> FlowNames {
    client
        .query_flows_for_site()
        .page_size(1000)
        .send()
        .map(|answer| {
            answer
                .flows
                .into_iter()
                .filter_map(|f| f.name.map(|n| (f.id.to_string(), n)))
                .collect()
        })
        .unwrap_or_default()
}

/// The name of one flow (nothing if it cannot be read).
pub fn flow_name(client: &Client, flow_id: Option<&str>) -> FlowNames {
    let Some(id) = flow_id else {
        return FlowNames::new();
    };
    client
        .query_flow(id)
        .send()
        .ok()
        .and_then(|a| a.flow.name)
        .map(|name| FlowNames::from([(id.to_owned(), name)]))
        .unwrap_or_default()
}

/// Why flow runs failed, by run id (for tables).
pub type Reasons = HashMap<String, String>;

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// A duration as people read it: `45s`, `1m 12s`, `2h 5m`, `3d 4h`.
pub fn human_duration(secs: u64) -> String {
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

/// How long a run took (completed - started), or for a run still pending or in progress how
/// long it has been going (`now` - started); nothing without the times to tell.
pub fn run_duration(run: &FlowRun, now: i64) -> String {
    let Some(start) = run.started_at.as_ref().map(|d| d.unix_timestamp()) else {
        return String::new();
    };
    let end = match run.completed_at.as_ref() {
        Some(c) => c.unix_timestamp(),
        None if matches!(
            run.status,
            Some(tableau_flows::RunStatus::Pending | tableau_flows::RunStatus::InProgress)
        ) =>
        {
            now
        }
        None => return String::new(),
    };
    human_duration(u64::try_from(end.saturating_sub(start)).unwrap_or(0))
}

/// The table of flow runs: ID, FLOW (its name beside its id when known), STATUS, STARTED,
/// DURATION, PROGRESS.
pub fn run_rows(runs: &[FlowRun], names: &FlowNames) -> Table {
    run_table(runs, names, &Reasons::new(), now_unix())
}

/// [`run_rows`], with a REASON column when a run has one in `reasons`; durations of unfinished
/// runs are counted to `now` (seconds since the Unix epoch).
pub fn run_table(runs: &[FlowRun], names: &FlowNames, reasons: &Reasons, now: i64) -> Table {
    let with_reasons = runs.iter().any(|r| reasons.contains_key(r.id.as_str()));
    let mut headers = vec!["ID", "FLOW", "STATUS", "STARTED", "DURATION", "PROGRESS"];
    if with_reasons {
        headers.push("REASON");
    }
    let mut t = Table::new(&headers);
    for r in runs {
        let flow = r
            .flow_id
            .as_ref()
            .map(|f| named(names.get(f.as_str()).map(String::as_str), f.as_str()))
            .unwrap_or_default();
        t.row([
            r.id.as_str().to_owned(),
            flow,
            value(r.status.as_ref()),
            date(r.started_at.as_ref()),
            run_duration(r, now),
            r.progress.map(|p| format!("{p}%")).unwrap_or_default(),
            reasons.get(r.id.as_str()).cloned().unwrap_or_default(),
        ]);
    }
    t
}

/// The default wait for a flow run: one hour.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(3600);

/// What to run to go on waiting for a run.
pub fn resume_hint(run_id: &str) -> String {
    format!("tabflow runs wait {run_id}")
}

/// Waits for a flow run with a progress bar (on a terminal), until `cancel` is raised. Returns
/// the run as last seen when it finished (`None` when the wait timed out, was interrupted or
/// polling failed) and the outcome: success, [`CliError::RunUnsuccessful`] for a run that failed
/// (with the server's reason), was cancelled or did not finish in time, or
/// [`CliError::Interrupted`] saying how to go on waiting.
pub fn wait_for_run(
    client: &Client,
    run_id: &str,
    timeout: Option<Duration>,
    cancel: &CancelToken,
) -> (Option<FlowRun>, Result<(), CliError>) {
    let bar = progress::waiting(run_id);
    let guard = interrupt::cancellable();
    let options = WaitOptions::new()
        // Simulated and short runs end within a second or two: start polling briskly.
        .interval(Duration::from_millis(500), Duration::from_secs(15))
        .timeout(timeout.unwrap_or(DEFAULT_WAIT))
        .on_poll(progress::poll_callback(&bar))
        .cancel(cancel.clone());
    let result = client.wait_for_flow_run(run_id, options);
    bar.finish_and_clear();
    drop(guard);
    match result {
        Ok(run) => (Some(run), Ok(())),
        Err(Error::RunFailed { run, reason }) => {
            let text = match reason {
                Some(r) => format!("flow run {} failed: {r}", run.id.as_str()),
                None => format!(
                    "flow run {} failed (the server gave no reason)",
                    run.id.as_str()
                ),
            };
            (Some(*run), Err(CliError::RunUnsuccessful(text)))
        }
        Err(Error::RunCancelled(run)) => {
            let e =
                CliError::RunUnsuccessful(format!("flow run {} was cancelled", run.id.as_str()));
            (Some(*run), Err(e))
        }
        Err(Error::WaitTimedOut { waited, last, .. }) => {
            let status = last.as_ref().map_or("unknown", |s| s.as_str());
            let e = CliError::RunUnsuccessful(format!(
                "flow run {run_id} had not finished after {} s (last status: {status}); it goes \
                 on: {}",
                waited.as_secs(),
                resume_hint(run_id)
            ));
            (None, Err(e))
        }
        Err(Error::Cancelled(_)) => (
            None,
            Err(CliError::Interrupted(format!(
                "interrupted; the run goes on: {}",
                resume_hint(run_id)
            ))),
        ),
        Err(other) => (None, Err(CliError::from(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tableau_flows::endpoints;

    #[test]
    fn notes_only_when_pages_are_left() {
        let p = |number, size, total| {
            model!(
                Pagination::new(),
                page_number = Some(number),
                page_size = Some(size),
                total_available = Some(total),
            )
        };
        let e = &endpoints::QUERY_FLOWS_FOR_SITE;
        assert_eq!(more_pages(Some(&p(1, 100, 40)), 40, "flows", e), None);
        assert_eq!(more_pages(Some(&p(2, 10, 20)), 10, "flows", e), None);
        assert_eq!(
            more_pages(Some(&p(1, 10, 25)), 10, "projects", e).unwrap(),
            "(page 1: 10 of 25 projects; --all lists every page, --page-size sets the page size)"
        );
        assert_eq!(more_pages(None, 10, "flows", e), None);
    }

    #[test]
    fn run_tables_name_the_flow_when_known() {
        let run = model!(FlowRun::new("r1"), flow_id = Some("f1".into()));
        let names = FlowNames::from([("f1".to_owned(), "Sales Cleanup".to_owned())]);
        let text = run_rows(std::slice::from_ref(&run), &names).render();
        assert!(text.contains("Sales Cleanup (f1)"), "{text}");
        let text = run_rows(&[run], &FlowNames::new()).render();
        assert!(
            text.lines().nth(1).unwrap().starts_with("r1  f1  "),
            "{text}"
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(72), "1m 12s");
        assert_eq!(human_duration(3600 + 5 * 60 + 9), "1h 5m");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600 + 59), "3d 4h");
        assert_eq!(human_duration(u64::MAX).split(' ').count(), 2);
    }
}
