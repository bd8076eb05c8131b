//! The demo end to end, as a user runs it: the `edge-gateway` binary with a small fleet, against
//! the in-process broker and against mosquitto, each with a broker restart in the middle; zero
//! CON readings lost and the counts that follow from the settings. And its errors: a bad URL,
//! an unreachable broker, a port in use, a broker that refuses the connection.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A JSON path under the system temp dir, unique to this test.
fn json_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("edge-gateway-{name}-{}.json", std::process::id()))
}

fn demo(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_edge-gateway"));
    c.args(args).arg("--quiet").stdin(Stdio::null());
    c
}

fn summary(out: &Output, path: &PathBuf, context: &dyn Fn() -> String) -> Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let json = std::fs::read_to_string(path).unwrap_or_default();
        panic!("exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}\nsummary:\n{json}\n{}", out.status.code(), context());
    }
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}\n{stdout}", path.display()));
    let _ = std::fs::remove_file(path);
    serde_json::from_str(&text).unwrap()
}

fn n(v: &Value, path: &str) -> u64 {
    path.split('.').fold(v, |v, k| &v[k]).as_u64().unwrap_or_else(|| panic!("{path} in {v}"))
}

/// What every run must show: every sensor registered, every CON reading delivered (none lost),
/// the shim losing datagrams and CoAP recovering them, the other kinds arriving in part at least.
fn check(v: &Value, sensors: u64, readings_per_con_sensor: u64) {
    assert_eq!(n(v, "sensors.registered"), sensors, "{v:#}");
    assert_eq!(n(v, "con.lost"), 0, "{v:#}");
    assert_eq!(n(v, "con.sent"), n(v, "con.delivered"), "{v:#}");
    // Six CON sensors in ten and one sleepy one (a third of the rate); each starts within one
    // period of the start, so it makes its full count or one less.
    let con_sensors = (0..sensors).filter(|i| i % 10 < 6).count() as u64;
    let sleepy = (0..sensors).filter(|i| i % 10 == 9).count() as u64;
    let lo = con_sensors * (readings_per_con_sensor - 1) + sleepy * (readings_per_con_sensor / 3).saturating_sub(1);
    let hi = con_sensors * readings_per_con_sensor + sleepy * (readings_per_con_sensor / 3 + 1);
    assert!((lo..=hi).contains(&n(v, "con.sent")), "{lo}..={hi}: {v:#}");
    assert!(n(v, "hops.sensors_gateway.dropped") > 0, "the shim lost nothing: {v:#}");
    assert!(n(v, "hops.sensors_gateway.retransmissions") > 0, "no CON was retransmitted: {v:#}");
    assert!(n(v, "non.delivered") > n(v, "non.sent") / 2, "{v:#}");
    assert!(n(v, "observed.delivered") > 0, "{v:#}");
    assert!(n(v, "gateway.published") >= n(v, "con.sent"), "{v:#}");
}

#[test]
fn in_process_broker_restarted_mid_run_loses_no_con_reading() {
    let path = json_path("in-process");
    let p = path.to_str().unwrap();
    let out = demo(&[
        "--sensors",
        "10",
        "--duration",
        "6",
        "--period-ms",
        "500",
        "--kill-broker-after",
        "3",
        "--broker-down",
        "2",
        "--json",
        p,
    ])
    .output()
    .unwrap();
    let v = summary(&out, &path, &String::new);
    check(&v, 10, 12);
    assert_eq!(n(&v, "broker.restarts"), 1, "{v:#}");
    assert!(n(&v, "gateway.connects") >= 2, "the gateway did not reconnect: {v:#}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("| **0** |"), "the table shows the losses");
}

#[test]
fn mosquitto_with_persistence_restarted_mid_run_loses_no_con_reading() {
    let config = ["persistence true"];
    let Some(mut broker) = net::mosquitto::broker_or_skip(&config) else { return };
    let bin = net::mosquitto::find().unwrap();
    let path = json_path("mosquitto");
    let url = format!("mqtt://127.0.0.1:{}", broker.port());
    let child = demo(&[
        "--sensors",
        "10",
        "--duration",
        "8",
        "--period-ms",
        "500",
        "--broker",
        &url,
        "--json",
        path.to_str().unwrap(),
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    // Stopped gracefully (it saves its sessions) 3 s in, back 2 s later on the same port.
    std::thread::sleep(Duration::from_secs(3));
    broker.restart(&bin, &config, Duration::from_secs(2)).unwrap();
    let out = child.wait_with_output().unwrap();
    let v = summary(&out, &path, &|| {
        let log = broker.log();
        let tail: Vec<&str> = log.lines().filter(|l| !l.contains("PUBLISH") && !l.contains("PUBACK")).collect();
        format!("mosquitto log (no PUBLISH/PUBACK lines):\n{}", tail[tail.len().saturating_sub(60)..].join("\n"))
    });
    check(&v, 10, 16);
    assert!(n(&v, "gateway.connects") >= 2, "the gateway did not reconnect: {v:#}\n{}", broker.log());
}

fn fails_with(args: &[&str], needle: &str) {
    let out = demo(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in {stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_bad_broker_url_is_an_error_not_a_panic() {
    fails_with(&["--broker", "http://example.com"], "bad broker URL \"http://example.com\"");
    fails_with(&["--broker", "mqtt://host:port:1"], "bad broker URL");
}

#[test]
fn killing_a_real_broker_is_not_the_demo_s_job() {
    fails_with(
        &["--broker", "mqtt://127.0.0.1:1", "--kill-broker-after", "2"],
        "--kill-broker-after stops the in-process broker",
    );
}

#[test]
fn an_unreachable_broker_is_an_error() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    fails_with(&["--broker", &format!("mqtt://127.0.0.1:{port}")], "cannot reach the broker at 127.0.0.1:");
}

#[test]
fn a_coap_port_in_use_is_an_error() {
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    fails_with(&["--coap-port", &port, "--duration", "1"], "address in use");
}

#[test]
fn a_broker_that_refuses_the_connection_is_an_error() {
    // mosquitto 2 without anonymous access and no password file refuses every CONNECT.
    let Some(broker) = net::mosquitto::broker_or_skip(&["allow_anonymous false"]) else { return };
    fails_with(&["--broker", &format!("mqtt://127.0.0.1:{}", broker.port())], "refused");
}
