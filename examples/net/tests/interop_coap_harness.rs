//! The CoAP interop harness (`net::coap_peers`) checked against the real peers talking to each
//! other, with no code of ours in between: libcoap's client against our aiocoap server script
//! (`tests/py/coap_server.py`), and aiocoap's client against libcoap's server. The CoAP interop
//! tests of our `coap-server` and `coap-client` build on what these show. A missing peer prints
//! `SKIP: ...` and passes outside CI, and fails in CI (`CI=true`).
//!
//! # What the clients print, and how their flags behave (libcoap 4.3.1, aiocoap 0.4.17)
//!
//! `coap-client-notls [flags] coap://127.0.0.1:<port>/<path>[?query]` (libcoap3-bin):
//! - `-m get|put|post|delete|fetch|patch|ipatch` method (default get); `-e TEXT` payload
//!   (percent-encoding for non-ASCII), `-f FILE` payload from a file (`-` for stdin); `-t TYPE`
//!   the payload's Content-Format, a number or a name (`-t 50` and `-t json` both send
//!   application/json); `-A TYPE` Accept; `-O NUM,TEXT` any option (`0x..` for hex);
//!   `-T HEX` the token; `-N` send NON (the response comes NON as well); `-b [NUM,]SIZE` Block2
//!   (GET) or Block1 (PUT/POST) size, a multiple of 16 up to 1024 (`-b 64`: Block2:0/_/64, each
//!   follow-up GET with a new token); `-s SECONDS` observe for that long, then deregister with a
//!   CON GET Observe:1 and exit at once, without waiting for its answer; `-B SECONDS` give up waiting after that long (default 90);
//!   `-w` print a newline after each body; `-o FILE` write bodies to a file; `-v N` log level
//!   (default 3; 7 = debug, one line per PDU).
//! - `-l LIST|LOSS%` drops the client's *own outgoing* datagrams, numbered from 1 (`-l 1`: the
//!   first CON is lost and retransmitted after ACK_TIMEOUT, 2 to 3 s; `-l 1,3-4`; `-l 30%`
//!   random). Surprise: at `-v 7` a dropped datagram still gets its `sent 13 bytes` and PDU line,
//!   after a `Packet 1 dropped` line; only the latter tells it never left.
//! - Output: a successful response's body goes to stdout raw, as it arrives, with nothing
//!   added (with `-w`, a newline after each body: one line per observe notification); when
//!   anything was printed, one more newline at exit (none with `-o`). So `-w` with a one-line
//!   body prints `hello\n\n`: compare trimmed, or the non-empty lines. A block-wise body is
//!   printed once, whole. An error response prints `<code>[ <diagnostic payload>]` to stderr
//!   (`4.04 Not Found` from libcoap's server, a bare `4.04` from aiocoap, which sends no
//!   diagnostic). The exit status is 0 after an error response, after `-B` ran out (`INFO
//!   timeout` in the log) and after ICMP port unreachable (a `WARN ... Connection refused` line
//!   on stdout): read the output, not the status.
//! - At `-v 7` the debug log goes to *stdout*, mixed with the body (the body comes right after
//!   `** process incoming 2.05 response:`, without a newline, so the next log line is glued to
//!   it); warnings and errors go to stderr. Each PDU is one line: `v:1 t:CON c:GET i:7fa8 {01}
//!   [ Uri-Port:56900, Uri-Path:separate ]`, `v:1 t:ACK c:0.00 i:7fa8 {} [ ]` (an empty ACK),
//!   `v:1 t:ACK c:2.05 i:d4d9 {01} [ ETag:0x01, Block2:0/M/64, Size2:1500 ] :: '<payload>'`
//!   (type, code, Message ID in hex, `{token}` in hex, the options, the payload with `\x0A` for
//!   a newline). An observe or NON request is logged twice, first after `PDU presented by app`.
//!   libcoap sends `Uri-Port` even for an IP literal (`-U` leaves Uri-Host/Uri-Port out).
//!
//! `aiocoap-client [flags] coap://127.0.0.1:<port>/<path>` (PyPI aiocoap):
//! - `-m METHOD` a name in any case or a number (`-m 3` is PUT); `--payload TEXT` (`@FILE` reads a
//!   file, `@-` stdin); `--content-format MIME|NUMBER` (`application/json`, `text/plain;charset=utf-8`
//!   or `0`; a bare `text/plain` is refused with "Unknown content format", exit 2; text and JSON
//!   payloads go as given, a CBOR format wants the payload in CBOR diagnostic notation and the
//!   cbor-diag module, else "CBOR recoding not available", exit 2: use `@FILE` for binary);
//!   `--accept MIME`;
//!   `--non` send NON; `--payload-initial-szx 0..6` the first Block1 size (16 << szx bytes);
//!   `-v` logs the request and response options to stderr (`INFO:coap.aiocoap-client:2.05 Content
//!   from coap://...`, `- Block2 (23): BlockwiseTuple(block_number=1, more=False,
//!   size_exponent=6)`, `Payload: 6131... (1500 bytes total)`), `-vvv` every message (`DEBUG:coap:
//!   Incoming message <aiocoap.Message: 2.05 Content from ..., token 7fec, NON, MID 0x609f>`).
//! - Output: a success's body goes to stdout raw, with no newline added (on a pipe); Location-Path
//!   goes to stderr as `Location options indicate new resource: /location1/location2/location3`;
//!   an error prints `4.04 Not Found` (code and name) and the diagnostic payload to stderr and
//!   exits 1. Block-wise responses are reassembled (the body is printed once).
//! - Surprise: `--observe` prints the first response and then nothing: the 0.4.17 CLI cancels
//!   the observation as soon as the first response is in, keeps ACKing the server's CON
//!   notifications, and runs until killed (aiocoap issue 395). Observe with libcoap's `-s`, or
//!   with the aiocoap library in a script (its `async for` over `request.observation` works).
//!   Its stdout is block-buffered on a pipe: `run_aiocoap_client` sets `PYTHONUNBUFFERED=1` so
//!   that a kill at the timeout keeps what it printed.
//!
//! The servers' resources are listed on `net::coap_peers::LibcoapServer` and `AiocoapServer`.
//! Two more things seen here: aiocoap sends the empty ACK of a slow request's CON after 0.1 s
//! (EMPTY_ACK_DELAY) and the response as a CON; libcoap's `/async?<n>` sends its empty ACK at
//! once. Both servers send observe notifications as CON (libcoap's `-N` makes them NON).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::time::{Duration, Instant};

use net::coap_peers::{
    aiocoap_client_or_skip, aiocoap_server_or_skip, libcoap_client_or_skip, libcoap_server_or_skip, run_aiocoap_client,
    run_libcoap_client, AiocoapServer, ClientOutput, LibcoapServer,
};

/// The hard bound on each client run; each libcoap client also gets `-B` (its own give-up
/// time) a little below it, so that it normally ends by itself.
const CLIENT: Duration = Duration::from_secs(20);
const GIVE_UP: &str = "15";

/// Prints a server's log when the test panics (the harness shows it with the failure).
struct LogOnPanic<'a>(&'static str, &'a dyn Fn() -> String);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- {} log ----\n{}", self.0, (self.1)());
        }
    }
}

/// Whether `needle` shows up in `log()` within 5 s.
fn logged(log: &dyn Fn() -> String, needle: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !log().contains(needle) {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn libcoap(args: &[&str]) -> ClientOutput {
    let args: Vec<&str> = ["-B", GIVE_UP].iter().chain(args).copied().collect();
    run_libcoap_client(&args, CLIENT).unwrap()
}

fn aiocoap(args: &[&str]) -> ClientOutput {
    run_aiocoap_client(args, CLIENT).unwrap()
}

/// The aiocoap server (with `args`) and libcoap's client, or `None` after a SKIP line.
#[track_caller]
fn aiocoap_server_and_libcoap_client(args: &[&str]) -> Option<AiocoapServer> {
    libcoap_client_or_skip()?;
    aiocoap_server_or_skip(args)
}

/// libcoap's server and aiocoap's client, or `None` after a SKIP line.
#[track_caller]
fn libcoap_server_and_aiocoap_client() -> Option<LibcoapServer> {
    aiocoap_client_or_skip()?;
    libcoap_server_or_skip(&[])
}

#[test]
fn libcoap_client_gets_hello_from_aiocoap_test() {
    let Some(server) = aiocoap_server_and_libcoap_client(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = libcoap(&[&server.uri("/test")]);
    assert!(out.success(), "{out}");
    // The body, then the newline libcoap adds at exit.
    assert_eq!(out.stdout_text(), "hello\n", "{out}");
    assert_eq!(out.stderr_text(), "", "{out}");
    assert!(server.log().contains("request GET /test CON"), "the server saw a CON GET");
}

#[test]
fn libcoap_client_methods_non_and_payload_against_aiocoap_test() {
    let Some(server) = aiocoap_server_and_libcoap_client(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let uri = server.uri("/test");

    // POST: 2.01 with Location-Path, which libcoap shows only in its debug log.
    let out = libcoap(&["-v", "7", "-m", "post", "-t", "json", "-e", "{\"a\":1}", &uri]);
    let text = out.stdout_text();
    assert!(text.contains("t:ACK c:2.01"), "{out}");
    assert!(text.contains("Location-Path:location1, Location-Path:location2, Location-Path:location3"), "{out}");
    // PUT 2.04 and DELETE 2.02: nothing on stdout or stderr.
    for (method, code) in [("put", "2.04"), ("delete", "2.02")] {
        let out = libcoap(&["-v", "7", "-m", method, "-e", "x", &uri]);
        assert!(out.stdout_text().contains(&format!("t:ACK c:{code}")), "{out}");
        assert_eq!(out.stderr_text(), "", "{out}");
    }
    // NON request, NON response.
    let out = libcoap(&["-v", "7", "-N", "-w", &uri]);
    assert!(out.stdout_text().contains("t:NON c:2.05"), "{out}");
    let log = server.log();
    assert!(
        log.contains("request POST /test CON") && log.contains("cf=50 observe=- len=7 payload=b'{\"a\":1}'"),
        "{log}"
    );
    assert!(log.contains("request GET /test NON"), "{log}");
}

#[test]
fn libcoap_client_error_response_goes_to_stderr_with_status_zero() {
    let Some(server) = aiocoap_server_and_libcoap_client(&[]) else { return };
    let out = libcoap(&[&server.uri("/nope")]);
    assert!(out.success(), "libcoap exits 0 after a 4.04: {out}");
    assert_eq!(out.stdout_text(), "", "{out}");
    assert_eq!(out.stderr_text().trim_end(), "4.04", "aiocoap sends no diagnostic payload: {out}");
}

#[test]
fn libcoap_client_observes_aiocoap_obs() {
    let Some(server) = aiocoap_server_and_libcoap_client(&["--obs-interval", "0.5"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    // `-w`: one line per body; the first is the registration's response, then notifications.
    let out = libcoap(&["-w", "-s", "3", &server.uri("/obs")]);
    let counts: Vec<u64> = out.lines().iter().map(|l| l.parse().unwrap()).collect();
    assert!(counts.len() >= 3, "the response and at least 2 notifications: {out}");
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "the counter goes up: {counts:?}");
    // Not a tight bound: libcoap counts the 3 s from its own start, with its own rounding.
    assert!(out.elapsed >= Duration::from_millis(2500), "-s 3 observes for 3 s: {out}");
    let log = server.log();
    assert!(log.contains("observe=0"), "registered: {log}");
    // The deregistration at the end: a CON GET with Observe 1, which libcoap sends as it exits,
    // without waiting for the answer; on a busy machine the server logs it a little later.
    assert!(logged(&|| server.log(), "observe=1"), "deregistered: {}", server.log());
}

#[test]
fn libcoap_client_gets_separate_response_from_aiocoap() {
    let Some(server) = aiocoap_server_and_libcoap_client(&["--separate-delay", "1"]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = libcoap(&["-v", "7", &server.uri("/separate")]);
    let text = out.stdout_text();
    let pdus: Vec<&str> = text.lines().filter(|l| l.starts_with("v:1 ")).collect();
    // The CON GET, the empty ACK, the CON response, libcoap's empty ACK of it.
    let empty_ack = pdus.iter().position(|l| l.starts_with("v:1 t:ACK c:0.00") && l.contains("{} [ ]"));
    let response = pdus.iter().position(|l| l.starts_with("v:1 t:CON c:2.05") && l.ends_with(":: 'separate'"));
    assert!(matches!((empty_ack, response), (Some(a), Some(r)) if a < r), "empty ACK, then a CON response: {out}");
    assert!(out.elapsed >= Duration::from_millis(900), "{out}");
}

#[test]
fn libcoap_client_gets_large_blockwise_from_aiocoap() {
    let Some(server) = aiocoap_server_and_libcoap_client(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = libcoap(&["-o", "-", &server.uri("/large")]);
    assert_eq!(out.stdout.len(), 2500, "the whole body once, no newline added with -o: {out}");
    assert!(out.stdout.starts_with(b"large 0000 abcdefghijklmnopqrstuvwxyz01\nlarge 0001 "), "{out}");
    let out = libcoap(&["-v", "7", "-b", "64", &server.uri("/large")]);
    let text = out.stdout_text();
    assert!(text.contains("Block2:0/_/64"), "{out}");
    assert!(text.contains("Block2:39/_/64"), "2500 bytes are 40 blocks of 64: {out}");
}

#[test]
fn libcoap_client_loss_drops_its_first_datagram_and_retransmits() {
    let Some(server) = aiocoap_server_and_libcoap_client(&[]) else { return };
    let log = || server.log();
    let _guard = LogOnPanic("aiocoap server", &log);
    let out = libcoap(&["-v", "7", "-w", "-l", "1", &server.uri("/test")]);
    let text = out.stdout_text();
    assert!(text.contains("Packet 1 dropped"), "{out}");
    assert!(text.contains("retransmission #1"), "{out}");
    assert!(text.contains("\nhello"), "{out}");
    // RFC 7252 §4.8: ACK_TIMEOUT 2 s, ACK_RANDOM_FACTOR 1.5.
    assert!(out.elapsed >= Duration::from_millis(1900), "{out}");
    assert_eq!(server.log().matches("request GET /test").count(), 1, "the dropped copy never arrived");
}

#[test]
fn aiocoap_client_gets_well_known_core_and_time_from_libcoap() {
    let Some(server) = libcoap_server_and_aiocoap_client() else { return };
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = aiocoap(&[&server.uri("/.well-known/core")]);
    assert!(out.success(), "{out}");
    let links = out.stdout_text();
    for link in ["</time>", "</async>", "</example_data>"] {
        assert!(links.contains(link), "{link} in {out}");
    }
    assert!(!links.ends_with('\n'), "no newline added: {out}");

    let out = aiocoap(&["--non", &server.uri("/time")]);
    assert!(out.success(), "{out}");
    // `Dec 06 02:37:48`.
    let time = out.stdout_text();
    assert_eq!(time.len(), 15, "{out}");
    assert_eq!(time.as_bytes()[12], b':', "{out}");
    assert!(server.log().contains("t:NON c:GET"), "the server saw a NON GET");
}

#[test]
fn aiocoap_client_puts_and_gets_blockwise_example_data_on_libcoap() {
    let Some(server) = libcoap_server_and_aiocoap_client() else { return };
    let log = || server.log();
    let _guard = LogOnPanic("coap-server", &log);
    let out = aiocoap(&["-v", &server.uri("/example_data")]);
    assert_eq!(out.stdout.len(), 1500, "{out}");
    assert!(out.stdout.starts_with(b"a123456789b123456789"), "{out}");
    assert!(out.stderr_text().contains("Size2 (28): 1500"), "{out}");

    let out = aiocoap(&[
        "-m",
        "PUT",
        "--content-format",
        "application/json",
        "--payload",
        "{\"a\": 2}",
        &server.uri("/example_data"),
    ]);
    assert!(out.success() && out.stdout.is_empty() && out.stderr.is_empty(), "{out}");
    let out = aiocoap(&[&server.uri("/example_data")]);
    assert_eq!(out.stdout_text(), "{\"a\": 2}", "{out}");
    assert!(server.log().contains("Content-Format:application/json"), "the PUT carried the format");
}

#[test]
fn aiocoap_client_error_response_exits_one() {
    let Some(server) = libcoap_server_and_aiocoap_client() else { return };
    let out = aiocoap(&[&server.uri("/nope")]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert_eq!(out.stdout_text(), "", "{out}");
    // The code, then libcoap's diagnostic payload.
    assert_eq!(out.stderr_text(), "4.04 Not Found\nNot Found", "{out}");
}
