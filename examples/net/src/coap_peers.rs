//! Real CoAP peers on loopback for the CoAP interop tests (`tests/interop_coap*.rs`): libcoap's
//! example client and server (Debian package libcoap3-bin: `coap-client-notls`,
//! `coap-server-notls`) and aiocoap (PyPI: `aiocoap-client`, and our server script
//! `tests/py/coap_server.py`).
//!
//! - Finding them: [`libcoap_client`], [`libcoap_server`], [`aiocoap_client`],
//!   [`python_with_aiocoap`], each a [`Skip`] saying where it looked when missing; the `*_or_skip`
//!   forms apply the project's rule for a missing peer (print `SKIP: ...` and return `None`
//!   outside CI, fail in CI, where `CI=true`; see [`crate::mosquitto::broker_or_skip`]).
//! - Servers: [`LibcoapServer`] and [`AiocoapServer`] run on a free `127.0.0.1` UDP port, are
//!   ready once they answer a CoAP `GET /.well-known/core` ([`answers_coap`]), keep their
//!   stdout and stderr in a log file ([`LibcoapServer::log`]) and are killed on drop. libcoap's
//!   also serves CoAP over TCP on the same port number ([`LibcoapServer::tcp_uri`]); aiocoap's
//!   over TCP and WebSockets when asked (`--transports`, [`AiocoapServer::tcp_uri`],
//!   [`AiocoapServer::ws_uri`]; WebSockets need [`aiocoap_websockets`]).
//! - Clients: [`run_libcoap_client`] and [`run_aiocoap_client`] run one client to its end, or
//!   kill it at a hard timeout, and return a [`ClientOutput`]. A client that must run beside
//!   something else (an observer while the test changes the resource) is a
//!   [`Process`](crate::clients::Process) of `Command::new(libcoap_client()?)`.
//!
//! A test starts with:
//!
//! ```
//! use std::time::Duration;
//! use net::coap_peers::{aiocoap_server_or_skip, libcoap_client_or_skip, run_libcoap_client};
//!
//! let (Some(_client), Some(server)) = (libcoap_client_or_skip(), aiocoap_server_or_skip(&[])) else {
//!     return Ok(()); // not installed here, and not in CI: the SKIP line says why
//! };
//! let out = run_libcoap_client(&[&server.uri("/test")], Duration::from_secs(10))?;
//! assert_eq!(out.stdout_text().trim_end(), "hello", "{out}");
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # The peers, as found on libcoap 4.3.1 and aiocoap 0.4.17
//!
//! `tests/interop_coap_harness.rs` opens with what the two clients print and how their flags
//! behave; [`LibcoapServer`] and [`AiocoapServer`] list the resources each server offers.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, Instant};
use std::{env, thread};

use crate::clients::which;
use crate::mosquitto::{fail, is_executable, missing, read_log, Skip, TempDir};

/// How long a server's start waits for it to answer CoAP.
///
/// Normally well under a second; the bound is generous because a Python server on a busy
/// two-core machine (the tests of one binary run in parallel) can take seconds to import.
pub const READY_TIMEOUT: Duration = Duration::from_secs(10);

/// Names libcoap's client binary, overriding the search (and then the only place looked at:
/// `LIBCOAP_CLIENT_BIN=/nonexistent` hides an installed one).
pub const LIBCOAP_CLIENT_ENV: &str = "LIBCOAP_CLIENT_BIN";
/// Names libcoap's server binary, overriding the search, like [`LIBCOAP_CLIENT_ENV`].
pub const LIBCOAP_SERVER_ENV: &str = "LIBCOAP_SERVER_BIN";
/// Names `aiocoap-client`, overriding the search, like [`LIBCOAP_CLIENT_ENV`].
pub const AIOCOAP_CLIENT_ENV: &str = "AIOCOAP_CLIENT_BIN";

/// The aiocoap server script that [`AiocoapServer`] runs.
pub const AIOCOAP_SERVER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/coap_server.py");

/// libcoap's client as Debian names it (the TLS-less build; `-gnutls` and `-openssl` sit beside
/// it), then as a source build's default names it.
const LIBCOAP_CLIENT_NAMES: [&str; 2] = ["coap-client-notls", "coap-client"];
/// libcoap's server, named like [`LIBCOAP_CLIENT_NAMES`].
const LIBCOAP_SERVER_NAMES: [&str; 2] = ["coap-server-notls", "coap-server"];

/// Free-port attempts: the port is free when we read it but could be taken before the server
/// binds it (by another test's server, say); the server then exits at once and we try another.
const START_ATTEMPTS: u32 = 3;

/// The first match of `names` in `$env_var` (then nowhere else), on `PATH`, or in `/usr/bin`
/// and `/usr/local/bin`.
fn find_binary(env_var: &str, names: &[&str], install: &str) -> Result<PathBuf, Skip> {
    if let Some(bin) = env::var_os(env_var) {
        let path = PathBuf::from(bin);
        return if is_executable(&path) {
            Ok(path)
        } else {
            Err(Skip::new(format!("{env_var}={} is not an executable file", path.display())))
        };
    }
    names.iter().find_map(|name| which(name)).ok_or_else(|| {
        Skip::new(format!(
            "no executable {} on PATH, in /usr/bin or /usr/local/bin, or in ${env_var} ({install})",
            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ")
        ))
    })
}

/// Locates libcoap's example client: `$LIBCOAP_CLIENT_BIN` if set (and then nowhere else), else
/// the first `coap-client-notls` or `coap-client` on `PATH`, in `/usr/bin` or `/usr/local/bin`.
///
/// # Errors
/// A [`Skip`] saying where it looked, when no executable file was found.
pub fn libcoap_client() -> Result<PathBuf, Skip> {
    find_binary(LIBCOAP_CLIENT_ENV, &LIBCOAP_CLIENT_NAMES, "Debian: apt-get install libcoap3-bin")
}

/// Locates libcoap's example server, like [`libcoap_client`] (`$LIBCOAP_SERVER_BIN`,
/// `coap-server-notls`, `coap-server`).
///
/// # Errors
/// A [`Skip`] saying where it looked, when no executable file was found.
pub fn libcoap_server() -> Result<PathBuf, Skip> {
    find_binary(LIBCOAP_SERVER_ENV, &LIBCOAP_SERVER_NAMES, "Debian: apt-get install libcoap3-bin")
}

/// Locates `aiocoap-client`: `$AIOCOAP_CLIENT_BIN` if set (and then nowhere else), else in the
/// scripts dirs (system, then user) of the `python3` on `PATH`, where pip puts it beside the
/// interpreter that has aiocoap (under pyenv this skips the shim, which is slow on a busy
/// machine, and which `python3 -m pip` makes only on a `pyenv rehash`), else on `PATH`, in
/// `/usr/bin` or `/usr/local/bin`.
///
/// # Errors
/// A [`Skip`] saying where it looked, when no executable file was found.
pub fn aiocoap_client() -> Result<PathBuf, Skip> {
    // Looked up once per process: it runs Python, and each `run_aiocoap_client` asks.
    static FOUND: OnceLock<Result<PathBuf, Skip>> = OnceLock::new();
    FOUND.get_or_init(find_aiocoap_client).clone()
}

fn find_aiocoap_client() -> Result<PathBuf, Skip> {
    const NAME: &str = "aiocoap-client";
    if env::var_os(AIOCOAP_CLIENT_ENV).is_some() {
        return find_binary(AIOCOAP_CLIENT_ENV, &[NAME], "");
    }
    let script = "import os, sysconfig; print(sysconfig.get_path('scripts')); \
                  print(sysconfig.get_path('scripts', os.name + '_user'))";
    let dirs = which("python3")
        .and_then(|python| Command::new(python).args(["-c", script]).stdin(Stdio::null()).output().ok())
        .map(|out| String::from_utf8_lossy(&out.stdout).lines().map(PathBuf::from).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(bin) = dirs.iter().map(|dir| dir.join(NAME)).find(|p| is_executable(p)) {
        return Ok(bin);
    }
    find_binary(AIOCOAP_CLIENT_ENV, &[NAME], "PyPI: python3 -m pip install aiocoap").map_err(|skip| {
        let looked: Vec<_> = dirs.iter().map(|d| d.display().to_string()).collect();
        Skip::new(format!("{skip}; nor in python3's scripts dirs ({})", looked.join(", ")))
    })
}

/// Locates `python3` on `PATH`, checks that it imports aiocoap (for [`AiocoapServer`]), and
/// returns the interpreter's own path (`sys.executable`; under pyenv, not the shim).
///
/// # Errors
/// A [`Skip`] saying whether `python3` or aiocoap is missing.
pub fn python_with_aiocoap() -> Result<PathBuf, Skip> {
    // Looked up once per process: it runs Python, and each server start asks.
    static FOUND: OnceLock<Result<PathBuf, Skip>> = OnceLock::new();
    FOUND.get_or_init(find_python_with_aiocoap).clone()
}

fn find_python_with_aiocoap() -> Result<PathBuf, Skip> {
    let python = which("python3").ok_or_else(|| Skip::new("no executable `python3` on PATH".into()))?;
    let out = Command::new(&python)
        // The interpreter itself, not the `python3` found: under pyenv that is a shim, a shell
        // script that takes a while to find the interpreter on a busy machine.
        .args(["-c", "import sys, aiocoap; print(sys.executable)"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Skip::new(format!("{} did not run: {e}", python.display())))?;
    if !out.status.success() {
        return Err(Skip::new(format!(
            "`{} -c \"import aiocoap\"` failed ({}; PyPI: python3 -m pip install aiocoap): {}",
            python.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or_default()
        )));
    }
    let executable = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    Ok(if is_executable(&executable) { executable } else { python })
}

/// [`libcoap_client`] with the rule for a missing peer: `None` (after a `SKIP:` line) outside CI.
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[track_caller]
pub fn libcoap_client_or_skip() -> Option<PathBuf> {
    // A `match`, not `map_err`: `#[track_caller]` does not reach into closures.
    match libcoap_client() {
        Ok(bin) => Some(bin),
        Err(skip) => {
            missing("libcoap's coap-client", &skip);
            None
        }
    }
}

/// [`aiocoap_client`] with the rule for a missing peer: `None` (after a `SKIP:` line) outside CI.
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[track_caller]
pub fn aiocoap_client_or_skip() -> Option<PathBuf> {
    match aiocoap_client() {
        Ok(bin) => Some(bin),
        Err(skip) => {
            missing("aiocoap-client", &skip);
            None
        }
    }
}

/// [`python_with_aiocoap`] with the rule for a missing peer: `None` (after a `SKIP:` line)
/// outside CI. For tests that run their own aiocoap script (a library client, say).
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[track_caller]
pub fn python_with_aiocoap_or_skip() -> Option<PathBuf> {
    match python_with_aiocoap() {
        Ok(python) => Some(python),
        Err(skip) => {
            missing("aiocoap", &skip);
            None
        }
    }
}

/// Checks that the `python3` with aiocoap also has the `websockets` package, which aiocoap's
/// CoAP over WebSockets needs (client and server: aiocoap's `ws` extra, `websockets>=13,<16`
/// for 0.4.17), and returns its version.
///
/// # Errors
/// A [`Skip`] saying what is missing.
pub fn aiocoap_websockets() -> Result<String, Skip> {
    static FOUND: OnceLock<Result<String, Skip>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            let python = python_with_aiocoap()?;
            let out = Command::new(&python)
                .args(["-c", "import websockets; print(websockets.__version__)"])
                .stdin(Stdio::null())
                .output()
                .map_err(|e| Skip::new(format!("{} did not run: {e}", python.display())))?;
            if !out.status.success() {
                return Err(Skip::new(format!(
                    "{} has aiocoap but not websockets, which aiocoap's CoAP over WebSockets needs \
                     (PyPI: python3 -m pip install 'websockets>=13,<16')",
                    python.display()
                )));
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        })
        .clone()
}

/// [`aiocoap_websockets`] with the rule for a missing peer: `None` (after a `SKIP:` line)
/// outside CI.
///
/// # Panics
/// When it is missing and `CI` is `true`.
#[track_caller]
pub fn aiocoap_websockets_or_skip() -> Option<String> {
    match aiocoap_websockets() {
        Ok(version) => Some(version),
        Err(skip) => {
            missing("aiocoap with websockets", &skip);
            None
        }
    }
}

/// Starts a [`LibcoapServer`] with `extra_args`, applying the rule for a missing peer: `None`
/// (after a `SKIP:` line) outside CI when the binary is missing.
///
/// # Panics
/// When the binary is missing and `CI` is `true`, and (anywhere) when it was found but did not
/// start: that is a broken harness, not a missing peer. The message holds the log.
#[track_caller]
pub fn libcoap_server_or_skip(extra_args: &[&str]) -> Option<LibcoapServer> {
    let bin = match libcoap_server() {
        Ok(bin) => bin,
        Err(skip) => {
            missing("libcoap's coap-server", &skip);
            return None;
        }
    };
    match LibcoapServer::start(&bin, extra_args) {
        Ok(server) => Some(server),
        Err(e) => fail(format_args!("{} did not start: {e}", bin.display())),
    }
}

/// Starts an [`AiocoapServer`] with `extra_args`, applying the rule for a missing peer: `None`
/// (after a `SKIP:` line) outside CI when `python3` or aiocoap is missing.
///
/// # Panics
/// When aiocoap is missing and `CI` is `true`, and (anywhere) when the script did not start.
#[track_caller]
pub fn aiocoap_server_or_skip(extra_args: &[&str]) -> Option<AiocoapServer> {
    let python = match python_with_aiocoap() {
        Ok(python) => python,
        Err(skip) => {
            missing("aiocoap", &skip);
            return None;
        }
    };
    match AiocoapServer::start(&python, extra_args) {
        Ok(server) => Some(server),
        Err(e) => fail(format_args!("{AIOCOAP_SERVER_SCRIPT} did not start: {e}")),
    }
}

/// A UDP port on `127.0.0.1` that was free a moment ago: bind port 0, read what the OS chose,
/// let it go. Whoever binds it next may lose a race; the servers here retry with another.
///
/// # Errors
/// The I/O error of the bind.
pub fn free_udp_port() -> io::Result<u16> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(socket.local_addr()?.port())
}

/// Sends one CoAP `CON GET /.well-known/core` (RFC 7252 §3, RFC 6690 §4) from a fresh UDP
/// socket to `addr` and waits up to `limit` for an answer: any datagram from `addr` that is a
/// CoAP message (version 1) with the request's Message ID (a piggybacked response, an empty
/// ACK or a RST: all show a CoAP endpoint there). `false` when nothing came, or the port is
/// closed (ICMP port unreachable, seen as `ConnectionRefused`).
///
/// # Errors
/// The I/O error of binding or configuring the socket.
///
/// ```
/// let nobody = std::net::SocketAddr::from(([127, 0, 0, 1], net::coap_peers::free_udp_port()?));
/// assert!(!net::coap_peers::answers_coap(nobody, std::time::Duration::from_millis(100))?);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn answers_coap(addr: SocketAddr, limit: Duration) -> io::Result<bool> {
    static NEXT_MID: AtomicU16 = AtomicU16::new(0x5000);
    let mid = NEXT_MID.fetch_add(1, Ordering::Relaxed).to_be_bytes();
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    socket.connect(addr)?;
    // Ver 1, CON, TKL 0 | GET | Message ID | Uri-Path (delta 11, length 11) | Uri-Path (delta 0, length 4).
    let mut request = vec![0x40, 0x01, mid[0], mid[1], 0xbb];
    request.extend_from_slice(b".well-known");
    request.push(0x04);
    request.extend_from_slice(b"core");
    if let Err(e) = socket.send(&request) {
        return if e.kind() == io::ErrorKind::ConnectionRefused { Ok(false) } else { Err(e) };
    }
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv(&mut buf) {
            Ok(n) => match buf.get(..n) {
                Some([first, _, a, b, ..]) if first >> 6 == 1 && [*a, *b] == mid => return Ok(true),
                _ => continue, // not an answer to this probe
            },
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => return Ok(false),
            Err(e) => return Err(e),
        }
    }
}

/// A server process on `127.0.0.1:<port>` with its log in a temp dir; dropping it kills the
/// process and removes the dir. What [`LibcoapServer`] and [`AiocoapServer`] share.
#[derive(Debug)]
struct ServerProcess {
    child: Child,
    port: u16,
    // Dropped after `Drop::drop` has killed the child, so the log outlives the process.
    dir: TempDir,
}

impl ServerProcess {
    /// Spawns `command(port)` on free ports until one answers CoAP: a server that exits with
    /// `in_use` in its log lost the port to someone else, and gets another.
    fn start(what: &'static str, mut command: impl FnMut(u16) -> Command, in_use: &str) -> io::Result<Self> {
        let dir = TempDir::new("net-coap")?;
        let log_path = dir.path().join("server.log");
        let mut attempt = 1;
        loop {
            let port = free_udp_port()?;
            // Truncated on each attempt, so the log is the last attempt's.
            let log = File::create(&log_path)?;
            let mut child = command(port).stdout(log.try_clone()?).stderr(log).spawn()?;
            let addr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port));
            match wait_ready(&mut child, addr)? {
                Ready::Yes => return Ok(Self { child, port, dir }),
                Ready::Exited(status) => {
                    let log = read_log(&log_path);
                    if attempt < START_ATTEMPTS && log.contains(in_use) {
                        attempt += 1;
                        continue;
                    }
                    return Err(io::Error::other(format!(
                        "{what} exited ({status}) on UDP port {port}; its log:\n{log}"
                    )));
                }
                Ready::TimedOut => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!(
                            "{what} did not answer CoAP on UDP port {port} within {READY_TIMEOUT:?}; its log:\n{}",
                            read_log(&log_path)
                        ),
                    ));
                }
            }
        }
    }

    fn addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.port))
    }

    fn uri(&self, path: &str) -> String {
        self.uri_with("coap", self.port, path)
    }

    fn uri_with(&self, scheme: &str, port: u16, path: &str) -> String {
        let slash = if path.starts_with('/') { "" } else { "/" };
        format!("{scheme}://127.0.0.1:{port}{slash}{path}")
    }

    fn log(&self) -> String {
        read_log(&self.dir.path().join("server.log"))
    }

    fn kill(&mut self) {
        // Errors here mean the process is already gone.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

enum Ready {
    Yes,
    Exited(ExitStatus),
    TimedOut,
}

/// Polls until `addr` answers CoAP while `child` still runs, `child` exits, or [`READY_TIMEOUT`]
/// passes.
fn wait_ready(child: &mut Child, addr: SocketAddr) -> io::Result<Ready> {
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Ready::Exited(status));
        }
        if answers_coap(addr, Duration::from_millis(200))? {
            // The answer could have come from whoever took the port before our server found it
            // in use; that server exits within milliseconds, so look once more.
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

/// libcoap's example server (`coap-server-notls -A 127.0.0.1 -p <port> -v 7`) on a free
/// loopback port; dropping it kills the process.
///
/// `-p` also opens a TCP listener on the same port number (CoAP over TCP, RFC 8323); when that
/// port is taken, the server logs `cannot create TCP endpoint` and goes on with UDP alone. `-v 7`
/// (debug) logs each PDU sent and received, one line each, e.g.
/// `v:1 t:CON c:GET i:dd24 {01} [ Uri-Port:56830, Uri-Path:.well-known, Uri-Path:core ]` and
/// `v:1 t:ACK c:2.05 i:dd24 {01} [ Content-Format:application/link-format ] :: '</>;...'`
/// (`{..}` is the token in hex, `:: '..'` the payload), into [`log`](Self::log).
///
/// Resources of libcoap 4.3.1's server (its `/.well-known/core`:
/// `</>;title="General Info";ct=0,</time>;if="clock";rt="ticks";title="Internal Clock";ct=0;obs,`
/// `</async>;ct=0,</example_data>;title="Example Data";ct=0;obs`):
///
/// | path | behaviour |
/// |---|---|
/// | `/` | GET 2.05: 147 bytes of text ("This is a test server made with libcoap ...") with Max-Age 196607 |
/// | `/time` | observable; GET 2.05 the time as `Dec 06 02:37:48` (Max-Age 1), `?ticks` the seconds as a number; notifies every second (CON; `-N` makes them NON, every fifth CON); PUT sets the clock (2.04), DELETE stops it (then GET is a bare 4.04) |
/// | `/async` | GET `?<n>` answers "done" after `n` seconds as a separate response: the empty ACK at once, then a CON 2.05; without a query at once |
/// | `/example_data` | observable; GET 2.05 1500 bytes (`a123456789b123456789...`; Block2 with ETag and Size2 under `-b`/ the default 1024); PUT replaces it (2.04, Block1 reassembled), POST is 4.05 |
/// | `/.well-known/core` | the list above (2.05, application/link-format) |
///
/// An unknown path is 4.04 "Not Found" (PUT included: `-d <max>` lets PUT create up to `max`
/// dynamic resources). Other flags for `extra_args`: `-e` echoes a PUT's payload back, `-N` NON
/// notifications, `-l <list>|<loss>%` drops the server's own outgoing datagrams (for debugging
/// only), `-v <0..9>` (a later `-v` overrides ours).
#[derive(Debug)]
pub struct LibcoapServer(ServerProcess);

impl LibcoapServer {
    /// Runs `bin -A 127.0.0.1 -p <port> -v 7 <extra_args>` on a free loopback UDP port and
    /// waits (up to [`READY_TIMEOUT`]) until it answers a CoAP `GET /.well-known/core`.
    ///
    /// # Errors
    /// The I/O error from creating the temp dir, the log or the process; or, with the log
    /// appended, a server that exited (after a few tries with other ports when the port was
    /// taken) or did not answer in time.
    pub fn start(bin: &Path, extra_args: &[&str]) -> io::Result<Self> {
        let command = |port: u16| {
            let mut command = Command::new(bin);
            command.args(["-A", "127.0.0.1", "-p", &port.to_string(), "-v", "7"]).args(extra_args);
            command.stdin(Stdio::null());
            command
        };
        // libcoap 4.3.1: "coap_socket_bind_udp: bind: Address already in use", then exit 255.
        ServerProcess::start("coap-server", command, "Address already in use").map(Self)
    }

    /// The UDP port it listens on.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr()
    }

    /// `coap://127.0.0.1:<port><path>`, for a client's command line (`path` starts with `/`,
    /// which is added when missing; a query may follow).
    pub fn uri(&self, path: &str) -> String {
        self.0.uri(path)
    }

    /// `coap+tcp://127.0.0.1:<port><path>`: `-p` opens a CoAP-over-TCP listener (RFC 8323) on
    /// the same port number (if that TCP port was free: see the type's docs).
    pub fn tcp_uri(&self, path: &str) -> String {
        self.0.uri_with("coap+tcp", self.0.port, path)
    }

    /// Everything the server has written to stdout and stderr so far (with `-v 7`: each PDU),
    /// for failure messages.
    pub fn log(&self) -> String {
        self.0.log()
    }
}

/// aiocoap running [`AIOCOAP_SERVER_SCRIPT`] (`tests/py/coap_server.py`) on a free loopback UDP
/// port; dropping it kills the process (and the script exits by itself when its stdin, held
/// here, closes, so it cannot outlive a test process that was killed).
///
/// | path | behaviour |
/// |---|---|
/// | `/test` | GET 2.05 `hello` (text/plain); PUT 2.04; POST 2.01 with Location-Path `location1/location2/location3`; DELETE 2.02 |
/// | `/separate` | GET 2.05 `separate` after 3 s (`--separate-delay S`): a CON request gets the empty ACK after 0.1 s, then the response as a CON |
/// | `/obs` | observable; GET 2.05 a decimal counter that goes up every 1 s (`--obs-interval S`), each step a CON notification |
/// | `/large` | GET 2.05 2500 bytes (`--large-size N`) of 40-byte lines `large 0000 abcdefghijklmnopqrstuvwxyz01\n`, Block2 in 1024-byte blocks or the client's size; PUT (Block1 reassembled) replaces it, 2.04 |
/// | `/large-post` | POST 2.04 with the body in ASCII upper case (text/plain): block-wise both ways (RFC 7959 §3.3) |
/// | `/.well-known/core` | `</.well-known/core>;ct="40",</test>,</separate>,</obs>;obs,</large>,</large-post>,<https://...>;rel="impl-info"` |
///
/// With `--transports udp,tcp,ws` it also serves CoAP over TCP on the same port number
/// ([`tcp_uri`](Self::tcp_uri)) and over WebSockets on the port plus 3000 (aiocoap's rule for an
/// explicit port; [`ws_uri`](Self::ws_uri)); WebSockets need the `websockets` package
/// ([`aiocoap_websockets_or_skip`]).
///
/// [`log`](Self::log) holds the script's stdout, one line per event: `ready 127.0.0.1:<port>
/// transports=<list> ws_port=<port or ->`,
/// `request <METHOD> <path> <CON|NON> mid=<n> token=<hex> cf=<n|-> observe=<n|-> len=<n>
/// payload=<python bytes repr, first 64>` and `notify /obs <n>`; and aiocoap's DEBUG log of each
/// message sent and received (stderr).
#[derive(Debug)]
pub struct AiocoapServer(ServerProcess);

impl AiocoapServer {
    /// Runs `python tests/py/coap_server.py --port <port> --exit-on-stdin-eof <extra_args>` on a
    /// free loopback UDP port and waits (up to [`READY_TIMEOUT`]) until it answers a CoAP
    /// `GET /.well-known/core` and has logged its `ready` line (every listener bound).
    /// `extra_args` are the script's: `--obs-interval S`, `--separate-delay S`, `--large-size N`,
    /// `--lifetime S` (default 600: it exits then), `--transports udp,tcp,ws`.
    ///
    /// # Errors
    /// As [`LibcoapServer::start`].
    pub fn start(python: &Path, extra_args: &[&str]) -> io::Result<Self> {
        let command = |port: u16| {
            let mut command = Command::new(python);
            command
                .arg(AIOCOAP_SERVER_SCRIPT)
                .args(["--port", &port.to_string(), "--exit-on-stdin-eof"])
                .args(extra_args)
                // The log is read while the server runs, and it is killed, not stopped.
                .env("PYTHONUNBUFFERED", "1")
                .stdin(Stdio::piped());
            command
        };
        // The script prints `error: Address already in use: ...` and exits 1.
        let server = ServerProcess::start("aiocoap server", command, "Address already in use").map(Self)?;
        // UDP answers as soon as its socket is bound; TCP and WebSockets are bound by then too
        // once the script says `ready`.
        let deadline = Instant::now() + READY_TIMEOUT;
        while !server.log().lines().any(|l| l.starts_with("ready ")) {
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the aiocoap server printed no ready line; its log:\n{}", server.log()),
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
        Ok(server)
    }

    /// `coap+tcp://127.0.0.1:<port><path>` (with `--transports` naming `tcp`).
    pub fn tcp_uri(&self, path: &str) -> String {
        self.0.uri_with("coap+tcp", self.0.port, path)
    }

    /// `coap+ws://127.0.0.1:<port + 3000><path>` (with `--transports` naming `ws`).
    pub fn ws_uri(&self, path: &str) -> String {
        self.0.uri_with("coap+ws", self.0.port + 3000, path)
    }

    /// The UDP port it listens on.
    pub fn port(&self) -> u16 {
        self.0.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr()
    }

    /// `coap://127.0.0.1:<port><path>`, as [`LibcoapServer::uri`].
    pub fn uri(&self, path: &str) -> String {
        self.0.uri(path)
    }

    /// Everything the script and aiocoap have written so far, for assertions on what the server
    /// received (`request ...` lines) and for failure messages.
    pub fn log(&self) -> String {
        self.0.log()
    }
}

/// What a client run by [`run_with_timeout`] did.
#[derive(Debug, Clone)]
pub struct ClientOutput {
    /// The command line, for failure messages.
    pub command: String,
    /// How it exited; `None` when it was killed at the timeout.
    pub status: Option<ExitStatus>,
    /// All of its stdout.
    pub stdout: Vec<u8>,
    /// All of its stderr.
    pub stderr: Vec<u8>,
    /// From spawn to exit (or kill).
    pub elapsed: Duration,
}

impl ClientOutput {
    /// Whether it was killed at the timeout.
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }

    /// Whether it exited with status 0 (libcoap's client does so even after a 4.xx response or
    /// no response at all: look at its output).
    pub fn success(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// Stdout as text (invalid UTF-8 replaced).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text (invalid UTF-8 replaced).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// The non-empty lines of stdout (with libcoap's `-w`: one response or notification body
    /// each).
    pub fn lines(&self) -> Vec<String> {
        self.stdout_text().lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
    }
}

impl fmt::Display for ClientOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => writeln!(f, "{} ({status} after {:?})", self.command, self.elapsed)?,
            None => writeln!(f, "{} (killed at the timeout, {:?})", self.command, self.elapsed)?,
        }
        writeln!(f, "--- stdout:\n{}", self.stdout_text())?;
        write!(f, "--- stderr:\n{}", self.stderr_text())
    }
}

/// Runs `command` with stdin closed and stdout and stderr collected, until it exits or
/// `timeout` passes; then kills it (SIGKILL) and returns what it wrote.
///
/// # Errors
/// The I/O error of the spawn.
pub fn run_with_timeout(command: &mut Command, timeout: Duration) -> io::Result<ClientOutput> {
    let name = format!("{command:?}");
    let start = Instant::now();
    let mut child = command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());
    let deadline = start + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let elapsed = start.elapsed();
    // EOF comes with the exit, unless a grandchild kept the pipe: then take what came.
    let take = |rx: mpsc::Receiver<Vec<u8>>| rx.recv_timeout(Duration::from_secs(1)).unwrap_or_default();
    Ok(ClientOutput { command: name, status, stdout: take(stdout), stderr: take(stderr), elapsed })
}

/// Reads `pipe` to its end on a thread; the bytes arrive on the channel.
fn collect(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    if let Some(mut pipe) = pipe {
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            let _ = tx.send(bytes);
        });
    }
    rx
}

/// Runs libcoap's client ([`libcoap_client`]) with `args` under [`run_with_timeout`]. Give it a
/// `-B <seconds>` below `timeout` to have it stop by itself (its default wait is 90 s).
///
/// # Errors
/// `NotFound` with the [`Skip`] reason when the client is missing, else the spawn's error.
pub fn run_libcoap_client(args: &[&str], timeout: Duration) -> io::Result<ClientOutput> {
    let bin = libcoap_client().map_err(|skip| io::Error::new(io::ErrorKind::NotFound, skip))?;
    run_with_timeout(Command::new(bin).args(args), timeout)
}

/// Runs `aiocoap-client` ([`aiocoap_client`]) with `args` under [`run_with_timeout`], with
/// `PYTHONUNBUFFERED=1` so that what it printed survives a kill at the timeout.
///
/// # Errors
/// `NotFound` with the [`Skip`] reason when the client is missing, else the spawn's error.
pub fn run_aiocoap_client(args: &[&str], timeout: Duration) -> io::Result<ClientOutput> {
    let bin = aiocoap_client().map_err(|skip| io::Error::new(io::ErrorKind::NotFound, skip))?;
    run_with_timeout(Command::new(bin).args(args).env("PYTHONUNBUFFERED", "1"), timeout)
}
