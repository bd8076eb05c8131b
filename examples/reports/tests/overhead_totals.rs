//! The totals arithmetic, checked on rows computed here by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use reports::overhead::catalog;
use reports::overhead::net::{self, Ip};
use reports::overhead::payload::Payload;
use reports::overhead::totals::{self, Policy};

fn variant(short: &str) -> catalog::Variant {
    catalog::all(Payload::Float).unwrap().into_iter().find(|v| v.short == short).unwrap()
}

#[test]
fn mqtt_qos1_stay_connected_every_15_min_over_ipv4() {
    let v = variant("MQTT 3.1.1 Q1");
    // Segment = IPv4 20 + TCP 20 + timestamps 12 (+ TLS record 5 + 1 + 16 around the packet).
    let publish = 20 + 20 + 12 + 22 + 30; // PUBLISH: 1 + 1 + (2 + 20) + 2 + 4
    let puback = 20 + 20 + 12 + 22 + 4;
    let pure_ack = 20 + 20 + 12; // for PUBACK, which nothing answers
    let ping = 2 * (20 + 20 + 12 + 22 + 2) + pure_ack; // PINGREQ, PINGRESP, ACK
                                                       // 900 s between reports, NAT forgets after 600 s: one ping between reports; 96 reports.
    let day = 96 * (publish + puback + pure_ack + ping);
    assert_eq!(day, 42_048);
    assert_eq!(totals::per_day(&v, Policy::StayConnected, Ip::V4, 900), day as u64);
    assert_eq!(totals::fleet_per_day(&v, Policy::StayConnected, Ip::V4, 900), 42_048 * 500_000);
}

#[test]
fn mqtt_qos0_reconnect_over_ipv4() {
    let v = variant("MQTT 3.1.1 Q0");
    let seg = 20 + 20 + 12;
    let syn = 20 + 20 + 20;
    let rec = |n: usize| seg + 22 + n;
    let each = syn + syn + seg // SYN, SYN-ACK, ACK
        + seg + net::tls13::CLIENT_HELLO
        + seg + net::tls13::SERVER_FLIGHT
        + seg + net::tls13::CLIENT_FINISHED
        + rec(24) // CONNECT
        + seg + net::tls13::NEW_SESSION_TICKET
        + rec(4) // CONNACK
        + rec(28) // PUBLISH
        + rec(2) // DISCONNECT
        + seg + 24 + seg // close_notify, FIN
        + seg + 24 + seg // the server's close_notify, FIN
        + seg; // last ACK
    assert_eq!(each, 1785);
    assert_eq!(totals::per_day(&v, Policy::Reconnect, Ip::V4, 60), 1440 * 1785);
}

#[test]
fn coap_non_every_hour_over_ipv6() {
    let v = variant("CoAP NON tok0");
    // IPv6 40 + UDP 8 + DTLS with CID (13 + 4 + 8 + 8 + 1) + NON POST 19; nothing comes back.
    assert_eq!(totals::per_day(&v, Policy::StayConnected, Ip::V6, 3600), 24 * (40 + 8 + 34 + 19));
}

#[test]
fn dtls_without_cid_pays_a_handshake_only_past_the_nat_timeout() {
    let v = variant("CoAP CON no-CID");
    let report = totals::report_wire(&v, Ip::V4);
    assert_eq!(totals::per_day(&v, Policy::StayConnected, Ip::V4, 60), 1440 * report as u64);
    let with = report + net::dtls_resumption(Ip::V4);
    assert_eq!(totals::per_day(&v, Policy::StayConnected, Ip::V4, 900), 96 * with as u64);
}

#[test]
fn pings_only_when_reports_are_further_apart_than_the_nat_timeout() {
    assert_eq!([10, 60, 600, 900, 3600].map(totals::pings_per_interval), [0, 0, 0, 1, 5]);
}
