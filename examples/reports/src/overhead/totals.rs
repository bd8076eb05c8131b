//! Bytes per device per day and per fleet, for a device that reports every interval and sleeps
//! in between.

use crate::overhead::catalog::{Carrier, Variant};
use crate::overhead::net::{self, Ip, TCP_NAT_TIMEOUT_S, UDP_NAT_TIMEOUT_S};

/// The report intervals compared, in seconds: 10 s, 1 min, 15 min, 1 h.
pub const INTERVALS_S: [u64; 4] = [10, 60, 900, 3600];

/// Seconds in a day.
pub const DAY_S: u64 = 86_400;

/// Days in the month of the fleet table.
pub const MONTH_DAYS: u64 = 30;

/// Devices in the fleet.
pub const FLEET_DEVICES: u64 = 500_000;

/// What a TCP device does between reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Keeps the connection (set up once, not counted) and pings at [`TCP_NAT_TIMEOUT_S`] when
    /// reports are further apart.
    StayConnected,
    /// Opens a connection (TCP, TLS 1.3 resumption, CONNECT or CSM) for each report and closes
    /// it.
    Reconnect,
}

impl Policy {
    /// The name used in tables.
    pub const fn label(self) -> &'static str {
        match self {
            Self::StayConnected => "stay connected",
            Self::Reconnect => "reconnect per report",
        }
    }
}

/// `"10 s"`, `"1 min"`, `"15 min"`, `"1 h"`.
pub fn interval_label(s: u64) -> String {
    match s {
        s if s % 3600 == 0 => format!("{} h", s / 3600),
        s if s % 60 == 0 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

/// Reports per day.
pub const fn reports_per_day(interval_s: u64) -> u64 {
    DAY_S / interval_s
}

/// Keep-alive exchanges between two reports `interval_s` apart: one every
/// [`TCP_NAT_TIMEOUT_S`] of silence (none when reports come more often).
pub const fn pings_per_interval(interval_s: u64) -> u64 {
    interval_s.div_ceil(TCP_NAT_TIMEOUT_S) - 1
}

/// Bytes on the air for one report in steady state (for TCP: on an open connection, with the
/// pure ACK of the model; for UDP without CID: no handshake counted).
pub fn report_wire(v: &Variant, ip: Ip) -> usize {
    match &v.carrier {
        Carrier::Datagram { cid } => net::datagrams(ip, &v.report, *cid),
        Carrier::Stream(_) => net::on_connection(ip, &v.report),
    }
}

/// Bytes on the air per device per day; `policy` matters for TCP variants only.
pub fn per_day(v: &Variant, policy: Policy, ip: Ip, interval_s: u64) -> u64 {
    let n = reports_per_day(interval_s);
    let each = match &v.carrier {
        Carrier::Datagram { cid: true } => report_wire(v, ip),
        Carrier::Datagram { cid: false } => {
            // The NAT forgot the binding: the server cannot match the new address to the
            // DTLS session without a CID, so the device resumes it first.
            let rebind = if interval_s > UDP_NAT_TIMEOUT_S { net::dtls_resumption(ip) } else { 0 };
            report_wire(v, ip) + rebind
        }
        Carrier::Stream(s) => match policy {
            Policy::StayConnected => {
                report_wire(v, ip) + pings_per_interval(interval_s) as usize * net::on_connection(ip, &s.ping)
            }
            Policy::Reconnect => {
                let report = s.first_report.as_ref().unwrap_or(&v.report);
                net::reconnect(ip, &s.open, report, &s.close)
            }
        },
    };
    n * each as u64
}

/// Bytes per day for the whole fleet.
pub fn fleet_per_day(v: &Variant, policy: Policy, ip: Ip, interval_s: u64) -> u64 {
    per_day(v, policy, ip, interval_s) * FLEET_DEVICES
}

/// The (variant, policy) rows of the day and fleet tables: both policies for TCP variants.
pub fn rows(variants: &[Variant]) -> Vec<(&Variant, Policy)> {
    let mut out = Vec::new();
    for v in variants {
        out.push((v, Policy::StayConnected));
        if v.is_stream() {
            out.push((v, Policy::Reconnect));
        }
    }
    out
}
