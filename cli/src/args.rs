//! The command line: global options (each also read from an environment variable) and commands.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tableau_flows::endpoints;
use tableau_flows::meta::EndpointMeta;
use tableau_flows::xml::XmlValue;
use tableau_flows::{
    ApiVersion, CapabilityMode, CapabilityName, Filter, FlowRunMode, Interval, ScheduleFrequency,
    Sort, WeekDay,
};

const AFTER_HELP: &str = "\
Exit status: 0 success, 1 error (the service's code and summary are printed), 2 usage error,
3 a flow run waited for failed, was cancelled or did not finish in time.

Try it without a server: `tabflow demo`, or `tabflow mock` in one terminal and the printed
environment in another.";

/// tabflow: publish, run, schedule and manage Tableau Prep flows on Tableau Server or Cloud.
#[derive(Debug, Parser)]
#[command(
    name = "tabflow",
    version,
    about = "Publish, run, schedule and manage Tableau Prep flows (Tableau REST API flow methods)",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// Options for every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options for every command, each also read from an environment variable.
///
/// `--username` and `--password` sign in and are given before the command, because `connections
/// update` has options of the same names (the connection's credentials); the others may be given
/// anywhere.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The server's URL (plain http only to loopback).
    #[arg(
        long,
        env = "TABLEAU_SERVER",
        global = true,
        value_name = "URL",
        help = "The server's URL, e.g. https://tableau.example.com (plain http only to loopback)"
    )]
    pub server: Option<String>,
    /// The site's content URL; empty for the default site
    #[arg(
        long,
        env = "TABLEAU_SITE",
        global = true,
        default_value = "",
        hide_default_value = true,
        value_name = "CONTENT_URL"
    )]
    pub site: String,
    /// The REST API version to speak, e.g. 3.24 (default: the server's, from serverinfo, at most
    /// 3.24); for `mock`, the version the simulator speaks
    #[arg(
        long,
        env = "TABLEAU_API_VERSION",
        global = true,
        value_name = "MAJOR.MINOR"
    )]
    pub api_version: Option<ApiVersion>,
    /// The personal access token's name (preferred over user name and password)
    #[arg(long, env = "TABLEAU_PAT_NAME", global = true, value_name = "NAME")]
    pub token_name: Option<String>,
    /// The personal access token's secret
    #[arg(
        long,
        env = "TABLEAU_PAT_SECRET",
        global = true,
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub token_secret: Option<String>,
    /// The user name to sign in with (given before the command)
    #[arg(long, env = "TABLEAU_USERNAME", value_name = "NAME")]
    pub username: Option<String>,
    /// The password to sign in with (given before the command)
    #[arg(
        long,
        env = "TABLEAU_PASSWORD",
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<String>,
    /// Print the answer as one JSON document, with the API's attribute names
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, publish, download, update, delete and run flows
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// List, show, cancel and wait for flow runs
    #[command(subcommand)]
    Runs(RunsCommand),
    /// Scheduled flow tasks: list, show, run, add to a schedule, create on Tableau Cloud
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// Linked tasks: list, show, run now
    #[command(subcommand)]
    Linked(LinkedCommand),
    /// A flow's data connections: list, update
    #[command(subcommand)]
    Connections(ConnectionsCommand),
    /// A flow's permissions: list, add, delete
    #[command(subcommand)]
    Permissions(PermissionsCommand),
    /// Show the server's version and REST API version (no sign-in needed)
    ServerInfo,
    /// Start the Tableau flows simulator on loopback and print its URL and demo credentials
    /// (--api-version: the version it speaks; default 3.24)
    Mock(MockArgs),
    /// Run the whole lifecycle against an in-process simulator: publish, run, wait, list, download
    Demo,
}

/// `flows ...`
#[derive(Debug, Subcommand)]
pub enum FlowsCommand {
    /// List the site's flows (one page unless --all), or a user's with --user
    List(FlowsListArgs),
    /// Show a flow, its output steps and parameters
    Get {
        /// The flow's id
        flow_id: String,
    },
    /// Delete a flow
    Delete {
        /// The flow's id
        flow_id: String,
    },
    /// Download a flow's file (.tfl or .tflx)
    Download {
        /// The flow's id
        flow_id: String,
        /// A file to write, or a directory to write the server's file name into (default: the
        /// current directory)
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Publish a flow file (.tfl or .tflx; files above 64 MB are sent in chunks)
    Publish {
        /// The flow file
        file: PathBuf,
        /// The id of the project to publish into
        #[arg(long, value_name = "PROJECT_ID")]
        project: String,
        /// The flow's name (default: the file name without its extension)
        #[arg(long)]
        name: Option<String>,
        /// Replace a flow of the same name
        #[arg(long)]
        overwrite: bool,
    },
    /// Move a flow to another project, or give it another owner
    Update {
        /// The flow's id
        flow_id: String,
        /// What to change
        #[command(flatten)]
        changes: FlowChanges,
    },
    /// Run a flow now, optionally waiting for the run to finish
    Run(FlowRunArgs),
}

/// `flows list` options.
#[derive(Debug, Args)]
pub struct FlowsListArgs {
    /// A filter, e.g. name:eq:Sales or createdAt:gt:2024-01-01T00:00:00Z
    #[arg(long, value_name = "EXPR", conflicts_with = "user", value_parser = filter,
        long_help = expression_help("A filter, e.g. name:eq:Sales or createdAt:gt:2024-01-01T00:00:00Z.", &endpoints::QUERY_FLOWS_FOR_SITE, "filter"))]
    pub filter: Option<Filter>,
    /// A sort, e.g. createdAt:desc,name:asc
    #[arg(long, value_name = "EXPR", conflicts_with = "user", value_parser = sort,
        long_help = expression_help("A sort, e.g. createdAt:desc,name:asc.", &endpoints::QUERY_FLOWS_FOR_SITE, "sort"))]
    pub sort: Option<Sort>,
    /// Flows per page (1-1000; default: the server's, 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: Option<u32>,
    /// Every page, not only the first
    #[arg(long)]
    pub all: bool,
    /// The flows a user owns or may use (Query Flows for User)
    #[arg(long, value_name = "USER_ID")]
    pub user: Option<String>,
    /// With --user: only the flows the user owns
    #[arg(long, requires = "user")]
    pub owned: bool,
}

/// `flows update` changes: at least one.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct FlowChanges {
    /// The id of the project to move the flow to
    #[arg(long, value_name = "PROJECT_ID")]
    pub project: Option<String>,
    /// The id of the user to make the flow's owner
    #[arg(long, value_name = "USER_ID")]
    pub owner: Option<String>,
}

/// `flows run` options.
#[derive(Debug, Args)]
pub struct FlowRunArgs {
    /// The flow's id
    pub flow_id: String,
    /// Run only this output step (repeatable; default: every output step)
    #[arg(long = "output-step", value_name = "ID")]
    pub output_steps: Vec<String>,
    /// A parameter value, by the parameter's name or id (repeatable); checked against the
    /// parameter's type and allowed values before running
    #[arg(long = "param", value_name = "NAME_OR_ID=VALUE", value_parser = key_value)]
    pub params: Vec<(String, String)>,
    /// Full or incremental refresh (API 3.24)
    #[arg(long, value_enum)]
    pub mode: Option<RunMode>,
    /// Wait for the run to finish (exit status 3 if it fails, is cancelled or times out)
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (default 3600)
    #[arg(long, value_name = "SECS", requires = "wait", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
}

/// A run mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunMode {
    /// Recompute every output
    Full,
    /// Only the new rows (outputs set up for incremental refresh)
    Incremental,
}

impl From<RunMode> for FlowRunMode {
    fn from(mode: RunMode) -> Self {
        match mode {
            RunMode::Full => FlowRunMode::Full,
            RunMode::Incremental => FlowRunMode::Incremental,
        }
    }
}

/// `runs ...`
#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// List the site's flow runs (every page)
    List {
        /// A filter, e.g. flowId:eq:ID or progress:lt:100
        #[arg(long, value_name = "EXPR", value_parser = filter,
            long_help = expression_help("A filter, e.g. flowId:eq:ID or progress:lt:100.", &endpoints::GET_FLOW_RUNS, "filter"))]
        filter: Option<Filter>,
    },
    /// Show a flow run
    Get {
        /// The flow run's id
        run_id: String,
    },
    /// Cancel a flow run that is pending or in progress
    Cancel {
        /// The flow run's id
        run_id: String,
    },
    /// Wait for a flow run to finish (exit status 3 if it fails, is cancelled or times out)
    Wait {
        /// The flow run's id
        run_id: String,
        /// Give up after this many seconds (default 3600)
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        timeout: Option<u64>,
    },
}

/// `tasks ...`
#[derive(Debug, Subcommand)]
pub enum TasksCommand {
    /// List the site's scheduled flow tasks
    List,
    /// Show a flow task
    Get {
        /// The task's id
        task_id: String,
    },
    /// Run a flow task now
    Run {
        /// The task's id
        task_id: String,
    },
    /// Add a flow task to a server schedule (Tableau Server)
    AddToSchedule {
        /// The schedule's id (a Flow schedule)
        schedule_id: String,
        /// The flow's id
        flow_id: String,
        /// A parameter value for the task's runs, by the parameter's id (repeatable; API 3.24)
        #[arg(long = "param", value_name = "ID=VALUE", value_parser = key_value)]
        params: Vec<(String, String)>,
    },
    /// Create a flow task with its schedule (Tableau Cloud)
    CreateCloud(CreateCloudArgs),
}

/// `tasks create-cloud` options.
#[derive(Debug, Args)]
pub struct CreateCloudArgs {
    /// The flow's id
    pub flow_id: String,
    /// How often the task runs
    #[arg(long, value_enum, ignore_case = true)]
    pub frequency: Frequency,
    /// The time of day of the first run, HH:MM:SS
    #[arg(long, value_name = "HH:MM:SS", value_parser = time_of_day)]
    pub start: tableau_flows::Time,
    /// The time of day of the last run (Hourly, or Daily every fewer than 24 hours), HH:MM:SS
    #[arg(long, value_name = "HH:MM:SS", value_parser = time_of_day)]
    pub end: Option<tableau_flows::Time>,
    /// An interval (repeatable): hours=N, minutes=N, weekDay=Monday..Sunday,
    /// monthDay=1..31|LastDay
    #[arg(long = "interval", value_name = "KEY=VALUE", value_parser = interval)]
    pub intervals: Vec<Interval>,
}

/// A schedule frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Frequency {
    /// Every few hours or minutes
    #[value(name = "Hourly")]
    Hourly,
    /// Every day (or every few hours within the day)
    #[value(name = "Daily")]
    Daily,
    /// On given days of the week
    #[value(name = "Weekly")]
    Weekly,
    /// On a given day of the month
    #[value(name = "Monthly")]
    Monthly,
}

impl From<Frequency> for ScheduleFrequency {
    fn from(f: Frequency) -> Self {
        match f {
            Frequency::Hourly => ScheduleFrequency::Hourly,
            Frequency::Daily => ScheduleFrequency::Daily,
            Frequency::Weekly => ScheduleFrequency::Weekly,
            Frequency::Monthly => ScheduleFrequency::Monthly,
        }
    }
}

/// `linked ...`
#[derive(Debug, Subcommand)]
pub enum LinkedCommand {
    /// List the site's linked tasks (every page)
    List,
    /// Show a linked task and its steps
    Get {
        /// The linked task's id
        id: String,
    },
    /// Run a linked task now
    Run {
        /// The linked task's id
        id: String,
    },
}

/// `connections ...`
#[derive(Debug, Subcommand)]
pub enum ConnectionsCommand {
    /// List a flow's connections
    List {
        /// The flow's id
        flow_id: String,
    },
    /// Change a connection's address, port or credentials
    Update {
        /// The flow's id
        flow_id: String,
        /// The connection's id
        connection_id: String,
        /// What to change
        #[command(flatten)]
        changes: ConnectionChanges,
    },
}

/// `connections update` changes: at least one.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct ConnectionChanges {
    /// The database server's address
    #[arg(long, value_name = "ADDRESS")]
    pub server_address: Option<String>,
    /// The database server's port
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u32).range(1..=65535))]
    pub port: Option<u32>,
    /// The user name of the connection (not the one signing in)
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// The password of the connection (not the one signing in)
    #[arg(long, value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Whether the password is stored with the connection
    #[arg(long, value_name = "true|false")]
    pub embed_password: Option<bool>,
}

/// `permissions ...`
#[derive(Debug, Subcommand)]
pub enum PermissionsCommand {
    /// List a flow's permissions
    List {
        /// The flow's id
        flow_id: String,
    },
    /// Grant or deny capabilities to a user or group
    Add {
        /// The flow's id
        flow_id: String,
        /// Who
        #[command(flatten)]
        grantee: Grantee,
        /// Capabilities and modes, e.g. Read:Allow ExportXml:Deny (capabilities: ChangeHierarchy,
        /// ChangePermissions, Delete, Execute, ExportXml, Read, WebAuthoringForFlows, Write)
        #[arg(value_name = "CAPABILITY:MODE", required = true, value_parser = capability_mode)]
        capabilities: Vec<(CapabilityName, CapabilityMode)>,
    },
    /// Remove a capability from a user or group
    Delete {
        /// The flow's id
        flow_id: String,
        /// Who
        #[command(flatten)]
        grantee: Grantee,
        /// The capability, e.g. Read
        #[arg(value_parser = capability)]
        capability: CapabilityName,
        /// Allow or Deny
        #[arg(value_parser = mode)]
        mode: CapabilityMode,
    },
}

/// A user or a group, exactly one.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// The user's id
    #[arg(long, value_name = "USER_ID")]
    pub user: Option<String>,
    /// The group's id
    #[arg(long, value_name = "GROUP_ID")]
    pub group: Option<String>,
}

/// `mock` options.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The loopback port to listen on (0: a free one, printed)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
}

/// The long help of a filter or sort option: `lead`, then the fields (and operators) the
/// endpoint's parameter offers, from the spec.
fn expression_help(lead: &str, endpoint: &EndpointMeta, wire: &str) -> String {
    let fields: Vec<String> = endpoint
        .param(wire)
        .map(|p| p.fields)
        .unwrap_or(&[])
        .iter()
        .map(|f| {
            if f.operators.is_empty() {
                f.name.to_owned()
            } else {
                let ops: Vec<&str> = f.operators.iter().map(|o| o.as_str()).collect();
                format!("{} ({})", f.name, ops.join(", "))
            }
        })
        .collect();
    let rule = if wire == "sort" {
        "a field the endpoint does not sort on is refused before anything is sent."
    } else {
        "dates are YYYY-MM-DDTHH:MM:SSZ; a field, operator or value the endpoint does not take is \
         refused before anything is sent."
    };
    format!("{lead} Fields: {}; {rule}", fields.join("; "))
}

/// A filter expression (`field:operator:value,...`); malformed ones are refused here, fields the
/// endpoint does not offer by the client before sending.
pub fn filter(text: &str) -> Result<Filter, String> {
    text.parse::<Filter>().map_err(|e| e.to_string())
}

/// A sort expression (`field:asc|desc,...`).
pub fn sort(text: &str) -> Result<Sort, String> {
    text.parse::<Sort>().map_err(|e| e.to_string())
}

/// `KEY=VALUE`, split at the first `=`; the key must not be empty.
pub fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        Some(_) => Err(format!("{text:?} has no name before '='")),
        None => Err(format!("{text:?} is not NAME=VALUE")),
    }
}

/// A time of day `HH:MM:SS`.
pub fn time_of_day(text: &str) -> Result<tableau_flows::Time, String> {
    tableau_flows::Time::parse_xml(text.trim())
        .map_err(|_| format!("{text:?} is not a time of day HH:MM:SS (e.g. 08:30:00)"))
}

fn known<T: Clone>(
    kind: &str,
    text: &str,
    values: &[T],
    name: impl Fn(&T) -> &str,
) -> Result<T, String> {
    let text = text.trim();
    values
        .iter()
        .find(|v| name(v).eq_ignore_ascii_case(text))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = values.iter().map(&name).collect();
            format!(
                "unknown {kind} {text:?}: expected one of {}",
                names.join(", ")
            )
        })
}

/// A capability the API knows (any case), e.g. `Read`.
pub fn capability(text: &str) -> Result<CapabilityName, String> {
    known("capability", text, CapabilityName::KNOWN, |c| c.as_str())
}

/// `Allow` or `Deny` (any case).
pub fn mode(text: &str) -> Result<CapabilityMode, String> {
    known("capability mode", text, CapabilityMode::KNOWN, |m| {
        m.as_str()
    })
}

/// `CAPABILITY:MODE`, e.g. `Read:Allow`.
pub fn capability_mode(text: &str) -> Result<(CapabilityName, CapabilityMode), String> {
    let (c, m) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not CAPABILITY:MODE (e.g. Read:Allow)"))?;
    Ok((capability(c)?, mode(m)?))
}

/// One interval of a schedule: `hours=N`, `minutes=N`, `weekDay=DAY` or `monthDay=N|LastDay`.
pub fn interval(text: &str) -> Result<Interval, String> {
    let (key, value) = key_value(text)?;
    let value = value.trim();
    let number = |what: &str, range: std::ops::RangeInclusive<u32>| -> Result<u32, String> {
        value
            .parse::<u32>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                format!(
                    "{what}={value:?}: expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                )
            })
    };
    let mut interval = Interval::default();
    match key.as_str() {
        "hours" => interval.hours = Some(number("hours", 1..=24)?),
        "minutes" => interval.minutes = Some(number("minutes", 1..=60)?),
        "weekDay" => {
            interval.week_day = Some(known("weekDay", value, WeekDay::KNOWN, |d| d.as_str())?)
        }
        "monthDay" => {
            if value.eq_ignore_ascii_case("LastDay") {
                interval.month_day = Some("LastDay".to_owned());
            } else {
                interval.month_day = Some(number("monthDay", 1..=31)?.to_string());
            }
        }
        other => {
            return Err(format!(
                "unknown interval {other:?}: expected hours, minutes, weekDay or monthDay"
            ));
        }
    }
    Ok(interval)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn filter_help_lists_the_fields_of_the_spec() {
        let help = expression_help("A filter.", &endpoints::QUERY_FLOWS_FOR_SITE, "filter");
        assert!(help.contains("projectName (eq, in)"), "{help}");
        assert!(help.contains("ownerName (eq)"), "{help}");
        assert!(!help.contains("tags"), "{help}");
        let help = expression_help("A sort.", &endpoints::QUERY_FLOWS_FOR_SITE, "sort");
        assert!(
            help.contains("Fields: name; createdAt; updatedAt;"),
            "{help}"
        );
        let help = expression_help("A filter.", &endpoints::GET_FLOW_RUNS, "filter");
        assert!(help.contains("progress (eq, gt, gte, lt, lte)"), "{help}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn key_values() {
        assert_eq!(
            key_value("Region=South").unwrap(),
            ("Region".into(), "South".into())
        );
        assert_eq!(key_value("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(key_value("a=").unwrap(), ("a".into(), String::new()));
        assert!(key_value("=x").is_err());
        assert!(key_value("Region").is_err());
    }

    #[test]
    fn capabilities_and_modes() {
        assert_eq!(
            capability_mode("read:allow").unwrap(),
            (CapabilityName::Read, CapabilityMode::Allow)
        );
        assert_eq!(
            capability_mode("ExportXml:Deny").unwrap(),
            (CapabilityName::ExportXml, CapabilityMode::Deny)
        );
        let err = capability_mode("Fly:Allow").unwrap_err();
        assert!(
            err.starts_with("unknown capability \"Fly\": expected one of ChangeHierarchy"),
            "{err}"
        );
        assert!(capability_mode("Read").is_err());
        assert!(capability_mode("Read:Maybe").is_err());
    }

    #[test]
    fn intervals() {
        assert_eq!(interval("hours=2").unwrap().hours, Some(2));
        assert_eq!(interval("minutes=30").unwrap().minutes, Some(30));
        assert_eq!(
            interval("weekDay=monday").unwrap().week_day,
            Some(WeekDay::Monday)
        );
        assert_eq!(
            interval("monthDay=lastday").unwrap().month_day.as_deref(),
            Some("LastDay")
        );
        assert_eq!(
            interval("monthDay=15").unwrap().month_day.as_deref(),
            Some("15")
        );
        for bad in [
            "hours=0",
            "hours=x",
            "monthDay=32",
            "weekDay=Funday",
            "days=1",
            "hours",
        ] {
            assert!(interval(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(time_of_day("08:30:00").unwrap().to_xml_value(), "08:30:00");
        assert!(time_of_day("8am").is_err());
        assert!(time_of_day("25:00:00").is_err());
    }

    #[test]
    fn options_parse() {
        let cli = Cli::try_parse_from([
            "tabflow",
            "flows",
            "run",
            "F",
            "--param",
            "Region=South",
            "--output-step",
            "s1",
            "--mode",
            "incremental",
            "--wait",
            "--timeout",
            "5",
            "--json",
        ])
        .unwrap();
        assert!(cli.global.json);
        let Command::Flows(FlowsCommand::Run(run)) = cli.command else {
            panic!("not flows run");
        };
        assert_eq!(run.params, [("Region".to_owned(), "South".to_owned())]);
        assert_eq!(run.output_steps, ["s1"]);
        assert_eq!(run.mode, Some(RunMode::Incremental));
        assert_eq!(run.timeout, Some(5));

        // --timeout needs --wait; --owned needs --user; --user excludes --filter.
        for bad in [
            &["tabflow", "flows", "run", "F", "--timeout", "5"][..],
            &["tabflow", "flows", "list", "--owned"],
            &[
                "tabflow",
                "flows",
                "list",
                "--user",
                "u",
                "--filter",
                "name:eq:x",
            ],
            &["tabflow", "flows", "update", "F"],
            &["tabflow", "permissions", "add", "F", "Read:Allow"],
            &[
                "tabflow",
                "permissions",
                "add",
                "F",
                "--user",
                "u",
                "--group",
                "g",
                "Read:Allow",
            ],
            &["tabflow", "flows", "list", "--filter", "name:like:x"],
            &["tabflow", "flows", "list", "--page-size", "0"],
        ] {
            let err = Cli::try_parse_from(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }
}
