//! Saved sessions and profiles, end to end: `tabflow login`, `logout`, `status`, `profiles list`
//! and `--profile`, the binary run as a process against the simulator started in the test
//! process with its request log on, so that each test counts the requests a command made. Every
//! test keeps its sessions and config file in a directory of its own (TABFLOW_STATE_DIR,
//! TABFLOW_CONFIG_DIR), never the user's.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tableau_flows_mock::{Clock, MockServer, demo};

mod common;

/// A test's own state and config directories.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Home {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sessions-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Home { dir }
    }

    fn state(&self) -> PathBuf {
        self.dir.join("state")
    }

    fn config(&self) -> PathBuf {
        self.dir.join("config")
    }

    /// The session files saved.
    fn session_files(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.state().join("sessions")) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
                files.sort();
                files
            }
            Err(_) => Vec::new(),
        }
    }

    /// The one session file saved.
    #[track_caller]
    fn session_file(&self) -> PathBuf {
        let files = self.session_files();
        assert_eq!(files.len(), 1, "{files:?}");
        files[0].clone()
    }

    /// `tabflow` with a clean environment and this home.
    fn tabflow(&self) -> Command {
        let mut c = common::clean(&self.dir);
        c.stdin(Stdio::null());
        c
    }

    /// `tabflow` pointed at `server` (credentials not given).
    fn at(&self, server: &MockServer) -> Command {
        let mut c = self.tabflow();
        c.env("TABLEAU_SERVER", server.url());
        c
    }

    /// `tabflow` pointed at `server` with the demo administrator's token.
    fn admin(&self, server: &MockServer) -> Command {
        let mut c = self.at(server);
        c.env("TABLEAU_PAT_NAME", demo::PAT_NAME)
            .env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
        c
    }
}

/// What a run of tabflow did.
#[derive(Debug)]
struct Outcome {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    #[track_caller]
    fn ok(&self) -> &str {
        assert_eq!(self.status, 0, "{self:#?}");
        assert_eq!(self.stderr, "", "{self:#?}");
        &self.stdout
    }
}

fn run(mut command: Command, args: &[&str]) -> Outcome {
    let output = command.args(args).output().expect("tabflow runs");
    Outcome {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// A simulator keeping a log of its requests.
fn logged() -> MockServer {
    MockServer::builder().request_log(true).start().unwrap()
}

/// The endpoints of the requests logged since the log was last cleared, and clears it.
fn endpoints(server: &MockServer) -> Vec<String> {
    let log = server.requests().expect("the log is kept");
    server.clear_requests();
    log.iter()
        .map(|r| r.endpoint.unwrap_or("(none)").to_owned())
        .collect()
}

fn logs_in(home: &Home, server: &MockServer) {
    let out = run(home.admin(server), &["login"]);
    assert!(
        out.ok().starts_with("Logged in to the default site of "),
        "{out:#?}"
    );
}

#[test]
fn login_saves_a_0600_file_with_the_token_and_never_the_secret() {
    let home = Home::new("login");
    let server = logged();
    let out = run(
        home.at(&server),
        &[
            "login",
            "--token-name",
            demo::PAT_NAME,
            "--token-secret",
            demo::PAT_SECRET,
        ],
    );
    let file = home.session_file();
    let text = out.ok();
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert!(
        text.contains("the personal access token \"demo-admin\""),
        "{text}"
    );
    assert!(text.contains("as the server estimates"), "{text}");
    // Server info, sign-in, and the user's name: no sign-out, the session stays open.
    assert_eq!(
        endpoints(&server),
        ["server_info", "sign_in", "query_user_on_site"]
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(!saved.contains(demo::PAT_SECRET), "{saved}");
    let json: serde_json::Value = serde_json::from_str(&saved).unwrap();
    assert_eq!(json["server"], server.url());
    assert_eq!(json["site"], "");
    assert_eq!(json["site_id"], demo::SITE_ID);
    assert_eq!(json["user_id"], demo::ADMIN_ID);
    assert_eq!(json["user_name"], demo::ADMIN_USER);
    assert_eq!(json["api_version"], server.api_version().to_string());
    assert_eq!(json["expiry"], "server");
    assert_eq!(json["credentials"]["kind"], "personal-access-token");
    assert_eq!(json["credentials"]["name"], demo::PAT_NAME);
    // The token is a live session of the server.
    let token = json["token"].as_str().unwrap();
    let client = tableau_flows::Client::builder(server.url())
        .build()
        .unwrap();
    client.set_session(tableau_flows::Session {
        token: tableau_flows::Secret::new(token),
        site_id: demo::SITE_ID.into(),
        user_id: None,
    });
    assert!(client.query_flows_for_site().send().is_ok());
    // Its expiry is the simulator's 240 minutes after the sign-in.
    let at = |k: &str| {
        let text = json[k].as_str().unwrap();
        assert_eq!(text.len(), 20, "{text}");
        text.to_owned()
    };
    assert!(at("expires_at") > at("signed_in_at"));
}

#[test]
fn later_commands_use_the_saved_session_without_signing_in_or_out() {
    let home = Home::new("reuse");
    let server = logged();
    // Without a saved session: server info, sign-in, the call, sign-out.
    let out = run(home.admin(&server), &["flows", "list", "--json"]);
    out.ok();
    assert_eq!(
        endpoints(&server),
        ["server_info", "sign_in", "query_flows_for_site", "sign_out"]
    );
    logs_in(&home, &server);
    server.clear_requests();
    // One page of flows, as a table: exactly one request (the owner's name was saved at login).
    let out = run(home.at(&server), &["flows", "list"]);
    assert!(out.ok().contains("Sales Cleanup"), "{out:#?}");
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);
    // With the credentials in the environment too (the same token): the session all the same.
    let out = run(home.admin(&server), &["flows", "get", "Sales Cleanup"]);
    out.ok();
    let calls = endpoints(&server);
    assert!(!calls.is_empty());
    assert!(
        !calls
            .iter()
            .any(|e| e == "sign_in" || e == "sign_out" || e == "server_info"),
        "{calls:?}"
    );
    // Credentials naming another user: signed in for that command, as without a session.
    let mut other = home.at(&server);
    other
        .env("TABLEAU_PAT_NAME", demo::ANALYST_PAT_NAME)
        .env("TABLEAU_PAT_SECRET", demo::ANALYST_PAT_SECRET);
    run(other, &["flows", "list", "--json"]).ok();
    assert_eq!(
        endpoints(&server),
        ["server_info", "sign_in", "query_flows_for_site", "sign_out"]
    );
}

#[test]
fn logout_signs_out_and_deletes_the_file() {
    let home = Home::new("logout");
    let server = logged();
    logs_in(&home, &server);
    let file = home.session_file();
    let token = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&file).unwrap())
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    server.clear_requests();
    let out = run(home.at(&server), &["logout"]);
    let text = out.ok();
    assert!(
        text.starts_with("Signed out of the default site of "),
        "{text}"
    );
    assert!(text.contains(&file.display().to_string()), "{text}");
    assert_eq!(endpoints(&server), ["sign_out"]);
    assert!(home.session_files().is_empty());
    // The token is gone from the server.
    let client = tableau_flows::Client::builder(server.url())
        .build()
        .unwrap();
    client.set_session(tableau_flows::Session {
        token: tableau_flows::Secret::new(token),
        site_id: demo::SITE_ID.into(),
        user_id: None,
    });
    assert!(client.query_flows_for_site().send().is_err());
    server.clear_requests();
    // Again: nothing to do, said so.
    let out = run(home.at(&server), &["logout"]);
    assert!(
        out.ok()
            .starts_with("Not logged in to the default site of "),
        "{out:#?}"
    );
    assert!(endpoints(&server).is_empty());
    // Later commands sign in and out again.
    run(home.admin(&server), &["flows", "list", "--json"]).ok();
    assert_eq!(
        endpoints(&server),
        ["server_info", "sign_in", "query_flows_for_site", "sign_out"]
    );
}

#[test]
fn logout_deletes_the_file_of_a_session_the_server_already_ended() {
    let home = Home::new("logout-gone");
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .request_log(true)
        .start()
        .unwrap();
    logs_in(&home, &server);
    clock.advance(Duration::from_secs(241 * 60));
    server.clear_requests();
    let out = run(home.at(&server), &["logout"]);
    let text = out.ok();
    assert!(
        text.contains("had already ended (the server answered 401002); removed "),
        "{text}"
    );
    assert_eq!(endpoints(&server), ["sign_out"]);
    assert!(home.session_files().is_empty());
}

#[test]
fn status_shows_who_and_where_and_exits_1_when_logged_out() {
    let home = Home::new("status");
    let server = logged();
    let out = run(home.at(&server), &["status"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("tabflow: not logged in to the default site of "),
        "{out:#?}"
    );
    assert!(out.stderr.contains("`tabflow login`"), "{out:#?}");
    // Without a server: every saved session, of which there is none.
    let out = run(home.tabflow(), &["status"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stderr
            .starts_with("tabflow: not logged in: no saved session in "),
        "{out:#?}"
    );

    logs_in(&home, &server);
    server.clear_requests();
    let out = run(home.at(&server), &["status"]);
    let text = out.ok();
    for line in [
        format!("Server:          {}", server.url()),
        "Site:            (default)".to_owned(),
        format!("User:            admin ({})", demo::ADMIN_ID),
        "Signed in with:  personal access token demo-admin".to_owned(),
        format!("API version:     {}", server.api_version()),
        format!("Session file:    {}", home.session_file().display()),
    ] {
        assert!(text.contains(&line), "{line}: {text}");
    }
    assert!(
        text.contains("(in 4 h 0 min; the server's estimate)"),
        "{text}"
    );
    // Nothing asked of the server, unless --check.
    assert!(endpoints(&server).is_empty());
    let out = run(home.tabflow(), &["status", "--check", "--json"]);
    let json: serde_json::Value = serde_json::from_str(out.ok()).unwrap();
    assert_eq!(endpoints(&server), ["query_user_on_site"]);
    assert_eq!(json[0]["server"], server.url());
    assert_eq!(json[0]["valid"], true);
    assert_eq!(json[0]["expired"], false);
    assert_eq!(json[0]["credentialsName"], demo::PAT_NAME);
    assert!(json[0].get("token").is_none(), "{json}");
    let token = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(home.session_file()).unwrap(),
    )
    .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(!out.stdout.contains(&token));
    assert!(!text.contains(&token));
}

#[test]
fn an_expired_session_signs_in_again_with_a_secret_from_the_environment() {
    let home = Home::new("renew");
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .request_log(true)
        .start()
        .unwrap();
    logs_in(&home, &server);
    let file = home.session_file();
    let before = std::fs::read_to_string(&file).unwrap();
    clock.advance(Duration::from_secs(241 * 60));
    server.clear_requests();
    // The secret alone: the token's name is the one saved.
    let mut command = home.at(&server);
    command.env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    let out = run(command, &["flows", "list", "--json"]);
    out.ok();
    assert_eq!(
        endpoints(&server),
        ["query_flows_for_site", "sign_in", "query_flows_for_site"]
    );
    let after = std::fs::read_to_string(&file).unwrap();
    let token = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_ne!(token(&before), token(&after));
    assert!(!after.contains(demo::PAT_SECRET));
    // The new session is used by the next command, without a secret.
    run(home.at(&server), &["flows", "list", "--json"]).ok();
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);
}

#[test]
fn an_expired_session_without_a_secret_says_how_to_log_in_again() {
    let home = Home::new("expired");
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .request_log(true)
        .start()
        .unwrap();
    logs_in(&home, &server);
    clock.advance(Duration::from_secs(241 * 60));
    server.clear_requests();
    // No secret and no terminal: no prompt, a message.
    let out = run(home.at(&server), &["flows", "list"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert_eq!(out.stderr.lines().count(), 1, "{out:#?}");
    let expected = format!(
        "log in again: tabflow --server {} --token-name demo-admin login",
        server.url()
    );
    assert!(out.stderr.contains(&expected), "{out:#?}");
    assert!(
        out.stderr
            .contains("has expired or was signed out (error 401002)"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("TABLEAU_PAT_SECRET"), "{out:#?}");
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);
    // status says it has expired (by the saved estimate), without asking the server.
    let out = run(home.at(&server), &["status"]);
    // (The test's clock is the simulator's: the file's expiry is real time, not yet past.)
    assert_eq!(out.status, 0, "{out:#?}");
    let out = run(home.at(&server), &["status", "--check"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stdout.contains("not valid: the server answered 401002"),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains("1 saved session is no longer valid"),
        "{out:#?}"
    );
}

#[test]
fn a_corrupt_session_file_is_an_error_naming_it_and_logout_removes_it() {
    let home = Home::new("corrupt");
    let server = logged();
    logs_in(&home, &server);
    let file = home.session_file();
    std::fs::write(&file, "{ not json").unwrap();
    let out = run(home.admin(&server), &["flows", "list"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "the session file {} is not a session",
            file.display()
        )),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains("`tabflow logout` removes it"),
        "{out:#?}"
    );
    let out = run(home.at(&server), &["logout"]);
    assert!(
        out.ok()
            .starts_with(&format!("Removed the session file {}", file.display())),
        "{out:#?}"
    );
    assert!(home.session_files().is_empty());
}

#[test]
fn profiles_select_server_site_and_token_name() {
    let home = Home::new("profiles");
    let server = logged();
    std::fs::create_dir_all(home.config()).unwrap();
    std::fs::write(
        home.config().join("config.toml"),
        format!(
            "# tabflow profiles\n[profiles.work]\nserver = \"{}\"\ntoken_name = \"{}\"\n\n\
             [profiles.marketing]\nserver = \"{}\"\nsite = \"marketing\"\ntoken_name = \"{}\"\n",
            server.url(),
            demo::PAT_NAME,
            server.url(),
            demo::PAT_NAME
        ),
    )
    .unwrap();
    let out = run(home.tabflow(), &["profiles", "list"]);
    let text = out.ok();
    assert!(text.starts_with("NAME"), "{text}");
    assert!(text.contains("marketing  token demo-admin"), "{text}");
    // The secret alone: server and token name come from the profile.
    let mut login = home.tabflow();
    login.env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    let out = run(login, &["--profile", "work", "login"]);
    assert!(
        out.ok()
            .contains("the personal access token \"demo-admin\""),
        "{out:#?}"
    );
    server.clear_requests();
    let out = run(home.tabflow(), &["--profile", "work", "flows", "list"]);
    assert!(out.ok().contains("Sales Cleanup"), "{out:#?}");
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);
    // TABLEAU_PROFILE too; status names the profile's server.
    let mut status = home.tabflow();
    status.env("TABLEAU_PROFILE", "work");
    assert!(run(status, &["status"]).ok().contains(server.url()));
    // The profile's site: the demo's users are not users of "marketing", so it is refused,
    // saying which site was tried.
    let mut login = home.tabflow();
    login.env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    let out = run(login, &["login", "--profile", "marketing"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stderr
            .contains("the site with content URL \"marketing\""),
        "{out:#?}"
    );
    // An option given wins over the profile: --site "" is the default site.
    let mut login = home.tabflow();
    login.env("TABLEAU_PAT_SECRET", demo::PAT_SECRET);
    let out = run(login, &["login", "--profile", "marketing", "--site", ""]);
    assert!(
        out.ok().starts_with("Logged in to the default site"),
        "{out:#?}"
    );
    // Explicit credentials win over the profile's token name.
    let mut login = home.tabflow();
    login.env("TABLEAU_PASSWORD", demo::ANALYST_PASSWORD);
    let out = run(
        login,
        &[
            "--profile",
            "work",
            "--username",
            demo::ANALYST_USER,
            "login",
        ],
    );
    assert!(
        out.ok().contains("the user name and password \"analyst\""),
        "{out:#?}"
    );
}

#[test]
fn unknown_profiles_and_malformed_config_files_name_the_file_and_line() {
    let home = Home::new("bad-config");
    let file = home.config().join("config.toml");
    let out = run(home.tabflow(), &["--profile", "work", "flows", "list"]);
    assert_eq!(out.status, 2, "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "the config file {} does not exist",
            file.display()
        )),
        "{out:#?}"
    );
    std::fs::create_dir_all(home.config()).unwrap();
    std::fs::write(&file, "[profiles.home]\nserver = \"http://127.0.0.1:9\"\n").unwrap();
    let mut command = home.tabflow();
    command.env("TABLEAU_PROFILE", "work");
    let out = run(command, &["flows", "list"]);
    assert_eq!(out.status, 2, "{out:#?}");
    assert!(
        out.stderr.contains(&format!(
            "no profile \"work\" in the config file {} (it has home)",
            file.display()
        )),
        "{out:#?}"
    );
    std::fs::write(
        &file,
        "[profiles.home]\nserver = \"http://127.0.0.1:9\"\nsite = marketing\n",
    )
    .unwrap();
    let out = run(home.tabflow(), &["--profile", "home", "status"]);
    assert_eq!(out.status, 1, "{out:#?}");
    assert!(
        out.stderr
            .starts_with(&format!("tabflow: {}:3:8: ", file.display())),
        "{out:#?}"
    );
    let out = run(home.tabflow(), &["profiles", "list"]);
    assert!(
        out.stderr
            .starts_with(&format!("tabflow: {}:3:8: ", file.display())),
        "{out:#?}"
    );
}

/// A pseudo-terminal: `tabflow` runs with it as its controlling terminal and standard streams,
/// as under a terminal emulator.
#[cfg(unix)]
mod pty {
    use std::fs::File;
    use std::io::{Read, Write};
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    use std::process::{Child, Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    /// A program running on a pseudo-terminal, and what it has written to it so far.
    pub struct Terminal {
        master: File,
        child: Child,
        output: mpsc::Receiver<Vec<u8>>,
        pub seen: String,
    }

    impl Terminal {
        /// Starts `command` on a new pseudo-terminal.
        pub fn spawn(mut command: Command) -> Terminal {
            let (mut master, mut slave) = (0, 0);
            // SAFETY: openpty writes two descriptors it opened into the pointers given.
            let status = unsafe {
                libc::openpty(
                    &mut master,
                    &mut slave,
                    std::ptr::null_mut(),
                    std::ptr::null(),
                    std::ptr::null(),
                )
            };
            assert_eq!(status, 0, "openpty: {}", std::io::Error::last_os_error());
            // SAFETY: both descriptors are open and owned by nothing else.
            let (master, slave) =
                unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
            command
                .stdin(Stdio::from(slave.try_clone().unwrap()))
                .stdout(Stdio::from(slave.try_clone().unwrap()))
                .stderr(Stdio::from(slave));
            // SAFETY: setsid and ioctl are async-signal-safe; the child makes the terminal on
            // its standard input its controlling terminal (rpassword prompts on /dev/tty).
            unsafe {
                command.pre_exec(|| {
                    if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
            let child = command.spawn().expect("tabflow starts");
            // The parent's copies of the slave are closed once the command is dropped.
            drop(command);
            let master = File::from(master);
            let mut reader = master.try_clone().unwrap();
            let (tx, output) = mpsc::channel();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                // Ends with an error (EIO) once the program has exited and closed the terminal.
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            });
            Terminal {
                master,
                child,
                output,
                seen: String::new(),
            }
        }

        /// Waits until the terminal shows `text` (at most 30 s, against a hang).
        #[track_caller]
        pub fn expect(&mut self, text: &str) {
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            while !self.seen.contains(text) {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                match self.output.recv_timeout(left) {
                    Ok(bytes) => self.seen.push_str(&String::from_utf8_lossy(&bytes)),
                    Err(_) => panic!(
                        "{text:?} never appeared; the terminal shows {:?}",
                        self.seen
                    ),
                }
            }
        }

        /// Types `text`.
        pub fn send(&mut self, text: &str) {
            self.master.write_all(text.as_bytes()).unwrap();
        }

        /// Types a secret once the program has turned the terminal's echo off, as a person
        /// typing after the prompt would (the prompt is written just before echo goes off);
        /// fails when echo never goes off, since the secret would then be shown.
        pub fn send_secret(&mut self, text: &str) {
            use std::os::fd::AsRawFd;
            for _ in 0..1000 {
                // SAFETY: termios is plain data; tcgetattr fills it from an open descriptor.
                let mut termios: libc::termios = unsafe { std::mem::zeroed() };
                let status = unsafe { libc::tcgetattr(self.master.as_raw_fd(), &mut termios) };
                assert_eq!(status, 0, "tcgetattr: {}", std::io::Error::last_os_error());
                if termios.c_lflag & libc::ECHO == 0 {
                    self.send(text);
                    return;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            panic!(
                "the terminal's echo never went off: the secret would be shown; seen: {}",
                self.seen
            );
        }

        /// Waits for the program to exit, gathering what it wrote; returns its exit status.
        pub fn finish(mut self) -> (i32, String) {
            let status = self.child.wait().unwrap();
            while let Ok(bytes) = self.output.recv_timeout(Duration::from_secs(5)) {
                self.seen.push_str(&String::from_utf8_lossy(&bytes));
            }
            (status.code().unwrap_or(-1), self.seen)
        }
    }
}

#[cfg(unix)]
#[test]
fn login_prompts_for_the_password_on_a_terminal_and_never_shows_it() {
    let home = Home::new("prompt");
    let server = logged();
    let mut command = home.at(&server);
    command.args(["--username", demo::ADMIN_USER, "login"]);
    let mut terminal = pty::Terminal::spawn(command);
    terminal.expect("Password of admin: ");
    terminal.send_secret(&format!("{}\n", demo::ADMIN_PASSWORD));
    let (status, shown) = terminal.finish();
    assert_eq!(status, 0, "{shown}");
    assert!(
        shown.contains("Logged in to the default site of "),
        "{shown}"
    );
    assert!(
        shown.contains("the user name and password \"admin\""),
        "{shown}"
    );
    assert!(!shown.contains(demo::ADMIN_PASSWORD), "{shown}");
    let saved = std::fs::read_to_string(home.session_file()).unwrap();
    assert!(!saved.contains(demo::ADMIN_PASSWORD), "{saved}");
    assert!(saved.contains("\"kind\": \"password\""), "{saved}");
    // The session is used next, with no prompt and no sign-in.
    server.clear_requests();
    let out = run(home.at(&server), &["flows", "list", "--json"]);
    out.ok();
    assert_eq!(endpoints(&server), ["query_flows_for_site"]);
}

#[cfg(unix)]
#[test]
fn an_expired_session_prompts_for_the_password_on_a_terminal_only() {
    let home = Home::new("prompt-renew");
    let clock = Clock::manual();
    let server = MockServer::builder()
        .clock(clock.clone())
        .request_log(true)
        .start()
        .unwrap();
    let mut login = home.at(&server);
    login.env("TABLEAU_PASSWORD", demo::ADMIN_PASSWORD);
    run(login, &["--username", demo::ADMIN_USER, "login"]).ok();
    clock.advance(Duration::from_secs(241 * 60));
    server.clear_requests();
    let mut command = home.at(&server);
    command.args(["flows", "list", "--json"]);
    let mut terminal = pty::Terminal::spawn(command);
    terminal.expect("Password of admin: ");
    terminal.send_secret(&format!("{}\n", demo::ADMIN_PASSWORD));
    let (status, shown) = terminal.finish();
    assert_eq!(status, 0, "{shown}");
    assert!(shown.contains("Sales Cleanup"), "{shown}");
    assert_eq!(
        endpoints(&server),
        ["query_flows_for_site", "sign_in", "query_flows_for_site"]
    );
}
