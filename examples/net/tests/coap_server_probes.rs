//! The `coap-server` binary probed with raw datagrams from a std `UdpSocket`, byte by byte as
//! RFC 7252 and RFC 7641 prescribe, and the `coap-client` binary against it. Each test starts
//! its own server on a free loopback port (`--listen 127.0.0.1:0`, fast Observe changes) and
//! kills it on drop; every receive has a timeout and every process a time bound. CoAP over TCP
//! and WebSockets (RFC 8323) is probed in `coap_tcp.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

/// How long an answer may take.
const ANSWER: Duration = Duration::from_secs(3);
/// How long "no answer" is watched for.
const QUIET: Duration = Duration::from_millis(500);
/// The bound on each `coap-client` run.
const CLIENT: Duration = Duration::from_secs(15);

/// A running `coap-server`, killed on drop.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start() -> Self {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_coap-server"))
            .args(["--listen", "127.0.0.1:0", "--obs-interval-ms", "200", "--separate-delay-ms", "300"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start coap-server");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            // The first line to the test; the rest drained so the server never blocks on a pipe.
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let mut server = Self { child, addr: "0.0.0.0:0".parse().unwrap() };
        let line = rx.recv_timeout(Duration::from_secs(10)).expect("coap-server printed no listening line");
        let addr = line.strip_prefix("coap-server listening on udp://").unwrap_or_else(|| panic!("line {line:?}"));
        server.addr = addr.parse().unwrap();
        server
    }

    fn probe(&self) -> Probe {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        Probe { sock, server: self.addr }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw UDP peer of the server.
struct Probe {
    sock: UdpSocket,
    server: SocketAddr,
}

impl Probe {
    fn send(&self, datagram: &[u8]) {
        self.sock.send_to(datagram, self.server).unwrap();
    }

    /// The next datagram within `within`, if any.
    fn recv_within(&self, within: Duration) -> Option<Vec<u8>> {
        self.sock.set_read_timeout(Some(within)).unwrap();
        let mut buf = [0u8; 2048];
        match self.sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                assert_eq!(from, self.server);
                Some(buf[..n].to_vec())
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => None,
            Err(e) => panic!("recv: {e}"),
        }
    }

    fn recv(&self) -> Vec<u8> {
        self.recv_within(ANSWER).expect("no answer within 3 s")
    }

    fn assert_silence(&self, what: &str) {
        if let Some(d) = self.recv_within(QUIET) {
            panic!("{what}: expected silence, got {}", hex(&d));
        }
    }

    /// Sends `datagram` and returns the answer, checked.
    fn exchange(&self, datagram: &[u8]) -> Message<Vec<u8>> {
        self.send(datagram);
        Message::new_checked(self.recv()).unwrap()
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// A request datagram.
fn request(ty: MessageType, code: Code, mid: u16, token: &[u8], path: &str, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = MessageBuilder::<16>::new(ty, code, MessageId(mid));
    b.token(token).unwrap();
    b.path(path).unwrap();
    for (n, v) in options {
        b.option(OptionNumber(*n), v).unwrap();
    }
    let mut out = vec![0u8; 1024];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn get(mid: u16, token: &[u8], path: &str) -> Vec<u8> {
    request(MessageType::Confirmable, Code::GET, mid, token, path, &[])
}

#[test]
fn ping_gets_reset_with_the_same_message_id() {
    let s = Server::start();
    let p = s.probe();
    p.send(&[0x40, 0x00, 0x12, 0x34]);
    assert_eq!(p.recv(), [0x70, 0x00, 0x12, 0x34]);
}

#[test]
fn con_get_gets_piggybacked_content_and_a_duplicate_the_same_bytes() {
    let s = Server::start();
    let p = s.probe();
    let req = [0x42, 0x01, 0x00, 0x01, 0xAB, 0xCD, 0xB4, b't', b'e', b's', b't'];
    p.send(&req);
    let first = p.recv();
    let m = Message::new_checked(&first[..]).unwrap();
    assert_eq!(
        (m.message_type(), m.code(), m.message_id().0, m.token()),
        (MessageType::Acknowledgement, Code::CONTENT, 1, &[0xAB, 0xCD][..])
    );
    assert_eq!(m.uint_option(OptionNumber::CONTENT_FORMAT), Some(0));
    assert!(String::from_utf8_lossy(m.payload()).contains("Code: 1 (GET)"));
    // RFC 7252 §4.5: the duplicate gets the cached answer, byte for byte.
    p.send(&req);
    assert_eq!(hex(&p.recv()), hex(&first));
}

#[test]
fn non_get_with_no_response_gets_silence_and_without_it_a_non_response() {
    let s = Server::start();
    let p = s.probe();
    // No-Response (258) = 2: delta 247 from Uri-Path (11) = 13 + 234, length 1.
    p.send(&[0x52, 0x01, 0x00, 0x02, 0x11, 0x22, 0xB4, b't', b'e', b's', b't', 0xD1, 234, 0x02]);
    p.assert_silence("NON GET with No-Response 2 (RFC 7967)");
    let m = p.exchange(&[0x52, 0x01, 0x00, 0x03, 0x11, 0x23, 0xB4, b't', b'e', b's', b't']);
    assert_eq!(
        (m.message_type(), m.code(), m.token()),
        (MessageType::NonConfirmable, Code::CONTENT, &[0x11, 0x23][..])
    );
}

#[test]
fn unsolicited_con_response_gets_reset_and_unknown_ack_silence() {
    let s = Server::start();
    let p = s.probe();
    p.send(&[0x41, 0x45, 0x00, 0x0A, 0xAA]);
    assert_eq!(p.recv(), [0x70, 0x00, 0x00, 0x0A]);
    p.send(&[0x60, 0x00, 0x00, 0x0B]);
    p.assert_silence("ACK for an unknown message id");
    p.send(&[0x70, 0x00, 0x00, 0x0C]);
    p.assert_silence("RST for an unknown message id");
}

#[test]
fn format_errors_get_silence_or_reset() {
    let s = Server::start();
    let p = s.probe();
    p.send(&[0x40]);
    p.assert_silence("1-byte datagram");
    p.send(&[0x40, 0x01, 0x12]);
    p.assert_silence("3-byte datagram");
    p.send(&[0x80, 0x01, 0x12, 0x34]);
    p.assert_silence("version 2");
    // RFC 7252 §4.2: a CON with a truncated option (Uri-Path of length 5, 1 byte there): RST.
    p.send(&[0x40, 0x01, 0x00, 0x07, 0xB5, b'a']);
    assert_eq!(p.recv(), [0x70, 0x00, 0x00, 0x07]);
    // The same as a NON: silence (§4.3).
    p.send(&[0x50, 0x01, 0x00, 0x08, 0xB5, b'a']);
    p.assert_silence("NON with a truncated option");
}

#[test]
fn unknown_critical_option_gets_bad_option() {
    let s = Server::start();
    let p = s.probe();
    // Option 65001 (odd: critical, unregistered) with a 2-byte extended delta.
    let d = 65001u16 - 269;
    let m = p.exchange(&[0x41, 0x01, 0x00, 0x21, 0x77, 0xE0, (d >> 8) as u8, d as u8]);
    assert_eq!(
        (m.message_type(), m.code(), m.message_id().0, m.token()),
        (MessageType::Acknowledgement, Code::BAD_OPTION, 0x21, &[0x77][..])
    );
}

#[test]
fn unknown_path_is_not_found_and_unknown_method_not_allowed() {
    let s = Server::start();
    let p = s.probe();
    assert_eq!(p.exchange(&get(0x31, b"a", "nothing/here")).code(), Code::NOT_FOUND);
    let fetch = request(MessageType::Confirmable, Code::FETCH, 0x32, b"b", "test", &[]);
    assert_eq!(p.exchange(&fetch).code(), Code::METHOD_NOT_ALLOWED);
    let post = request(MessageType::Confirmable, Code::POST, 0x33, b"c", "seg1/seg2/seg3", &[]);
    assert_eq!(p.exchange(&post).code(), Code::METHOD_NOT_ALLOWED);
}

#[test]
fn separate_response_after_an_empty_ack_and_no_retransmission_once_acknowledged() {
    let s = Server::start();
    let p = s.probe();
    p.send(&get(0x30, &[0x5E, 0x9A], "separate"));
    assert_eq!(p.recv(), [0x60, 0x00, 0x00, 0x30], "the empty ACK first");
    let late = p.recv();
    let m = Message::new_checked(&late[..]).unwrap();
    assert_eq!((m.message_type(), m.code(), m.token()), (MessageType::Confirmable, Code::CONTENT, &[0x5E, 0x9A][..]));
    let [hi, lo] = m.message_id().0.to_be_bytes();
    p.send(&[0x60, 0x00, hi, lo]);
    // ACK_TIMEOUT × ACK_RANDOM_FACTOR is at most 3 s: a retransmission would come by then.
    if let Some(d) = p.recv_within(Duration::from_millis(3300)) {
        panic!("retransmitted after our ACK: {}", hex(&d));
    }
}

#[test]
fn observe_registration_notifications_and_reset_ends_them() {
    let s = Server::start();
    let p = s.probe();
    let token = [0x0B, 0xB0];
    let first = p.exchange(&request(MessageType::Confirmable, Code::GET, 0x40, &token, "obs", &[(6, &[])]));
    assert_eq!(
        (first.message_type(), first.code(), first.token()),
        (MessageType::Acknowledgement, Code::CONTENT, &token[..])
    );
    let mut last = first.uint_option(OptionNumber::OBSERVE).expect("the response carries Observe (RFC 7641 §4.1)");
    // At least two notifications with increasing Observe values within 2 s (one every 200 ms).
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut seen = Vec::new();
    while seen.len() < 2 {
        let left = deadline.saturating_duration_since(Instant::now());
        let d = p.recv_within(left).unwrap_or_else(|| panic!("only {} notifications within 2 s", seen.len()));
        let n = Message::new_checked(d).unwrap();
        assert_eq!((n.message_type(), n.code(), n.token()), (MessageType::NonConfirmable, Code::CONTENT, &token[..]));
        let v = n.uint_option(OptionNumber::OBSERVE).unwrap();
        assert!(v > last, "Observe {v} after {last}");
        last = v;
        seen.push(n);
    }
    // RFC 7641 §3.6: RST to a notification ends the observation. One may have crossed our RST
    // on the way; it gets an RST too.
    let mut mid = seen.last().unwrap().message_id().0;
    for crossed in 0..3 {
        let [hi, lo] = mid.to_be_bytes();
        p.send(&[0x70, 0x00, hi, lo]);
        match p.recv_within(Duration::from_millis(700)) {
            None => return,
            Some(d) => {
                assert!(crossed < 2, "notifications continue after RST: {}", hex(&d));
                mid = Message::new_checked(d).unwrap().message_id().0;
            }
        }
    }
    panic!("notifications continue after RST");
}

#[test]
fn validate_etag_gets_valid_and_create1_if_none_match_creates_once() {
    let s = Server::start();
    let p = s.probe();
    let r = p.exchange(&get(0x50, b"v", "validate"));
    assert_eq!(r.code(), Code::CONTENT);
    let etag = r.option(OptionNumber::ETAG).unwrap().to_vec();
    let r = p.exchange(&request(MessageType::Confirmable, Code::GET, 0x51, b"v", "validate", &[(4, &etag)]));
    assert_eq!((r.code(), r.option(OptionNumber::ETAG)), (Code::VALID, Some(&etag[..])));
    let put =
        |mid, if_match: &[u8]| request(MessageType::Confirmable, Code::PUT, mid, b"w", "validate", &[(1, if_match)]);
    assert_eq!(p.exchange(&put(0x52, &etag)).code(), Code::CHANGED);
    assert_eq!(p.exchange(&put(0x53, &etag)).code(), Code::PRECONDITION_FAILED, "the ETag changed");

    let create = |mid| request(MessageType::Confirmable, Code::PUT, mid, b"c", "create1", &[(5, &[])]);
    assert_eq!(p.exchange(&create(0x60)).code(), Code::CREATED);
    assert_eq!(p.exchange(&create(0x61)).code(), Code::PRECONDITION_FAILED);
    let delete = request(MessageType::Confirmable, Code::DELETE, 0x62, b"c", "create1", &[]);
    assert_eq!(p.exchange(&delete).code(), Code::DELETED);
    assert_eq!(p.exchange(&create(0x63)).code(), Code::CREATED);
}

#[test]
fn multi_format_honours_accept() {
    let s = Server::start();
    let p = s.probe();
    let accept = |mid, f: &[u8]| request(MessageType::Confirmable, Code::GET, mid, b"m", "multi-format", &[(17, f)]);
    let xml = p.exchange(&accept(0x70, &[41]));
    assert_eq!((xml.code(), xml.uint_option(OptionNumber::CONTENT_FORMAT)), (Code::CONTENT, Some(41)));
    let text = p.exchange(&accept(0x71, &[]));
    assert_eq!((text.code(), text.uint_option(OptionNumber::CONTENT_FORMAT)), (Code::CONTENT, Some(0)));
    assert_eq!(p.exchange(&accept(0x72, &[50])).code(), Code::NOT_ACCEPTABLE);
}

// ---------------------------------------------------------------------------------------------
// The coap-client binary against the server.

/// What a finished `coap-client` left.
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `coap-client` with `args`, killed after [`CLIENT`].
fn client(args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_coap-client"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start coap-client");
    let read = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + CLIENT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("coap-client {args:?} ran longer than {CLIENT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output { code: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn ok(args: &[&str]) -> Output {
    let o = client(args);
    assert_eq!(o.code, Some(0), "coap-client {args:?}: stdout {:?}, stderr {:?}", o.stdout, o.stderr);
    o
}

#[test]
fn client_get_put_post_delete_and_non_against_our_server() {
    let s = Server::start();
    let uri = format!("coap://{}/test", s.addr);
    let get = ok(&[&uri]);
    assert!(get.stdout.contains("Type: 0 (CON)\nCode: 1 (GET)"), "{:?}", get.stdout);
    let put = ok(&["-m", "put", "-e", "21.5", "-t", "text", "-v", &uri]);
    assert!(put.stderr.contains("2.04 Changed"), "{:?}", put.stderr);
    assert!(put.stderr.lines().any(|l| l.starts_with("-> 4")), "hex of the CON sent: {:?}", put.stderr);
    assert!(put.stderr.lines().any(|l| l.starts_with("<- 6")), "hex of the ACK received: {:?}", put.stderr);
    let post = ok(&["-m", "post", "-v", &uri]);
    assert!(post.stderr.contains("2.01 Created"), "{:?}", post.stderr);
    let delete = ok(&["-m", "delete", "-v", &uri]);
    assert!(delete.stderr.contains("2.02 Deleted"), "{:?}", delete.stderr);
    let non = ok(&["-N", &uri]);
    assert!(non.stdout.contains("Type: 1 (NON)"), "{:?}", non.stdout);
    let query = ok(&[&format!("coap://{}/query?first=1&second=2", s.addr)]);
    assert_eq!(query.stdout, "first=1&second=2\n");
    let separate = ok(&[&format!("coap://{}/separate", s.addr)]);
    assert!(separate.stdout.contains("Code: 1 (GET)"), "{:?}", separate.stdout);
}

#[test]
fn client_observes_obs_for_one_second() {
    let s = Server::start();
    let started = Instant::now();
    let o = ok(&["-s", "1", &format!("coap://{}/obs", s.addr)]);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let values: Vec<u64> = o.stdout.lines().map(|l| l.parse().unwrap()).collect();
    assert!(values.len() >= 3, "the first response and notifications every 200 ms: {values:?}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}");
}

#[test]
fn client_reports_errors_and_timeouts() {
    let s = Server::start();
    let nf = client(&[&format!("coap://{}/nothing", s.addr)]);
    assert_eq!(nf.code, Some(1));
    assert!(nf.stderr.contains("4.04 Not Found"), "{:?}", nf.stderr);
    // A socket that never answers: -B 1 gives up after a second.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let started = Instant::now();
    let t = client(&["-B", "1", &format!("coap://{}/test", silent.local_addr().unwrap())]);
    assert_eq!(t.code, Some(1));
    assert!(t.stderr.contains("timed out"), "{:?}", t.stderr);
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn well_known_core_lists_resources_and_filters_by_query() {
    let s = Server::start();
    let all = ok(&[&format!("coap://{}/.well-known/core", s.addr)]);
    for link in ["</test>", "</separate>", "</obs>;rt=observe;if=sensor;obs", "</path/sub3>;ct=0"] {
        assert!(all.stdout.contains(link), "{link} in {:?}", all.stdout);
    }
    let typed = ok(&[&format!("coap://{}/.well-known/core?rt=Type1", s.addr)]);
    let targets: Vec<&str> = typed.stdout.trim_end().split(',').map(|l| l.split(';').next().unwrap()).collect();
    assert_eq!(targets, ["</link1>", "</link3>"]);
    let prefix = ok(&[&format!("coap://{}/.well-known/core?href=/path*", s.addr)]);
    assert_eq!(prefix.stdout.trim_end().split(',').count(), 4, "{:?}", prefix.stdout);
}

#[test]
fn server_refuses_dtls_listen_addresses() {
    // CoAP over TCP and WebSockets is tests/coap_tcp.rs; DTLS is not supported.
    let out = Command::new(env!("CARGO_BIN_EXE_coap-server"))
        .args(["--listen", "coaps://127.0.0.1:0"])
        .output()
        .expect("run coap-server");
    assert_eq!(out.status.code(), Some(2), "a bad argument");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("DTLS is not supported"), "{stderr}");
}

#[test]
fn deleting_an_observed_resource_sends_not_found_and_ends_the_observation() {
    let s = Server::start();
    let observer = s.probe();
    let token = [0x0D, 0xE1];
    let first = observer.exchange(&request(MessageType::Confirmable, Code::GET, 0x80, &token, "obs-non", &[(6, &[])]));
    assert!(first.option(OptionNumber::OBSERVE).is_some());
    let other = s.probe();
    let delete = request(MessageType::Confirmable, Code::DELETE, 0x81, b"d", "obs-non", &[]);
    assert_eq!(other.exchange(&delete).code(), Code::DELETED);
    // RFC 7641 §4.2: the observer hears 4.04 (after any notification already on its way).
    let deadline = Instant::now() + ANSWER;
    loop {
        let d = observer.recv_within(deadline.saturating_duration_since(Instant::now())).expect("no 4.04 notification");
        let n = Message::new_checked(d).unwrap();
        assert_eq!(n.token(), token);
        if n.code() == Code::NOT_FOUND {
            break;
        }
        assert_eq!(n.code(), Code::CONTENT);
    }
    let put = request(MessageType::Confirmable, Code::PUT, 0x82, b"p", "obs-non", &[]);
    assert_eq!(other.exchange(&put).code(), Code::CREATED);
    if let Some(d) = observer.recv_within(Duration::from_millis(700)) {
        panic!("the observation should be over: {}", hex(&d));
    }
}

#[test]
fn client_rejects_a_response_with_an_unrecognised_critical_option() {
    // A fake server: answers every transmission with a piggybacked 2.05 carrying option 65001.
    // RFC 7252 §5.4.1, §4.2: the client rejects (ignores) such an ACK, so it keeps retransmitting
    // and gives up; the payload never reaches the application.
    let fake = UdpSocket::bind("127.0.0.1:0").unwrap();
    fake.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let addr = fake.local_addr().unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop2 = stop.clone();
    let answer = std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        let mut answered = 0;
        while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
            let Ok((n, from)) = fake.recv_from(&mut buf) else { continue };
            let req = Message::new_checked(&buf[..n]).unwrap();
            let d = 65001u16 - 269;
            let [hi, lo] = req.message_id().0.to_be_bytes();
            let mut ack = vec![0x60 | req.token().len() as u8, 0x45, hi, lo];
            ack.extend_from_slice(req.token());
            ack.extend_from_slice(&[0xE0, (d >> 8) as u8, d as u8, 0xFF, b'h', b'i']);
            fake.send_to(&ack, from).unwrap();
            answered += 1;
        }
        answered
    });
    let o = client(&["-B", "4", &format!("coap://{addr}/x")]);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answered = answer.join().unwrap();
    assert!(answered >= 2, "the client retransmitted after the rejected ACK ({answered} answers)");
    assert_eq!(o.code, Some(1));
    assert_eq!(o.stdout, "");
    assert!(o.stderr.contains("timed out"), "{:?}", o.stderr);
}
