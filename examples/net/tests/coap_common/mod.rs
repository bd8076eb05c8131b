//! What the CoAP tests over TCP/WebSockets and block-wise share (`coap_tcp.rs`, `interop_coap_tcp.rs`,
//! `coap_block.rs`, `interop_coap_block.rs`): our
//! `coap-server` listening on UDP, TCP and WebSockets at once ([`OurServer`]), our `coap-client`
//! under a hard bound ([`ours`]), a server log on a panic ([`LogOnPanic`]), and the frames of the
//! client's `-v` trace ([`sent`], [`received`]); for block-wise bodies, a [`pattern`] and a
//! [`TempFile`].
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use net::clients::Process;
use net::coap_peers::{run_with_timeout, ClientOutput};

/// The hard bound on each client run.
pub(crate) const CLIENT: Duration = Duration::from_secs(20);

/// Our `coap-server` on free loopback ports, one listener per transport, its stdout kept line
/// by line; killed on drop.
pub(crate) struct OurServer {
    process: Process,
    /// The UDP listener.
    pub(crate) udp: SocketAddr,
    /// The CoAP-over-TCP listener.
    pub(crate) tcp: SocketAddr,
    /// The CoAP-over-WebSockets listener.
    pub(crate) ws: SocketAddr,
}

impl OurServer {
    /// `coap-server -v` on `127.0.0.1:0` for each transport, with `extra` flags.
    pub(crate) fn start(extra: &[&str]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_coap-server"));
        command
            .args(["-v", "--listen", "127.0.0.1:0", "--listen", "coap+tcp://127.0.0.1:0"])
            .args(["--listen", "coap+ws://127.0.0.1:0"])
            .args(extra);
        let process = Process::spawn(&mut command).expect("start coap-server");
        let listening = |l: &str| l.starts_with("coap-server listening on coap+ws://");
        assert!(
            process.wait_for_line(Duration::from_secs(10), listening),
            "coap-server printed no listening lines; stderr: {}",
            process.stderr()
        );
        let lines = process.lines();
        let addr = |scheme: &str| -> SocketAddr {
            let prefix = format!("coap-server listening on {scheme}://");
            let line = lines.iter().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_else(|| panic!("{lines:?}"));
            line.parse().unwrap()
        };
        Self { udp: addr("udp"), tcp: addr("coap+tcp"), ws: addr("coap+ws"), process }
    }

    /// `coap://`, `coap+tcp://` or `coap+ws://` with this server's address for that transport.
    pub(crate) fn uri(&self, scheme: &str, path: &str) -> String {
        let addr = match scheme {
            "coap" => self.udp,
            "coap+tcp" => self.tcp,
            "coap+ws" => self.ws,
            _ => panic!("scheme {scheme}"),
        };
        format!("{scheme}://{addr}{path}")
    }

    /// Its stdout so far.
    pub(crate) fn log(&self) -> String {
        self.process.lines().join("\n")
    }

    /// How many lines contain `needle`, once one does (or after 5 s): the log is read from a
    /// pipe by another thread, so a line written before the answer may not be here yet.
    pub(crate) fn count_logged(&self, needle: &str) -> usize {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let n = self.process.lines().iter().filter(|l| l.contains(needle)).count();
            if n > 0 || Instant::now() >= deadline {
                return n;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether a line ending in `suffix` shows up within 5 s.
    pub(crate) fn logged(&self, suffix: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if self.process.lines().iter().any(|l| l.ends_with(suffix)) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Prints a log when the test panics (the harness shows it with the failure).
pub(crate) struct LogOnPanic<'a>(pub(crate) &'static str, pub(crate) &'a dyn Fn() -> String);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("---- {} log ----\n{}", self.0, (self.1)());
        }
    }
}

/// Our `coap-client` with `args`, under [`CLIENT`].
pub(crate) fn ours(args: &[&str]) -> ClientOutput {
    run_with_timeout(Command::new(env!("CARGO_BIN_EXE_coap-client")).args(args), CLIENT).unwrap()
}

/// Our client's run, which must exit 0.
#[track_caller]
pub(crate) fn ours_ok(args: &[&str]) -> ClientOutput {
    let out = ours(args);
    assert!(out.success(), "{out}");
    out
}

/// The frames of our client's `-v` trace with `prefix` (`"-> "` sent, `"<- "` received).
pub(crate) fn traced(out: &ClientOutput, prefix: &str) -> Vec<Vec<u8>> {
    out.stderr_text()
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|hex| hex.split(" (").next().unwrap().split(' ').map(|b| u8::from_str_radix(b, 16).unwrap()).collect())
        .collect()
}

/// The frames our client sent.
pub(crate) fn sent(out: &ClientOutput) -> Vec<Vec<u8>> {
    traced(out, "-> ")
}

/// The frames our client received.
pub(crate) fn received(out: &ClientOutput) -> Vec<Vec<u8>> {
    traced(out, "<- ")
}

/// `n` bytes that show a misplaced or repeated block: no 64-byte window repeats.
pub(crate) fn pattern(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8 ^ (i / 251) as u8).collect()
}

/// A file in a fresh temp dir, removed on drop.
pub(crate) struct TempFile(PathBuf);

impl TempFile {
    pub(crate) fn new(name: &str, contents: &[u8]) -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("net-coap-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, contents).unwrap();
        Self(path)
    }

    pub(crate) fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }

    pub(crate) fn read(&self) -> Vec<u8> {
        std::fs::read(&self.0).unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
