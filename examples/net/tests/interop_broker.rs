//! Real clients against our broker (`net::broker_loop`, the loop of the `mqtt-broker` binary)
//! on loopback: Debian's `mosquitto_pub`/`mosquitto_sub` (`-V mqttv311` and `-V mqttv5`) and
//! paho-mqtt scenarios in Python (`tests/py/scenarios.py`). Each test starts its own broker
//! in-process on a free port ([`Background`]); a client that is missing prints why and skips
//! outside CI, and fails in CI (`CI=true`). Every process runs under a time bound
//! (`mosquitto_sub -C n -W secs`, the scripts' own bounds, and [`STEP`] around each); a failure
//! prints the broker's log.
//!
//! Covered: QoS 0/1/2 (both versions, both clients), retained messages (set, delivered to a
//! later subscriber, cleared), the will of a killed client, persistent sessions with offline
//! messages, shared subscriptions, subscription identifiers, topic aliases both ways, message
//! expiry, No Local, Retain Handling, session takeover; and the binary itself: two listeners,
//! the log lines, a port in use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use mqtt_codec::wire::{Connect, Disconnect, Packet, Protocol, Version};
use net::broker_loop::{default_config, Background};
use net::clients::{mosquitto_clients_or_skip, paho_or_skip, MosquittoClients, Paho, Process};

/// The bound on each process and each wait.
const STEP: Duration = Duration::from_secs(15);

/// `mosquitto_sub -F`: one `M|qos|retain|topic|payload` line per message (with `-d`, the
/// debug lines that show the SUBACK come too).
const FORMAT: &str = "M|%q|%r|%t|%p";

/// mosquitto_sub's exit status when `-W` ran out.
const TIMED_OUT: i32 = 27;

const VERSIONS: [(&str, &str); 2] = [("mqttv311", "v3"), ("mqttv5", "v5")];

/// Prints the broker's log when the test panics.
struct LogOnPanic<'b>(&'b Background);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- mqtt-broker log ----\n{}", self.0.log().join("\n"));
        }
    }
}

fn start() -> Background {
    Background::start(default_config()).unwrap()
}

/// `mosquitto_sub` with `args`, started.
fn sub_spawn(m: &MosquittoClients, b: &Background, version: &str, args: &[&str]) -> Process {
    let port = b.addr().port().to_string();
    let mut cmd = m.subscribe_command();
    cmd.args(["-h", "127.0.0.1", "-p", &port, "-V", version, "-d", "-F", FORMAT]).args(args);
    Process::spawn(&mut cmd).unwrap()
}

/// `mosquitto_sub` with `args`, once its SUBACK is in (`-E`: it exits then).
fn sub(m: &MosquittoClients, b: &Background, version: &str, args: &[&str]) -> Process {
    let p = sub_spawn(m, b, version, args);
    let subscribed = p.wait_for_line(STEP, |l| l.starts_with("Subscribed (mid"));
    assert!(subscribed, "{}: no SUBACK; stdout {:?}, stderr {}", p.name(), p.lines(), p.stderr());
    p
}

/// Waits for `p` (a `mosquitto_sub`) to exit with `code`; returns the message lines without
/// the `M|` prefix.
fn messages(p: &mut Process, code: i32) -> Vec<String> {
    let status = p.wait(STEP);
    let lines = p.lines();
    assert_eq!(status.and_then(|s| s.code()), Some(code), "{}: stdout {lines:?}, stderr {}", p.name(), p.stderr());
    lines.iter().filter_map(|l| l.strip_prefix("M|")).map(str::to_owned).collect()
}

/// `mosquitto_pub` with `args` (and `input` on stdin, for `-l`), to a successful exit.
fn publish(m: &MosquittoClients, b: &Background, version: &str, args: &[&str], input: &str) {
    let port = b.addr().port().to_string();
    let mut cmd = m.publish_command();
    cmd.args(["-h", "127.0.0.1", "-p", &port, "-V", version]).args(args);
    let mut p = Process::spawn_with_input(&mut cmd, input.as_bytes()).unwrap();
    let status = p.wait(STEP);
    assert!(status.is_some_and(|s| s.success()), "{}: {status:?}, stderr {}", p.name(), p.stderr());
}

fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/py/scenarios.py")
}

/// Starts a paho scenario (`scenarios.py`).
fn py_spawn(paho: &Paho, b: &Background, scenario: &str, version: u8, prefix: &str, extra: &[&str]) -> Process {
    let mut cmd = Command::new(&paho.python);
    cmd.arg(script())
        .arg(scenario)
        .args(["--port", &b.addr().port().to_string(), "--version", &version.to_string(), "--prefix", prefix])
        .args(extra);
    Process::spawn(&mut cmd).unwrap()
}

/// Runs a paho scenario to a successful exit; returns its lines.
fn py(paho: &Paho, b: &Background, scenario: &str, version: u8, prefix: &str) -> Vec<String> {
    let mut p = py_spawn(paho, b, scenario, version, prefix, &[]);
    let status = p.wait(STEP);
    let lines = p.lines();
    assert!(status.is_some_and(|s| s.success()), "{}: {status:?}\nstdout {lines:#?}\nstderr {}", p.name(), p.stderr());
    lines
}

fn strings(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|&s| s.to_owned()).collect()
}

// ---- mosquitto_pub / mosquitto_sub -------------------------------------------------------

#[test]
fn qos_0_1_2_mosquitto_clients_both_versions() {
    let Some(m) = mosquitto_clients_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for (version, tag) in VERSIONS {
        // (published, subscribed): delivered with the lower of the two.
        for (published, subscribed) in [(0, 0), (1, 1), (2, 2), (2, 1), (1, 0), (0, 2)] {
            let topic = format!("qos/{tag}/{published}{subscribed}");
            let mut s = sub(&m, &b, version, &["-q", &subscribed.to_string(), "-t", &topic, "-C", "3", "-W", "10"]);
            publish(&m, &b, version, &["-q", &published.to_string(), "-t", &topic, "-l"], "one\ntwo\nthree\n");
            let q = published.min(subscribed);
            let want: Vec<String> = ["one", "two", "three"].iter().map(|p| format!("{q}|0|{topic}|{p}")).collect();
            assert_eq!(
                messages(&mut s, 0),
                want,
                "{version}: published at QoS {published}, subscribed at {subscribed}"
            );
        }
    }
}

#[test]
fn qos2_burst_with_20_in_flight_from_a_v311_client_mosquitto_clients() {
    let Some(m) = mosquitto_clients_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    // libmosquitto keeps up to 20 QoS 1/2 messages in flight; 3.1.1 gives the broker no way to
    // ask for fewer (no Receive Maximum), so it must take them all.
    let topic = "burst/v3";
    let mut s = sub(&m, &b, "mqttv311", &["-q", "2", "-t", topic, "-C", "60", "-W", "10"]);
    let input: String = (1..=60).map(|i| format!("{i}\n")).collect();
    publish(&m, &b, "mqttv311", &["-q", "2", "-t", topic, "-l"], &input);
    let want: Vec<String> = (1..=60).map(|i| format!("2|0|{topic}|{i}")).collect();
    let got = messages(&mut s, 0);
    let closed: Vec<String> = b.log().into_iter().filter(|l| l.contains("protocol error")).collect();
    assert_eq!(closed, Vec::<String>::new(), "the publisher's connection was closed");
    assert_eq!(got, want, "each message once, in order");
}

#[test]
fn retained_set_delivered_and_cleared_mosquitto_clients_both_versions() {
    let Some(m) = mosquitto_clients_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for (version, tag) in VERSIONS {
        let topic = format!("ret/{tag}/state");
        // A subscriber already there gets it as a live message: RETAIN 0 (`MQTT-3.3.1-9`,
        // 5.0 without Retain As Published).
        let mut live = sub(&m, &b, version, &["-q", "1", "-t", &topic, "-C", "1", "-W", "10"]);
        publish(&m, &b, version, &["-r", "-q", "1", "-t", &topic, "-m", "kept"], "");
        assert_eq!(messages(&mut live, 0), [format!("1|0|{topic}|kept")]);
        // A later subscriber gets the retained message with RETAIN 1.
        let mut later = sub(&m, &b, version, &["-q", "1", "-t", &topic, "-C", "1", "-W", "10"]);
        assert_eq!(messages(&mut later, 0), [format!("1|1|{topic}|kept")]);
        // An empty retained message clears it: the next subscriber gets nothing.
        publish(&m, &b, version, &["-r", "-n", "-t", &topic], "");
        let mut after = sub(&m, &b, version, &["-q", "1", "-t", &topic, "-W", "1"]);
        assert_eq!(messages(&mut after, TIMED_OUT), Vec::<String>::new(), "{version}: cleared");
    }
}

#[test]
fn persistent_session_gets_offline_messages_mosquitto_clients_both_versions() {
    let Some(m) = mosquitto_clients_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for (version, tag) in VERSIONS {
        let topic = format!("ps/{tag}/jobs");
        let id = format!("ps-{tag}");
        // `-c`: no clean session (5.0: Clean Start 0, Session Expiry "never"); `-E`: leave
        // once subscribed.
        let mut first = sub(&m, &b, version, &["-c", "-i", &id, "-q", "1", "-t", &topic, "-E"]);
        assert_eq!(messages(&mut first, 0), Vec::<String>::new());
        publish(&m, &b, version, &["-q", "1", "-t", &topic, "-l"], "a\nb\nc\n");
        // The queued messages may come before the SUBACK: do not wait for it.
        let mut back = sub_spawn(&m, &b, version, &["-c", "-i", &id, "-q", "1", "-t", &topic, "-C", "3", "-W", "10"]);
        let want: Vec<String> = ["a", "b", "c"].iter().map(|p| format!("1|0|{topic}|{p}")).collect();
        assert_eq!(messages(&mut back, 0), want, "{version}");
        let log = b.log();
        assert!(log.iter().any(|l| l.ends_with(&format!(" {id} session_present=true"))), "{version}: {log:#?}");
    }
}

#[test]
fn shared_subscription_gives_each_message_to_one_member_mosquitto_clients_both_versions() {
    let Some(m) = mosquitto_clients_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for (version, tag) in VERSIONS {
        let topic = format!("share/{tag}/work");
        let shared = format!("$share/g/{topic}");
        // Round robin (the core's rule): two each.
        let mut m1 = sub(&m, &b, version, &["-q", "1", "-t", &shared, "-C", "2", "-W", "10"]);
        let mut m2 = sub(&m, &b, version, &["-q", "1", "-t", &shared, "-C", "2", "-W", "10"]);
        // A plain subscription beside the group gets every message.
        let mut all = sub(&m, &b, version, &["-q", "1", "-t", &topic, "-C", "4", "-W", "10"]);
        publish(&m, &b, version, &["-q", "1", "-t", &topic, "-l"], "1\n2\n3\n4\n");
        let (g1, g2) = (messages(&mut m1, 0), messages(&mut m2, 0));
        let mut group: Vec<String> = g1.iter().chain(&g2).cloned().collect();
        group.sort();
        let want: Vec<String> = (1..=4).map(|i| format!("1|0|{topic}|{i}")).collect();
        assert_eq!(group, want, "{version}: each message to one member: {g1:?} {g2:?}");
        assert_eq!(messages(&mut all, 0), want, "{version}: the plain subscriber");
    }
}

// ---- paho-mqtt ---------------------------------------------------------------------------

#[test]
fn qos_0_1_2_paho_both_versions() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for version in [3, 5] {
        let p = format!("pq{version}");
        let lines = py(&paho, &b, "qos", version, &p);
        let got: Vec<&String> = lines.iter().filter(|l| l.starts_with("msg ")).collect();
        let want = [0, 1, 2].map(|q| format!("msg sub {p}/pq/{q} m{q} q{q} r0"));
        assert_eq!(got, want.iter().collect::<Vec<_>>(), "{version}: {lines:#?}");
    }
}

#[test]
fn will_published_when_client_is_killed_paho_both_versions() {
    let (Some(m), Some(paho)) = (mosquitto_clients_or_skip(), paho_or_skip()) else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for version in [3, 5] {
        let prefix = format!("will{version}");
        let topic = format!("{prefix}/will");
        let mut watcher = sub(&m, &b, "mqttv5", &["-q", "1", "-t", &topic, "-C", "1", "-W", "10"]);
        let mut client = py_spawn(&paho, &b, "will", version, &prefix, &[]);
        assert!(
            client.wait_for_line(STEP, |l| l == "ready"),
            "{}: {:?} {}",
            client.name(),
            client.lines(),
            client.stderr()
        );
        client.kill(); // SIGKILL: no DISCONNECT, the socket closes under the broker
        assert_eq!(messages(&mut watcher, 0), [format!("1|0|{topic}|gone")], "{version}");
    }
}

#[test]
fn no_will_after_normal_disconnect_paho_both_versions() {
    let (Some(m), Some(paho)) = (mosquitto_clients_or_skip(), paho_or_skip()) else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for version in [3, 5] {
        let prefix = format!("nowill{version}");
        let topic = format!("{prefix}/will");
        let mut watcher = sub(&m, &b, "mqttv5", &["-q", "1", "-t", &topic, "-W", "2"]);
        let mut client = py_spawn(&paho, &b, "will", version, &prefix, &["--clean"]);
        assert!(client.wait(STEP).is_some_and(|s| s.success()), "{}: {}", client.name(), client.stderr());
        assert_eq!(client.lines().last().map(String::as_str), Some("disconnected"));
        assert_eq!(messages(&mut watcher, TIMED_OUT), Vec::<String>::new(), "{version}");
    }
}

#[test]
fn persistent_session_gets_offline_messages_paho_both_versions() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for version in [3, 5] {
        let p = format!("ps{version}");
        let lines = py(&paho, &b, "session", version, &p);
        let want = [
            "connect sub session_present=0".to_owned(),
            "suback sub 1".to_owned(),
            "connect pub session_present=0".to_owned(),
            "connect sub session_present=1".to_owned(),
            format!("msg sub {p}/ps away0 q1 r0"),
            format!("msg sub {p}/ps away1 q1 r0"),
            format!("msg sub {p}/ps away2 q1 r0"),
        ];
        assert_eq!(lines, want, "{version}");
    }
}

#[test]
fn subscription_identifiers_paho_v5() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    let lines = py(&paho, &b, "subid", 5, "sid");
    let got: Vec<&str> = lines.iter().filter(|l| l.starts_with("msg ")).map(String::as_str).collect();
    // `sid/a/x` matches both subscriptions: one delivery with both identifiers (5.0 §3.3.4).
    assert_eq!(got, ["msg sub sid/a/x both q1 r0 ids=7,9", "msg sub sid/b one q1 r0 ids=7"]);
}

#[test]
fn topic_aliases_both_ways_paho_v5() {
    let (Some(m), Some(paho)) = (mosquitto_clients_or_skip(), paho_or_skip()) else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    // mosquitto_sub announces no Topic Alias Maximum: it must get full topics.
    let mut plain = sub(&m, &b, "mqttv5", &["-q", "1", "-t", "alias/#", "-C", "3", "-W", "10"]);
    let lines = py(&paho, &b, "alias", 5, "alias");
    let got: Vec<&str> = lines.iter().filter(|l| l.starts_with("msg ")).map(String::as_str).collect();
    // The publisher sent "alias/t" with alias 1, then twice an empty topic with alias 1: the
    // broker resolved them. The subscriber announced Topic Alias Maximum 4: the broker set
    // alias 1 on the first message and sent the others with an empty topic.
    assert_eq!(
        got,
        [
            "msg sub alias/t first q1 r0 raw_topic=alias/t alias=1",
            "msg sub alias/t second q1 r0 raw_topic= alias=1",
            "msg sub alias/t third q1 r0 raw_topic= alias=1",
        ]
    );
    assert_eq!(messages(&mut plain, 0), ["1|0|alias/t|first", "1|0|alias/t|second", "1|0|alias/t|third"]);
}

#[test]
fn message_expiry_while_queued_paho_v5() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    let lines = py(&paho, &b, "expiry", 5, "exp");
    let got: Vec<&str> = lines.iter().filter(|l| l.starts_with("msg ")).map(String::as_str).collect();
    // "short" (1 s) expired during the 2.5 s away; "long" (30 s) came with what was left.
    assert_eq!(got.len(), 2, "{lines:#?}");
    let left: u32 = got[0].strip_prefix("msg sub exp/exp long q1 r0 expiry=").and_then(|s| s.parse().ok()).unwrap_or(0);
    assert!((25..30).contains(&left), "the remaining interval, 30 less the time queued: {lines:#?}");
    assert_eq!(got[1], "msg sub exp/exp forever q1 r0");
}

#[test]
fn no_local_paho_v5() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    let lines = py(&paho, &b, "nolocal", 5, "nl");
    let got: Vec<&str> = lines.iter().filter(|l| l.starts_with("msg ")).map(String::as_str).collect();
    // a subscribed with No Local: not its own message; b without: both.
    assert_eq!(got, ["msg a nl/t from-b q1 r0", "msg b nl/t from-a q1 r0", "msg b nl/t from-b q1 r0"]);
}

#[test]
fn retain_handling_paho_v5() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    let lines = py(&paho, &b, "retain_handling", 5, "rh");
    let want = strings(&[
        "connect pub session_present=0",
        "connect sub session_present=0",
        "suback sub 1",
        // 2: not at subscribe.
        "after rh2: 0 messages",
        "suback sub 1",
        // 0: at subscribe, with RETAIN.
        "msg sub rh/t kept q1 r1",
        "suback sub 1",
        // 1: only for a new subscription; `rh/#` existed.
        "after rh1 existing: 0 messages",
        "suback sub 1",
        "msg sub rh/t kept q1 r1",
        // The clearing message (empty, retained) is forwarded live; `rh/+` has Retain As
        // Published, so RETAIN stays set.
        "msg sub rh/t  q1 r1",
    ]);
    assert_eq!(lines, want);
}

#[test]
fn session_takeover_paho_both_versions() {
    let Some(paho) = paho_or_skip() else { return };
    let b = start();
    let _log = LogOnPanic(&b);
    for (version, rc) in [(5, "142"), (3, "128")] {
        let p = format!("take{version}");
        let lines = py(&paho, &b, "takeover", version, &p);
        // 5.0: DISCONNECT 0x8E Session taken over; 3.1.1 has no DISCONNECT from the server:
        // the socket closes (paho reports 128, unspecified).
        let want = [
            "connect first session_present=0".to_owned(),
            "suback first 1".to_owned(),
            "connect second session_present=0".to_owned(),
            format!("disconnect first rc={rc}"),
            "suback second 1".to_owned(),
            format!("msg second {p}/t still-here q1 r0"),
        ];
        assert_eq!(lines, want, "{version}");
    }
}

// ---- the binary ----------------------------------------------------------------------------

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mqtt-broker"))
}

/// CONNECT (3.1.1) as `client_id`, read the CONNACK, DISCONNECT; returns our address.
fn connect_and_leave(addr: SocketAddr, client_id: &str) -> SocketAddr {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(STEP)).unwrap();
    let send = |stream: &mut TcpStream, packet: Packet<'_>| {
        let mut buf = vec![0u8; packet.encoded_len(Version::V311)];
        packet.encode(Version::V311, &mut buf).unwrap();
        stream.write_all(&buf).unwrap();
    };
    send(&mut stream, Packet::Connect(Connect { client_id, ..Connect::new(Protocol::Mqtt311) }));
    let mut connack = [0u8; 4];
    stream.read_exact(&mut connack).unwrap();
    assert_eq!(connack, [0x20, 0x02, 0x00, 0x00], "CONNACK Success");
    send(&mut stream, Packet::Disconnect(Disconnect::default()));
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap(); // the broker closes after DISCONNECT
    assert!(rest.is_empty());
    stream.local_addr().unwrap()
}

#[test]
fn binary_listens_on_each_address_and_logs_connect_and_disconnect() {
    let mut broker = Process::spawn(bin().args(["--listen", "127.0.0.1:0", "--listen", "127.0.0.1:0"])).unwrap();
    let listening = |b: &Process| -> Vec<SocketAddr> {
        b.lines().iter().filter_map(|l| l.strip_prefix("listening on ")).map(|a| a.parse().unwrap()).collect()
    };
    assert!(broker.wait_for_line(STEP, |_| listening(&broker).len() == 2), "{:?} {}", broker.lines(), broker.stderr());
    let addrs = listening(&broker);
    assert_ne!(addrs[0], addrs[1]);
    for (i, addr) in addrs.iter().enumerate() {
        let id = format!("bin-{i}");
        let ours = connect_and_leave(*addr, &id);
        let connect = format!("connect {ours} {id} session_present=false");
        let disconnect = format!("disconnect {ours} peer disconnected: Success");
        let logged = broker.wait_for_line(STEP, |l| l == disconnect);
        let lines = broker.lines();
        assert!(logged && lines.contains(&connect), "want {connect:?} and {disconnect:?} in {lines:#?}");
    }
    broker.kill();
}

#[test]
fn binary_reports_a_port_in_use_and_exits_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let mut broker = Process::spawn(bin().args(["--listen", &addr.to_string()])).unwrap();
    let status = broker.wait(STEP);
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{:?}", broker.lines());
    assert_eq!(broker.stderr(), format!("mqtt-broker: cannot listen on {addr}: address in use\n"));
}

#[test]
fn connections_past_the_limit_are_refused_and_logged() {
    let b = Background::start(default_config().with_max_connections(1)).unwrap();
    let _log = LogOnPanic(&b);
    let first = TcpStream::connect(b.addr()).unwrap();
    let mut second = TcpStream::connect(b.addr()).unwrap();
    second.set_read_timeout(Some(STEP)).unwrap();
    let mut buf = [0u8; 16];
    // Closed at once, before any CONNECT.
    assert_eq!(second.read(&mut buf).unwrap(), 0);
    let refused = format!("refused {} too many connections", second.local_addr().unwrap());
    assert!(b.log().contains(&refused), "{:#?}", b.log());
    // The first still works.
    drop(first);
    connect_and_leave(b.addr(), "after");
}
