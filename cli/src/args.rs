//! The command line: global options (most also read from an environment variable) and commands.
//!
//! Every argument naming a flow, project, user, group, schedule or flow parameter takes its name
//! or its id (see [`crate::resolve`]); every enum value is accepted in any case.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tableau_flows::endpoints;
use tableau_flows::meta::EndpointMeta;
use tableau_flows::{
    ApiVersion, Capability, CapabilityMode, Filter, FlowRunMode, Interval, RunStatus,
    ScheduleFrequency, Sort, WeekDay,
};

const AFTER_HELP: &str = "\
Names or ids: every argument naming a flow, project, user, group, schedule or flow parameter
takes its name or its id. Flows and projects also take a path: Sales/Archive (a nested project),
Dev/Sales Cleanup (a flow in a project), Parent/Child/Flow; a `/` inside a name is written \\/.
--project PROJECT looks a flow's name up in one project. An ambiguous name lists the candidates
with their paths; a name that matches nothing suggests the closest.

Exit status: 0 success, 1 error (the service's code and summary are printed), 2 usage error,
3 a flow run waited for failed, was cancelled or did not finish in time, 130 interrupted (Ctrl-C).

Try it without a server: `tabflow demo`, or `tabflow mock` in one terminal and the printed
environment in another.";

const FLOWS_LIST_EXAMPLES: &str = "\
Examples:
  tabflow flows list
  tabflow flows list --filter projectName:eq:Finance --sort updatedAt:desc
  tabflow flows list --all --json
  tabflow flows list --limit 500
  tabflow flows list --user analyst --owned
  tabflow flows list --tag daily --all";

const FLOWS_UPDATE_NOTE: &str = "\
Examples:
  tabflow flows update \"Sales Cleanup\" --project Sales/Archive
  tabflow flows update \"Dev/Sales Cleanup\" --project Prod --owner analyst

--project is the project the flow moves to; to pick one of several flows of the same name, give
its path (Dev/Sales Cleanup) or its id.";

const FLOWS_TAG_EXAMPLES: &str = "\
Examples:
  tabflow flows tag \"Sales Cleanup\" daily \"Yearly Sales\"
  tabflow flows untag \"Sales Cleanup\" daily";

const FLOWS_PUBLISH_EXAMPLES: &str = "\
Examples:
  tabflow flows publish sales.tflx --project Finance
  tabflow flows publish sales.tflx --project Sales/Archive --name \"Sales Cleanup\" --overwrite";

const FLOWS_RUN_EXAMPLES: &str = "\
Examples:
  tabflow flows run \"Sales Cleanup\"
  tabflow flows run \"Sales Cleanup\" --param Region=North --wait
  tabflow flows run \"Prod/Sales Cleanup\"                 # the one in the project Prod
  tabflow flows run \"Sales Cleanup\" --project Sales/Archive
  tabflow flows run d00700fe-28a0-4ece-a7af-5543ddf38a82 --mode incremental --wait --timeout 600

Ctrl-C while waiting stops the wait (status 130), not the run: `tabflow runs wait RUN_ID` resumes.";

const FLOWS_DESCRIBE_EXAMPLES: &str = "\
Examples:
  tabflow flows describe \"Sales Cleanup.tflx\"            # a local file: no server, no sign-in
  tabflow flows describe \"Sales Cleanup\" --project Sales # downloaded from the server
  tabflow flows describe \"Sales Cleanup\" --format json
  tabflow flows describe \"Sales Cleanup\" --format mermaid > sales.mmd

An existing file whose name ends in .tfl or .tflx is read as it is (without --project); anything
else names a flow on the server. No credential of the flow's connections is ever printed.";

const FLOWS_DOWNLOAD_EXAMPLES: &str = "\
Examples:
  tabflow flows download \"Sales Cleanup\"                 # into the current directory
  tabflow flows download \"Sales Cleanup\" -o flows/        # into a directory, the server's name
  tabflow flows download \"Sales Cleanup\" -o sales.tflx --force
  tabflow flows download \"Sales Cleanup\" -o - > sales.tflx

An existing file is never replaced without --force; the file appears only once complete.";

const PERMISSIONS_ADD_EXAMPLES: &str = "\
Examples:
  tabflow permissions add \"Sales Cleanup\" --user analyst Read:Allow
  tabflow permissions add \"Sales Cleanup\" --group Analysts Read:Allow Execute:Allow Write:Deny";

const PERMISSIONS_DELETE_EXAMPLES: &str = "\
Examples:
  tabflow permissions delete \"Sales Cleanup\" --user analyst Read:Allow
  tabflow permissions delete \"Sales Cleanup\" --group Analysts Execute:Allow Write:Deny";

const PERMISSIONS_COPY_EXAMPLES: &str = "\
Examples:
  tabflow permissions copy \"Sales Cleanup (dev)\" \"Sales Cleanup\"
  tabflow permissions copy Dev/Cleanup Prod/Cleanup --replace

Without --replace the target keeps every rule it has, and a rule it holds in the other mode
(Read:Deny against the source's Read:Allow) is kept and reported. One request lists each flow's
permissions, one adds every missing rule; --replace deletes each other rule with one request.";

const RUNS_WAIT_EXAMPLES: &str = "\
Examples:
  tabflow runs wait 0e7d5dd7-61b7-4f6a-8d51-1c2e3f4a5b6c
  tabflow runs wait 0e7d5dd7-61b7-4f6a-8d51-1c2e3f4a5b6c --timeout 600 --json

Exit status 3 when the run failed (its reason is printed), was cancelled or had not finished.";

const RUNS_LIST_EXAMPLES: &str = "\
Examples:
  tabflow runs list --limit 20
  tabflow runs list --flow \"Prod/Sales Cleanup\" --status Failed --since 7d
  tabflow runs list --flow \"Sales Cleanup\" --project Prod --since 2024-05-01 --json

Newest first. --flow, --since and --filter are sent to the server (Get Flow Runs' filter fields
flowId and startedAt); --status is applied here, as Get Flow Runs cannot filter on the state. A
failed run's reason is the run's failureReason (API 3.30) or its job's notes (one Query Job per
failed run shown).";

const JOBS_LIST_EXAMPLES: &str = "\
Examples:
  tabflow jobs list
  tabflow jobs list --status InProgress --type run_flow
  tabflow jobs list --filter createdAt:gt:2024-01-01T00:00:00Z --sort createdAt:desc --all --json

Finished jobs are listed too. Only server and site administrators may list a site's jobs.";

const API_EXAMPLES: &str = "\
Examples:
  tabflow api --list                                       # the spec's endpoints, by id
  tabflow api query_flows_for_site --query pageSize=5 --query sort=name:asc
  tabflow api query_flow --path flow_id=d00700fe-28a0-4ece-a7af-5543ddf38a82
  tabflow api update_flow --path flow_id=ID --body change.xml
  echo '<tsRequest>...</tsRequest>' | tabflow api update_flow --path flow_id=ID --body -
  tabflow api GET /sites/{site}/users/{user}               # any path of the server
  tabflow api get /sites/{site}/jobs --query pageSize=10 --json
  tabflow api POST /sites/{site}/flows/ID/run --body run.xml -i
  tabflow api GET /api/3.4/serverinfo

With an ENDPOINT_ID the spec's checks apply before anything is sent: known path and query
parameters only, their API versions, ranges, filter and sort fields, and an XML body only where
the endpoint takes one. With a METHOD the path is sent as written, with the session: {site} and
{user} (or {site_id}, {user_id}) are the signed-in site's and user's ids, /api/VERSION goes before
a path that does not start with /api/; a path that could reach another server (a scheme, //host,
a backslash, a control character, .. above /api) is refused. The answer's body is printed as it
came (XML, or JSON with --json); an error answer is printed too, and its code on stderr (status 1).";

const LOGIN_HELP: &str = "\
Examples:
  tabflow login --server https://tableau.example.com --site marketing --token-name ci
  TABLEAU_PAT_SECRET=... tabflow login --token-name ci --server https://tableau.example.com
  tabflow --profile work login
  tabflow login --username ada            # prompts for the password on a terminal

The session (its token, never the secret) is saved in a file of mode 0600 under the user's state
directory ($TABFLOW_STATE_DIR/sessions when set), one per server and site; `tabflow status`
shows it, `tabflow logout` ends it. When it expires, a command signs in again if a secret is at
hand (TABLEAU_PAT_SECRET, TABLEAU_PASSWORD, TABLEAU_JWT, --token-secret-stdin, or a prompt on a
terminal), and otherwise says to log in again.";

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

/// Options for every command, most also read from an environment variable, given before or after
/// the command (`tabflow --username admin flows list` or `tabflow flows list --username admin`).
/// No command has an option of the same name: `connections update` names the connection's
/// credentials `--connection-username` and `--connection-password`.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The server's URL (plain http only to loopback, unless --allow-http).
    #[arg(
        long,
        env = "TABLEAU_SERVER",
        global = true,
        value_name = "URL",
        help = "The server's URL, e.g. https://tableau.example.com (plain http only to loopback)"
    )]
    pub server: Option<String>,
    /// The site's content URL; empty (the default) for the default site
    #[arg(long, env = "TABLEAU_SITE", global = true, value_name = "CONTENT_URL")]
    pub site: Option<String>,
    /// Take the server, site, token or user name and API version from this profile of the config
    /// file (`tabflow profiles list`); options and variables given win over it
    #[arg(long, env = "TABLEAU_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// The REST API version to speak, e.g. 3.24 (default: the server's, from serverinfo, at most
    /// 3.24); for `mock`, the version the simulator speaks
    #[arg(
        long,
        env = "TABLEAU_API_VERSION",
        global = true,
        value_name = "MAJOR.MINOR"
    )]
    pub api_version: Option<ApiVersion>,
    /// The personal access token's name (preferred over a JWT and over user name and password;
    /// TABLEAU_TOKEN_NAME is read too)
    #[arg(long, env = "TABLEAU_PAT_NAME", global = true, value_name = "NAME")]
    pub token_name: Option<String>,
    /// The personal access token's secret. Avoid giving it here, where other users of the machine
    /// can see it in the process list: set TABLEAU_PAT_SECRET (or TABLEAU_TOKEN_SECRET), use
    /// --token-secret-stdin, or answer the prompt
    #[arg(
        long,
        env = "TABLEAU_PAT_SECRET",
        global = true,
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub token_secret: Option<String>,
    /// Read the personal access token's secret from the first line of standard input
    #[arg(long, global = true, conflicts_with = "password_stdin")]
    pub token_secret_stdin: bool,
    /// Sign in with a connected app's JSON Web Token (better set in TABLEAU_JWT than given here)
    #[arg(
        long,
        env = "TABLEAU_JWT",
        global = true,
        hide_env_values = true,
        value_name = "JWT"
    )]
    pub jwt: Option<String>,
    /// The user name to sign in with
    #[arg(long, env = "TABLEAU_USERNAME", global = true, value_name = "NAME")]
    pub username: Option<String>,
    /// The password to sign in with. Avoid giving it here, where other users of the machine can
    /// see it: set TABLEAU_PASSWORD, use --password-stdin, or answer the prompt
    #[arg(
        long,
        env = "TABLEAU_PASSWORD",
        global = true,
        hide_env_values = true,
        value_name = "PASSWORD"
    )]
    pub password: Option<String>,
    /// Read the password from the first line of standard input
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Allow plain http to a server that is not on loopback (the token travels unencrypted)
    #[arg(long, global = true)]
    pub allow_http: bool,
    /// Trust the certificate authorities in this PEM file (a private authority) instead of the
    /// public ones
    #[arg(long, env = "TABLEAU_CA_CERT", global = true, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// The deadline of each call to the server, in seconds, retries included (default 120; at
    /// most a year, a longer one is taken as a year); transfers are bounded by --stall-timeout
    /// instead
    #[arg(long, env = "TABLEAU_CALL_TIMEOUT", global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub call_timeout: Option<u64>,
    /// How long a publish or download may move no byte before it fails, in seconds (default 60;
    /// at most a year, a longer one is taken as a year)
    #[arg(long, env = "TABLEAU_STALL_TIMEOUT", global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub stall_timeout: Option<u64>,
    /// Print each request (method, path, status, time; never a secret) on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Print the answer as one JSON document in the API's JSON mapping (secrets redacted)
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
    /// Background jobs (flow runs among them): list, show, cancel
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// The site's projects (names, paths and ids)
    #[command(subcommand)]
    Projects(ProjectsCommand),
    /// The site's users (user names, full names and ids)
    #[command(subcommand)]
    Users(UsersCommand),
    /// The site's groups (names and ids)
    #[command(subcommand)]
    Groups(GroupsCommand),
    /// The server's schedules (Tableau Server)
    #[command(subcommand)]
    Schedules(SchedulesCommand),
    /// Call an endpoint of the spec by its id (--list lists them), or any path of the server
    /// (METHOD PATH), and print the answer (XML, or JSON with --json)
    #[command(
        after_help = API_EXAMPLES,
        override_usage = "tabflow api [OPTIONS] [ENDPOINT_ID]\n       tabflow api [OPTIONS] METHOD PATH\n       tabflow api --list"
    )]
    Api(ApiArgs),
    /// Show the server's version and REST API version (no sign-in needed)
    ServerInfo,
    /// Sign in and save the session, so that later commands for this server and site neither
    /// sign in nor out
    #[command(after_help = LOGIN_HELP)]
    Login,
    /// Sign out of the saved session of this server and site, and delete its file
    Logout,
    /// Show the saved session of this server and site (or every saved session): who, where, until
    /// when; exit status 1 when there is none
    Status(StatusArgs),
    /// The profiles of the config file
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = "Example: tabflow completions bash > ~/.local/share/bash-completion/completions/tabflow"
    )]
    Completions {
        /// The shell
        #[arg(value_enum, ignore_case = true)]
        shell: clap_complete::Shell,
    },
    /// Start the Tableau flows simulator on loopback and print its URL and demo credentials
    /// (--api-version: the version it speaks; default 3.24)
    Mock(MockArgs),
    /// Run the whole lifecycle against an in-process simulator: publish, run, wait, list, download
    Demo,
    /// Serve every flow method of the spec, and a few curated tools, to an AI agent over the
    /// Model Context Protocol (JSON-RPC on standard input and output); read-only unless
    /// --allow-writes
    #[command(after_help = MCP_HELP)]
    Mcp(McpArgs),
}

/// The examples and safety notes of `tabflow mcp --help`.
const MCP_HELP: &str = "\
Safety:
  Read tools work by default. A tool that changes anything is refused unless --allow-writes
  (TABFLOW_MCP_WRITES=1); one that deletes also needs --allow-destructive
  (TABFLOW_MCP_DESTRUCTIVE=1). --project bounds every tool to the flows of those projects.

Examples:
  tabflow mcp
  tabflow --profile prod mcp --project Finance --project 'Sales/Archive'
  tabflow mcp --allow-writes

An agent's configuration (Claude Desktop, VS Code):
  {\"command\": \"tabflow\", \"args\": [\"mcp\"]}";

/// `flows ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum FlowsCommand {
    /// List the site's flows (one page unless --all), or a user's with --user
    #[command(after_help = FLOWS_LIST_EXAMPLES)]
    List(FlowsListArgs),
    /// Show a flow, its output steps and parameters
    Get {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
    },
    /// Delete a flow
    Delete {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
    },
    /// Add tags to a flow (a tag may hold spaces and commas; tags it has are kept)
    #[command(after_help = FLOWS_TAG_EXAMPLES)]
    Tag {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
        /// The tags to add
        #[arg(required = true, value_parser = tag_arg, value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Remove tags from a flow
    Untag {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
        /// The tags to remove, each as the flow lists it
        #[arg(required = true, value_parser = tag_arg, value_name = "TAG")]
        tags: Vec<String>,
    },
    /// Download a flow's file (.tfl or .tflx)
    #[command(after_help = FLOWS_DOWNLOAD_EXAMPLES)]
    Download(DownloadArgs),
    /// Describe what a flow reads, does and writes: its inputs, steps, outputs, parameters and
    /// lineage, from a local .tfl/.tflx file or the flow's file on the server
    #[command(after_help = FLOWS_DESCRIBE_EXAMPLES)]
    Describe(DescribeArgs),
    /// Publish a flow file (.tfl or .tflx; files above 64 MB are sent in chunks)
    #[command(after_help = FLOWS_PUBLISH_EXAMPLES)]
    Publish(PublishArgs),
    /// Move a flow to another project, or give it another owner
    #[command(after_help = FLOWS_UPDATE_NOTE)]
    Update {
        /// The flow: its id, name, or path (Project/Flow; nested: Parent/Child/Flow; a `/` inside
        /// a name is written \/). Here --project is where the flow moves to: a name that flows of
        /// several projects have is given by its path
        #[arg(value_parser = resource, value_name = "FLOW")]
        flow: String,
        /// What to change
        #[command(flatten)]
        changes: FlowChanges,
    },
    /// Run a flow now, optionally waiting for the run to finish
    #[command(after_help = FLOWS_RUN_EXAMPLES)]
    Run(FlowRunArgs),
}

/// `flows describe` options.
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// The flow: a local .tfl/.tflx file, or the flow's id, name or path on the server
    #[command(flatten)]
    pub flow: FlowArg,
    /// How to print the description (--json is --format json)
    #[arg(long, value_enum, default_value_t = DescribeFormat::Text)]
    pub format: DescribeFormat,
}

/// How `flows describe` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DescribeFormat {
    /// Sections for people: Inputs, Steps, Outputs, Parameters, Lineage
    Text,
    /// The summary as JSON
    Json,
    /// A Mermaid graph (flowchart LR) of the steps
    Mermaid,
}

/// A flow argument: its id, name or path, and `--project` to look a name up in one project.
#[derive(Debug, Clone, Args)]
pub struct FlowArg {
    /// The flow: its id, name, or path (Project/Flow; nested: Parent/Child/Flow; a `/` inside a
    /// name is written \/)
    #[arg(value_parser = resource, value_name = "FLOW")]
    pub flow: String,
    /// Look the flow's name up in this project only: its name, path (Sales/Archive) or id (the
    /// flow's name is then taken as it is, a `/` in it included)
    #[arg(long = "project", value_name = "PROJECT", value_parser = resource)]
    pub project: Option<String>,
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
    /// Items per page and every page
    #[command(flatten)]
    pub pages: PageArgs,
    /// The flows a user owns or may use (Query Flows for User), by user name or id
    #[arg(value_parser = resource, long, value_name = "USER")]
    pub user: Option<String>,
    /// With --user: only the flows the user owns
    #[arg(long, requires = "user")]
    pub owned: bool,
    /// Only the flows carrying TAG (repeatable: every one given); filtered here, not by the server
    #[arg(long = "tag", value_name = "TAG", value_parser = tag_arg,
        long_help = "Only the flows carrying TAG, as the flow lists it (repeatable: a flow must carry every one given). \
Servers refuse tags as a flow filter field (error 400065), so tabflow filters the pages it reads: \
with --all or --limit N it reads pages until N flows match (or every page), and otherwise keeps the matches \
of the one page it reads. Combines with --filter, --sort, --page-size and --user.")]
    pub tags: Vec<String>,
}

/// A tag argument: not empty.
fn tag_arg(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("a tag cannot be empty".to_owned());
    }
    Ok(s.to_owned())
}

/// How much of a paginated list to show.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct PageArgs {
    /// Items per page (1-1000; default: the server's, 100)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub page_size: Option<u32>,
    /// Every page, not only the first
    #[arg(long)]
    pub all: bool,
    /// At most N items, from as many pages as they need (and no page more)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// `--limit N` of a list that always shows every page.
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct LimitArgs {
    /// At most N items, from as many pages as they need (and no page more)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// `flows download` options.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// The flow
    #[command(flatten)]
    pub flow: FlowArg,
    /// A file to write, a directory to write the server's file name into (default: the current
    /// directory), or - for standard output
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Replace an existing file
    #[arg(long)]
    pub force: bool,
}

/// `flows publish` options.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The flow file
    pub file: PathBuf,
    /// The project to publish into: its name, path (Sales/Archive) or id
    #[arg(value_parser = resource, long, value_name = "PROJECT")]
    pub project: String,
    /// The flow's name (default: the file name without its extension)
    #[arg(long)]
    pub name: Option<String>,
    /// The flow's description
    #[arg(long)]
    pub description: Option<String>,
    /// Replace a flow of the same name
    #[arg(long)]
    pub overwrite: bool,
}

/// `flows update` changes: at least one.
#[derive(Debug, Args)]
#[group(required = true, multiple = true)]
pub struct FlowChanges {
    /// The project to move the flow to: its name, path (Sales/Archive) or id
    #[arg(value_parser = resource, long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// The user to make the flow's owner: user name or id
    #[arg(value_parser = resource, long, value_name = "USER")]
    pub owner: Option<String>,
}

/// `flows run` options.
#[derive(Debug, Args)]
pub struct FlowRunArgs {
    /// The flow
    #[command(flatten)]
    pub flow: FlowArg,
    /// Run only this output step (repeatable; default: every output step)
    #[arg(long = "output-step", value_name = "ID", value_parser = resource)]
    pub output_steps: Vec<String>,
    /// A parameter value, by the parameter's name or id (repeatable); checked against the
    /// parameter's type and allowed values before running
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = key_value)]
    pub params: Vec<(String, String)>,
    /// Full or incremental refresh (API 3.24)
    #[arg(long, value_enum, ignore_case = true)]
    pub mode: Option<RunMode>,
    /// Wait for the run to finish (exit status 3 if it fails, is cancelled or times out)
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this many seconds (default 3600; at most a year)
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
#[command(arg_required_else_help = true)]
pub enum RunsCommand {
    /// List the site's flow runs, newest first, with their durations and the reasons of failed
    /// runs
    #[command(after_help = RUNS_LIST_EXAMPLES)]
    List(RunsListArgs),
    /// Show a flow run
    Get {
        /// The flow run's id
        #[arg(value_parser = resource)]
        run_id: String,
    },
    /// Cancel a flow run that is pending or in progress
    Cancel {
        /// The flow run's id
        #[arg(value_parser = resource)]
        run_id: String,
    },
    /// Wait for a flow run to finish (exit status 3 if it fails, is cancelled or times out)
    #[command(after_help = RUNS_WAIT_EXAMPLES)]
    Wait {
        /// The flow run's id
        #[arg(value_parser = resource)]
        run_id: String,
        /// Give up after this many seconds (default 3600; at most a year)
        #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
        timeout: Option<u64>,
    },
}

/// `runs list` options: --flow, --since and --filter go to the server, --status is applied here.
#[derive(Debug, Args)]
pub struct RunsListArgs {
    /// Only the runs of this flow: its id, name or path (Project/Flow). Sent to the server
    /// (flowId:eq:ID)
    #[arg(long, value_name = "FLOW", value_parser = resource)]
    pub flow: Option<String>,
    /// With --flow: look the flow's name up in this project only (its name, path or id)
    #[arg(long, value_name = "PROJECT", value_parser = resource, requires = "flow")]
    pub project: Option<String>,
    /// Only runs in this state (repeatable: any of them): Pending, InProgress, Success (or
    /// Succeeded), Failed, Cancelled, in any case. Applied here: Get Flow Runs cannot filter on
    /// the state
    #[arg(long, value_name = "STATUS", value_parser = run_status)]
    pub status: Vec<RunStatus>,
    /// Only runs started since then: a duration back from now (30m, 2h, 7d, 2w, 1h30m, 3 days) or a date
    /// (2024-05-01, midnight UTC; or 2024-05-01T08:00:00Z, any RFC 3339 time). Sent to the
    /// server (startedAt:gte)
    #[arg(long, value_name = "DURATION|DATE", value_parser = since)]
    pub since: Option<Since>,
    /// A filter, e.g. userId:eq:ID or progress:lt:100
    #[arg(long, value_name = "EXPR", value_parser = filter,
        long_help = expression_help("A filter, e.g. userId:eq:ID or progress:lt:100 (sent to the server, with --flow and --since).", &endpoints::GET_FLOW_RUNS, "filter"))]
    pub filter: Option<Filter>,
    /// At most the N newest runs. Get Flow Runs has no sort, so the newest are known only once
    /// every page of the runs the server's filters keep has been read (pages of 1000): --flow
    /// and --since make those fewer
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
}

/// A flow run state (`runs list --status`), in any case; `Succeeded` is `Success`.
pub fn run_status(text: &str) -> Result<RunStatus, String> {
    let t = text.trim();
    let known = [
        RunStatus::Pending,
        RunStatus::InProgress,
        RunStatus::Success,
        RunStatus::Failed,
        RunStatus::Cancelled,
    ];
    if t.eq_ignore_ascii_case("Succeeded") {
        return Ok(RunStatus::Success);
    }
    known
        .into_iter()
        .find(|s| s.as_str().eq_ignore_ascii_case(t))
        .ok_or_else(|| {
            format!("{text:?} is not a run state: Pending, InProgress, Success (Succeeded), Failed or Cancelled")
        })
}

/// `--since`: the earliest start time, in seconds since the Unix epoch, and how it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Since {
    /// The time, in seconds since the Unix epoch (UTC).
    pub unix: i64,
    /// As given on the command line.
    pub given: String,
}

/// The longest `--since` duration: 100 years.
const MAX_SINCE_SECS: u64 = 100 * 366 * 24 * 3600;

/// A `--since` value: a duration back from now (`30m`, `2h`, `7d`, `2w`, `1h30m`, `3 days`;
/// units s, m, h, d, w or their words) or a date (`2024-05-01`, midnight UTC) or an RFC 3339 time
/// (`2024-05-01T08:00:00Z`, `2024-05-01T10:00:00+02:00`).
pub fn since(text: &str) -> Result<Since, String> {
    since_at(text, std::time::SystemTime::now())
}

/// [`since`], with `now` given (for tests).
pub fn since_at(text: &str, now: std::time::SystemTime) -> Result<Since, String> {
    let t = text.trim();
    let given = t.to_owned();
    if t.is_empty() {
        return Err("--since needs a duration (30m, 2h, 7d) or a date (2024-05-01)".to_owned());
    }
    // A date has a `-` after its year; a duration starts with a number and has none.
    if t.starts_with(|c: char| c.is_ascii_digit()) && !t.contains(['-', ':']) {
        let secs = duration_secs(t)?;
        let now = now
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| "the system clock is before 1970".to_owned())?
            .as_secs();
        let unix = i64::try_from(now).unwrap_or(i64::MAX) - i64::try_from(secs).unwrap_or(i64::MAX);
        return Ok(Since { unix, given });
    }
    let unix = date_secs(t)?;
    Ok(Since { unix, given })
}

/// `30m`, `2h`, `7d`, `1h30m`, `3 days`: the seconds of a duration, numbers each followed by a
/// unit (s, m, h, d, w, or their words: sec, min, hour, day, week, plural or not, any case).
fn duration_secs(text: &str) -> Result<u64, String> {
    let bad = |why: &str| {
        format!(
            "{text:?} is not a duration ({why}): numbers with units, e.g. 30m, 2h, 7d, 2w, 1h30m or 3 days"
        )
    };
    let mut total: u64 = 0;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err(bad("empty"));
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad("a unit without a number"));
        }
        let n: u64 = rest[..digits].parse().map_err(|_| bad("too large"))?;
        rest = rest[digits..].trim_start();
        let letters = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        if letters == 0 {
            return Err(bad("a number without a unit"));
        }
        let unit: u64 = match rest[..letters].to_ascii_lowercase().as_str() {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 7 * 86_400,
            other => return Err(bad(&format!("unknown unit {other:?}"))),
        };
        rest = rest[letters..].trim_start();
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .filter(|s| *s <= MAX_SINCE_SECS)
            .ok_or_else(|| bad("longer than 100 years"))?;
    }
    Ok(total)
}

/// `2024-05-01` (midnight UTC) or an RFC 3339 time: seconds since the Unix epoch.
fn date_secs(text: &str) -> Result<i64, String> {
    use time::format_description::well_known::Rfc3339;
    let bad = || {
        format!(
            "{text:?} is neither a duration (30m, 2h, 7d) nor a date (2024-05-01, or 2024-05-01T08:00:00Z)"
        )
    };
    if let Ok(t) = time::OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(t.unix_timestamp());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).map_err(|_| bad())?;
    Ok(date.midnight().assume_utc().unix_timestamp())
}

/// `jobs ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum JobsCommand {
    /// List the site's jobs, queued, running and finished (one page unless --all)
    #[command(after_help = JOBS_LIST_EXAMPLES)]
    List(JobsListArgs),
    /// Show a job: its state, progress, finish code and, for a flow run's job, the run
    Get {
        /// The job's id
        #[arg(value_parser = resource)]
        job_id: String,
    },
    /// Cancel a job that is queued or running (a flow run's job cancels the run)
    Cancel {
        /// The job's id
        #[arg(value_parser = resource)]
        job_id: String,
    },
}

/// `jobs list` options.
#[derive(Debug, Args)]
pub struct JobsListArgs {
    /// A filter, e.g. status:eq:Failed or createdAt:gt:2024-01-01T00:00:00Z
    #[arg(long, value_name = "EXPR", value_parser = filter,
        long_help = expression_help("A filter, e.g. status:eq:Failed or createdAt:gt:2024-01-01T00:00:00Z.", &endpoints::QUERY_JOBS, "filter"))]
    pub filter: Option<Filter>,
    /// Only jobs in this state (status:eq:STATUS): Pending, InProgress, Success, Failed, Cancelled
    #[arg(long, value_name = "STATUS", value_parser = job_status)]
    pub status: Option<RunStatus>,
    /// Only jobs of this type (jobType:eq:TYPE), e.g. run_flow or refresh_extracts
    #[arg(long = "type", value_name = "TYPE", value_parser = resource)]
    pub job_type: Option<String>,
    /// A sort, e.g. createdAt:desc
    #[arg(long, value_name = "EXPR", value_parser = sort,
        long_help = expression_help("A sort, e.g. createdAt:desc.", &endpoints::QUERY_JOBS, "sort"))]
    pub sort: Option<Sort>,
    /// Items per page and every page
    #[command(flatten)]
    pub pages: PageArgs,
}

/// A job state (`--status`), as the answers write it.
fn job_status(text: &str) -> Result<RunStatus, String> {
    match RunStatus::from(text) {
        RunStatus::Unknown(_) => Err(format!(
            "{text:?} is not a job state: Pending, InProgress, Success, Failed or Cancelled"
        )),
        known => Ok(known),
    }
}

/// `tasks ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum TasksCommand {
    /// List the site's scheduled flow tasks
    List {
        /// Only the tasks of this flow: its id, name or path (Project/Flow). Applied here: Get
        /// Flow Run Tasks has no filter
        #[arg(long, value_name = "FLOW", value_parser = resource)]
        flow: Option<String>,
        /// With --flow: look the flow's name up in this project only (its name, path or id)
        #[arg(long, value_name = "PROJECT", value_parser = resource, requires = "flow")]
        project: Option<String>,
        /// How many
        #[command(flatten)]
        limit: LimitArgs,
    },
    /// Show a flow task
    Get {
        /// The task's id
        #[arg(value_parser = resource)]
        task_id: String,
    },
    /// Run a flow task now
    Run {
        /// The task's id
        #[arg(value_parser = resource)]
        task_id: String,
    },
    /// Add a flow task to a server schedule (Tableau Server)
    AddToSchedule {
        /// The schedule's name or id (a Flow schedule; `tabflow schedules list` shows them)
        #[arg(value_parser = resource)]
        schedule: String,
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
        /// A parameter value for the task's runs, by the parameter's name or id (repeatable;
        /// API 3.24)
        #[arg(long = "param", value_name = "NAME=VALUE", value_parser = key_value)]
        params: Vec<(String, String)>,
    },
    /// Create a flow task with its schedule (Tableau Cloud)
    CreateCloud(CreateCloudArgs),
}

/// `tasks create-cloud` options.
#[derive(Debug, Args)]
pub struct CreateCloudArgs {
    /// The flow
    #[command(flatten)]
    pub flow: FlowArg,
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
    /// A parameter value for the task's runs, by the parameter's name or id (repeatable;
    /// API 3.24)
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = key_value)]
    pub params: Vec<(String, String)>,
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
#[command(arg_required_else_help = true)]
pub enum LinkedCommand {
    /// List the site's linked tasks (every page)
    List {
        /// How many
        #[command(flatten)]
        limit: LimitArgs,
    },
    /// Show a linked task and its steps
    Get {
        /// The linked task's id
        #[arg(value_parser = resource)]
        id: String,
    },
    /// Run a linked task now
    Run {
        /// The linked task's id
        #[arg(value_parser = resource)]
        id: String,
    },
}

/// `connections ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum ConnectionsCommand {
    /// List a flow's connections
    List {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
    },
    /// Change a connection's address, port or credentials
    Update {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
        /// The connection's id (`tabflow connections list FLOW` shows them)
        #[arg(value_parser = resource)]
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
    /// The user name the connection signs in to its database with (--username is the one
    /// signing in to Tableau)
    #[arg(long, value_name = "NAME")]
    pub connection_username: Option<String>,
    /// The password the connection signs in to its database with (--password is the one
    /// signing in to Tableau)
    #[arg(long, value_name = "PASSWORD")]
    pub connection_password: Option<String>,
    /// Whether the password is stored with the connection (true or false, in any case; also
    /// yes/no)
    #[arg(long, value_name = "true|false", value_parser = clap::builder::BoolishValueParser::new())]
    pub embed_password: Option<bool>,
}

/// `permissions ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum PermissionsCommand {
    /// List a flow's permissions
    List {
        /// The flow
        #[command(flatten)]
        flow: FlowArg,
    },
    /// Grant or deny capabilities to a user or group
    #[command(after_help = PERMISSIONS_ADD_EXAMPLES)]
    Add(PermissionArgs),
    /// Remove capabilities (each as granted: CAPABILITY:MODE) from a user or group
    #[command(after_help = PERMISSIONS_DELETE_EXAMPLES)]
    Delete(PermissionArgs),
    /// Copy a flow's permissions to another flow (added to the target's, or --replace them)
    #[command(after_help = PERMISSIONS_COPY_EXAMPLES)]
    Copy {
        /// The flow to copy the permissions of (name or id)
        #[arg(value_parser = resource)]
        from: String,
        /// The flow to write them to (name or id)
        #[arg(value_parser = resource)]
        to: String,
        /// Make the target's permissions the source's: also delete the target's rules the
        /// source does not have
        #[arg(long)]
        replace: bool,
    },
}

/// What `permissions add` and `permissions delete` take: a flow, a grantee, capabilities.
#[derive(Debug, Args)]
pub struct PermissionArgs {
    /// The flow
    #[command(flatten)]
    pub flow: FlowArg,
    /// Who
    #[command(flatten)]
    pub grantee: Grantee,
    /// Capabilities and modes, e.g. Read:Allow ExportXml:Deny, in any case (capabilities:
    /// ChangeHierarchy, ChangePermissions, Delete, Execute, ExportXml, Read,
    /// WebAuthoringForFlows, Write; modes: Allow, Deny)
    #[arg(value_name = "CAPABILITY:MODE", required = true, value_parser = capability_mode)]
    pub capabilities: Vec<(Capability, CapabilityMode)>,
}

/// A user or a group, exactly one.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Grantee {
    /// The user: user name or id
    #[arg(value_parser = resource, long, value_name = "USER")]
    pub user: Option<String>,
    /// The group: name or id
    #[arg(value_parser = resource, long, value_name = "GROUP")]
    pub group: Option<String>,
}

/// `projects ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum ProjectsCommand {
    /// List the site's projects with their paths (one page unless --all)
    List {
        /// A filter, e.g. name:eq:Finance or parentProjectId:eq:ID
        #[arg(long, value_name = "EXPR", value_parser = filter,
            long_help = expression_help("A filter, e.g. name:eq:Finance.", &endpoints::QUERY_PROJECTS, "filter"))]
        filter: Option<Filter>,
        /// A sort, e.g. name:asc
        #[arg(long, value_name = "EXPR", value_parser = sort,
            long_help = expression_help("A sort, e.g. name:asc.", &endpoints::QUERY_PROJECTS, "sort"))]
        sort: Option<Sort>,
        /// Items per page and every page
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Show a project's permissions, or with --default the default permissions it gives the
    /// workbooks, data sources or flows published into it
    Permissions {
        /// The project: its name, path (Sales/Archive) or id
        project: String,
        /// Show the default permissions for this kind of content instead
        #[arg(long = "default", value_name = "KIND")]
        defaults: Option<DefaultsKind>,
    },
}

/// The kind of content whose default permissions `projects permissions --default` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DefaultsKind {
    /// Query Default Permissions for workbooks
    Workbooks,
    /// Query Default Permissions for data sources
    Datasources,
    /// Query Default Permissions for flows (API 3.4 and later)
    Flows,
}

/// `users ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum UsersCommand {
    /// List the site's users with their full names (one page unless --all)
    List {
        /// A filter, e.g. name:eq:analyst or siteRole:eq:Creator
        #[arg(long, value_name = "EXPR", value_parser = filter,
            long_help = expression_help("A filter, e.g. name:eq:analyst.", &endpoints::GET_USERS_ON_SITE, "filter"))]
        filter: Option<Filter>,
        /// A sort, e.g. name:asc
        #[arg(long, value_name = "EXPR", value_parser = sort,
            long_help = expression_help("A sort, e.g. name:asc.", &endpoints::GET_USERS_ON_SITE, "sort"))]
        sort: Option<Sort>,
        /// Items per page and every page
        #[command(flatten)]
        pages: PageArgs,
    },
    /// Show one user (Query User On Site); without USER, the signed-in user. Users who are not
    /// administrators may show only themselves
    Get {
        /// The user: their user name or id (default: the signed-in user)
        user: Option<String>,
    },
}

/// `groups ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum GroupsCommand {
    /// List the site's groups (one page unless --all)
    List {
        /// A filter, e.g. name:eq:Analysts
        #[arg(long, value_name = "EXPR", value_parser = filter,
            long_help = expression_help("A filter, e.g. name:eq:Analysts.", &endpoints::QUERY_GROUPS, "filter"))]
        filter: Option<Filter>,
        /// A sort, e.g. name:asc
        #[arg(long, value_name = "EXPR", value_parser = sort,
            long_help = expression_help("A sort, e.g. name:asc.", &endpoints::QUERY_GROUPS, "sort"))]
        sort: Option<Sort>,
        /// Items per page and every page
        #[command(flatten)]
        pages: PageArgs,
    },
}

/// `schedules ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum SchedulesCommand {
    /// List the server's schedules, flow and extract ones (one page unless --all; Tableau Server)
    List {
        /// Items per page and every page
        #[command(flatten)]
        pages: PageArgs,
    },
}

/// `api` options: `api ENDPOINT_ID` (an endpoint of the spec, checked against it) or
/// `api METHOD PATH` (any path of the server, like `gh api`).
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// The endpoint's id, e.g. query_flow (without it, or with --list, the endpoints are
    /// listed); or a method, GET, POST, PUT, PATCH, DELETE or HEAD (any case), followed by a PATH
    #[arg(value_name = "ENDPOINT_ID|METHOD")]
    pub endpoint: Option<String>,
    /// With a METHOD: the path, e.g. /sites/{site}/users or /serverinfo ({site}, {user}: the
    /// session's site and user ids; /api/VERSION is put before it unless it starts with /api/)
    #[arg(value_name = "PATH", requires = "endpoint")]
    pub url_path: Option<String>,
    /// List the endpoints: id, method, path and title
    #[arg(long, conflicts_with_all = ["endpoint", "path", "query", "body"])]
    pub list: bool,
    /// With an ENDPOINT_ID: a path parameter, by its name in the endpoint's path, e.g.
    /// flow_id=ID (repeatable)
    #[arg(long = "path", value_name = "NAME=VALUE", value_parser = key_value, requires = "endpoint")]
    pub path: Vec<(String, String)>,
    /// A query parameter, by its name on the wire, e.g. pageSize=10 (repeatable)
    #[arg(long = "query", value_name = "NAME=VALUE", value_parser = key_value, requires = "endpoint")]
    pub query: Vec<(String, String)>,
    /// The request body: a file, or - for standard input (at most 64 MiB)
    #[arg(long, value_name = "FILE", requires = "endpoint")]
    pub body: Option<PathBuf>,
    /// With a METHOD: the body's Content-Type (default: application/json for a body starting
    /// with { or [, application/xml otherwise)
    #[arg(long, value_name = "TYPE", requires = "body")]
    pub content_type: Option<String>,
    /// With a METHOD: print the answer's status line and headers on standard error
    #[arg(short = 'i', long, requires = "endpoint")]
    pub include: bool,
}

/// `status` options.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Ask the server whether the session is still valid (one request: Query User On Site)
    #[arg(long)]
    pub check: bool,
}

/// `profiles ...`
#[derive(Debug, Subcommand)]
#[command(arg_required_else_help = true)]
pub enum ProfilesCommand {
    /// List the profiles of the config file (name, server, site, credentials' name)
    List,
}

/// `mcp` options: what the agent may do.
#[derive(Debug, Clone, Default, Args)]
pub struct McpArgs {
    /// Allow the tools that change something (run, publish, update, add, cancel...)
    #[arg(long, env = "TABFLOW_MCP_WRITES", value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_writes: bool,
    /// Allow the tools that delete (flows, permissions, tags); needs --allow-writes too
    #[arg(long, env = "TABFLOW_MCP_DESTRUCTIVE", value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_destructive: bool,
    /// Bound every tool to the flows of this project (a name, path like Sales/Archive, or id);
    /// repeatable
    #[arg(long = "project", value_name = "PROJECT")]
    pub projects: Vec<String>,
}

/// `mock` options.
#[derive(Debug, Args)]
pub struct MockArgs {
    /// The loopback port to listen on (0: a free one, printed)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// The experimental flow-document endpoint (GET /api/exp/.../document): off answers 403200,
    /// as a real server with its feature flag off; absent answers 404, as a server without it
    #[arg(long, value_name = "on|off|absent", default_value = "off", value_parser = flow_document_api)]
    pub flow_document_api: tableau_flows_mock::FlowDocumentApi,
}

/// `--flow-document-api on|off|absent`.
fn flow_document_api(text: &str) -> Result<tableau_flows_mock::FlowDocumentApi, String> {
    text.parse()
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

/// A name or id of something on the server (a flow, run, task, project, user, group, schedule,
/// linked task, connection or output step): an empty or blank one names nothing, and is refused
/// before any request (rather than, say, looking for a flow named "" among every flow of the
/// site).
pub fn resource(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("an empty name or id names nothing".to_owned())
    } else {
        Ok(text.to_owned())
    }
}

/// `KEY=VALUE`, split at the first `=`; the key must not be empty.
pub fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), v.to_owned())),
        Some(_) => Err(format!("{text:?} has no name before '='")),
        None => Err(format!("{text:?} is not NAME=VALUE")),
    }
}

/// A time of day `HH:MM:SS` (or `HH:MM`).
pub fn time_of_day(text: &str) -> Result<tableau_flows::Time, String> {
    let bad = || format!("{text:?} is not a time of day HH:MM:SS (e.g. 08:30:00)");
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad());
    }
    let number = |i: usize| parts.get(i).map_or(Ok(0), |p| p.parse::<u8>());
    let (h, m, s) = (
        number(0).map_err(|_| bad())?,
        number(1).map_err(|_| bad())?,
        number(2).map_err(|_| bad())?,
    );
    tableau_flows::Time::from_hms(h, m, s).map_err(|_| bad())
}

/// A value of `values` named `text` in any case; the error lists the values.
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
pub fn capability(text: &str) -> Result<Capability, String> {
    known("capability", text, Capability::KNOWN, |c| c.as_str())
}

/// `Allow` or `Deny` (any case).
pub fn mode(text: &str) -> Result<CapabilityMode, String> {
    known("capability mode", text, CapabilityMode::KNOWN, |m| {
        m.as_str()
    })
}

/// `CAPABILITY:MODE`, e.g. `Read:Allow` (any case).
pub fn capability_mode(text: &str) -> Result<(Capability, CapabilityMode), String> {
    let (c, m) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?} is not CAPABILITY:MODE (e.g. Read:Allow)"))?;
    Ok((capability(c)?, mode(m)?))
}

/// A day of the week (any case), e.g. `Monday`.
pub fn week_day(text: &str) -> Result<WeekDay, String> {
    known("weekDay", text, WeekDay::KNOWN, |d| d.as_str())
}

/// One interval of a schedule: `hours=N`, `minutes=N`, `weekDay=DAY` or `monthDay=N|LastDay`
/// (keys and days in any case).
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
    match key.to_ascii_lowercase().as_str() {
        "hours" => interval.hours = Some(number("hours", 1..=24)?),
        "minutes" => interval.minutes = Some(number("minutes", 1..=60)?),
        "weekday" => interval.week_day = Some(week_day(value)?),
        "monthday" => {
            if value.eq_ignore_ascii_case("LastDay") {
                interval.month_day = Some("LastDay".to_owned());
            } else {
                interval.month_day = Some(number("monthDay", 1..=31)?.to_string());
            }
        }
        _ => {
            return Err(format!(
                "unknown interval {key:?}: expected hours, minutes, weekDay or monthDay"
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
        let help = expression_help("A filter.", &endpoints::QUERY_PROJECTS, "filter");
        assert!(help.contains("name (eq"), "{help}");
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_options_are_taken_before_or_after_the_command() {
        for argv in [
            &[
                "tabflow",
                "--username",
                "admin",
                "--password",
                "pw",
                "flows",
                "list",
            ][..],
            &[
                "tabflow",
                "flows",
                "list",
                "--username",
                "admin",
                "--password",
                "pw",
            ],
            &[
                "tabflow",
                "flows",
                "--username",
                "admin",
                "list",
                "--password",
                "pw",
            ],
        ] {
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
            assert_eq!(cli.global.username.as_deref(), Some("admin"), "{argv:?}");
            assert_eq!(cli.global.password.as_deref(), Some("pw"), "{argv:?}");
        }
        // Every global option is global: clap would refuse one given after the command
        // otherwise.
        let command = Cli::command();
        for arg in command.get_arguments() {
            if arg.get_long().is_some() && !matches!(arg.get_id().as_str(), "help" | "version") {
                assert!(arg.is_global_set(), "--{} is not global", arg.get_id());
            }
        }
        // connections update: the connection's credentials have names of their own, and the
        // sign-in's are the global ones.
        let cli = Cli::try_parse_from([
            "tabflow",
            "connections",
            "update",
            "F",
            "C",
            "--connection-username",
            "loader",
            "--connection-password",
            "hunter2",
            "--username",
            "admin",
        ])
        .unwrap();
        assert_eq!(cli.global.username.as_deref(), Some("admin"));
        let Command::Connections(ConnectionsCommand::Update { changes, .. }) = cli.command else {
            panic!("not connections update");
        };
        assert_eq!(changes.connection_username.as_deref(), Some("loader"));
        assert_eq!(changes.connection_password.as_deref(), Some("hunter2"));
    }

    #[test]
    fn api_takes_an_endpoint_id_or_a_method_and_a_path() {
        let cli = Cli::try_parse_from([
            "tabflow",
            "api",
            "GET",
            "/sites/{site}/users",
            "--query",
            "pageSize=1",
            "-i",
        ])
        .unwrap();
        let Command::Api(args) = cli.command else {
            panic!("not api");
        };
        assert_eq!(args.endpoint.as_deref(), Some("GET"));
        assert_eq!(args.url_path.as_deref(), Some("/sites/{site}/users"));
        assert!(args.include);
        for bad in [
            // --content-type needs a body.
            &["tabflow", "api", "POST", "/x", "--content-type", "text/xml"][..],
            &["tabflow", "api", "--list", "GET"],
        ] {
            let err = Cli::try_parse_from(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn key_values() {
        assert_eq!(
            key_value("Region=South").unwrap(),
            ("Region".into(), "South".into())
        );
        assert_eq!(key_value("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(key_value("a=").unwrap(), ("a".into(), String::new()));
        assert_eq!(key_value("Top N=5").unwrap(), ("Top N".into(), "5".into()));
        assert!(key_value("=x").is_err());
        assert!(key_value("Region").is_err());
    }

    #[test]
    fn capabilities_and_modes_in_any_case() {
        assert_eq!(
            capability_mode("read:allow").unwrap(),
            (Capability::Read, CapabilityMode::Allow)
        );
        assert_eq!(
            capability_mode("EXPORTXML:DENY").unwrap(),
            (Capability::ExportXml, CapabilityMode::Deny)
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
            interval("weekday=FRIDAY").unwrap().week_day,
            Some(WeekDay::Friday)
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
        let t = time_of_day("08:30:05").unwrap();
        assert_eq!((t.hour(), t.minute(), t.second()), (8, 30, 5));
        assert_eq!(time_of_day("23:15").unwrap().minute(), 15);
        for bad in ["8am", "25:00:00", "8:30:00", "08:60:00", "08:30:00:00", ""] {
            assert!(time_of_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn enum_options_take_any_case() {
        for mode in ["full", "Full", "FULL"] {
            let cli = Cli::try_parse_from(["tabflow", "flows", "run", "F", "--mode", mode])
                .unwrap_or_else(|e| panic!("{mode}: {e}"));
            let Command::Flows(FlowsCommand::Run(run)) = cli.command else {
                panic!("not flows run");
            };
            assert_eq!(run.mode, Some(RunMode::Full));
        }
        for frequency in ["daily", "DAILY", "Daily"] {
            let cli = Cli::try_parse_from([
                "tabflow",
                "tasks",
                "create-cloud",
                "F",
                "--frequency",
                frequency,
                "--start",
                "08:00:00",
            ])
            .unwrap_or_else(|e| panic!("{frequency}: {e}"));
            let Command::Tasks(TasksCommand::CreateCloud(args)) = cli.command else {
                panic!("not tasks create-cloud");
            };
            assert_eq!(args.frequency, Frequency::Daily);
        }
        assert!(Cli::try_parse_from(["tabflow", "completions", "BASH"]).is_ok());
        let cli = Cli::try_parse_from([
            "tabflow",
            "connections",
            "update",
            "F",
            "C",
            "--embed-password",
            "TRUE",
        ])
        .unwrap();
        let Command::Connections(ConnectionsCommand::Update { changes, .. }) = cli.command else {
            panic!("not connections update");
        };
        assert_eq!(changes.embed_password, Some(true));
        assert!(Cli::try_parse_from(["tabflow", "completions", "PowerShell"]).is_ok());
    }

    #[test]
    fn options_parse() {
        let cli = Cli::try_parse_from([
            "tabflow",
            "flows",
            "run",
            "Sales Cleanup",
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
            "-v",
        ])
        .unwrap();
        assert!(cli.global.json);
        assert!(cli.global.verbose);
        let Command::Flows(FlowsCommand::Run(run)) = cli.command else {
            panic!("not flows run");
        };
        assert_eq!(run.flow.flow, "Sales Cleanup");
        assert_eq!(run.flow.project, None);
        assert_eq!(run.params, [("Region".to_owned(), "South".to_owned())]);
        assert_eq!(run.output_steps, ["s1"]);
        assert_eq!(run.mode, Some(RunMode::Incremental));
        assert_eq!(run.timeout, Some(5));

        let cli = Cli::try_parse_from([
            "tabflow",
            "permissions",
            "delete",
            "F",
            "--user",
            "analyst",
            "read:allow",
            "Write:Deny",
        ])
        .unwrap();
        let Command::Permissions(PermissionsCommand::Delete(args)) = cli.command else {
            panic!("not permissions delete");
        };
        assert_eq!(
            args.capabilities,
            [
                (Capability::Read, CapabilityMode::Allow),
                (Capability::Write, CapabilityMode::Deny)
            ]
        );

        for bad in [
            // --timeout needs --wait; --owned needs --user; --user excludes --filter.
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
            &["tabflow", "flows", "publish", "f.tflx"],
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
            // The old two-word form of delete is gone: one syntax for add and delete.
            &[
                "tabflow",
                "permissions",
                "delete",
                "F",
                "--user",
                "u",
                "Read",
                "Allow",
            ],
            &["tabflow", "flows", "list", "--filter", "name:like:x"],
            &["tabflow", "flows", "list", "--page-size", "0"],
            &["tabflow", "api", "--list", "--path", "flow_id=x"],
            &["tabflow", "completions", "tcsh"],
            &["tabflow", "api", "--query", "pageSize=1"],
            &[
                "tabflow",
                "--token-secret-stdin",
                "--password-stdin",
                "flows",
                "list",
            ],
        ] {
            let err = Cli::try_parse_from(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn a_flow_takes_project_to_narrow_its_name_but_update_moves_with_it() {
        let cli = Cli::try_parse_from([
            "tabflow",
            "flows",
            "get",
            "Sales Cleanup",
            "--project",
            "Prod",
        ])
        .unwrap();
        let Command::Flows(FlowsCommand::Get { flow }) = cli.command else {
            panic!("not flows get");
        };
        assert_eq!(
            (flow.flow.as_str(), flow.project.as_deref()),
            ("Sales Cleanup", Some("Prod"))
        );
        let cli = Cli::try_parse_from([
            "tabflow",
            "tasks",
            "add-to-schedule",
            "Nightly",
            "Sales Cleanup",
            "--project",
            "Dev",
        ])
        .unwrap();
        let Command::Tasks(TasksCommand::AddToSchedule { schedule, flow, .. }) = cli.command else {
            panic!("not tasks add-to-schedule");
        };
        assert_eq!(
            (schedule.as_str(), flow.flow.as_str()),
            ("Nightly", "Sales Cleanup")
        );
        assert_eq!(flow.project.as_deref(), Some("Dev"));
        let cli = Cli::try_parse_from(["tabflow", "flows", "update", "Dev/F", "--project", "Prod"])
            .unwrap();
        let Command::Flows(FlowsCommand::Update { flow, changes }) = cli.command else {
            panic!("not flows update");
        };
        assert_eq!(
            (flow.as_str(), changes.project.as_deref()),
            ("Dev/F", Some("Prod"))
        );
        // --project without --flow is refused where --flow is an option.
        for bad in [
            &["tabflow", "runs", "list", "--project", "Dev"][..],
            &["tabflow", "tasks", "list", "--project", "Dev"],
            &["tabflow", "flows", "get", "F", "--project", ""],
        ] {
            assert_eq!(
                Cli::try_parse_from(bad).unwrap_err().exit_code(),
                2,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn run_states_in_any_case() {
        assert_eq!(run_status("failed").unwrap(), RunStatus::Failed);
        assert_eq!(run_status("Succeeded").unwrap(), RunStatus::Success);
        assert_eq!(run_status("SUCCESS").unwrap(), RunStatus::Success);
        assert_eq!(run_status("inprogress").unwrap(), RunStatus::InProgress);
        let err = run_status("Done").unwrap_err();
        assert!(err.contains("not a run state"), "{err}");
    }

    #[test]
    fn since_takes_durations_and_dates() {
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let at = |t: &str| since_at(t, now).map(|s| s.unix);
        assert_eq!(at("30m"), Ok(1_700_000_000 - 1800));
        assert_eq!(at("2h"), Ok(1_700_000_000 - 7200));
        assert_eq!(at("7d"), Ok(1_700_000_000 - 7 * 86_400));
        assert_eq!(at("2w"), Ok(1_700_000_000 - 14 * 86_400));
        assert_eq!(at("1h30m"), Ok(1_700_000_000 - 5400));
        assert_eq!(at("45S"), Ok(1_700_000_000 - 45));
        assert_eq!(at("3 days"), Ok(1_700_000_000 - 3 * 86_400));
        assert_eq!(at("1 hour 30 mins"), Ok(1_700_000_000 - 5400));
        assert_eq!(at("2024-05-01"), Ok(1_714_521_600));
        assert_eq!(at("2024-05-01T08:00:00Z"), Ok(1_714_521_600 + 8 * 3600));
        assert_eq!(
            at("2024-05-01T10:00:00+02:00"),
            Ok(1_714_521_600 + 8 * 3600)
        );
        assert_eq!(since_at(" 2h ", now).unwrap().given, "2h");
        for (bad, says) in [
            ("2", "a number without a unit"),
            ("h", "neither a duration"),
            ("2y", "unknown unit \"y\""),
            ("3 fortnights", "unknown unit \"fortnights\""),
            ("2h 30", "a number without a unit"),
            ("99999999999999999999s", "too large"),
            ("1000000000w", "longer than 100 years"),
            ("2024-13-01", "neither a duration"),
            ("yesterday", "neither a duration"),
            ("", "needs a duration"),
        ] {
            let err = since_at(bad, now).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
