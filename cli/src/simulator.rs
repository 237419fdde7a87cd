//! `mock` (the Tableau flows simulator on loopback, until killed) and `demo` (the whole lifecycle
//! against an in-process simulator, through the public client).

use crate::args::{GlobalArgs, MockArgs};
use crate::commands::{FlowNames, run_rows, wait_for_run};
use crate::error::CliError;
use crate::interrupt;
use crate::output::{Output, bytes};
use crate::progress;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tableau_flows::{
    ApiVersion, CancelToken, Client, Credentials, DownloadOptions, Filter, NEWEST_API_VERSION,
    OLDEST_API_VERSION, PublishOptions, RunOptions,
};
use tableau_flows_mock::{MockServer, demo};

/// The API version the simulator is to speak: `--api-version`, or the newest in the spec; one
/// outside the spec's range is refused.
fn simulator_version(requested: Option<ApiVersion>) -> Result<ApiVersion, CliError> {
    let version = requested.unwrap_or(NEWEST_API_VERSION);
    if version < OLDEST_API_VERSION || version > NEWEST_API_VERSION {
        return Err(CliError::usage(format!(
            "--api-version {version}: the simulator speaks API {OLDEST_API_VERSION} to {NEWEST_API_VERSION}"
        )));
    }
    Ok(version)
}

/// Starts the simulator and prints its URL and the demo credentials, then serves until Ctrl-C
/// (or SIGTERM, SIGHUP) raises `cancel`: the simulator is then stopped, its connections closed
/// and its upload folder (a folder of this process's own in the temporary folder) removed, and
/// the command ends with status 130.
pub fn mock(
    args: &MockArgs,
    global: &GlobalArgs,
    out: &mut Output,
    cancel: &CancelToken,
) -> Result<(), CliError> {
    let version = simulator_version(global.api_version)?;
    let server = MockServer::builder()
        .port(args.port)
        .api_version(version)
        .flow_document_api(args.flow_document_api)
        .start()
        .map_err(|e| {
            CliError::other(format!(
                "cannot start the simulator on 127.0.0.1:{}: {e}",
                args.port
            ))
        })?;
    // The simulator serves even when nobody reads what it prints (`tabflow mock | head -1`, a
    // closed terminal): a failure to print is no reason to stop it.
    let _ = banner(&server, version, out);
    // Serving is a wait that Ctrl-C ends: the handler raises `cancel` (a second Ctrl-C, or a
    // stop that takes longer than the grace period, exits at once).
    let serving = interrupt::cancellable();
    while !cancel.is_cancelled() {
        std::thread::sleep(STOP_POLL);
    }
    server.stop();
    drop(serving);
    Err(CliError::Interrupted("the simulator stopped".into()))
}

/// How often `tabflow mock` looks whether it is to stop.
const STOP_POLL: Duration = Duration::from_millis(50);

/// Prints the simulator's URL and the demo credentials.
fn banner(server: &MockServer, version: ApiVersion, out: &mut Output) -> Result<(), CliError> {
    if out.is_json() {
        out.json(&json!({
            "url": server.url(),
            "apiVersion": version.to_string(),
            "site": demo::SITE,
            "patName": demo::PAT_NAME,
            "patSecret": demo::PAT_SECRET,
            "username": demo::ADMIN_USER,
            "password": demo::ADMIN_PASSWORD,
            "projectId": demo::PROJECT_ID,
        }))?;
    } else {
        out.line(format!(
            "Tableau flows simulator (API {version}) listening on {}",
            server.url()
        ))?;
        out.line("")?;
        out.line("Use it from another terminal:")?;
        out.line(format!("  export TABLEAU_SERVER={}", server.url()))?;
        out.line(format!("  export TABLEAU_SITE={}", demo::SITE))?;
        out.line(format!("  export TABLEAU_PAT_NAME={}", demo::PAT_NAME))?;
        out.line(format!("  export TABLEAU_PAT_SECRET={}", demo::PAT_SECRET))?;
        out.line(format!(
            "  (or --username {} --password {})",
            demo::ADMIN_USER,
            demo::ADMIN_PASSWORD
        ))?;
        out.line(
            "  tabflow flows list; tabflow flows publish FILE.tflx --project Default; \
             tabflow flows run \"Sales Cleanup\" --param Region=North --wait",
        )?;
        out.line("")?;
        out.line("Stop it with Ctrl-C.")?;
    }
    out.flush()
}

/// A directory under the system's temporary directory, removed with everything in it on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(prefix: &str) -> Result<TempDir, CliError> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&path)
            .map_err(|e| CliError::other(format!("creating {}: {e}", path.display())))?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Prints one step of the demo.
fn step(out: &mut Output, number: u32, text: impl AsRef<str>) -> Result<(), CliError> {
    out.line(format!("[{number}/8] {}", text.as_ref()))?;
    out.flush()
}

/// The whole lifecycle against an in-process simulator, through the public client: sign in,
/// publish the demo `.tflx`, run it with Region=South, wait, list its runs, download it and compare
/// the bytes, sign out. `cancel` stops the wait and the transfers (Ctrl-C).
pub fn demo(out: &mut Output, cancel: &CancelToken) -> Result<(), CliError> {
    let began = Instant::now();
    let server = MockServer::builder()
        .start()
        .map_err(|e| CliError::other(format!("cannot start the simulator: {e}")))?;
    step(
        out,
        1,
        format!(
            "started the simulator at {} (API {})",
            server.url(),
            server.api_version()
        ),
    )?;

    let client = Client::builder(server.url()).build()?;
    client.sign_in_with(
        Credentials::personal_access_token(demo::PAT_NAME, demo::PAT_SECRET),
        demo::SITE,
    )?;
    step(
        out,
        2,
        format!(
            "signed in with the personal access token {:?}, speaking API {}",
            demo::PAT_NAME,
            client
                .api_version()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "?".into())
        ),
    )?;
    let result = lifecycle(&client, out, cancel);
    let signed_out = client.end_session();
    server.stop();
    result?;
    signed_out?;
    step(
        out,
        8,
        format!(
            "signed out and stopped the simulator: the whole lifecycle took {:.1} s",
            began.elapsed().as_secs_f64()
        ),
    )
}

/// Steps 3 to 7 of the demo.
fn lifecycle(client: &Client, out: &mut Output, cancel: &CancelToken) -> Result<(), CliError> {
    // The simulator's "Sales Cleanup" flow has the Region parameter; the demo publishes a new
    // version of it (the demo .tflx, overwriting), so that its run can set Region.
    let target = client.query_flow(demo::SALES_FLOW_ID).send()?.flow;
    let name = target
        .name
        .clone()
        .ok_or_else(|| CliError::other("the simulator's demo flow has no name"))?;
    let project = target
        .project
        .as_ref()
        .map(|p| p.id.clone())
        .ok_or_else(|| CliError::other("the simulator's demo flow has no project"))?;
    let dir = TempDir::new("tabflow-demo")?;
    let file = dir.path().join(format!("{name}.tflx"));
    let published_bytes = demo::flow_file_bytes();
    std::fs::write(&file, &published_bytes)
        .map_err(|e| CliError::other(format!("writing {}: {e}", file.display())))?;
    let bar = progress::transfer(&format!("publishing {name}.tflx"));
    let guard = interrupt::cancellable();
    let published = client.publish_flow_file(
        &file,
        PublishOptions::new(project)
            .overwrite(true)
            .progress(progress::transfer_callback(&bar))
            .cancel(cancel.clone()),
    );
    bar.finish_and_clear();
    drop(guard);
    let flow = published?.flow;
    let flow_id = flow.id.as_str().to_owned();
    let parameters: Vec<&str> = target
        .parameters
        .iter()
        .filter_map(|p| p.name.as_deref())
        .collect();
    step(
        out,
        3,
        format!(
            "published {name}.tflx ({}) as flow {flow_id} {:?}, overwriting the simulator's flow of that name (parameters: {})",
            bytes(published_bytes.len() as u64),
            flow.name.as_deref().unwrap_or(&name),
            parameters.join(", ")
        ),
    )?;

    let started = client.run_flow(
        flow_id.as_str(),
        RunOptions::new().parameter(demo::REGION_PARAMETER, "South"),
    )?;
    let run_id = started.flow_run_id()?;
    step(
        out,
        4,
        format!(
            "ran the flow with {}=South: flow run {} (job {})",
            demo::REGION_PARAMETER,
            run_id.as_str(),
            started.job.id.as_str()
        ),
    )?;

    let waited = Instant::now();
    let (run, outcome) = wait_for_run(
        client,
        run_id.as_str(),
        Some(Duration::from_secs(60)),
        cancel,
    );
    outcome?;
    let run = run.ok_or_else(|| CliError::other("the wait ended without the run"))?;
    let region = run
        .parameter_runs
        .iter()
        .find(|p| p.name.as_deref() == Some(demo::REGION_PARAMETER))
        .and_then(|p| p.override_value.clone());
    step(
        out,
        5,
        format!(
            "waited {:.1} s: flow run {} ended {}{}",
            waited.elapsed().as_secs_f64(),
            run.id.as_str(),
            run.status.as_ref().map_or("?", |s| s.as_str()),
            region
                .map(|r| format!(" with {}={r}", demo::REGION_PARAMETER))
                .unwrap_or_default()
        ),
    )?;

    let runs = client
        .get_flow_runs()
        .filter(Filter::new().eq("flowId", &flow_id))
        .all()
        .collect::<Result<Vec<_>, _>>()?;
    step(out, 6, format!("runs of the flow: {}", runs.len()))?;
    out.table(&run_rows(
        &runs,
        &FlowNames::from([(flow_id.clone(), name.clone())]),
    ))?;

    let download_dir = dir.path().join("download");
    std::fs::create_dir(&download_dir)
        .map_err(|e| CliError::other(format!("creating {}: {e}", download_dir.display())))?;
    let bar = progress::transfer("downloading");
    let guard = interrupt::cancellable();
    let path = client.download_flow_into(
        flow_id.as_str(),
        &download_dir,
        DownloadOptions::new()
            .progress(progress::transfer_callback(&bar))
            .cancel(cancel.clone()),
    );
    bar.finish_and_clear();
    drop(guard);
    let path = path?;
    let downloaded = std::fs::read(&path)
        .map_err(|e| CliError::other(format!("reading {}: {e}", path.display())))?;
    let same = downloaded == published_bytes;
    step(
        out,
        7,
        format!(
            "downloaded {} bytes as {:?}: {} the {} bytes published",
            downloaded.len(),
            path.file_name().unwrap_or_default(),
            if same {
                "identical to"
            } else {
                "DIFFERENT from"
            },
            published_bytes.len()
        ),
    )?;
    if !same {
        return Err(CliError::other(
            "the downloaded flow differs from the published one",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulator_versions_are_those_of_the_spec() {
        assert_eq!(simulator_version(None).unwrap(), NEWEST_API_VERSION);
        assert_eq!(
            simulator_version(Some(ApiVersion::new(3, 10))).unwrap(),
            ApiVersion::new(3, 10)
        );
        assert_eq!(
            simulator_version(Some(ApiVersion::new(9, 0)))
                .unwrap_err()
                .exit_status(),
            2
        );
    }
}
