//! A private mosquitto broker on loopback, one per test, for interop tests (`tests/interop_*.rs`).
//!
//! [`Broker::start`] writes a config file into a fresh temp dir, runs `mosquitto -c <config>` on a
//! free `127.0.0.1` port, and waits until the port accepts connections; dropping the [`Broker`]
//! kills the process and removes the dir. The broker's stdout and stderr go to a log file in the
//! same dir; [`Broker::log`] returns it for failure messages.
//!
//! The project's rule for a missing peer: a test prints why and skips outside CI, and fails in CI
//! (`CI=true`), where a silent skip would hide a missing install step. [`broker_or_skip`] applies it,
//! so a test starts with:
//!
//! ```
//! let Some(broker) = net::mosquitto::broker_or_skip(&["max_inflight_messages 20"]) else {
//!     return Ok(()); // not installed here, and not in CI: the SKIP line says why
//! };
//! let stream = std::net::TcpStream::connect(broker.addr())?;
//! # drop(stream);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! [`find`] looks for the binary in `$MOSQUITTO_BIN` (which, when set, is the only place looked
//! at: `MOSQUITTO_BIN=/nonexistent` hides an installed broker), then on `PATH`, then in the
//! places Debian and a source build put it (`/usr/sbin`, `/usr/local/sbin`).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, thread};

/// The environment variable that names the mosquitto binary, overriding the search.
pub const BIN_ENV: &str = "MOSQUITTO_BIN";

/// How long [`Broker::start`] waits for the broker's port to accept connections.
pub const READY_TIMEOUT: Duration = Duration::from_secs(5);

/// Where mosquitto lives when it is not on `PATH` (`/usr/sbin` is often left out of a user's).
const FALLBACK_PATHS: [&str; 2] = ["/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"];

/// Free-port attempts: the port is free when we read it but could be taken before mosquitto
/// binds it (by another test's broker, say); mosquitto then exits at once and we try another.
const START_ATTEMPTS: u32 = 3;

/// Why a peer (here mosquitto; in [`crate::clients`] and [`crate::coap_peers`] the others) could
/// not be used: the text a skipped test prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    reason: String,
}

impl Skip {
    /// A skip with this reason.
    pub(crate) fn new(reason: String) -> Self {
        Self { reason }
    }

    /// What was looked for and where.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Skip {}

/// Locates the mosquitto binary: `$MOSQUITTO_BIN` if set (and then nowhere else), else the first
/// `mosquitto` on `PATH`, else `/usr/sbin/mosquitto` or `/usr/local/sbin/mosquitto`.
///
/// # Errors
/// A [`Skip`] saying where it looked, when no executable file was found.
///
/// ```
/// match net::mosquitto::find() {
///     Ok(path) => println!("mosquitto at {}", path.display()),
///     Err(skip) => println!("no mosquitto: {skip}"),
/// }
/// ```
pub fn find() -> Result<PathBuf, Skip> {
    if let Some(bin) = env::var_os(BIN_ENV) {
        let path = PathBuf::from(bin);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(Skip { reason: format!("{BIN_ENV}={} is not an executable file", path.display()) })
        };
    }
    let on_path =
        env::var_os("PATH").map(|p| env::split_paths(&p).map(|dir| dir.join("mosquitto")).collect::<Vec<_>>());
    let candidates = on_path.unwrap_or_default().into_iter().chain(FALLBACK_PATHS.iter().map(PathBuf::from));
    for candidate in candidates {
        if is_executable(&candidate) {
            return Ok(candidate);
        }
    }
    Err(Skip {
        reason: format!(
            "no executable `mosquitto` on PATH, at {}, or in ${BIN_ENV} (Debian: apt-get install mosquitto)",
            FALLBACK_PATHS.join(" or ")
        ),
    })
}

/// Starts a broker for one test, applying the project's rule for a missing peer.
///
/// - mosquitto found: starts it with `extra_config` (see [`Broker::start`]) and returns it.
/// - not found, outside CI: prints `SKIP: mosquitto not found: <why>` to stderr and returns
///   `None`; the test returns early and passes.
/// - not found, in CI (`CI=true`): panics, so the test fails.
///
/// # Panics
/// When mosquitto is missing and `CI` is `true`, and (anywhere) when it was found but did not
/// start: that is a broken harness or config, not a missing peer. The message holds the log.
#[track_caller]
pub fn broker_or_skip(extra_config: &[&str]) -> Option<Broker> {
    let bin = match find() {
        Ok(bin) => bin,
        Err(skip) => {
            missing("mosquitto", &skip);
            return None;
        }
    };
    match Broker::start(&bin, extra_config) {
        Ok(broker) => Some(broker),
        Err(e) => fail(format_args!("mosquitto at {} did not start: {e}", bin.display())),
    }
}

/// The rule for a missing peer: in CI (`CI=true`) panics, so the test fails; elsewhere prints
/// `SKIP: <what> not found: <why> (<test>)` to stderr and returns, and the test returns early.
#[track_caller]
pub(crate) fn missing(what: &str, skip: &Skip) {
    if env::var("CI").as_deref() == Ok("true") {
        fail(format_args!(
            "{what} not found, and CI=true, where interop tests must run (the CI script installs it): {skip}"
        ));
    }
    // Straight to the process's stderr, not `eprintln!`: the test harness captures the macro's
    // output and shows it only for failures, and a skip passes.
    let test = thread::current().name().map(|n| format!(" ({n})")).unwrap_or_default();
    let _ = writeln!(io::stderr(), "SKIP: {what} not found: {skip}{test}");
}

#[allow(
    clippy::panic,
    reason = "test support: a peer that is missing in CI, or broken, must fail the test that asked for it"
)]
#[track_caller]
pub(crate) fn fail(message: fmt::Arguments<'_>) -> ! {
    panic!("{message}")
}

/// A mosquitto process listening on `127.0.0.1:<port>`, with its config and log in a temp dir;
/// dropping it kills the process and removes the dir.
#[derive(Debug)]
pub struct Broker {
    child: Child,
    port: u16,
    // Dropped after `Drop::drop` has killed the child, so the log outlives the process.
    dir: TempDir,
}

impl Broker {
    /// Runs `bin -c <config>` on a free loopback port and waits (up to [`READY_TIMEOUT`]) until
    /// the port accepts connections.
    ///
    /// The config is `listener <port> 127.0.0.1`, `allow_anonymous true`, `persistence false`,
    /// logging of every type to stderr, then `extra_config`, one line each (for instance
    /// `max_inflight_messages 20`, `max_topic_alias 10`); a later line overrides an earlier one
    /// where mosquitto allows it. A `persistence true` line puts the database in the broker's
    /// temp dir (see [`restart`](Self::restart)).
    ///
    /// # Errors
    /// The I/O error from creating the temp dir, the files or the process; or, with the log
    /// appended, a broker that exited (after a few tries with other ports when the port was taken)
    /// or did not accept connections in time.
    ///
    /// ```
    /// use net::mosquitto::{find, Broker};
    /// let Ok(bin) = find() else { return Ok(()) };
    /// let broker = Broker::start(&bin, &["max_topic_alias 10"])?;
    /// assert!(broker.addr().ip().is_loopback());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start(bin: &Path, extra_config: &[&str]) -> io::Result<Self> {
        let dir = TempDir::new("net-mosquitto")?;
        let mut attempt = 1;
        loop {
            let port = free_port()?;
            let mut child = spawn(bin, &dir, port, extra_config)?;
            match wait_ready(&mut child, port)? {
                Ready::Yes => return Ok(Self { child, port, dir }),
                Ready::Exited(status) => {
                    let log = read_log(&dir.log());
                    // Someone took the port between our probe and mosquitto's bind: try another.
                    if attempt < START_ATTEMPTS && log.contains("Address already in use") {
                        attempt += 1;
                        continue;
                    }
                    return Err(io::Error::other(format!(
                        "mosquitto exited ({status}) on port {port}; its log:\n{log}"
                    )));
                }
                Ready::TimedOut => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "mosquitto did not accept connections on port {port} within {READY_TIMEOUT:?}; its log:\n{}",
                            read_log(&dir.log())
                        ),
                    ));
                }
            }
        }
    }

    /// The TCP port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    /// Stops the broker gracefully (SIGTERM: with `persistence true` it writes its sessions and
    /// retained messages to its database), waits `down`, and starts it again on the same port
    /// with the same config, waiting until it accepts connections.
    ///
    /// # Errors
    /// The signal or the new process could not be sent or started, or it did not get ready
    /// (with its log).
    pub fn restart(&mut self, bin: &Path, extra_config: &[&str], down: Duration) -> io::Result<()> {
        let status = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status()?;
        if !status.success() {
            let _ = self.child.kill();
        }
        self.child.wait()?;
        thread::sleep(down);
        let mut child = spawn(bin, &self.dir, self.port, extra_config)?;
        match wait_ready(&mut child, self.port)? {
            Ready::Yes => {
                self.child = child;
                Ok(())
            }
            Ready::Exited(status) => Err(io::Error::other(format!(
                "mosquitto exited ({status}) when restarted on port {}; its log:\n{}",
                self.port,
                read_log(&self.dir.log())
            ))),
            Ready::TimedOut => {
                let _ = child.kill();
                let _ = child.wait();
                Err(io::Error::new(io::ErrorKind::TimedOut, format!("mosquitto did not restart on port {}", self.port)))
            }
        }
    }

    /// Everything the broker has written to stdout and stderr so far (with every log type on:
    /// connections, each packet sent and received), for failure messages.
    pub fn log(&self) -> String {
        read_log(&self.dir.log())
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        // Errors here mean the process is already gone; nothing else can be done in a drop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

enum Ready {
    Yes,
    Exited(ExitStatus),
    TimedOut,
}

/// A port that was free a moment ago: bind port 0, read what the OS chose, let it go.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

fn spawn(bin: &Path, dir: &TempDir, port: u16, extra_config: &[&str]) -> io::Result<Child> {
    let mut config = format!(
        "# Written by net::mosquitto for one test; removed when its Broker is dropped.\n\
         listener {port} 127.0.0.1\n\
         allow_anonymous true\n\
         persistence false\n\
         log_dest stderr\n\
         log_type all\n"
    );
    for line in extra_config {
        config.push_str(line);
        config.push('\n');
        if line.trim() == "persistence true" {
            // The database lives in the broker's temp dir, so a restart finds it.
            config.push_str(&format!("persistence_location {}/\n", dir.path().display()));
        }
    }
    let config_path = dir.path().join("mosquitto.conf");
    fs::write(&config_path, config)?;
    // Truncated on each attempt, so the log is the last attempt's.
    let log = File::create(dir.log())?;
    Command::new(bin).arg("-c").arg(&config_path).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log).spawn()
}

/// Polls until the port accepts a connection while the child still runs, the child exits, or
/// [`READY_TIMEOUT`] passes.
fn wait_ready(child: &mut Child, port: u16) -> io::Result<Ready> {
    let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Ready::Exited(status));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            // The connection could have reached whoever took the port before our broker found
            // it in use; that broker exits within milliseconds, so look once more.
            thread::sleep(Duration::from_millis(50));
            return Ok(match child.try_wait()? {
                Some(status) => Ready::Exited(status),
                None => Ready::Yes,
            });
        }
        if Instant::now() >= deadline {
            return Ok(Ready::TimedOut);
        }
        thread::sleep(Duration::from_millis(20));
    }
}

pub(crate) fn read_log(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => format!("(no log at {}: {e})", path.display()),
    }
}

pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = fs::metadata(path) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// A directory under the system temp dir, removed with its contents on drop.
#[derive(Debug)]
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    /// A new empty dir named `<prefix>-<pid>-<n>-<nanos>`.
    pub(crate) fn new(prefix: &str) -> io::Result<Self> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        // Unique within this process by the counter, across processes by the pid, and against
        // a stale dir from a reused pid by the clock; `create_dir` refuses an existing one.
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = env::temp_dir().join(format!("{prefix}-{}-{n}-{nanos}", std::process::id()));
        fs::create_dir(&path)?;
        Ok(Self(path))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    fn log(&self) -> PathBuf {
        self.0.join("mosquitto.log")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
