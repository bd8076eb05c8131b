//! The Markdown report: assumptions, one table per message exchange, per device-day and per
//! fleet.

use core::fmt::Write as _;

use crate::overhead::catalog::{self, Carrier, Variant};
use crate::overhead::lwm2m::{self, Format};
use crate::overhead::message::{app_bytes, describe};
use crate::overhead::net::{self, Ip, ASSUMPTIONS, TCP_NAT_TIMEOUT_S};
use crate::overhead::payload::Payload;
use crate::overhead::totals::{self, Policy, FLEET_DEVICES, INTERVALS_S, MONTH_DAYS};
use crate::overhead::{coap, mqtt, BuildError};

/// `41 ac 00 00`.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// Three significant digits (`864`, `86.4`, `8.64`, `0.0864`).
pub fn sig3(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    let digits = x.abs().log10().floor() as i32;
    let decimals = (2 - digits).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Bytes as kB (1000 B).
pub fn kb(bytes: u64) -> String {
    sig3(bytes as f64 / 1e3)
}

/// The whole report.
///
/// # Errors
/// [`BuildError`] if an encoder refuses a message.
pub fn markdown(payload: Payload) -> Result<String, BuildError> {
    let mut s = String::new();
    header(&mut s)?;
    assumptions(&mut s);
    per_message(&mut s)?;
    let variants = catalog::all(payload)?;
    per_day(&mut s, &variants, payload);
    fleet(&mut s, &variants, payload);
    headlines(&mut s, &variants);
    Ok(s)
}

fn header(s: &mut String) -> Result<(), BuildError> {
    let _ = writeln!(s, "# Header overhead: MQTT or CoAP for a cellular fleet?\n");
    let _ = writeln!(
        s,
        "Every application byte below was written by this workspace's encoders (mqtt-codec, coap-codec, \
         lwm2m-model); transport bytes come from the named assumptions. ↑ is device to server, ↓ server to device.\n"
    );
    let _ = writeln!(s, "Content of one reading, 21.5 °C:\n");
    for p in Payload::ALL {
        let b = p.encode()?;
        let shown = if p == Payload::Float { hex(&b) } else { String::from_utf8_lossy(&b).into_owned() };
        let _ = writeln!(s, "- {} ({} B): `{shown}`", p.label(), b.len());
    }
    for f in Format::NOTIFY {
        let b = f.encode()?;
        let _ = writeln!(s, "- LwM2M {} of {} ({} B): `{}`", f.label(), lwm2m::SENSOR_VALUE, b.len(), hex(&b));
    }
    let _ = writeln!(
        s,
        "\nMQTT topic `{}` ({} B), client id `{}`, Keep Alive {} s; 5.0 Topic Alias {} in steady state (empty \
         topic + alias; the first PUBLISH of a connection carries both). CoAP: POST `/{}` (DTLS identifies the \
         device, so no device id in the path), Content-Format per payload; NON requests carry No-Response {} \
         (RFC 7967: no answer to any class), so nothing comes back. LwM2M: Observe token {} B, Observe {}; Send \
         token {} B.\n",
        mqtt::TOPIC,
        mqtt::TOPIC.len(),
        mqtt::CLIENT_ID,
        mqtt::KEEP_ALIVE_S,
        mqtt::TOPIC_ALIAS,
        coap::PATH,
        coap::NO_RESPONSE_ALL,
        lwm2m::OBSERVE_TOKEN.len(),
        lwm2m::OBSERVE_SEQUENCE,
        lwm2m::SEND_TOKEN.len(),
    );
    Ok(())
}

fn assumptions(s: &mut String) {
    let _ = writeln!(s, "## Assumptions\n");
    let _ = writeln!(
        s,
        "MQTT and CoAP over TCP run on TLS 1.3 over TCP, one record per message and one segment per record; \
         CoAP and LwM2M run on DTLS 1.2 over UDP, one record per datagram. Pure ACK model: a segment answered by \
         a segment the other way carries its ACK there; the run of segments that ends an exchange gets one pure \
         ACK. Stay-connected rows count no connection set-up (once, amortised) and ping every {TCP_NAT_TIMEOUT_S} s \
         of silence; reconnect rows pay TCP handshake, TLS 1.3 resumption, CONNECT/CONNACK or the CSMs, the \
         report, DISCONNECT, close_notify both ways and the FIN exchange for each report. Not counted: DNS, \
         retransmissions, LwM2M registration updates, radio-layer headers (PDCP/RLC; ROHC could compress IP/UDP).\n"
    );
    let _ = writeln!(s, "| assumption | value | source; what it feeds |");
    let _ = writeln!(s, "|---|---:|---|");
    for a in ASSUMPTIONS {
        let _ = writeln!(s, "| `{}` | {} {} | {} |", a.name, a.value, a.unit, a.note);
    }
    let _ = writeln!(
        s,
        "| devices, intervals | {FLEET_DEVICES} devices; {} | fleet table; a month is {MONTH_DAYS} days |\n",
        INTERVALS_S.map(totals::interval_label).join(", ")
    );
}

fn carrier_label(v: &Variant) -> &'static str {
    match v.carrier {
        Carrier::Datagram { cid: true } => "DTLS 1.2 + CID / UDP",
        Carrier::Datagram { cid: false } => "DTLS 1.2 / UDP",
        Carrier::Stream(_) => "TLS 1.3 / TCP",
    }
}

fn message_row(s: &mut String, v: &Variant) {
    let wire = Ip::BOTH.map(|ip| totals::report_wire(v, ip).to_string());
    let _ = writeln!(
        s,
        "| {} | {} | {} | {} | {} | {} | {} |",
        v.name,
        v.payload,
        describe(&v.report),
        app_bytes(&v.report),
        carrier_label(v),
        wire[0],
        wire[1]
    );
}

fn per_message(s: &mut String) -> Result<(), BuildError> {
    let _ = writeln!(s, "## Per message: one reading\n");
    let _ = writeln!(
        s,
        "Application bytes per message and per reading (both ways), and bytes on the air for that reading in \
         steady state with security and pure ACKs.\n"
    );
    let _ = writeln!(s, "| variant | payload | messages (B) | app B | security / transport | IPv4 B | IPv6 B |");
    let _ = writeln!(s, "|---|---|---|---:|---|---:|---:|");
    for p in Payload::ALL {
        for v in catalog::mqtt(p)?.iter().chain(catalog::coap(p)?.iter()) {
            message_row(s, v);
            if let Carrier::Stream(sess) = &v.carrier {
                if let Some(first) = &sess.first_report {
                    let wire = Ip::BOTH.map(|ip| net::on_connection(ip, first).to_string());
                    let _ = writeln!(
                        s,
                        "| {} (first PUBLISH: topic + alias) | {} | {} | {} | {} | {} | {} |",
                        v.name,
                        v.payload,
                        describe(first),
                        app_bytes(first),
                        carrier_label(v),
                        wire[0],
                        wire[1]
                    );
                }
            }
        }
    }
    for v in catalog::lwm2m()? {
        message_row(s, &v);
    }
    let _ = writeln!(s, "\nConnection costs of the TCP variants (payload f32):\n");
    let _ = writeln!(s, "| variant | set-up and close (B) | keep-alive (B) | reconnect on air, IPv4 / IPv6 B | keep-alive on air, IPv4 / IPv6 B |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    let tcp =
        catalog::mqtt(Payload::Float)?.into_iter().chain(catalog::coap(Payload::Float)?).filter(Variant::is_stream);
    for v in tcp {
        let Carrier::Stream(sess) = &v.carrier else { continue };
        let report = sess.first_report.as_ref().unwrap_or(&v.report);
        let open_close: Vec<_> = sess.open.iter().chain(sess.close.iter()).cloned().collect();
        let reconnect = Ip::BOTH.map(|ip| net::reconnect(ip, &sess.open, report, &sess.close).to_string());
        let ping = Ip::BOTH.map(|ip| net::on_connection(ip, &sess.ping).to_string());
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} / {} (incl. the report) | {} / {} |",
            v.name,
            describe(&open_close),
            describe(&sess.ping),
            reconnect[0],
            reconnect[1],
            ping[0],
            ping[1]
        );
    }
    let _ = writeln!(s);
    Ok(())
}

fn rows_note(s: &mut String, payload: Payload) {
    let _ = writeln!(
        s,
        "MQTT and CoAP rows carry the {} payload (`--payload` changes it); LwM2M rows their own format. \
         Cells: IPv4 / IPv6.\n",
        payload.label()
    );
}

fn per_day(s: &mut String, variants: &[Variant], payload: Payload) {
    let _ = writeln!(s, "## Per device per day (kB, 1 kB = 1000 B)\n");
    rows_note(s, payload);
    let heads = INTERVALS_S.map(|i| format!("every {}", totals::interval_label(i)));
    let _ = writeln!(s, "| variant | payload | policy | {} |", heads.join(" | "));
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(INTERVALS_S.len()));
    for (v, policy) in totals::rows(variants) {
        let cells = INTERVALS_S.map(|i| {
            let [a, b] = Ip::BOTH.map(|ip| kb(totals::per_day(v, policy, ip, i)));
            format!("{a} / {b}")
        });
        let _ = writeln!(s, "| {} | {} | {} | {} |", v.name, v.payload, policy_label(v, policy), cells.join(" | "));
    }
    let _ = writeln!(s);
}

fn policy_label(v: &Variant, policy: Policy) -> &'static str {
    match v.carrier {
        Carrier::Stream(_) => policy.label(),
        Carrier::Datagram { cid: true } => "sleep (CID keeps the session)",
        Carrier::Datagram { cid: false } => "sleep (new handshake after NAT timeout)",
    }
}

fn fleet(s: &mut String, variants: &[Variant], payload: Payload) {
    let _ = writeln!(s, "## Fleet of {FLEET_DEVICES} devices (GB/day and TB per {MONTH_DAYS} days, decimal)\n");
    rows_note(s, payload);
    let day = INTERVALS_S.map(|i| format!("{} GB/day", totals::interval_label(i)));
    let month = INTERVALS_S.map(|i| format!("{} TB/month", totals::interval_label(i)));
    let _ = writeln!(s, "| variant | payload | policy | {} | {} |", day.join(" | "), month.join(" | "));
    let _ = writeln!(s, "|---|---|---|{}", "---:|".repeat(2 * INTERVALS_S.len()));
    for (v, policy) in totals::rows(variants) {
        let fleet = |i: u64, scale: f64| {
            let [a, b] = Ip::BOTH.map(|ip| sig3(totals::fleet_per_day(v, policy, ip, i) as f64 * scale));
            format!("{a} / {b}")
        };
        let d = INTERVALS_S.map(|i| fleet(i, 1e-9));
        let m = INTERVALS_S.map(|i| fleet(i, MONTH_DAYS as f64 * 1e-12));
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            v.name,
            v.payload,
            policy_label(v, policy),
            d.join(" | "),
            m.join(" | ")
        );
    }
    let _ = writeln!(s);
}

/// A row of `variants` by chart name and policy.
pub fn find<'v>(variants: &'v [Variant], short: &str) -> Option<&'v Variant> {
    variants.iter().find(|v| v.short == short)
}

fn headlines(s: &mut String, variants: &[Variant]) {
    let _ = writeln!(s, "## Headlines (IPv4, per device per day)\n");
    let picks = [
        ("MQTT 3.1.1 Q1", Policy::StayConnected),
        ("MQTT 3.1.1 Q1", Policy::Reconnect),
        ("MQTT 5.0 Q1 alias", Policy::StayConnected),
        ("CoAP CON tok4", Policy::StayConnected),
        ("CoAP NON tok0", Policy::StayConnected),
        ("CoAP/TCP", Policy::StayConnected),
        ("LwM2M Notify NON LwM2M CBOR", Policy::StayConnected),
    ];
    for (short, policy) in picks {
        let Some(v) = find(variants, short) else { continue };
        let cells = INTERVALS_S
            .map(|i| format!("{} kB every {}", kb(totals::per_day(v, policy, Ip::V4, i)), totals::interval_label(i)));
        let how = if v.is_stream() { format!(", {}", policy.label()) } else { String::new() };
        let _ = writeln!(s, "- {} ({}{how}): {}", v.name, v.payload, cells.join("; "));
    }
    let _ = writeln!(s);
}
