//! CoAP over TCP and WebSockets (RFC 8323) in the `coap-server` and `coap-client` binaries: our
//! client against our server on `coap+tcp://` and `coap+ws://` (the methods, a late response,
//! Observe), raw TCP probes byte by byte (CSM first both ways, an Abort for a first message that
//! is not a CSM, Ping and Pong), the WebSocket handshake's path and subprotocol (§4.1), and
//! observers on one transport hearing of changes made over another, each on its own session.
//! Each test starts its own server on free loopback ports (`--listen` once per transport) and
//! kills it on drop; every read has a timeout and every process a bound.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod coap_common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use coap_codec::wire::{tcp, Block, Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use coap_common::{ours, ours_ok, pattern, received, sent, LogOnPanic, OurServer, TempFile};

/// How long an answer may take.
const ANSWER: Duration = Duration::from_secs(3);

/// The CSM both our ends send (RFC 8323 §5.3): Len 4, TKL 0, code 7.01; Max-Message-Size
/// (option 2, 2 bytes) 16,640 = 16 KiB of BERT payload + 256; Block-Wise-Transfer (option 4,
/// empty, §5.3.2).
const CSM: [u8; 6] = [0x40, 0xE1, 0x22, 0x41, 0x00, 0x20];

/// The same CSM in WebSocket framing (RFC 8323 §4.2: no Len nibble).
const WS_CSM: [u8; 6] = [0x00, 0xE1, 0x22, 0x41, 0x00, 0x20];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Our client against our server.

/// GET, PUT, POST, DELETE, a query, a late response and a 4.04 over `scheme`.
fn methods_over(scheme: &str) {
    let s = OurServer::start(&["--separate-delay-ms", "300"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let label = if scheme == "coap+tcp" { "TCP" } else { "WS" };
    let uri = s.uri(scheme, "/test");

    let get = ours_ok(&["-v", &uri]);
    // Over TCP and WebSockets a request has no type or message id (RFC 8323 §3.2).
    assert!(get.stdout_text().contains("Type: 0 (CON)\nCode: 1 (GET)\nMID: 0\n"), "{get}");
    // RFC 8323 §3.3: each side's CSM comes first.
    let csm = if scheme == "coap+tcp" { &CSM[..] } else { &WS_CSM[..] };
    assert_eq!(sent(&get).first().map(Vec::as_slice), Some(csm), "{get}");
    assert_eq!(received(&get).first().map(Vec::as_slice), Some(csm), "{get}");
    assert!(get.stderr_text().contains("2.05 Content"), "{get}");
    for (method, code) in [("put", "2.04 Changed"), ("post", "2.01 Created"), ("delete", "2.02 Deleted")] {
        let out = ours_ok(&["-m", method, "-e", "21.5", "-t", "text", "-v", &uri]);
        assert!(out.stderr_text().contains(code), "{out}");
        assert!(s.logged(&format!("{label} {} /test -> {code}", method.to_uppercase())), "{out}");
    }
    let query = ours_ok(&[&s.uri(scheme, "/query?first=1&second=2")]);
    assert_eq!(query.stdout_text(), "first=1&second=2\n");
    let started = Instant::now();
    let separate = ours_ok(&[&s.uri(scheme, "/separate")]);
    assert!(separate.stdout_text().contains("Code: 1 (GET)"), "{separate}");
    assert!(started.elapsed() >= Duration::from_millis(300), "the response came after the delay: {separate}");
    let nf = ours(&[&s.uri(scheme, "/nothing")]);
    assert_eq!(nf.status.and_then(|s| s.code()), Some(1), "{nf}");
    assert!(nf.stderr_text().contains("4.04 Not Found"), "{nf}");
    // Every connection is its own session, closed by the client when it is done.
    assert!(s.logged(&format!("{label} connection closed: transport closed")), "closed");
}

#[test]
fn client_methods_over_tcp_against_our_server() {
    methods_over("coap+tcp");
}

#[test]
fn client_methods_over_websockets_against_our_server() {
    methods_over("coap+ws");
}

/// `-s 1 /obs` over `scheme`: the response, notifications every 200 ms, then the
/// deregistration (RFC 8323 §7.4: explicit, with a GET with Observe 1).
fn observe_over(scheme: &str) {
    let s = OurServer::start(&["--obs-interval-ms", "200"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let started = Instant::now();
    let out = ours_ok(&["-s", "1", &s.uri(scheme, "/obs")]);
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
    let values: Vec<u64> = out.stdout_text().lines().map(|l| l.parse().unwrap()).collect();
    assert!(values.len() >= 3, "the first response and notifications every 200 ms: {values:?}");
    assert!(values.windows(2).all(|w| w[0] < w[1]), "increasing: {values:?}");
    assert!(s.logged("observer removed: Deregistered"), "deregistered");
}

#[test]
fn client_observes_obs_over_tcp() {
    observe_over("coap+tcp");
}

#[test]
fn client_observes_obs_over_websockets() {
    observe_over("coap+ws");
}

#[test]
fn server_refuses_tls_and_client_refuses_coaps() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_coap-server"))
        .args(["--listen", "coaps+tcp://127.0.0.1:0"])
        .output()
        .expect("run coap-server");
    assert_eq!(out.status.code(), Some(2), "a bad argument");
    assert!(String::from_utf8_lossy(&out.stderr).contains("TLS is not supported"), "{out:?}");
    let out = ours(&["coaps+tcp://127.0.0.1:1/test"]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(out.stderr_text().contains("not supported"), "{out}");
}

#[test]
fn client_reports_a_refused_connection() {
    // A port nobody listens on (bound and dropped).
    let addr = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let out = ours(&[&format!("coap+tcp://{addr}/test")]);
    assert_eq!(out.status.and_then(|s| s.code()), Some(1), "{out}");
    assert!(out.stderr_text().contains("refused"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// Raw TCP probes.

/// A raw TCP peer of the server.
struct Probe {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Probe {
    fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).unwrap();
        stream.set_read_timeout(Some(ANSWER)).unwrap();
        Self { stream, buf: Vec::new() }
    }

    fn send(&mut self, frame: &[u8]) {
        self.stream.write_all(frame).unwrap();
    }

    /// The next whole frame, as bytes; `None` at the end of the stream.
    fn frame(&mut self) -> Option<Vec<u8>> {
        let deadline = Instant::now() + ANSWER;
        loop {
            if let tcp::Status::Complete { consumed, .. } = tcp::decode_frame(&self.buf).unwrap() {
                return Some(self.buf.drain(..consumed).collect());
            }
            assert!(Instant::now() < deadline, "no whole frame within {ANSWER:?}: {}", hex(&self.buf));
            let mut chunk = [0u8; 2048];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    assert!(self.buf.is_empty(), "the stream ended in a frame: {}", hex(&self.buf));
                    return None;
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("read: {e}"),
            }
        }
    }

    fn expect_frame(&mut self) -> Vec<u8> {
        self.frame().expect("the server closed the connection")
    }
}

/// A request frame (RFC 8323 §3.2).
fn request(code: Code, token: &[u8], path: &str, options: &[(u16, &[u8])]) -> Vec<u8> {
    let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, code, MessageId(0));
    b.token(token).unwrap().path(path).unwrap();
    for (n, v) in options {
        b.option(OptionNumber(*n), v).unwrap();
    }
    let mut out = vec![0u8; 256];
    let n = tcp::encode(&b, &mut out).unwrap();
    out.truncate(n);
    out
}

/// The code, token, an option's value and the payload of a frame.
fn parts(frame: &[u8], option: u16) -> (Code, Vec<u8>, Option<Vec<u8>>, Vec<u8>) {
    let tcp::Status::Complete { item, .. } = tcp::decode_frame(frame).unwrap() else { panic!("{}", hex(frame)) };
    let value = item.options().find(|o| o.number.0 == option).map(|o| o.value.to_vec());
    (item.code(), item.token().to_vec(), value, item.payload().to_vec())
}

#[test]
fn raw_tcp_csm_then_get_gets_the_servers_csm_and_content() {
    let s = OurServer::start(&[]);
    let mut p = Probe::connect(s.tcp);
    // Our CSM, then a GET right behind it, without waiting for the server's (§3.3 allows it).
    let mut bytes = CSM.to_vec();
    bytes.extend(request(Code::GET, &[0xC0, 0xA9], "test", &[]));
    p.send(&bytes);
    assert_eq!(p.expect_frame(), CSM, "the server's CSM first (RFC 8323 §3.3)");
    let (code, token, format, payload) = parts(&p.expect_frame(), OptionNumber::CONTENT_FORMAT.0);
    assert_eq!((code, &token[..], format.as_deref()), (Code::CONTENT, &[0xC0, 0xA9][..], Some(&[][..])));
    assert!(String::from_utf8_lossy(&payload).contains("Code: 1 (GET)"), "{}", String::from_utf8_lossy(&payload));
    // A frame split across two writes is reassembled.
    let get = request(Code::GET, &[0x01], "query", &[(15, b"x=1")]);
    p.send(&get[..3]);
    std::thread::sleep(Duration::from_millis(100));
    p.send(&get[3..]);
    let (code, token, _, payload) = parts(&p.expect_frame(), 0);
    assert_eq!((code, &token[..], &payload[..]), (Code::CONTENT, &[0x01][..], &b"x=1"[..]));
}

#[test]
fn raw_tcp_first_message_not_a_csm_gets_an_abort_and_the_end() {
    let s = OurServer::start(&[]);
    let mut p = Probe::connect(s.tcp);
    p.send(&request(Code::GET, &[0x77], "test", &[]));
    assert_eq!(p.expect_frame(), CSM, "the server's CSM, sent at once");
    let abort = p.expect_frame();
    let (code, _, _, diagnostic) = parts(&abort, 0);
    assert_eq!(code, Code::ABORT, "7.05 Abort (RFC 8323 §3.3, §5.6): {}", hex(&abort));
    assert!(String::from_utf8_lossy(&diagnostic).contains("CSM"), "{}", String::from_utf8_lossy(&diagnostic));
    assert_eq!(p.frame(), None, "then the server closes the connection");
    assert!(s.logged("TCP connection closed: the peer's first message was not a CSM (RFC 8323 §3.3)"), "{}", s.log());
}

#[test]
fn raw_tcp_ping_gets_pong_with_its_token_and_custody() {
    let s = OurServer::start(&[]);
    let mut p = Probe::connect(s.tcp);
    p.send(&CSM);
    assert_eq!(p.expect_frame(), CSM);
    // 7.02 Ping with a 2-byte token: Len 0, TKL 2 (RFC 8323 §5.4).
    p.send(&[0x02, 0xE2, 0x9A, 0x9B]);
    assert_eq!(p.expect_frame(), [0x02, 0xE3, 0x9A, 0x9B], "7.03 Pong with the Ping's token");
    // With Custody (option 2, empty): the Pong carries it too (§5.4.1).
    p.send(&[0x11, 0xE2, 0x5C, 0x20]);
    assert_eq!(p.expect_frame(), [0x11, 0xE3, 0x5C, 0x20], "Pong with Custody");
}

#[test]
fn raw_tcp_pipelined_requests_are_all_answered_in_order() {
    // 3000 GETs written in one go by a thread while nothing is read for a while: the server
    // reads what its buffer holds, answers, and stops reading while its answers wait for us
    // (the driver's outbox bound and the kernel's buffers), then goes on as we read.
    const N: u16 = 3000;
    let s = OurServer::start(&[]);
    let mut p = Probe::connect(s.tcp);
    let mut writer = p.stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let mut bytes = CSM.to_vec();
        for i in 0..N {
            bytes.extend(request(Code::GET, &i.to_be_bytes(), "test", &[]));
        }
        writer.write_all(&bytes).unwrap();
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(p.expect_frame(), CSM);
    for i in 0..N {
        let (code, token, _, _) = parts(&p.expect_frame(), 0);
        assert_eq!((code, &token[..]), (Code::CONTENT, &i.to_be_bytes()[..]), "answer {i}");
    }
    sender.join().unwrap();
}

// ---------------------------------------------------------------------------------------------
// WebSocket handshake.

#[test]
fn websocket_handshake_needs_the_well_known_path_and_the_coap_subprotocol() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::http::HeaderValue;
    use tokio_tungstenite::tungstenite::Error;

    let s = OurServer::start(&[]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let handshake = |path: &str, subprotocol: Option<&'static str>| {
            let mut request = format!("ws://{}{path}", s.ws).into_client_request().unwrap();
            if let Some(p) = subprotocol {
                request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(p));
            }
            let addr = s.ws;
            async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                let bounded = tokio::time::timeout(ANSWER, tokio_tungstenite::client_async(request, stream));
                bounded.await.expect("handshake within 3 s")
            }
        };
        let status = |r: Result<_, Error>| match r {
            Err(Error::Http(response)) => response.status().as_u16(),
            Err(e) => panic!("{e}"),
            Ok(_) => 101,
        };
        assert_eq!(status(handshake("/", Some("coap")).await), 404, "RFC 8323 §8.3: /.well-known/coap");
        assert_eq!(status(handshake("/.well-known/coap", None).await), 400, "RFC 8323 §4.1: coap must be offered");
        let (_ws, response) = handshake("/.well-known/coap", Some("chat, coap")).await.unwrap();
        assert_eq!(response.headers().get("Sec-WebSocket-Protocol").unwrap(), "coap", "the server selects coap");
    });
    assert!(s.logged("WS handshake failed: HTTP error: 400 Bad Request"), "{}", s.log());
}

// ---------------------------------------------------------------------------------------------
// Observers across transports.

#[test]
fn observer_on_tcp_hears_changes_made_over_udp_and_websockets_on_its_own_session() {
    // No ticks during the test: only the PUTs change /obs-non.
    let s = OurServer::start(&["--obs-interval-ms", "600000"]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let mut observer = Probe::connect(s.tcp);
    let mut bystander = Probe::connect(s.tcp);
    observer.send(&CSM);
    bystander.send(&CSM);
    assert_eq!(observer.expect_frame(), CSM);
    assert_eq!(bystander.expect_frame(), CSM);
    let token = [0x0B, 0x5E];
    observer.send(&request(Code::GET, &token, "obs-non", &[(6, &[])]));
    let (code, t, observe, payload) = parts(&observer.expect_frame(), OptionNumber::OBSERVE.0);
    assert_eq!((code, &t[..], &payload[..]), (Code::CONTENT, &token[..], &b"0"[..]));
    let first = coap_codec::wire::decode_uint(&observe.expect("Observe in the response (RFC 7641 §4.1)")).unwrap();

    // A change over UDP, then one over WebSockets: the observer hears each, with its token and
    // a growing Observe value (RFC 8323 §7.1 keeps them counting).
    let mut last = first;
    for (scheme, value) in [("coap", "42"), ("coap+ws", "43")] {
        let put = ours_ok(&["-m", "put", "-e", value, &s.uri(scheme, "/obs-non")]);
        assert_eq!(put.stdout_text(), "", "{put}");
        let (code, t, observe, payload) = parts(&observer.expect_frame(), OptionNumber::OBSERVE.0);
        assert_eq!((code, &t[..], &payload[..]), (Code::CONTENT, &token[..], value.as_bytes()));
        let seq = coap_codec::wire::decode_uint(&observe.unwrap()).unwrap();
        assert!(seq > last, "Observe {seq} after {last}");
        last = seq;
    }
    // The other connection observes nothing and hears nothing.
    bystander.stream.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut byte = [0u8; 1];
    match bystander.stream.read(&mut byte) {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
        other => panic!("the bystander got {other:?}"),
    }
    // DELETE ends the observation with 4.04 (RFC 7641 §4.2), over the observer's own session.
    ours_ok(&["-m", "delete", &s.uri("coap+tcp", "/obs-non")]);
    let (code, t, observe, _) = parts(&observer.expect_frame(), OptionNumber::OBSERVE.0);
    assert_eq!((code, &t[..], observe), (Code::NOT_FOUND, &token[..], None));
    ours_ok(&["-m", "put", "-e", "1", &s.uri("coap", "/obs-non")]);
    observer.stream.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    match observer.stream.read(&mut byte) {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
        other => panic!("the observation should be over: {other:?}"),
    }
}

/// The Block values (option `n`) and payload lengths of the frames (TCP or WebSocket framing)
/// that carry one.
fn frame_blocks(frames: &[Vec<u8>], n: OptionNumber, ws: bool) -> Vec<(Block, usize)> {
    frames
        .iter()
        .filter(|f| !f.is_empty())
        .filter_map(|f| {
            let m = if ws {
                tcp::decode_ws(f).unwrap()
            } else {
                let tcp::Status::Complete { item, .. } = tcp::decode_frame(f).unwrap() else { panic!("{}", hex(f)) };
                item
            };
            let value = m.options().find(|o| o.number == n).map(|o| Block::decode(o.value).unwrap());
            value.map(|b| (b, m.payload().len()))
        })
        .collect()
}

/// RFC 8323 §6: a 40 KiB body up and down in BERT blocks (SZX 7, several 1024-byte units per
/// message, within the 16 KiB + 256 Max-Message-Size both sides announce), byte-identical.
fn bert_over(scheme: &str) {
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let uri = s.uri(scheme, "/large-update");
    let body = pattern(40 * 1024);
    let file = TempFile::new("bert", &body);
    let out = ours_ok(&["-m", "put", "-t", "octet", "-f", file.path(), "-v", &uri]);
    assert!(out.stderr_text().contains("2.04 Changed"), "{out}");
    let ws = scheme == "coap+ws";
    let up = frame_blocks(&sent(&out), OptionNumber::BLOCK1, ws);
    assert!(up.len() >= 3, "{up:?}");
    for (i, (b, len)) in up.iter().enumerate() {
        assert_eq!(b.szx, 7, "BERT blocks: {up:?}");
        assert_eq!(b.more, i + 1 < up.len(), "{up:?}");
        assert!(len % 1024 == 0 || !b.more, "a BERT block carries whole 1024-byte units: {up:?}");
        assert!(*len > 1024 || !b.more, "more than one unit per message: {up:?}");
    }
    assert_eq!(up.iter().map(|(_, len)| len).sum::<usize>(), body.len());
    // The resource saw one PUT with the whole body.
    assert_eq!(s.count_logged("PUT /large-update"), 1, "{}", s.log());

    let back = TempFile::new("bert-back", b"");
    let out = ours_ok(&["-v", "-o", back.path(), &uri]);
    assert_eq!(back.read(), body, "{out}");
    let down = frame_blocks(&received(&out), OptionNumber::BLOCK2, ws);
    assert!(down.len() >= 3 && down.iter().all(|(b, _)| b.szx == 7), "{down:?}");
}

#[test]
fn client_puts_and_gets_40_kib_in_bert_blocks_over_tcp() {
    bert_over("coap+tcp");
}

#[test]
fn client_puts_and_gets_40_kib_in_bert_blocks_over_websockets() {
    bert_over("coap+ws");
}

#[test]
fn raw_tcp_client_without_block_wise_gets_5_00_for_an_answer_over_its_max_message_size() {
    // An empty CSM: the base Max-Message-Size, 1152, and no Block-Wise-Transfer (RFC 8323
    // §5.3.1, §5.3.2), so /large (1,920 bytes) cannot go, not even in blocks (§6).
    let s = OurServer::start(&[]);
    let log = || s.log();
    let _guard = LogOnPanic("coap-server", &log);
    let mut p = Probe::connect(s.tcp);
    let mut bytes = vec![0x00, 0xE1];
    bytes.extend(request(Code::GET, &[7], "large", &[]));
    p.send(&bytes);
    assert_eq!(p.expect_frame(), CSM);
    let (code, token, _, payload) = parts(&p.expect_frame(), 0);
    assert_eq!((code, &token[..]), (Code::INTERNAL_SERVER_ERROR, &[7][..]));
    let text = String::from_utf8_lossy(&payload).into_owned();
    assert!(text.contains("Max-Message-Size (1152)"), "{text}");
    // A small answer on the same connection still goes.
    p.send(&request(Code::GET, &[8], "test", &[]));
    let (code, token, _, _) = parts(&p.expect_frame(), 0);
    assert_eq!((code, &token[..]), (Code::CONTENT, &[8][..]));
}
