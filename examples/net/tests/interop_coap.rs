//! Interop of our CoAP endpoint with real peers on loopback: our `coap-client` against libcoap's
//! `coap-server-notls` and against the aiocoap server script (`tests/py/coap_server.py`);
//! libcoap's `coap-client-notls`, `aiocoap-client` and the aiocoap library (an observer script,
//! `tests/py/observe_client.py`) against our `coap-server`; and loss: libcoap's `-l` dropping its
//! own first request, and a lossy UDP relay in this file ([`LossyProxy`]) dropping a server's
//! first answer, so that the client retransmits a CON the server already answered (our server
//! must answer from its deduplication cache, byte for byte, and process the request once; our
//! client must retransmit to libcoap's and aiocoap's servers and get its response).
//!
//! The peers' flags and output formats are described at the top of `interop_coap_harness.rs`; the
//! servers' resources on `net::coap_peers::LibcoapServer` and `AiocoapServer`. Assertions read
//! what the peers print (libcoap's client exits 0 after an error response or none), our client's
//! `-v` hex trace (`-> ` sent, `<- ` received), and the servers' logs: `coap-server -v` prints
//! `<peer> <CON|NON> <METHOD> <path> -> <code>` per request and `<peer> observer removed:
//! <reason>`; the aiocoap script prints `request ...` per request and aiocoap's DEBUG log.
//!
//! A missing peer prints `SKIP: ...` and passes outside CI, and fails in CI (`CI=true`). Each test
//! has its own server processes (free ports, killed on drop), so the tests run in parallel; the
//! slowest wait for a CON retransmission (ACK_TIMEOUT, 2 to 3 s) or observe for 2 to 3 s, with
//! short Observe and separate-response intervals (`--obs-interval-ms 300`,
//! `--separate-delay-ms 500` on our server; `--obs-interval`, `--separate-delay` on aiocoap's).
//!
//! What these peers do that one might not expect (libcoap 4.3.1, aiocoap 0.4.17):
//! - libcoap's server answers `DELETE /time` with an empty ACK and never sends the response (its
//!   handler sets no code): a client waits until it gives up, its own client included.
//! - libcoap's server answers an Observe registration of `/time` and then notifies at the next
//!   second boundary, often with the same time as the registration's response.
//! - The aiocoap library's `observation.cancel()` sends no deregistration, and aiocoap ignores
//!   (sends no RST for) an unknown NON response: against a server whose notifications are NON
//!   (ours, outside the 24-hourly CON), the observation stays registered on the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use coap_codec::wire::{Code, Message, MessageType, OptionNumber};
use net::clients::Process;
use net::coap_driver::MessageBuf;
use net::coap_peers::{
    aiocoap_client_or_skip, aiocoap_server_or_skip, libcoap_client_or_skip, libcoap_server_or_skip,
    python_with_aiocoap_or_skip, run_aiocoap_client, run_libcoap_client, run_with_timeout, ClientOutput,
};

/// The hard bound on each client run; libcoap's client also gets `-B` a little below it.
const CLIENT: Duration = Duration::from_secs(20);
const GIVE_UP: &str = "15";

/// The Observe interval and separate-response delay our server runs with.
const OBS_INTERVAL_MS: u64 = 300;
const SEPARATE_DELAY_MS: u64 = 500;

/// The aiocoap library observer.
const OBSERVE_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/observe_client.py");

// ---------------------------------------------------------------------------------------------
// Our binaries, the peers' clients, logs.

/// Our `coap-server -v` on a free loopback port, its stdout kept line by line; killed on drop.
struct OurServer {
    process: Process,
    addr: SocketAddr,
}

impl OurServer {
    const LISTENING: &'static str = "coap-server listening on udp://";

    fn start() -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_coap-server"));
        command.args([
            "--listen",
            "127.0.0.1:0",
            "-v",
            "--obs-interval-ms",
            &OBS_INTERVAL_MS.to_string(),
            "--separate-delay-ms",
            &SEPARATE_DELAY_MS.to_string(),
        ]);
        let process = Process::spawn(&mut command).expect("start coap-server");
        let listening = |l: &str| l.starts_with(Self::LISTENING);
        assert!(
            process.wait_for_line(Duration::from_secs(10), listening),
            "coap-server printed no listening line; stderr: {}",
            process.stderr()
        );
        let line = process.lines().into_iter().find(|l| listening(l)).unwrap();
        let addr = line[Self::LISTENING.len()..].parse().unwrap();
        Self { process, addr }
    }

    fn uri(&self, path: &str) -> String {
        format!("coap://{}{path}", self.addr)
    }

    fn log(&self) -> String {
        self.process.lines().join("\n")
    }

    /// How many request lines `<peer> <rest>` (e.g. `CON GET /test -> 2.05 Content`) the log has,
    /// from any peer.
    fn requests(&self, rest: &str) -> usize {
        let suffix = format!(" {rest}");
        self.process.lines().iter().filter(|l| l.ends_with(&suffix)).count()
    }
}

/// Prints a server's log when the test panics (the harness shows it with the failure).
struct LogOnPanic<'a>(&'static str, &'a dyn Fn() -> String);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if thread::panicking() {
            eprintln!("---- {} log ----\n{}", self.0, (self.1)());
        }
    }
}

/// Whether `needle` shows up in `log()` within 5 s.
fn logged(log: &dyn Fn() -> String, needle: &str) -> bool {
    eventually(|| log().contains(needle))
}

/// Whether `condition` holds within 5 s.
fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition() {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(20));
    }
    true
}

/// Our `coap-client` with `args`, under the hard bound.
fn ours(args: &[&str]) -> ClientOutput {
    run_with_timeout(Command::new(env!("CARGO_BIN_EXE_coap-client")).args(args), CLIENT).unwrap()
}

/// Our client's run with exit status 0 and a 2.xx response.
#[track_caller]
fn ours_ok(args: &[&str]) -> ClientOutput {
    let out = ours(args);
    assert!(out.success(), "{out}");
    out
}

fn libcoap(args: &[&str]) -> ClientOutput {
    let args: Vec<&str> = ["-B", GIVE_UP].iter().chain(args).copied().collect();
    run_libcoap_client(&args, CLIENT).unwrap()
}

fn aiocoap(args: &[&str]) -> ClientOutput {
    run_aiocoap_client(args, CLIENT).unwrap()
}

/// The datagrams of our client's `-v` trace with `prefix` (`"-> "` sent, `"<- "` received), in
/// order.
fn traced(out: &ClientOutput, prefix: &str) -> Vec<Vec<u8>> {
    out.stderr_text()
        .lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .map(|hex| {
            // A received datagram the endpoint discarded has `(why)` after the hex.
            hex.split(" (").next().unwrap().split(' ').map(|b| u8::from_str_radix(b, 16).unwrap()).collect()
        })
        .collect()
}

fn sent(out: &ClientOutput) -> Vec<MessageBuf> {
    traced(out, "-> ").iter().map(|d| parse(d)).collect()
}

fn received(out: &ClientOutput) -> Vec<MessageBuf> {
    traced(out, "<- ").iter().map(|d| parse(d)).collect()
}

fn parse(datagram: &[u8]) -> MessageBuf {
    MessageBuf::copy(&Message::new_checked(datagram).unwrap_or_else(|e| panic!("{}: {e:?}", hex(datagram))))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// The PDU lines of a libcoap `-v 7` log (`v:1 t:ACK c:2.05 i:d4d9 {01} [ ... ] :: '...'`).
fn pdus(log: &str) -> Vec<&str> {
    log.lines().filter(|l| l.starts_with("v:1 ")).collect()
}

/// Each CON in `received` has an empty ACK with its Message ID in `sent` (RFC 7252 §4.2).
#[track_caller]
fn every_con_acknowledged(received: &[MessageBuf], sent: &[MessageBuf]) {
    for con in received.iter().filter(|m| m.message_type == MessageType::Confirmable) {
        assert!(
            sent.iter().any(|m| m.message_type == MessageType::Acknowledgement
                && m.code == Code::EMPTY
                && m.message_id == con.message_id),
            "CON {:?} {} not acknowledged",
            con.message_id,
            con.code
        );
    }
}

// ---------------------------------------------------------------------------------------------
// A lossy UDP relay.

/// A datagram the relay saw.
#[derive(Debug, Clone)]
struct Relayed {
    bytes: Vec<u8>,
    dropped: bool,
}

/// What the relay saw in one direction.
type Seen = Arc<Mutex<Vec<Relayed>>>;

/// A UDP relay on loopback between one client and one server: the client sends to
/// [`addr`](Self::addr), the server sees [`server_side`](Self::server_side). It drops the
/// datagrams numbered (from 1, per direction, like libcoap's `-l`) in the drop lists, and keeps
/// every datagram with whether it was dropped. Its threads stop on drop.
struct LossyProxy {
    addr: SocketAddr,
    server_side: SocketAddr,
    to_server: Seen,
    to_client: Seen,
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl LossyProxy {
    fn start(server: SocketAddr, drop_to_server: &'static [usize], drop_to_client: &'static [usize]) -> Self {
        let front = UdpSocket::bind("127.0.0.1:0").unwrap();
        let back = UdpSocket::bind("127.0.0.1:0").unwrap();
        back.connect(server).unwrap();
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        }
        let (addr, server_side) = (front.local_addr().unwrap(), back.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let client: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let (to_server, to_client): (Seen, Seen) = Default::default();
        let mut threads = Vec::new();
        {
            let (front, back) = (front.try_clone().unwrap(), back.try_clone().unwrap());
            let (stop, client, seen) = (Arc::clone(&stop), Arc::clone(&client), Arc::clone(&to_server));
            threads.push(thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while !stop.load(Ordering::Relaxed) {
                    let Ok((n, from)) = front.recv_from(&mut buf) else { continue };
                    *client.lock().unwrap() = Some(from);
                    let mut seen = seen.lock().unwrap();
                    let dropped = drop_to_server.contains(&(seen.len() + 1));
                    seen.push(Relayed { bytes: buf[..n].to_vec(), dropped });
                    if !dropped {
                        let _ = back.send(&buf[..n]);
                    }
                }
            }));
        }
        {
            let (stop, seen) = (Arc::clone(&stop), Arc::clone(&to_client));
            threads.push(thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while !stop.load(Ordering::Relaxed) {
                    // Errors: the timeout, or ICMP port unreachable from a server that is gone.
                    let Ok(n) = back.recv(&mut buf) else { continue };
                    let mut seen = seen.lock().unwrap();
                    let dropped = drop_to_client.contains(&(seen.len() + 1));
                    seen.push(Relayed { bytes: buf[..n].to_vec(), dropped });
                    if let (false, Some(to)) = (dropped, *client.lock().unwrap()) {
                        let _ = front.send_to(&buf[..n], to);
                    }
                }
            }));
        }
        Self { addr, server_side, to_server, to_client, stop, threads }
    }

    fn uri(&self, path: &str) -> String {
        format!("coap://{}{path}", self.addr)
    }

    fn to_server(&self) -> Vec<Relayed> {
        self.to_server.lock().unwrap().clone()
    }

    fn to_client(&self) -> Vec<Relayed> {
        self.to_client.lock().unwrap().clone()
    }

    /// Both directions, for failure messages.
    fn describe(&self) -> String {
        let show = |dir: &str, list: Vec<Relayed>| {
            list.iter()
                .map(|r| format!("{dir} {}{}\n", hex(&r.bytes), if r.dropped { " (dropped)" } else { "" }))
                .collect::<String>()
        };
        format!("{}{}", show("to server:", self.to_server()), show("to client:", self.to_client()))
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Our client against libcoap's server.

#[test]
fn our_client_reads_libcoap_root_and_sets_reads_and_deletes_its_clock() {
    let Some(server) = libcoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("libcoap coap-server", &log);

    let root = ours_ok(&["-v", &server.uri("/")]);
    assert!(root.stdout_text().starts_with("This is a test server made with libcoap"), "{root}");
    assert!(root.stderr_text().contains("2.05 Content"), "{root}");
    // `Dec 06 02:37:48`, and our newline.
    let time = ours_ok(&[&server.uri("/time")]).stdout_text();
    assert!(time.len() == 16 && time.as_bytes()[12] == b':', "{time:?}");

    // PUT sets the clock: `?ticks` follows the value put, so two PUTs 4000 apart read 4000 apart
    // (plus the seconds between them).
    let ticks = |put: &str| {
        let out = ours_ok(&["-v", "-m", "put", "-e", put, &server.uri("/time")]);
        assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
        let out = ours_ok(&[&server.uri("/time?ticks")]);
        out.stdout_text().trim_end().parse::<i64>().unwrap_or_else(|_| panic!("{out}"))
    };
    let (a, b) = (ticks("1000"), ticks("5000"));
    assert!((4000..=4003).contains(&(b - a)), "ticks {a} then {b}");

    // libcoap's DELETE /time answers with an empty ACK and never with a response (a quirk of
    // its example server): our client stops retransmitting at the ACK and gives up at -B.
    let delete = ours(&["-v", "-B", "2", "-m", "delete", &server.uri("/time")]);
    assert_eq!(delete.status.and_then(|s| s.code()), Some(1), "{delete}");
    assert!(delete.stderr_text().contains("no response in time"), "{delete}");
    let (out, back) = (sent(&delete), received(&delete));
    assert_eq!(out.len(), 1, "the empty ACK stopped the retransmissions: {delete}");
    assert!(
        back.len() == 1
            && back[0].message_type == MessageType::Acknowledgement
            && back[0].code == Code::EMPTY
            && back[0].message_id == out[0].message_id,
        "{delete}"
    );
    // The clock is gone: 4.04 (exit 1), until a PUT creates it again (2.01).
    let gone = ours(&[&server.uri("/time")]);
    assert!(gone.status.and_then(|s| s.code()) == Some(1) && gone.stderr_text().contains("4.04 Not Found"), "{gone}");
    let create = ours_ok(&["-v", "-m", "put", "-e", "1000", &server.uri("/time")]);
    assert!(create.stderr_text().contains("2.01 Created"), "{create}");
    assert!(ours_ok(&[&server.uri("/time?ticks")]).stdout_text().trim_end().parse::<i64>().is_ok());
    assert!(server.log().contains("t:CON c:DELETE"), "the server saw the DELETE");
}

#[test]
fn our_client_observes_libcoap_time_acknowledges_each_con_notification_and_deregisters() {
    let Some(server) = libcoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("libcoap coap-server", &log);
    let out = ours_ok(&["-v", "-s", "3", &server.uri("/time?ticks")]);
    // The registration's response, then one notification a second (the first often at the same
    // second as the response).
    let ticks: Vec<u64> = out.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(ticks.len() >= 3, "the response and at least 2 notifications: {out}");
    assert!(ticks.windows(2).all(|w| w[0] <= w[1]) && ticks[0] < ticks[ticks.len() - 1], "{ticks:?}");
    assert!(out.elapsed >= Duration::from_millis(2900), "-s 3 observes for 3 s: {out}");

    let (sent, received) = (sent(&out), received(&out));
    let token = &sent[0].token;
    let notifications: Vec<&MessageBuf> =
        received.iter().filter(|m| m.message_type == MessageType::Confirmable && &m.token == token).collect();
    assert!(notifications.len() >= 2, "libcoap notifies with CON: {out}");
    let observe: Vec<u32> = notifications.iter().map(|m| m.uint_option(OptionNumber::OBSERVE).unwrap()).collect();
    assert!(observe.windows(2).all(|w| w[0] < w[1]), "Observe goes up: {observe:?}");
    every_con_acknowledged(&received, &sent);
    // RFC 7641 §3.6: the deregistration is a GET with Observe 1 and the registration's token.
    let last = sent.iter().rev().find(|m| m.code == Code::GET).unwrap();
    assert!(last.uint_option(OptionNumber::OBSERVE) == Some(1) && &last.token == token, "{out}");
    assert!(out.stderr_text().contains("(deregistered)"), "{out}");
    let log = server.log();
    assert!(log.lines().any(|l| l.starts_with("v:1 t:CON c:GET ") && l.contains("[ Observe:1, ")), "the server saw it");
}

#[test]
fn our_client_non_get_and_separate_response_from_libcoap_async() {
    let Some(server) = libcoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("libcoap coap-server", &log);

    let non = ours_ok(&["-v", "-N", &server.uri("/time")]);
    assert_eq!(non.stdout_text().trim_end().len(), 15, "{non}");
    let (out, back) = (sent(&non), received(&non));
    assert_eq!(out.len(), 1, "{non}");
    assert_eq!((out[0].message_type, out[0].code), (MessageType::NonConfirmable, Code::GET), "{non}");
    // RFC 7252 §5.2.3: a NON request gets a NON response, with the request's token.
    assert!(
        back.len() == 1
            && back[0].message_type == MessageType::NonConfirmable
            && back[0].code == Code::CONTENT
            && back[0].token == out[0].token,
        "{non}"
    );
    assert!(server.log().contains("t:NON c:GET"), "the server saw a NON GET");

    // `/async?1`: the empty ACK at once, a CON 2.05 "done" a second later, our empty ACK of it.
    let separate = ours_ok(&["-v", &server.uri("/async?1")]);
    assert_eq!(separate.stdout_text(), "done\n", "{separate}");
    assert!(separate.elapsed >= Duration::from_millis(900), "{separate}");
    let (out, back) = (sent(&separate), received(&separate));
    assert!(back.len() == 2, "{separate}");
    assert!(
        back[0].message_type == MessageType::Acknowledgement
            && back[0].code == Code::EMPTY
            && back[0].message_id == out[0].message_id,
        "the empty ACK first: {separate}"
    );
    assert!(
        back[1].message_type == MessageType::Confirmable
            && back[1].code == Code::CONTENT
            && back[1].token == out[0].token
            && back[1].payload == b"done",
        "then the separate response: {separate}"
    );
    assert_eq!(out.len(), 2, "the request and one ACK: {separate}");
    every_con_acknowledged(&back, &out);
}

// ---------------------------------------------------------------------------------------------
// 2. Our client against the aiocoap server.

#[test]
fn our_client_methods_non_and_separate_response_against_aiocoap() {
    let Some(server) = aiocoap_server_or_skip(&["--separate-delay", "1"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let uri = server.uri("/test");

    assert_eq!(ours_ok(&[&uri]).stdout_text(), "hello\n");
    let put = ours_ok(&["-v", "-m", "put", "-e", "21.5", "-t", "text", &uri]);
    assert!(put.stderr_text().contains("2.04 Changed") && put.stdout.is_empty(), "{put}");
    // POST: 2.01 with Location-Path location1/location2/location3 (in the hex trace; the client
    // prints no options).
    let post = ours_ok(&["-v", "-m", "post", "-t", "json", "-e", "{\"a\":1}", &uri]);
    assert!(post.stderr_text().contains("2.01 Created"), "{post}");
    let created = received(&post).pop().unwrap();
    let location: Vec<&[u8]> = created.options_of(OptionNumber::LOCATION_PATH).collect();
    assert_eq!(location, [&b"location1"[..], b"location2", b"location3"], "{post}");
    let delete = ours_ok(&["-v", "-m", "delete", &uri]);
    assert!(delete.stderr_text().contains("2.02 Deleted"), "{delete}");
    let non = ours_ok(&["-v", "-N", &uri]);
    assert_eq!(non.stdout_text(), "hello\n");
    assert_eq!(received(&non)[0].message_type, MessageType::NonConfirmable, "{non}");

    // aiocoap sends the empty ACK after 0.1 s, the response after the delay as a CON.
    let separate = ours_ok(&["-v", &server.uri("/separate")]);
    assert_eq!(separate.stdout_text(), "separate\n");
    assert!(separate.elapsed >= Duration::from_millis(950), "{separate}");
    let (out, back) = (sent(&separate), received(&separate));
    assert_eq!(out.len(), 2, "no retransmission after the empty ACK, then our ACK: {separate}");
    assert!(back.len() == 2 && back[0].code == Code::EMPTY && back[1].message_type == MessageType::Confirmable);
    every_con_acknowledged(&back, &out);

    let log = server.log();
    for line in [
        "request GET /test CON",
        "request PUT /test CON",
        "request POST /test CON",
        "request DELETE /test CON",
        "request GET /test NON",
        "request GET /separate CON",
    ] {
        assert!(log.contains(line), "{line}");
    }
    assert!(log.contains("cf=0 observe=- len=4 payload=b'21.5'"), "the PUT's payload and format");
    assert!(log.contains("cf=50 observe=- len=7 payload=b'{\"a\":1}'"), "the POST's");
}

#[test]
fn our_client_observes_aiocoap_obs_then_deregisters_and_notifications_stop() {
    let Some(server) = aiocoap_server_or_skip(&["--obs-interval", "0.3"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = ours_ok(&["-v", "-s", "2", &server.uri("/obs")]);
    let counts: Vec<u64> = out.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(counts.len() >= 3, "the response and at least 2 notifications: {out}");
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "the counter goes up: {counts:?}");
    assert!(out.stderr_text().contains("(deregistered)"), "{out}");
    every_con_acknowledged(&received(&out), &sent(&out));

    // The script saw the registration and the deregistration (Observe 1), with one token.
    let token = hex(&sent(&out)[0].token).replace(' ', "");
    let log = server.log();
    let line = |observe: &str| {
        log.lines()
            .find(|l| l.starts_with("request GET /obs CON") && l.contains(&format!("observe={observe} ")))
            .unwrap_or_else(|| panic!("no GET /obs with observe={observe}"))
            .to_owned()
    };
    let (register, deregister) = (line("0"), line("1"));
    assert!(register.contains(&format!("token={token} ")) && deregister.contains(&format!("token={token} ")));

    // No notification after the deregistration: aiocoap logs each message it sends
    // (`Sending message <... token 34d37a5d, CON, MID 0x9cb1>`); wait for a few intervals.
    thread::sleep(Duration::from_millis(1000));
    let mid: u16 = deregister.split(" mid=").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    let log = server.log();
    let incoming = format!("token {token}, CON, MID {mid:#x}>");
    let at = log.find(&incoming).unwrap_or_else(|| panic!("aiocoap's log of {incoming}"));
    let after: Vec<&str> = log[at..]
        .lines()
        .filter(|l| l.contains("Sending message") && l.contains(&format!("token {token}, CON")))
        .collect();
    assert!(after.is_empty(), "notifications after the deregistration: {after:?}");
}

// ---------------------------------------------------------------------------------------------
// 3. libcoap's client against our server.

#[test]
fn libcoap_client_methods_non_and_separate_response_on_our_test_resources() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = server.uri("/test");

    let get = libcoap(&[&uri]);
    assert!(get.stdout_text().starts_with("Type: 0 (CON)\nCode: 1 (GET)\nMID: "), "{get}");
    assert_eq!(get.stderr_text(), "", "{get}");
    for (method, code) in [("put", "2.04"), ("delete", "2.02")] {
        let out = libcoap(&["-v", "7", "-m", method, "-e", "x", &uri]);
        assert!(pdus(&out.stdout_text()).iter().any(|l| l.starts_with(&format!("v:1 t:ACK c:{code} "))), "{out}");
        assert_eq!(out.stderr_text(), "", "{out}");
    }
    let post = libcoap(&["-v", "7", "-m", "post", "-e", "x", &uri]);
    assert!(
        pdus(&post.stdout_text()).iter().any(|l| l.starts_with("v:1 t:ACK c:2.01 ")
            && l.contains("[ Location-Path:location1, Location-Path:location2, Location-Path:location3 ]")),
        "{post}"
    );
    // NON request, NON response (the describe text says what we received).
    let non = libcoap(&["-v", "7", "-N", &uri]);
    let text = non.stdout_text();
    assert!(pdus(&text).iter().any(|l| l.starts_with("v:1 t:NON c:2.05 ")), "{non}");
    assert!(text.contains("Type: 1 (NON)"), "{non}");

    // The empty ACK, then the CON response after the delay, then libcoap's ACK of it.
    let separate = libcoap(&["-v", "7", &server.uri("/separate")]);
    let text = separate.stdout_text();
    let pdus = pdus(&text);
    let empty_ack = pdus.iter().position(|l| l.starts_with("v:1 t:ACK c:0.00") && l.contains("{} [ ]"));
    let response = pdus.iter().position(|l| l.starts_with("v:1 t:CON c:2.05") && l.contains("Code: 1 (GET)"));
    assert!(matches!((empty_ack, response), (Some(a), Some(r)) if a < r), "empty ACK, then a CON response: {separate}");
    assert!(separate.elapsed >= Duration::from_millis(SEPARATE_DELAY_MS - 50), "{separate}");
    // libcoap acknowledged our CON response with an empty ACK of its Message ID.
    let mid = pdus[response.unwrap()].split(" i:").nth(1).unwrap().split(' ').next().unwrap();
    assert!(pdus.contains(&format!("v:1 t:ACK c:0.00 i:{mid} {{}} [ ]").as_str()), "{separate}");

    for line in [
        "CON GET /test -> 2.05 Content",
        "CON PUT /test -> 2.04 Changed",
        "CON POST /test -> 2.01 Created",
        "CON DELETE /test -> 2.02 Deleted",
        "NON GET /test -> 2.05 Content",
        "CON GET /separate -> 2.05 Content",
    ] {
        assert_eq!(server.requests(line), 1, "{line}");
    }
}

#[test]
fn libcoap_client_reads_our_paths_queries_and_well_known_core() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);

    let seg = libcoap(&[&server.uri("/seg1/seg2/seg3")]);
    assert!(seg.stdout_text().contains("Code: 1 (GET)"), "{seg}");
    let query = libcoap(&[&server.uri("/query?first=1&second=2")]);
    assert_eq!(query.stdout_text().trim_end(), "first=1&second=2", "{query}");

    let core = libcoap(&["-v", "7", &server.uri("/.well-known/core")]);
    let text = core.stdout_text();
    assert!(
        pdus(&text)
            .iter()
            .any(|l| l.starts_with("v:1 t:ACK c:2.05 ") && l.contains("[ Content-Format:application/link-format ]")),
        "{core}"
    );
    for link in ["</test>;rt=test;ct=0", "</obs>;rt=observe;if=sensor;obs;ct=0", "</seg1/seg2/seg3>", "</path/sub3>"] {
        assert!(text.contains(link), "{link}: {core}");
    }
    // RFC 6690 §4.1: a query filters the links.
    let typed = libcoap(&[&server.uri("/.well-known/core?rt=Type1")]);
    let links = typed.lines();
    let targets: Vec<&str> = links[0].split(',').map(|l| l.split(';').next().unwrap()).collect();
    assert_eq!(targets, ["</link1>", "</link3>"], "{typed}");

    let unknown = libcoap(&[&server.uri("/nothing/here")]);
    assert_eq!(unknown.stderr_text().trim_end(), "4.04", "no diagnostic payload: {unknown}");
    assert_eq!(server.requests("CON GET /seg1/seg2/seg3 -> 2.05 Content"), 1);
    assert_eq!(server.requests("CON GET /query -> 2.05 Content"), 1);
}

#[test]
fn libcoap_client_accept_if_none_match_and_etag_validation_on_our_server() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);

    // RFC 7252 §5.10.4: Accept picks the representation; none for JSON.
    let xml = libcoap(&["-A", "41", &server.uri("/multi-format")]);
    assert!(xml.stdout_text().starts_with("<msg>multi-format: "), "{xml}");
    let text = libcoap(&["-A", "0", &server.uri("/multi-format")]);
    assert!(text.stdout_text().starts_with("multi-format: "), "{text}");
    let json = libcoap(&["-A", "50", &server.uri("/multi-format")]);
    assert_eq!((json.stdout_text().as_str(), json.stderr_text().trim_end()), ("", "4.06"), "{json}");

    // RFC 7252 §5.10.8.2: If-None-Match (option 5) creates once.
    let create = |payload| libcoap(&["-v", "7", "-m", "put", "-O", "5", "-e", payload, &server.uri("/create1")]);
    let first = create("one");
    assert!(pdus(&first.stdout_text()).iter().any(|l| l.starts_with("v:1 t:ACK c:2.01 ")), "{first}");
    let second = create("two");
    assert_eq!(second.stderr_text().trim_end(), "4.12", "{second}");
    assert_eq!(libcoap(&[&server.uri("/create1")]).stdout_text().trim_end(), "one", "the first PUT's payload");

    // RFC 7252 §5.10.6: GET with the current ETag (option 4) gets 2.03 Valid, no payload.
    let get = libcoap(&["-v", "7", &server.uri("/validate")]);
    let text = get.stdout_text();
    let etag = text
        .lines()
        .find_map(|l| l.strip_prefix("v:1 t:ACK c:2.05 ")?.split("ETag:").nth(1)?.split([',', ' ']).next())
        .unwrap_or_else(|| panic!("an ETag: {get}"))
        .to_owned();
    assert!(etag.starts_with("0x"), "{etag}");
    let valid = libcoap(&["-v", "7", "-O", &format!("4,{etag}"), &server.uri("/validate")]);
    assert!(
        pdus(&valid.stdout_text()).iter().any(|l| l.starts_with("v:1 t:ACK c:2.03 ") && l.contains(&etag)),
        "{valid}"
    );
    // §5.10.8.1: PUT with If-Match (option 1) of the current ETag changes it; the old one then fails.
    let put = |payload| {
        libcoap(&["-v", "7", "-m", "put", "-O", &format!("1,{etag}"), "-e", payload, &server.uri("/validate")])
    };
    let changed = put("new");
    assert!(pdus(&changed.stdout_text()).iter().any(|l| l.starts_with("v:1 t:ACK c:2.04 ")), "{changed}");
    assert_eq!(put("newer").stderr_text().trim_end(), "4.12");
    assert_eq!(libcoap(&[&server.uri("/validate")]).stdout_text().trim_end(), "new");
}

#[test]
fn libcoap_client_observes_our_obs_and_deregisters() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = libcoap(&["-w", "-s", "3", &server.uri("/obs")]);
    let values: Vec<u64> = out.lines().iter().map(|l| l.parse().unwrap_or_else(|_| panic!("{out}"))).collect();
    assert!(values.len() >= 3, "the response and at least 2 notifications: {out}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}");
    assert!(out.elapsed >= Duration::from_millis(2500), "{out}");

    // libcoap sends its CON GET Observe 1 as it exits: our endpoint removes the observer and
    // the request reaches the server as a plain GET.
    assert!(logged(&log, "observer removed: Deregistered"), "deregistered");
    assert!(eventually(|| server.requests("CON GET /obs -> 2.05 Content") == 2), "registration and deregistration");
    // No notification after it (a line per tick with observers).
    thread::sleep(Duration::from_millis(3 * OBS_INTERVAL_MS));
    let log = server.log();
    let removed = log.find("observer removed").unwrap();
    assert!(log[..removed].contains("notified 1 observer(s) of /obs"), "{log}");
    assert!(!log[removed..].contains("notified"), "notifications after the deregistration");
}

// ---------------------------------------------------------------------------------------------
// 4. aiocoap's client and library against our server.

#[test]
fn aiocoap_client_methods_non_separate_and_well_known_core_on_our_server() {
    if aiocoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = server.uri("/test");

    // Independent requests, run side by side (each is a Python start-up).
    let runs: Vec<(&str, Vec<String>)> = vec![
        ("get", vec![uri.clone()]),
        ("put", vec!["-m".into(), "PUT".into(), "--payload".into(), "x".into(), uri.clone()]),
        ("post", vec!["-m".into(), "POST".into(), "--payload".into(), "x".into(), uri.clone()]),
        ("delete", vec!["-m".into(), "DELETE".into(), uri.clone()]),
        ("non", vec!["--non".into(), uri.clone()]),
        ("separate", vec![server.uri("/separate")]),
        ("core", vec![server.uri("/.well-known/core")]),
        ("missing", vec![server.uri("/nothing")]),
    ];
    let outs: Vec<(&str, ClientOutput)> = thread::scope(|s| {
        let handles: Vec<_> = runs
            .iter()
            .map(|(name, args)| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                (*name, s.spawn(move || aiocoap(&args)))
            })
            .collect();
        handles.into_iter().map(|(name, h)| (name, h.join().unwrap())).collect()
    });
    let out = |name: &str| outs.iter().find(|(n, _)| *n == name).map(|(_, o)| o).unwrap();

    let get = out("get");
    assert!(get.success() && get.stdout_text().starts_with("Type: 0 (CON)\nCode: 1 (GET)"), "{get}");
    for name in ["put", "delete"] {
        let o = out(name);
        assert!(o.success() && o.stdout.is_empty() && o.stderr.is_empty(), "{o}");
    }
    let post = out("post");
    assert!(post.success(), "{post}");
    assert_eq!(
        post.stderr_text().trim_end(),
        "Location options indicate new resource: /location1/location2/location3",
        "{post}"
    );
    let non = out("non");
    assert!(non.success() && non.stdout_text().starts_with("Type: 1 (NON)"), "{non}");
    let separate = out("separate");
    assert!(separate.success() && separate.stdout_text().contains("Code: 1 (GET)"), "{separate}");
    assert!(separate.elapsed >= Duration::from_millis(SEPARATE_DELAY_MS), "{separate}");
    let core = out("core");
    assert!(core.success() && core.stdout_text().contains("</obs>;rt=observe;if=sensor;obs;ct=0"), "{core}");
    let missing = out("missing");
    assert_eq!(missing.status.and_then(|s| s.code()), Some(1), "{missing}");
    assert_eq!(missing.stderr_text().trim_end(), "4.04 Not Found", "{missing}");

    for line in [
        "CON GET /test -> 2.05 Content",
        "CON PUT /test -> 2.04 Changed",
        "CON POST /test -> 2.01 Created",
        "CON DELETE /test -> 2.02 Deleted",
        "NON GET /test -> 2.05 Content",
        "CON GET /separate -> 2.05 Content",
        "CON GET /.well-known/core -> 2.05 Content",
    ] {
        assert_eq!(server.requests(line), 1, "{line}");
    }
}

#[test]
fn aiocoap_library_observes_our_obs() {
    let Some(python) = python_with_aiocoap_or_skip() else { return };
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let mut command = Command::new(python);
    command.args([OBSERVE_SCRIPT, &server.uri("/obs"), "--seconds", "2", "--linger", "0.5"]);
    let out = run_with_timeout(command.env("PYTHONUNBUFFERED", "1"), CLIENT).unwrap();
    assert!(out.success(), "{out}");
    // `response 2.05 Content ACK observe=1 payload=3`, `notification 2.05 Content NON observe=2
    // payload=4`, ...
    let lines = out.lines();
    let field = |line: &str, name: &str| -> u64 {
        line.split(' ').find_map(|f| f.strip_prefix(name)).and_then(|v| v.parse().ok()).unwrap()
    };
    assert!(lines[0].starts_with("response 2.05 Content ACK observe="), "{out}");
    let notifications: Vec<&String> = lines.iter().filter(|l| l.starts_with("notification ")).collect();
    assert!(notifications.len() >= 2, "{out}");
    for n in &notifications {
        assert!(n.starts_with("notification 2.05 Content NON "), "{out}");
    }
    let all: Vec<&String> = std::iter::once(&lines[0]).chain(notifications.iter().copied()).collect();
    let observe: Vec<u64> = all.iter().map(|l| field(l, "observe=")).collect();
    let values: Vec<u64> = all.iter().map(|l| field(l, "payload=")).collect();
    assert!(observe.windows(2).all(|w| w[0] < w[1]), "Observe goes up: {observe:?}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "the value goes up: {values:?}");
    assert!(lines.last().unwrap().starts_with("cancelled after "), "{out}");
    assert_eq!(server.requests("CON GET /obs -> 2.05 Content"), 1);
}

// ---------------------------------------------------------------------------------------------
// 5. Loss.

#[test]
fn libcoap_client_loses_its_first_request_and_our_server_processes_the_retransmission_once() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    // A PUT with If-None-Match: processed twice, the second would be 4.12.
    let out = libcoap(&["-v", "7", "-l", "1", "-m", "put", "-O", "5", "-e", "x", &server.uri("/create1")]);
    let text = out.stdout_text();
    assert!(text.contains("Packet 1 dropped") && text.contains("retransmission #1"), "{out}");
    assert!(pdus(&text).iter().any(|l| l.starts_with("v:1 t:ACK c:2.01 ")), "{out}");
    assert_eq!(out.stderr_text(), "", "{out}");
    // RFC 7252 §4.8: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5.
    assert!(out.elapsed >= Duration::from_millis(1900), "{out}");
    assert_eq!(server.requests("CON PUT /create1 -> 2.01 Created"), 1);
    assert!(!server.log().contains("PUT /create1 -> 4.12"));
}

#[test]
fn our_server_answers_libcoaps_retransmission_from_its_dedup_cache_byte_for_byte() {
    if libcoap_client_or_skip().is_none() {
        return;
    }
    let server = OurServer::start();
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    // The relay drops our server's first answer: libcoap retransmits the CON we answered.
    let proxy = LossyProxy::start(server.addr, &[], &[1]);
    let relayed = || proxy.describe();
    let _relay_guard = LogOnPanic("relay", &relayed);
    let out = libcoap(&["-v", "7", "-m", "put", "-O", "5", "-e", "x", &proxy.uri("/create1")]);
    let text = out.stdout_text();
    assert!(text.contains("retransmission #1"), "{out}");
    // RFC 7252 §4.5: the duplicate gets the first answer (2.01), not a second processing (4.12).
    assert!(pdus(&text).iter().any(|l| l.starts_with("v:1 t:ACK c:2.01 ")), "{out}");
    assert_eq!(out.stderr_text(), "", "{out}");

    let (requests, answers) = (proxy.to_server(), proxy.to_client());
    assert!(requests.len() >= 2 && requests.iter().all(|r| r.bytes == requests[0].bytes), "{}", proxy.describe());
    assert!(answers.len() == requests.len() && answers[0].dropped, "one answer per copy: {}", proxy.describe());
    assert!(answers.iter().all(|a| a.bytes == answers[0].bytes), "byte-identical answers: {}", proxy.describe());
    let ack = parse(&answers[0].bytes);
    assert_eq!((ack.message_type, ack.code), (MessageType::Acknowledgement, Code::CREATED));
    assert_eq!(ack.message_id, parse(&requests[0].bytes).message_id);
    // Processed once: one request line from the relay's address.
    let line = format!("{} CON PUT /create1 -> ", proxy.server_side);
    assert_eq!(server.log().matches(&line).count(), 1, "{line}");
    // The resource exists: another If-None-Match PUT (a new message) fails.
    assert_eq!(libcoap(&["-m", "put", "-O", "5", "-e", "y", &server.uri("/create1")]).stderr_text().trim_end(), "4.12");
}

#[test]
fn our_client_retransmits_when_libcoap_servers_answer_is_lost() {
    let Some(server) = libcoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("libcoap coap-server", &log);
    let proxy = LossyProxy::start(server.addr(), &[], &[1]);
    let relayed = || proxy.describe();
    let _relay_guard = LogOnPanic("relay", &relayed);
    let out = ours_ok(&["-v", &proxy.uri("/")]);
    assert!(out.stdout_text().starts_with("This is a test server made with libcoap"), "{out}");
    // The same CON twice (RFC 7252 §4.2: same Message ID), 2 to 3 s apart; one answer reached us.
    let copies = traced(&out, "-> ");
    assert!(copies.len() == 2 && copies[0] == copies[1], "{out}");
    assert_eq!(traced(&out, "<- ").len(), 1, "{out}");
    assert!(out.elapsed >= Duration::from_millis(1900), "{out}");
    assert_eq!(proxy.to_server().len(), 2, "{}", proxy.describe());
    let answers = proxy.to_client();
    assert!(answers.len() == 2 && answers[0].dropped && !answers[1].dropped, "{}", proxy.describe());
}

#[test]
fn our_client_retransmits_when_aiocoap_servers_answer_is_lost_and_aiocoap_processes_it_once() {
    let Some(server) = aiocoap_server_or_skip(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let proxy = LossyProxy::start(server.addr(), &[], &[1]);
    let relayed = || proxy.describe();
    let _relay_guard = LogOnPanic("relay", &relayed);
    let out = ours_ok(&["-v", "-m", "post", "-e", "x", &proxy.uri("/test")]);
    assert!(out.stderr_text().contains("2.01 Created"), "{out}");
    let copies = traced(&out, "-> ");
    assert!(copies.len() == 2 && copies[0] == copies[1], "{out}");
    assert_eq!(traced(&out, "<- ").len(), 1, "{out}");
    assert!(out.elapsed >= Duration::from_millis(1900), "{out}");
    // aiocoap deduplicates too: one POST reached the resource, and its answer was resent.
    assert_eq!(server.log().matches("request POST /test CON").count(), 1);
    let answers = proxy.to_client();
    assert!(answers.len() == 2 && answers[0].dropped && answers[0].bytes == answers[1].bytes, "{}", proxy.describe());
}
