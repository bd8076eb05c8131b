//! Real MQTT clients for the broker interop tests (`tests/interop_broker.rs`): Debian's
//! `mosquitto_pub` and `mosquitto_sub` (package mosquitto-clients) and Python with paho-mqtt
//! (PyPI), and [`Process`], a child whose output is collected line by line, with every wait
//! bounded.
//!
//! The rule for a missing peer is [`crate::mosquitto::broker_or_skip`]'s: print why and skip
//! outside CI, fail in CI (`CI=true`). A test starts with:
//!
//! ```
//! let Some(clients) = net::clients::mosquitto_clients_or_skip() else {
//!     return; // not installed here, and not in CI: the SKIP line says why
//! };
//! println!("mosquitto_pub at {}", clients.publish.display());
//! ```
//!
//! [`find_mosquitto_clients`] looks on `PATH`, then in `/usr/bin` and `/usr/local/bin`;
//! [`find_paho`] runs `python3 -c "import paho.mqtt"` with the first `python3` on `PATH`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use std::{env, thread};

use crate::mosquitto::{is_executable, missing, Skip};

/// Where the clients live when they are not on `PATH`.
const FALLBACK_DIRS: [&str; 2] = ["/usr/bin", "/usr/local/bin"];

/// `mosquitto_pub` and `mosquitto_sub` (and coreutils' `stdbuf`, see
/// [`subscribe_command`](Self::subscribe_command)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MosquittoClients {
    /// `mosquitto_pub`.
    pub publish: PathBuf,
    /// `mosquitto_sub`.
    pub subscribe: PathBuf,
    /// `stdbuf`.
    pub stdbuf: PathBuf,
}

impl MosquittoClients {
    /// `mosquitto_pub`, to add arguments to.
    pub fn publish_command(&self) -> Command {
        Command::new(&self.publish)
    }

    /// `mosquitto_sub` under `stdbuf -oL`, to add arguments to: into a pipe, its stdout is
    /// block-buffered and would come only at exit; line-buffered, each line (`-d` shows the
    /// SUBACK) comes as it is printed.
    pub fn subscribe_command(&self) -> Command {
        let mut command = Command::new(&self.stdbuf);
        command.arg("-oL").arg(&self.subscribe);
        command
    }
}

/// Python with paho-mqtt importable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paho {
    /// The interpreter (`python3` on `PATH`).
    pub python: PathBuf,
    /// `paho.mqtt.__version__`.
    pub version: String,
}

/// The first executable `name` on `PATH`, else in [`FALLBACK_DIRS`].
pub(crate) fn which(name: &str) -> Option<PathBuf> {
    let on_path = env::var_os("PATH").map(|p| env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    on_path
        .into_iter()
        .chain(FALLBACK_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

/// Locates `mosquitto_pub` and `mosquitto_sub`.
///
/// # Errors
/// A [`Skip`] naming the one that is missing and where it was looked for.
pub fn find_mosquitto_clients() -> Result<MosquittoClients, Skip> {
    let find = |name: &str| {
        which(name).ok_or_else(|| {
            Skip::new(format!(
                "no executable `{name}` on PATH or in {} (Debian: apt-get install mosquitto-clients)",
                FALLBACK_DIRS.join(" or ")
            ))
        })
    };
    let stdbuf = which("stdbuf").ok_or_else(|| Skip::new("no executable `stdbuf` (coreutils) on PATH".into()))?;
    Ok(MosquittoClients { publish: find("mosquitto_pub")?, subscribe: find("mosquitto_sub")?, stdbuf })
}

/// Locates `python3` and checks that it imports paho-mqtt.
///
/// # Errors
/// A [`Skip`] saying whether `python3` or paho-mqtt is missing.
pub fn find_paho() -> Result<Paho, Skip> {
    let python = which("python3").ok_or_else(|| Skip::new("no executable `python3` on PATH".into()))?;
    let out = Command::new(&python)
        .args(["-c", "import paho.mqtt; print(paho.mqtt.__version__)"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Skip::new(format!("{} did not run: {e}", python.display())))?;
    if !out.status.success() {
        return Err(Skip::new(format!(
            "`{} -c \"import paho.mqtt\"` failed ({}; PyPI: python3 -m pip install paho-mqtt): {}",
            python.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
        )));
    }
    Ok(Paho { python, version: String::from_utf8_lossy(&out.stdout).trim().to_owned() })
}

/// [`find_mosquitto_clients`] with the rule for a missing peer: `None` (after a `SKIP:` line)
/// outside CI.
///
/// # Panics
/// When they are missing and `CI` is `true`.
#[track_caller]
pub fn mosquitto_clients_or_skip() -> Option<MosquittoClients> {
    // A `match`, not `map_err`: `#[track_caller]` does not reach into closures.
    match find_mosquitto_clients() {
        Ok(clients) => Some(clients),
        Err(skip) => {
            missing("mosquitto-clients", &skip);
            None
        }
    }
}

/// [`find_paho`] with the rule for a missing peer: `None` (after a `SKIP:` line) outside CI.
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[track_caller]
pub fn paho_or_skip() -> Option<Paho> {
    match find_paho() {
        Ok(paho) => Some(paho),
        Err(skip) => {
            missing("paho-mqtt", &skip);
            None
        }
    }
}

/// A child process whose stdout is collected line by line as it comes and whose stderr is
/// collected whole; killed (SIGKILL) on drop.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
    status: Option<ExitStatus>,
}

impl Process {
    /// Spawns `command` with stdin closed and stdout and stderr collected.
    ///
    /// # Errors
    /// The spawn's I/O error.
    pub fn spawn(command: &mut Command) -> io::Result<Self> {
        Self::spawn_with_input(command, &[])
    }

    /// Spawns `command` with `input` on its stdin (then closed) and stdout and stderr
    /// collected.
    ///
    /// # Errors
    /// The spawn's I/O error, or the error writing `input`.
    pub fn spawn_with_input(command: &mut Command, input: &[u8]) -> io::Result<Self> {
        let name = format!("{command:?}");
        let stdin = if input.is_empty() { Stdio::null() } else { Stdio::piped() };
        let mut child = command.stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            // Small inputs fit the pipe; dropping `stdin` closes it.
            stdin.write_all(input)?;
        }
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(out) = child.stdout.take() {
            let lines = Arc::clone(&stdout);
            thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { return };
                    if let Ok(mut lines) = lines.lock() {
                        lines.push(line);
                    }
                }
            });
        }
        if let Some(mut err) = child.stderr.take() {
            let text = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut s = String::new();
                let _ = err.read_to_string(&mut s);
                if let Ok(mut text) = text.lock() {
                    text.push_str(&s);
                }
            });
        }
        Ok(Self { name, child, stdout, stderr, status: None })
    }

    /// The stdout lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.stdout.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The stderr so far (all of it once the process has exited and [`wait`](Self::wait)
    /// returned).
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits up to `limit` for a stdout line matching `pred`; whether one came.
    pub fn wait_for_line(&self, limit: Duration, pred: impl Fn(&str) -> bool) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            if self.lines().iter().any(|l| pred(l)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits up to `limit` for the process to exit; kills it then. `None` when it was killed
    /// for running too long. Stdout and stderr are complete once this returns.
    pub fn wait(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while self.status.is_none() {
            match self.child.try_wait() {
                Ok(Some(status)) => self.status = Some(status),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
                _ => {
                    self.kill();
                    return None;
                }
            }
        }
        // The reader threads see EOF right after the exit; give them a moment to finish.
        thread::sleep(Duration::from_millis(50));
        self.status
    }

    /// SIGKILL (as a crash would), and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// What was run, for failure messages.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.status.is_none() {
            self.kill();
        }
    }
}
