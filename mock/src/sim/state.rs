//! The simulator's state: sites, users, groups, projects, flows, permissions, schedules, tasks,
//! runs, jobs, upload sessions and sessions, all in memory (but the bytes of upload sessions, which
//! are on disk).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tableau_flows::projects::ContentCapability;
use tableau_flows::{
    Capability, CapabilityMode, ParameterDataType, ParameterDomainKind, RunStatus,
};

/// The simulator's clock: real time, or a manual clock that tests advance.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Time passes.
    System(Instant),
    /// Time moves only when [`Clock::advance`] is called.
    Manual(Arc<Mutex<Duration>>),
}

impl Clock {
    /// A clock that follows real time.
    pub fn system() -> Clock {
        Clock::System(Instant::now())
    }

    /// A clock that stands still until advanced.
    pub fn manual() -> Clock {
        Clock::Manual(Arc::new(Mutex::new(Duration::ZERO)))
    }

    /// Time since the simulator started.
    pub fn now(&self) -> Duration {
        match self {
            Clock::System(start) => start.elapsed(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Moves a manual clock forward (a system clock ignores it).
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(t) = self {
            *t.lock().unwrap_or_else(|p| p.into_inner()) += by;
        }
    }
}

/// A wall-clock time for a simulator time: timestamps are real UTC times from the start.
pub(crate) fn timestamp(epoch: tableau_flows::DateTime, at: Duration) -> tableau_flows::DateTime {
    epoch
        .checked_add(at)
        .unwrap_or(tableau_flows::DateTime::MAX)
}

/// A site role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees and does everything.
    Admin,
    /// Needs capabilities on each flow.
    Creator,
}

#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub id: String,
    pub name: String,
    pub content_url: String,
}

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: String,
    /// The login name.
    pub name: String,
    /// The display name (what the `ownerName` filter compares, deviation S14).
    pub full_name: String,
    pub password: Option<String>,
    pub role: Role,
    pub site_id: String,
    /// When the user last signed in (Get Users on Site's `lastLogin`).
    pub last_login: Option<Duration>,
}

#[derive(Debug, Clone)]
pub(crate) struct Pat {
    pub name: String,
    pub secret: String,
    pub user_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
    pub site_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
    /// The parent project; `None` for a top-level project.
    pub parent_id: Option<String>,
    /// Its owner: they, like administrators and its leaders, may publish into it and into the
    /// projects inside it, and hold every capability on their flows (deviation S26).
    pub owner_id: String,
    pub site_id: String,
    pub created_at: Duration,
}

/// A capability on a project (deviation S26): `Read` lets its holder see the project's
/// permissions (deviation S37); `Write` (the web UI's Publish) lets them publish into the project;
/// `ProjectLeader` makes them a leader of it and of the projects inside it, with every capability
/// on their flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProjectCapability {
    Read,
    Write,
    ProjectLeader,
}

impl ProjectCapability {
    /// Its wire name.
    pub(crate) fn content_capability(self) -> ContentCapability {
        match self {
            ProjectCapability::Read => ContentCapability::Read,
            ProjectCapability::Write => ContentCapability::Write,
            ProjectCapability::ProjectLeader => ContentCapability::ProjectLeader,
        }
    }
}

/// The kind of content a project's default permissions apply to (Query Default Permissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultsFor {
    Workbooks,
    Datasources,
    Flows,
}

/// A rule of a project's default permissions: (project, kind of content, grantee is a group,
/// grantee id, capability, mode). Answered by Query Default Permissions; a flow published into
/// the project takes the flows' rules as its own (deviation S37).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DefaultGrant {
    pub project_id: String,
    pub kind: DefaultsFor,
    pub group: bool,
    pub grantee: String,
    pub capability: ContentCapability,
    pub mode: CapabilityMode,
}

/// A rule of a project's permissions: (project, grantee is a group, grantee id, capability, mode).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProjectGrant {
    pub project_id: String,
    pub group: bool,
    pub grantee: String,
    pub capability: ProjectCapability,
    pub mode: CapabilityMode,
}

/// A parameter of a flow.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its data type.
    pub data_type: ParameterDataType,
    /// Its current value.
    pub value: String,
    /// Whether a run must give a value.
    pub required: bool,
    /// Its domain.
    pub domain: Domain,
}

/// A parameter's domain.
#[derive(Debug, Clone)]
pub enum Domain {
    /// Any value of the type.
    Any,
    /// One of these values.
    List(Vec<String>),
    /// A number within a range.
    Range {
        /// Lowest.
        min: i64,
        /// Highest.
        max: i64,
        /// Step.
        step: i64,
    },
}

impl Domain {
    pub(crate) fn kind(&self) -> ParameterDomainKind {
        match self {
            Domain::Any => ParameterDomainKind::Any,
            Domain::List(_) => ParameterDomainKind::List,
            Domain::Range { .. } => ParameterDomainKind::Range,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub id: String,
    pub kind: String,
    pub server_address: String,
    pub server_port: Option<u32>,
    pub user_name: String,
    pub embed_password: bool,
}

impl From<super::flowfile::DocConnection> for Connection {
    /// A connection a flow file holds (its password is not in the file: none is embedded).
    fn from(c: super::flowfile::DocConnection) -> Connection {
        Connection {
            id: c.id,
            kind: c.class,
            server_address: c.server,
            server_port: c.port,
            user_name: c.username,
            embed_password: false,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub project_id: String,
    pub owner_id: String,
    pub file_type: String,
    pub bytes: Arc<Vec<u8>>,
    pub created_at: Duration,
    pub updated_at: Duration,
    pub tags: Vec<String>,
    pub output_steps: Vec<(String, String)>,
    pub parameters: Vec<Parameter>,
    pub connections: Vec<Connection>,
    /// Runs of this flow end Failed.
    pub fails: bool,
    pub site_id: String,
}

/// A grant: (flow, grantee is a group, grantee id, capability, mode).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grant {
    pub flow_id: String,
    pub group: bool,
    pub grantee: String,
    pub capability: Capability,
    pub mode: CapabilityMode,
}

#[derive(Debug, Clone)]
pub(crate) struct Schedule {
    pub id: String,
    pub name: String,
    /// What it runs (a flow task needs a Flow schedule).
    pub schedule_type: tableau_flows::ScheduleType,
    /// A server schedule (List Server Schedules shows it), not the own schedule of a cloud task.
    pub server: bool,
    pub frequency: String,
    pub created_at: Duration,
    pub frequency_details: Option<tableau_flows::FrequencyDetails>,
}

#[derive(Debug, Clone)]
pub(crate) struct FlowTask {
    pub id: String,
    pub flow_id: String,
    pub schedule_id: String,
    pub parameters: Vec<(String, String)>,
    pub site_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct LinkedStep {
    pub id: String,
    pub task_id: String,
    pub stop_downstream_on_failure: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct LinkedTask {
    pub id: String,
    /// Who created it: they may run it whatever their rights on its flows.
    pub owner_id: String,
    pub schedule_id: String,
    pub steps: Vec<LinkedStep>,
    pub site_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct FlowRun {
    pub id: String,
    pub flow_id: String,
    pub user_id: String,
    pub job_id: String,
    /// When it starts running (a linked task's later steps start after the earlier ones).
    pub starts_at: Duration,
    pub cancelled_at: Option<Duration>,
    pub parameters: Vec<(String, String, String)>,
    /// The run of the step before it in a linked task, when that step stops the ones after it.
    pub blocked_by: Option<String>,
    /// When its flow was deleted, and the flow's name: the run is gone from the run history
    /// (404036), and its job, unless it had finished by then, ended failed (deviation S27).
    pub flow_deleted: Option<(Duration, String)>,
    pub site_id: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub id: String,
    pub flow_run_id: String,
    pub created_at: Duration,
    pub site_id: String,
}

/// An upload session: its bytes are in a file of the server's upload folder, not in memory.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub site_id: String,
    /// The file its chunks are appended to.
    pub path: std::path::PathBuf,
    /// Its size so far.
    pub size: u64,
    /// When it was initiated or last appended to: it expires once idle for `upload_lifetime`.
    pub last_used: Duration,
    /// Appends to it, publishing and discarding it, one at a time.
    pub lock: Arc<Mutex<()>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub user_id: String,
    pub site_id: String,
    pub expires_at: Duration,
}

/// How long runs take.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Pending before it starts.
    pub pending: Duration,
    /// In progress before it ends.
    pub running: Duration,
}

/// The whole state.
#[derive(Debug)]
pub(crate) struct State {
    /// The simulator's base URL (for `webpageUrl`).
    pub base_url: String,
    pub clock: Clock,
    pub epoch: tableau_flows::DateTime,
    pub timing: Timing,
    pub token_lifetime: Duration,
    pub sites: Vec<Site>,
    pub users: Vec<User>,
    pub pats: Vec<Pat>,
    pub jwts: Vec<(String, String)>,
    pub groups: Vec<Group>,
    pub projects: Vec<Project>,
    /// Every flow, with the indexes listing and publishing use.
    pub flows: super::index::Flows,
    pub grants: Vec<Grant>,
    /// The rules of the projects' permissions.
    pub project_grants: Vec<ProjectGrant>,
    /// The rules of the projects' default permissions.
    pub default_grants: Vec<DefaultGrant>,
    pub schedules: Vec<Schedule>,
    pub tasks: Vec<FlowTask>,
    pub linked: Vec<LinkedTask>,
    pub runs: Vec<FlowRun>,
    pub jobs: Vec<Job>,
    pub uploads: BTreeMap<String, Upload>,
    /// How long an upload session may stay idle before it expires.
    pub upload_lifetime: Duration,
    pub tokens: BTreeMap<String, Token>,
    pub upload_counter: u64,
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

impl State {
    pub fn now(&self) -> Duration {
        self.clock.now()
    }

    /// The status, progress and end of a run now: Pending until its start plus the pending time,
    /// InProgress for the running time, then Success (Failed for a flow set up to fail);
    /// Cancelled when cancelled before its end, or when the linked-task step before it failed and
    /// stops the steps after it; Failed when its flow was deleted before it ended (deviation S27).
    pub fn run_status(&self, run: &FlowRun) -> (RunStatus, u32, Option<Duration>) {
        let undeleted = self.undeleted_status(run);
        match &run.flow_deleted {
            Some((at, _)) if undeleted.2.is_none_or(|e| e > *at) => {
                let start = run.starts_at + self.timing.pending;
                let end = start + self.timing.running;
                (RunStatus::Failed, progress(start, end, *at), Some(*at))
            }
            _ => undeleted,
        }
    }

    /// The name of the flow whose deletion stopped the run before it ended (deviation S27).
    pub fn stopped_by_deletion<'a>(&self, run: &'a FlowRun) -> Option<&'a str> {
        let (at, name) = run.flow_deleted.as_ref()?;
        let (_, _, ended) = self.undeleted_status(run);
        ended.is_none_or(|e| e > *at).then_some(name.as_str())
    }

    /// [`State::run_status`] as if the run's flow had not been deleted.
    fn undeleted_status(&self, run: &FlowRun) -> (RunStatus, u32, Option<Duration>) {
        let now = self.now();
        if let Some(blocker) = &run.blocked_by
            && let Some(b) = self.runs.iter().find(|r| &r.id == blocker)
        {
            let (status, _, ended) = self.run_status(b);
            if matches!(status, RunStatus::Failed | RunStatus::Cancelled) {
                return (RunStatus::Cancelled, 0, ended);
            }
        }
        let start = run.starts_at + self.timing.pending;
        let end = start + self.timing.running;
        if let Some(c) = run.cancelled_at
            && c < end
        {
            return (RunStatus::Cancelled, progress(start, end, c), Some(c));
        }
        if now < start {
            (RunStatus::Pending, 0, None)
        } else if now < end {
            (RunStatus::InProgress, progress(start, end, now), None)
        } else {
            let fails = self.flows.get(&run.flow_id).is_some_and(|f| f.fails);
            (
                if fails {
                    RunStatus::Failed
                } else {
                    RunStatus::Success
                },
                100,
                Some(end),
            )
        }
    }

    pub fn time(&self, at: Duration) -> tableau_flows::DateTime {
        timestamp(self.epoch, at)
    }
}

fn progress(start: Duration, end: Duration, at: Duration) -> u32 {
    let total = end.saturating_sub(start).as_secs_f64();
    if total <= 0.0 {
        return 100;
    }
    ((at.saturating_sub(start).as_secs_f64() / total) * 100.0).clamp(0.0, 99.0) as u32
}

/// The demo content's fixed names, ids and credentials.
pub mod demo {
    /// The default site's content URL.
    pub const SITE: &str = "";
    /// The default site's id.
    pub const SITE_ID: &str = "9a8b7c6d-5e4f-4a2b-8c0d-9e8f7a6b5c4d";
    /// The second site's content URL (it has no users).
    pub const MARKETING_SITE: &str = "marketing";
    /// The administrator's personal access token name.
    pub const PAT_NAME: &str = "demo-admin";
    /// The administrator's personal access token secret.
    pub const PAT_SECRET: &str = "demo-admin-secret";
    /// The administrator's user name.
    pub const ADMIN_USER: &str = "admin";
    /// The administrator's password.
    pub const ADMIN_PASSWORD: &str = "admin-password";
    /// The administrator's display name (what the `ownerName` filter compares).
    pub const ADMIN_FULL_NAME: &str = "Ada Admin";
    /// The analyst's display name.
    pub const ANALYST_FULL_NAME: &str = "Alan Analyst";
    /// The administrator's id.
    pub const ADMIN_ID: &str = "711e59cf-d1c0-446e-be48-3673ae067f7b";
    /// A creator without administrator rights (capabilities per flow): none on Sales Cleanup or
    /// Broken Loom, Read and ExportXml on Coffee Chain (through the Analysts group).
    pub const ANALYST_USER: &str = "analyst";
    /// The analyst's password.
    pub const ANALYST_PASSWORD: &str = "analyst-password";
    /// The analyst's id.
    pub const ANALYST_ID: &str = "5a39de9c-4eb0-47a7-88f7-2e78ddd58c6b";
    /// The analyst's personal access token name.
    pub const ANALYST_PAT_NAME: &str = "demo-analyst";
    /// The analyst's personal access token secret.
    pub const ANALYST_PAT_SECRET: &str = "demo-analyst-secret";
    /// The "Analysts" group (the analyst is a member).
    pub const ANALYSTS_GROUP_ID: &str = "9de5cc1a-5bb8-4c8e-b2cd-b54e736a7b9f";
    /// The "All Users" group (every user of the site).
    pub const ALL_USERS_GROUP_ID: &str = "2b5a8f3e-7c1d-4e9a-b6f0-3d8c2a1e5f47";
    /// The top-level "Archive" project (a second project named "Archive" is inside Sales, so the
    /// name alone is ambiguous). The analyst is its project leader: they may publish into it.
    pub const ARCHIVE_PROJECT_ID: &str = "0c7d1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f";
    /// The "Archive" project inside Sales, owned by the analyst: they may publish into it.
    pub const SALES_ARCHIVE_PROJECT_ID: &str = "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8";
    /// An extract schedule ("Weekend extracts"): listed among the server schedules, not for flows.
    pub const EXTRACT_SCHEDULE_ID: &str = "a3c5e7f9-1b2d-4f6a-8c0e-2d4f6a8c0e1b";
    /// The "Default" project: the Analysts group holds `Write` (Publish) on it, so the analyst
    /// may publish into it and read its permissions; it holds the demo's default permissions.
    pub const PROJECT_ID: &str = "6f8a2966-e173-11e8-ae74-ffd84c19d7f3";
    /// The "Sales" project: only the administrator, its owner, may publish into it.
    pub const SALES_PROJECT_ID: &str = "9077e04c-ece4-11e8-aa58-df538c72f42f";
    /// "Sales Cleanup": a packaged flow with a Region list parameter and a Top N range parameter.
    pub const SALES_FLOW_ID: &str = "d00700fe-28a0-4ece-a7af-5543ddf38a82";
    /// "Coffee Chain": a flow without parameters, readable and downloadable by the analysts.
    pub const COFFEE_FLOW_ID: &str = "c1e82fe3-e7cf-4bd5-afd3-799b1e8aac27";
    /// "Broken Loom": a flow whose runs fail, with [`FAILURE_REASON`] in their jobs' notes.
    pub const FAILING_FLOW_ID: &str = "868eab1a-2b60-448a-9913-82e4522ab952";
    /// The Region parameter of Sales Cleanup (a list: North, South, East, West).
    pub const REGION_PARAMETER: &str = "Region";
    /// The Region parameter's id.
    pub const REGION_PARAMETER_ID: &str = "ebfad780-c19f-42a2-822a-406468269a02";
    /// The Top N parameter of Sales Cleanup (an integer from 1 to 100, required, default 10).
    pub const TOP_N_PARAMETER: &str = "Top N";
    /// The Top N parameter's id.
    pub const TOP_N_PARAMETER_ID: &str = "4f22c514-5b56-4400-a48a-f69d9be217a9";
    /// A flow schedule ("Nightly").
    pub const SCHEDULE_ID: &str = "9a4ebbab-9ec8-487a-9b48-47fa81d6077a";
    /// A flow task running Coffee Chain on the schedule.
    pub const TASK_ID: &str = "1bff10bb-57ae-43df-8774-a86d14aef432";
    /// A flow task running Broken Loom on the schedule.
    pub const FAILING_TASK_ID: &str = "f11741cb-9646-4fb8-bbac-6d099c8d56b9";
    /// A linked task of the administrator: Coffee Chain, then Broken Loom (stops downstream on
    /// failure), then Coffee Chain.
    pub const LINKED_TASK_ID: &str = "18d267af-4c40-4d06-8234-6a08c3dea67f";
    /// The connection of Coffee Chain.
    pub const CONNECTION_ID: &str = "5fd1c1db-572f-4ebd-94e7-a09e212bc147";

    /// Why runs of Broken Loom fail: the notes of their jobs (deviation S17).
    pub const FAILURE_REASON: &str = "The input step Loom Orders could not connect to loom-db.example.com:5432: connection refused.";

    /// The input connection of Sales Cleanup (its Regions table).
    pub const SALES_CONNECTION_ID: &str = "3b1f6a2e-9c4d-4e8f-a0b1-c2d3e4f5a6b7";
    /// The input connection of Broken Loom (the database its runs cannot reach).
    pub const LOOM_CONNECTION_ID: &str = "7c2e8f4a-1b3d-4c5e-9f6a-8b7c6d5e4f3a";

    /// A small, real flow file, the same at every call: a zip archive whose `flow` entry is a
    /// flow document (one SQL input, a cleaning step, one output named "Output"), beside
    /// `displaySettings` and `maestroMetadata`. It is a valid `.tfl` and `.tflx` alike: publish
    /// it to try things (the one helper the tests, benches and examples publish).
    pub fn flow_file_bytes() -> Vec<u8> {
        flow_file_of_size(0)
    }

    /// A real packaged flow file (`.tflx`) of at least `len` bytes: [`flow_file_bytes`]'s flow,
    /// packaging a data file of incompressible bytes (for uploads in chunks).
    pub fn flow_file_of_size(len: usize) -> Vec<u8> {
        use super::super::flowfile::{Input, Spec, build};
        let spec = |padding| Spec {
            name: "Demo Flow",
            inputs: vec![Input::Sql {
                id: "0f5a3c1e-8d2b-4a6f-9e7c-1b3d5f7a9c2e",
                name: "Orders",
                connection_id: "2d4f6a8c-0e1b-4c3d-8e5f-7a9b1c3d5e7f",
                class: "postgres",
                server: "db.example.com",
                port: 5432,
                username: "reader",
                table: "orders",
            }],
            outputs: vec![(
                "6e8a0c2e-4f1b-4d3e-a5f7-9b1d3f5a7c9e",
                "Output",
                ".v1.PublishExtract",
            )],
            parameters: Vec::new(),
            padding,
        };
        let small = build(&spec(0));
        if small.len() >= len {
            return small;
        }
        // The archive grows by the padding and a few hundred bytes of headers.
        build(&spec(len - small.len()))
    }

    /// The file of Coffee Chain (`.tfl`): a SQL Server input, a cleaning step, one output.
    pub fn coffee_chain_file() -> Vec<u8> {
        use super::super::flowfile::{Input, Spec, build};
        build(&Spec {
            name: "Coffee Chain",
            inputs: vec![Input::Sql {
                id: "a41c7e3b-5d2f-4b8e-9c6a-0e1f2d3c4b5a",
                name: "Coffee Sales",
                connection_id: CONNECTION_ID,
                class: "sqlserver",
                server: "sql.example.com",
                port: 1433,
                username: "etl",
                table: "coffee_sales",
            }],
            outputs: vec![(
                "e3f5a7c9-1b2d-4e6f-8a0c-2e4f6a8c0e1b",
                "Coffee Chain output",
                ".v1.PublishExtract",
            )],
            parameters: Vec::new(),
            padding: 0,
        })
    }

    /// The file of Sales Cleanup (`.tflx`): a packaged CSV (`Data/orders.csv`) joined with a
    /// PostgreSQL table, a cleaning step, two outputs (Sales CSV, Sales Hyper) and the Region
    /// and Top N parameters.
    pub fn sales_cleanup_file() -> Vec<u8> {
        use super::super::flowfile::{Input, Spec, build};
        build(&Spec {
            name: "Sales Cleanup",
            inputs: vec![
                Input::Csv {
                    id: "c8d9e0f1-2a3b-4c5d-8e6f-0a1b2c3d4e5f",
                    name: "Orders",
                    connection_id: "f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b",
                    file: "orders.csv",
                    content: b"id,region,amt\n1,North,120.50\n2,South,80.00\n3,East,42.25\n",
                },
                Input::Sql {
                    id: "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f7a",
                    name: "Regions",
                    connection_id: SALES_CONNECTION_ID,
                    class: "postgres",
                    server: "sales-db.example.com",
                    port: 5432,
                    username: "sales",
                    table: "regions",
                },
            ],
            outputs: vec![
                (
                    "5e4c9a74-d29a-4f62-baa5-97c443440dfc",
                    "Sales CSV",
                    ".v1.WriteToCsv",
                ),
                (
                    "baa85bce-6aab-434a-8070-72625ded8cb6",
                    "Sales Hyper",
                    ".v1.WriteToHyper",
                ),
            ],
            parameters: vec![
                serde_json::json!({
                    "id": REGION_PARAMETER_ID, "name": REGION_PARAMETER, "type": "string",
                    "value": "North", "isRequired": false,
                    "domain": { "type": "list", "values": ["North", "South", "East", "West"] },
                }),
                serde_json::json!({
                    "id": TOP_N_PARAMETER_ID, "name": TOP_N_PARAMETER, "type": "integer",
                    "value": "10", "isRequired": true,
                    "domain": { "type": "range", "min": 1, "max": 100, "step": 1 },
                }),
            ],
            padding: 0,
        })
    }

    /// The file of Broken Loom (`.tflx`): a PostgreSQL input at loom-db.example.com:5432 (which
    /// its runs cannot reach, [`FAILURE_REASON`]), a cleaning step, one output.
    pub fn broken_loom_file() -> Vec<u8> {
        use super::super::flowfile::{Input, Spec, build};
        build(&Spec {
            name: "Broken Loom",
            inputs: vec![Input::Sql {
                id: "b7c8d9e0-f1a2-4b3c-8d4e-5f6a7b8c9d0e",
                name: "Loom Orders",
                connection_id: LOOM_CONNECTION_ID,
                class: "postgres",
                server: "loom-db.example.com",
                port: 5432,
                username: "loom",
                table: "orders",
            }],
            outputs: vec![(
                "9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
                "Broken Loom output",
                ".v1.PublishExtract",
            )],
            parameters: Vec::new(),
            padding: 0,
        })
    }
}

impl State {
    /// The demo's default permissions (Query Default Permissions): on the Default project, the
    /// web UI's Viewer template for All Users on workbooks, Read and Connect for All Users on data
    /// sources, and Read and ExportXml (Download) for the Analysts on flows; none on the others.
    fn seed_default_permissions(&mut self) {
        use ContentCapability as C;
        use demo::*;
        let rules: [(DefaultsFor, &str, &[ContentCapability]); 3] = [
            (
                DefaultsFor::Workbooks,
                ALL_USERS_GROUP_ID,
                &[
                    C::Read,
                    C::Filter,
                    C::ViewComments,
                    C::AddComment,
                    C::ExportImage,
                    C::ExportData,
                    C::ShareView,
                ],
            ),
            (
                DefaultsFor::Datasources,
                ALL_USERS_GROUP_ID,
                &[C::Read, C::Connect],
            ),
            (
                DefaultsFor::Flows,
                ANALYSTS_GROUP_ID,
                &[C::Read, C::ExportXml],
            ),
        ];
        for (kind, group, capabilities) in rules {
            for capability in capabilities {
                self.default_grants.push(DefaultGrant {
                    project_id: PROJECT_ID.into(),
                    kind,
                    group: true,
                    grantee: group.into(),
                    capability: capability.clone(),
                    mode: CapabilityMode::Allow,
                });
            }
        }
    }

    pub(crate) fn new(clock: Clock, timing: Timing, token_lifetime: Duration) -> State {
        State {
            base_url: String::new(),
            clock,
            epoch: tableau_flows::DateTime::from_unix_timestamp(
                tableau_flows::DateTime::now().unix_timestamp(),
            )
            .unwrap_or(tableau_flows::DateTime::UNIX_EPOCH),
            timing,
            token_lifetime,
            sites: Vec::new(),
            users: Vec::new(),
            pats: Vec::new(),
            jwts: Vec::new(),
            groups: Vec::new(),
            projects: Vec::new(),
            flows: super::index::Flows::default(),
            grants: Vec::new(),
            project_grants: Vec::new(),
            default_grants: Vec::new(),
            schedules: Vec::new(),
            tasks: Vec::new(),
            linked: Vec::new(),
            runs: Vec::new(),
            jobs: Vec::new(),
            uploads: BTreeMap::new(),
            upload_lifetime: Duration::from_secs(60 * 60),
            tokens: BTreeMap::new(),
            upload_counter: 0,
        }
    }

    /// Seeds only the default site and its administrator (no flows).
    pub(crate) fn seed_site(&mut self) {
        self.sites.push(Site {
            id: demo::SITE_ID.into(),
            name: "Default".into(),
            content_url: demo::SITE.into(),
        });
        self.add_user(
            demo::ADMIN_USER,
            Some(demo::ADMIN_PASSWORD),
            Role::Admin,
            demo::SITE_ID,
        );
        if let Some(u) = self.users.last_mut() {
            u.id = demo::ADMIN_ID.into();
        }
        self.add_pat(demo::PAT_NAME, demo::PAT_SECRET, demo::ADMIN_USER);
        let now = self.now();
        self.projects.push(Project {
            id: demo::PROJECT_ID.into(),
            name: "Default".into(),
            description: "The default project that was automatically created by Tableau.".into(),
            parent_id: None,
            owner_id: demo::ADMIN_ID.into(),
            site_id: demo::SITE_ID.into(),
            created_at: now,
        });
    }

    pub(crate) fn add_user(
        &mut self,
        name: &str,
        password: Option<&str>,
        role: Role,
        site_id: &str,
    ) {
        self.users.push(User {
            id: new_id(),
            name: name.into(),
            full_name: name.into(),
            password: password.map(str::to_owned),
            role,
            site_id: site_id.into(),
            last_login: None,
        });
    }

    /// A token of the user named (or with the id) `user`.
    pub(crate) fn add_pat(&mut self, name: &str, secret: &str, user: &str) {
        if let Some(u) = self.users.iter().find(|u| u.name == user || u.id == user) {
            self.pats.push(Pat {
                name: name.into(),
                secret: secret.into(),
                user_id: u.id.clone(),
            });
        }
    }

    /// Seeds the demo content (see [`demo`]).
    pub(crate) fn seed_demo(&mut self) {
        use demo::*;
        let now = self.now();
        self.sites.push(Site {
            id: SITE_ID.into(),
            name: "Default".into(),
            content_url: SITE.into(),
        });
        self.sites.push(Site {
            id: "6fd1dea0-e173-11e8-ae75-832f6a4756f0".into(),
            name: "Marketing".into(),
            content_url: MARKETING_SITE.into(),
        });
        for (id, name, full_name, password, role) in [
            (
                ADMIN_ID,
                ADMIN_USER,
                ADMIN_FULL_NAME,
                ADMIN_PASSWORD,
                Role::Admin,
            ),
            (
                ANALYST_ID,
                ANALYST_USER,
                ANALYST_FULL_NAME,
                ANALYST_PASSWORD,
                Role::Creator,
            ),
        ] {
            self.users.push(User {
                id: id.into(),
                name: name.into(),
                full_name: full_name.into(),
                password: Some(password.into()),
                role,
                site_id: SITE_ID.into(),
                last_login: None,
            });
        }
        self.pats.push(Pat {
            name: PAT_NAME.into(),
            secret: PAT_SECRET.into(),
            user_id: ADMIN_ID.into(),
        });
        self.pats.push(Pat {
            name: ANALYST_PAT_NAME.into(),
            secret: ANALYST_PAT_SECRET.into(),
            user_id: ANALYST_ID.into(),
        });
        self.groups.push(Group {
            id: ALL_USERS_GROUP_ID.into(),
            name: "All Users".into(),
            members: vec![ADMIN_ID.into(), ANALYST_ID.into()],
            site_id: SITE_ID.into(),
        });
        self.groups.push(Group {
            id: ANALYSTS_GROUP_ID.into(),
            name: "Analysts".into(),
            members: vec![ANALYST_ID.into()],
            site_id: SITE_ID.into(),
        });
        for (id, name, description, parent, owner) in [
            (
                PROJECT_ID,
                "Default",
                "The default project that was automatically created by Tableau.",
                None,
                ADMIN_ID,
            ),
            (
                SALES_PROJECT_ID,
                "Sales",
                "Sales flows and their outputs.",
                None,
                ADMIN_ID,
            ),
            (
                ARCHIVE_PROJECT_ID,
                "Archive",
                "Retired content of the whole site.",
                None,
                ADMIN_ID,
            ),
            (
                SALES_ARCHIVE_PROJECT_ID,
                "Archive",
                "Retired sales flows.",
                Some(SALES_PROJECT_ID),
                ANALYST_ID,
            ),
        ] {
            self.projects.push(Project {
                id: id.into(),
                name: name.into(),
                description: description.into(),
                parent_id: parent.map(str::to_owned),
                owner_id: owner.into(),
                site_id: SITE_ID.into(),
                created_at: now,
            });
        }
        // Who else may publish where (deviation S26): the analysts into Default, and the analyst,
        // as the project leader of the top-level Archive, into it; Sales is the administrator's.
        for (project_id, group, grantee, capability) in [
            (
                PROJECT_ID,
                true,
                ANALYSTS_GROUP_ID,
                ProjectCapability::Write,
            ),
            (
                ARCHIVE_PROJECT_ID,
                false,
                ANALYST_ID,
                ProjectCapability::ProjectLeader,
            ),
        ] {
            self.project_grants.push(ProjectGrant {
                project_id: project_id.into(),
                group,
                grantee: grantee.into(),
                capability,
                mode: CapabilityMode::Allow,
            });
        }
        self.seed_default_permissions();
        // Each demo flow's output steps and connections are read from its file.
        let flow = |id: &str, name: &str, project: &str, file_type: &str, bytes: Vec<u8>| {
            let doc = super::flowfile::read(&bytes).unwrap_or_default();
            Flow {
                id: id.into(),
                name: name.into(),
                description: format!("{name}, seeded by the simulator"),
                project_id: project.into(),
                owner_id: ADMIN_ID.into(),
                file_type: file_type.into(),
                bytes: Arc::new(bytes),
                created_at: now,
                updated_at: now,
                tags: Vec::new(),
                output_steps: doc.output_steps,
                parameters: Vec::new(),
                connections: doc.connections.into_iter().map(Connection::from).collect(),
                fails: false,
                site_id: SITE_ID.into(),
            }
        };
        let mut sales = flow(
            SALES_FLOW_ID,
            "Sales Cleanup",
            SALES_PROJECT_ID,
            "tflx",
            sales_cleanup_file(),
        );
        sales.tags = vec!["sales".into(), "daily".into()];
        sales.parameters = vec![
            Parameter {
                id: REGION_PARAMETER_ID.into(),
                name: REGION_PARAMETER.into(),
                data_type: ParameterDataType::String,
                value: "North".into(),
                required: false,
                domain: Domain::List(vec![
                    "North".into(),
                    "South".into(),
                    "East".into(),
                    "West".into(),
                ]),
            },
            Parameter {
                id: TOP_N_PARAMETER_ID.into(),
                name: TOP_N_PARAMETER.into(),
                data_type: ParameterDataType::Integer,
                value: "10".into(),
                required: true,
                domain: Domain::Range {
                    min: 1,
                    max: 100,
                    step: 1,
                },
            },
        ];
        let mut coffee = flow(
            COFFEE_FLOW_ID,
            "Coffee Chain",
            PROJECT_ID,
            "tfl",
            coffee_chain_file(),
        );
        for c in &mut coffee.connections {
            c.embed_password = true;
        }
        let mut failing = flow(
            FAILING_FLOW_ID,
            "Broken Loom",
            PROJECT_ID,
            "tflx",
            broken_loom_file(),
        );
        failing.fails = true;
        for f in [sales, coffee, failing] {
            self.flows.insert(f);
        }
        for (capability, mode) in [
            (Capability::Read, CapabilityMode::Allow),
            (Capability::ExportXml, CapabilityMode::Allow),
        ] {
            self.grants.push(Grant {
                flow_id: COFFEE_FLOW_ID.into(),
                group: true,
                grantee: ANALYSTS_GROUP_ID.into(),
                capability,
                mode,
            });
        }
        self.schedules.push(Schedule {
            id: SCHEDULE_ID.into(),
            name: "Nightly".into(),
            schedule_type: tableau_flows::ScheduleType::Flow,
            server: true,
            frequency: "Daily".into(),
            created_at: now,
            frequency_details: None,
        });
        self.schedules.push(Schedule {
            id: EXTRACT_SCHEDULE_ID.into(),
            name: "Weekend extracts".into(),
            schedule_type: tableau_flows::ScheduleType::Extract,
            server: true,
            frequency: "Weekly".into(),
            created_at: now,
            frequency_details: None,
        });
        for (id, flow_id) in [
            (TASK_ID, COFFEE_FLOW_ID),
            (FAILING_TASK_ID, FAILING_FLOW_ID),
        ] {
            self.tasks.push(FlowTask {
                id: id.into(),
                flow_id: flow_id.into(),
                schedule_id: SCHEDULE_ID.into(),
                parameters: Vec::new(),
                site_id: SITE_ID.into(),
            });
        }
        self.linked.push(LinkedTask {
            id: LINKED_TASK_ID.into(),
            owner_id: ADMIN_ID.into(),
            schedule_id: SCHEDULE_ID.into(),
            steps: vec![
                LinkedStep {
                    id: new_id(),
                    task_id: TASK_ID.into(),
                    stop_downstream_on_failure: true,
                },
                LinkedStep {
                    id: new_id(),
                    task_id: FAILING_TASK_ID.into(),
                    stop_downstream_on_failure: true,
                },
                LinkedStep {
                    id: new_id(),
                    task_id: TASK_ID.into(),
                    stop_downstream_on_failure: true,
                },
            ],
            site_id: SITE_ID.into(),
        });
    }
}
