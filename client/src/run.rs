//! Running flows and waiting for their runs.
//!
//! [`Client::run_flow`] runs a flow with output steps, a run mode and parameter values given by
//! parameter name or id: names are resolved, and values checked against the flow's parameters and
//! their domains, before anything is sent. [`Client::wait_for_flow_run`] polls the run with
//! exponential backoff until it finishes, and tells Failed, Cancelled and a timeout apart.
//!
//! ```no_run
//! use tableau_flows::{RunOptions, WaitOptions};
//! # fn main() -> Result<(), tableau_flows::Error> {
//! # let client = tableau_flows::Client::builder("https://tableau.example.com").build()?;
//! let started = client.run_flow("d00700fe-28a0-4ece-a7af-5543ddf38a82", RunOptions::new().parameter("Region", "North"))?;
//! let run = client.wait_for_flow_run(started.flow_run_id()?, WaitOptions::default())?;
//! println!("finished: {:?}", run.status);
//! # Ok(()) }
//! ```

use crate::cancel::{CancelToken, check};
use crate::error::Error;
use crate::flows::RunFlowNowRequest;
use crate::{
    Client, FlowId, FlowOutputStepId, FlowParameter, FlowParameterSpec, FlowRun, FlowRunId,
    FlowRunMode, FlowRunSpec, Job, ParameterDataType, ParameterDomainKind, ParameterDomainType,
    RunStatus,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    output_steps: Vec<FlowOutputStepId>,
    mode: Option<FlowRunMode>,
    parameters: Vec<(String, String)>,
}

impl RunOptions {
    /// Run every output step, in the server's default mode, with the parameters' defaults.
    pub fn new() -> Self {
        RunOptions::default()
    }

    /// Run only this output step (repeatable).
    pub fn output_step(mut self, id: impl Into<FlowOutputStepId>) -> Self {
        self.output_steps.push(id.into());
        self
    }

    /// Full or incremental (API 3.24).
    pub fn mode(mut self, mode: FlowRunMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// A value for the parameter with this name or id (repeatable).
    pub fn parameter(mut self, name_or_id: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.push((name_or_id.into(), value.into()));
        self
    }
}

/// A started flow run: the background job.
#[derive(Debug, Clone, PartialEq)]
pub struct StartedRun {
    /// The job the server queued.
    pub job: Job,
}

impl StartedRun {
    /// The flow run's id, to wait for it (the server sends it from API 3.10).
    pub fn flow_run_id(&self) -> Result<FlowRunId, Error> {
        self.job
            .run_flow_job
            .as_ref()
            .and_then(|j| j.flow_run_id.clone())
            .ok_or_else(|| {
                Error::Decode(crate::DecodeError::missing_in(
                    "runFlowJobType",
                    "flowRunId (servers send it from API 3.10)",
                ))
            })
    }
}

/// Called with the run after every poll.
pub type PollCallback = Arc<dyn Fn(&FlowRun) + Send + Sync>;

/// How to wait for a run: polls with exponential backoff (1 s, growing by half each poll, at
/// most 15 s apart by default) until the run ends or the timeout (1 hour by default) expires.
/// Durations beyond [`MAX_DURATION`](crate::MAX_DURATION) (a year) are taken as it.
#[derive(Clone)]
pub struct WaitOptions {
    initial_interval: Duration,
    max_interval: Duration,
    timeout: Duration,
    on_poll: Option<PollCallback>,
    cancel: Option<CancelToken>,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(15),
            timeout: Duration::from_secs(3600),
            on_poll: None,
            cancel: None,
        }
    }
}

impl std::fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitOptions")
            .field("initial_interval", &self.initial_interval)
            .field("max_interval", &self.max_interval)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl WaitOptions {
    /// The defaults.
    pub fn new() -> Self {
        WaitOptions::default()
    }

    /// Gives up after this long, with [`Error::WaitTimedOut`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = crate::limits::clamp(timeout);
        self
    }

    /// The first wait between polls and the longest one.
    pub fn interval(mut self, initial: Duration, max: Duration) -> Self {
        let (initial, max) = (crate::limits::clamp(initial), crate::limits::clamp(max));
        self.initial_interval = initial;
        self.max_interval = max.max(initial);
        self
    }

    /// Called with the run after every poll (to show progress).
    pub fn on_poll(mut self, callback: impl Fn(&FlowRun) + Send + Sync + 'static) -> Self {
        self.on_poll = Some(Arc::new(callback));
        self
    }

    /// Stops waiting, with [`Error::Cancelled`], when the token is raised (checked at least
    /// every 100 ms). The run itself goes on.
    pub fn cancel(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }
}

impl FlowParameter {
    /// Checks a value against the parameter's data type and domain (a list's values, a range's
    /// bounds and step), as Run Flow Now will: `Err` says why it would be refused.
    pub fn check_value(&self, value: &str) -> Result<(), String> {
        check_parameter_value(self, value)
    }
}

fn check_parameter_value(p: &FlowParameter, value: &str) -> Result<(), String> {
    match p.data_type.as_ref() {
        Some(ParameterDataType::Integer) if value.trim().parse::<i64>().is_err() => {
            return Err(format!("{value:?} is not an integer"));
        }
        Some(ParameterDataType::Float) if value.trim().parse::<f64>().is_err() => {
            return Err(format!("{value:?} is not a number"));
        }
        Some(ParameterDataType::Boolean)
            if !matches!(value.to_ascii_lowercase().as_str(), "true" | "false") =>
        {
            return Err(format!("{value:?} is not true or false"));
        }
        _ => {}
    }
    let Some(domain) = &p.domain else {
        return Ok(());
    };
    let list = matches!(domain.kind, Some(ParameterDomainKind::List))
        || matches!(domain.domain_type, Some(ParameterDomainType::List));
    if list && !domain.values.is_empty() && !domain.values.iter().any(|v| v == value) {
        return Err(format!(
            "{value:?} is not one of {}",
            domain.values.join(", ")
        ));
    }
    let range = matches!(domain.kind, Some(ParameterDomainKind::Range))
        || matches!(domain.domain_type, Some(ParameterDomainType::Range));
    if range && let Ok(v) = value.trim().parse::<f64>() {
        let bound = |b: &Option<String>| b.as_deref().and_then(|s| s.trim().parse::<f64>().ok());
        if let Some(min) = bound(&domain.min_value)
            && v < min
        {
            return Err(format!("{value} is below the minimum {min}"));
        }
        if let Some(max) = bound(&domain.max_value)
            && v > max
        {
            return Err(format!("{value} is above the maximum {max}"));
        }
        if let (Some(min), Some(step)) = (bound(&domain.min_value), bound(&domain.step_size))
            && step > 0.0
        {
            let steps = (v - min) / step;
            if (steps - steps.round()).abs() > 1e-9 {
                return Err(format!("{value} is not on a step of {step} from {min}"));
            }
        }
    }
    if matches!(domain.kind, Some(ParameterDomainKind::Binary))
        && !matches!(value.to_ascii_lowercase().as_str(), "true" | "false")
    {
        return Err(format!("{value:?} is not true or false"));
    }
    Ok(())
}

/// Resolves parameter values given by name or id against a flow's parameters, checking each.
pub(crate) fn resolve_parameters(
    flow: &crate::Flow,
    given: &[(String, String)],
) -> Result<Vec<FlowParameterSpec>, Error> {
    let parameters = &flow.parameters;
    let mut specs = Vec::new();
    for (key, value) in given {
        let p = flow.find_parameter(key)?;
        let name = p.name.clone().unwrap_or_else(|| p.id.to_string());
        check_parameter_value(p, value)
            .map_err(|reason| Error::InvalidArgument(format!("parameter {name:?}: {reason}")))?;
        specs.push(FlowParameterSpec {
            parameter_id: p.id.clone(),
            override_value: Some(value.clone()),
        });
    }
    for p in parameters {
        let given = specs.iter().any(|s| s.parameter_id == p.id);
        let has_default = p.value.as_deref().is_some_and(|v| !v.is_empty());
        if p.is_required == Some(true) && !given && !has_default {
            return Err(Error::InvalidArgument(format!(
                "parameter {:?} is required and has no value",
                p.name.clone().unwrap_or_else(|| p.id.to_string())
            )));
        }
    }
    Ok(specs)
}

impl Client {
    /// Runs a flow (Run Flow Now). With parameters, reads the flow first (Query Flow) to resolve
    /// names to ids and check every value against the parameter's type and domain.
    pub fn run_flow(
        &self,
        flow_id: impl Into<FlowId>,
        options: RunOptions,
    ) -> Result<StartedRun, Error> {
        let flow_id = flow_id.into();
        let parameter_specs = if options.parameters.is_empty() {
            Vec::new()
        } else {
            // Parameter values go in a flowRunSpec, a body field newer than Run Flow Now (the spec
            // says since when): say so before reading a flow that, at an older version, lists no
            // parameters to find the names in.
            let version = self.negotiate_version()?;
            let probe = RunFlowNowRequest {
                flow_run_spec: Some(FlowRunSpec::default()),
            };
            if let Some(needed) = crate::version::Versioned::required_version(&probe)
                && needed.since > version
            {
                return Err(Error::Unsupported(crate::VersionError {
                    feature: "parameter values of Run Flow Now (a flowRunSpec)".into(),
                    required: needed.since,
                    client: version,
                }));
            }
            let flow = self.query_flow(flow_id.clone()).send()?;
            resolve_parameters(&flow.flow, &options.parameters)?
        };
        let spec = (!parameter_specs.is_empty() || options.mode.is_some()).then(|| FlowRunSpec {
            flow_id: Some(flow_id.clone()),
            run_mode: options.mode.clone(),
            output_steps: Vec::new(),
            parameter_specs,
        });
        let mut call = self.run_flow_now(
            flow_id,
            RunFlowNowRequest {
                flow_run_spec: spec,
            },
        );
        if !options.output_steps.is_empty() {
            call = call.flow_output_step_ids(options.output_steps);
        }
        if let Some(mode) = options.mode {
            call = call.flow_run_mode(mode);
        }
        let answer = call.send()?;
        Ok(StartedRun { job: answer.job })
    }

    /// Waits for a flow run to finish, polling Get Flow Run with exponential backoff (bounded
    /// interval, overall timeout); returns the run when it succeeded. A failed run is
    /// [`Error::RunFailed`] with the server's reason where it gives one
    /// ([`flow_run_failure_reason`](Self::flow_run_failure_reason)); a cancelled one
    /// [`Error::RunCancelled`]; a run still going at the timeout [`Error::WaitTimedOut`].
    pub fn wait_for_flow_run(
        &self,
        run_id: impl Into<FlowRunId>,
        options: WaitOptions,
    ) -> Result<FlowRun, Error> {
        let run_id = run_id.into();
        let started = Instant::now();
        let mut interval = options.initial_interval;
        let cancel = options.cancel.as_ref();
        loop {
            check(cancel, "wait")?;
            let run = self.get_flow_run(run_id.clone()).send()?.flow_run;
            if let Some(f) = &options.on_poll {
                f(&run);
            }
            let last = match &run.status {
                Some(RunStatus::Success) => return Ok(run),
                Some(RunStatus::Failed) => {
                    // The reason is a courtesy: a failure to fetch it does not hide the failure.
                    let reason = self.flow_run_failure_reason(&run).ok().flatten();
                    return Err(Error::RunFailed {
                        run: Box::new(run),
                        reason,
                    });
                }
                Some(RunStatus::Cancelled) => return Err(Error::RunCancelled(Box::new(run))),
                other => other.clone(),
            };
            let waited = started.elapsed();
            if waited >= options.timeout {
                return Err(Error::WaitTimedOut {
                    run_id,
                    waited,
                    last,
                });
            }
            // Sleep in short steps so that a cancellation is seen quickly.
            let now = Instant::now();
            let until = now
                .checked_add(interval.min(options.timeout - waited))
                .unwrap_or(now);
            while let Some(left) = until.checked_duration_since(Instant::now()) {
                if left.is_zero() {
                    break;
                }
                check(cancel, "wait")?;
                std::thread::sleep(left.min(Duration::from_millis(100)));
            }
            interval = interval.mul_f64(1.5).min(options.max_interval);
        }
    }

    /// Why a flow run failed, when the server says: the run's own `failureReason` (API 3.30
    /// servers, deviation S7), otherwise the notes of its background job (Query Job: the job
    /// type's `<notes>`, then its status notes, deviation S17). `Ok(None)` when neither says.
    pub fn flow_run_failure_reason(&self, run: &FlowRun) -> Result<Option<String>, Error> {
        if let Some(reason) = run
            .failure_reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
        {
            return Ok(Some(reason.trim().to_owned()));
        }
        let Some(job_id) = &run.background_job_id else {
            return Ok(None);
        };
        let job = self.query_job(job_id.clone()).send()?.job;
        Ok(job.failure_reason())
    }
}

impl Job {
    /// The reason the job's answer gives for its failure: the job type's `<notes>`, else its
    /// status notes' texts (deviation S17).
    pub fn failure_reason(&self) -> Option<String> {
        job_failure_reason(self)
    }
}

fn job_failure_reason(job: &crate::Job) -> Option<String> {
    let notes = [
        job.run_flow_job.as_ref().and_then(|j| j.notes.as_deref()),
        job.extract_refresh_job
            .as_ref()
            .and_then(|j| j.notes.as_deref()),
        job.extract_creation_job
            .as_ref()
            .and_then(|j| j.notes.as_deref()),
        job.update_uploaded_file_job
            .as_ref()
            .and_then(|j| j.notes.as_deref()),
        job.subscription_job
            .as_ref()
            .and_then(|j| j.notes.as_deref()),
    ];
    if let Some(n) = notes
        .into_iter()
        .flatten()
        .map(str::trim)
        .find(|n| !n.is_empty())
    {
        return Some(n.to_owned());
    }
    let texts: Vec<&str> = job
        .status_notes
        .iter()
        .filter_map(|n| n.text.as_deref().or(n.value.as_deref()))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FlowParameterDomain;

    fn param(
        name: &str,
        ty: ParameterDataType,
        domain: Option<FlowParameterDomain>,
        required: bool,
    ) -> FlowParameter {
        FlowParameter {
            id: format!("id-{name}").into(),
            data_type: Some(ty),
            name: Some(name.into()),
            description: None,
            value: None,
            is_required: Some(required),
            domain,
        }
    }

    #[test]
    fn resolves_names_and_ids_and_checks_domains() {
        let list = FlowParameterDomain {
            kind: Some(ParameterDomainKind::List),
            values: vec!["North".into(), "South".into()],
            ..Default::default()
        };
        let range = FlowParameterDomain {
            kind: Some(ParameterDomainKind::Range),
            min_value: Some("1".into()),
            max_value: Some("100".into()),
            step_size: Some("3".into()),
            ..Default::default()
        };
        let params = vec![
            param("Region", ParameterDataType::String, Some(list), true),
            param("Count", ParameterDataType::Integer, Some(range), false),
        ];
        let flow = crate::Flow {
            parameters: params,
            ..crate::Flow::default()
        };
        let specs = resolve_parameters(
            &flow,
            &[
                ("Region".into(), "North".into()),
                ("id-Count".into(), "7".into()),
            ],
        )
        .unwrap();
        assert_eq!(specs[0].parameter_id.as_str(), "id-Region");
        assert_eq!(specs[1].override_value.as_deref(), Some("7"));
        let err = |given: &[(&str, &str)]| {
            let given: Vec<(String, String)> = given
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect();
            resolve_parameters(&flow, &given).unwrap_err().to_string()
        };
        assert_eq!(
            err(&[("Region", "West")]),
            "invalid argument: parameter \"Region\": \"West\" is not one of North, South"
        );
        assert_eq!(
            err(&[("Region", "North"), ("Count", "x")]),
            "invalid argument: parameter \"Count\": \"x\" is not an integer"
        );
        assert_eq!(
            err(&[("Region", "North"), ("Count", "101")]),
            "invalid argument: parameter \"Count\": 101 is above the maximum 100"
        );
        assert_eq!(
            err(&[("Region", "North"), ("Count", "5")]),
            "invalid argument: parameter \"Count\": 5 is not on a step of 3 from 1"
        );
        assert_eq!(err(&[("Nope", "1")]), "no parameter named \"Nope\"");
        assert_eq!(
            err(&[("Count", "4")]),
            "invalid argument: parameter \"Region\" is required and has no value"
        );
    }
}
