//! The protocol variants compared, each with the messages of one reading (and, for TCP, of a
//! connection's set-up, keep-alive and close), all encoded by our crates.

use mqtt_codec::wire::Version;

use crate::overhead::coap;
use crate::overhead::lwm2m::{self, Format};
use crate::overhead::mqtt::{self, Qos, TopicForm};
use crate::overhead::payload::Payload;
use crate::overhead::{BuildError, Msg};

/// How the messages travel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    /// DTLS 1.2 over UDP (`cid`: with RFC 9146 Connection IDs).
    Datagram {
        /// Whether records to the server carry a Connection ID.
        cid: bool,
    },
    /// TLS 1.3 over TCP, with what a connection needs besides the reports.
    Stream(Session),
}

/// What a TCP connection carries besides the reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Sent after the TLS handshake (CONNECT/CONNACK, the CSMs).
    pub open: Vec<Msg>,
    /// Sent before closing (DISCONNECT; nothing for CoAP).
    pub close: Vec<Msg>,
    /// The keep-alive exchange (PINGREQ/PINGRESP, Ping/Pong).
    pub ping: Vec<Msg>,
    /// The report as the first one of a connection sends it (a Topic Alias is set up by the
    /// first PUBLISH: topic and alias), when it differs from the steady state.
    pub first_report: Option<Vec<Msg>>,
}

/// One protocol variant with one payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Protocol and options, e.g. `MQTT 3.1.1 QoS 1`.
    pub name: String,
    /// A short name for the chart.
    pub short: String,
    /// The payload's name.
    pub payload: String,
    /// The messages of one reading in steady state, both ways.
    pub report: Vec<Msg>,
    /// How they travel.
    pub carrier: Carrier,
}

impl Variant {
    /// Whether it runs over TCP (both policies apply).
    pub fn is_stream(&self) -> bool {
        matches!(self.carrier, Carrier::Stream(_))
    }
}

fn mqtt_variant(v: Version, qos: Qos, alias: bool, payload: Payload) -> Result<Variant, BuildError> {
    let body = payload.encode()?;
    let ver = if v == Version::V5 { "5.0" } else { "3.1.1" };
    let form = if alias { TopicForm::AliasSteady } else { TopicForm::Full };
    let report = mqtt::report(v, qos, form, &body)?;
    let first_report = if alias { Some(mqtt::report(v, qos, TopicForm::AliasFirst, &body)?) } else { None };
    let suffix = if alias { ", Topic Alias" } else { "" };
    Ok(Variant {
        name: format!("MQTT {ver} QoS {}{suffix}", qos.number()),
        short: format!("MQTT {ver} Q{}{}", qos.number(), if alias { " alias" } else { "" }),
        payload: payload.label().to_owned(),
        report,
        carrier: Carrier::Stream(Session {
            open: mqtt::open(v, alias)?,
            close: mqtt::close(v)?,
            ping: mqtt::ping(v)?,
            first_report,
        }),
    })
}

/// The MQTT variants with `payload`: 3.1.1 QoS 0, 1, 2; 5.0 QoS 0, 1 with the full topic and
/// with a Topic Alias.
///
/// # Errors
/// [`BuildError`] if an encoder refuses a message.
pub fn mqtt(payload: Payload) -> Result<Vec<Variant>, BuildError> {
    let mut out = Vec::new();
    for qos in [Qos::Zero, Qos::One, Qos::Two] {
        out.push(mqtt_variant(Version::V311, qos, false, payload)?);
    }
    for alias in [false, true] {
        for qos in [Qos::Zero, Qos::One] {
            out.push(mqtt_variant(Version::V5, qos, alias, payload)?);
        }
    }
    Ok(out)
}

/// The CoAP variants with `payload`: over UDP CON and NON with a 4-byte and an empty token,
/// CON without CID, and over TCP.
///
/// # Errors
/// [`BuildError`] if an encoder refuses a message.
pub fn coap(payload: Payload) -> Result<Vec<Variant>, BuildError> {
    let body = payload.encode()?;
    let cf = payload.content_format();
    let label = payload.label().to_owned();
    let udp = |name: &str, short: &str, report: Vec<Msg>, cid: bool| Variant {
        name: name.to_owned(),
        short: short.to_owned(),
        payload: label.clone(),
        report,
        carrier: Carrier::Datagram { cid },
    };
    Ok(vec![
        udp("CoAP CON, 4 B token", "CoAP CON tok4", coap::con_post(&coap::TOKEN, cf, &body)?, true),
        udp("CoAP CON, empty token", "CoAP CON tok0", coap::con_post(&[], cf, &body)?, true),
        udp("CoAP NON + No-Response, 4 B token", "CoAP NON tok4", coap::non_post(&coap::TOKEN, cf, &body)?, true),
        udp("CoAP NON + No-Response, empty token", "CoAP NON tok0", coap::non_post(&[], cf, &body)?, true),
        udp(
            "CoAP CON, 4 B token, DTLS without CID",
            "CoAP CON no-CID",
            coap::con_post(&coap::TOKEN, cf, &body)?,
            false,
        ),
        Variant {
            name: "CoAP over TCP (RFC 8323)".to_owned(),
            short: "CoAP/TCP".to_owned(),
            payload: label.clone(),
            report: coap::tcp_post(cf, &body)?,
            carrier: Carrier::Stream(Session {
                open: coap::csm()?,
                close: Vec::new(),
                ping: coap::ping()?,
                first_report: None,
            }),
        },
    ])
}

/// The LwM2M 1.2 variants: Notify NON and CON in each format, Send in SenML CBOR and LwM2M
/// CBOR.
///
/// # Errors
/// [`BuildError`] if an encoder refuses a message.
pub fn lwm2m() -> Result<Vec<Variant>, BuildError> {
    let mut out = Vec::new();
    let dgram = Carrier::Datagram { cid: true };
    for confirmable in [false, true] {
        for f in Format::NOTIFY {
            let kind = if confirmable { "CON" } else { "NON" };
            out.push(Variant {
                name: format!("LwM2M Notify {kind}"),
                short: format!("LwM2M Notify {kind} {}", f.label()),
                payload: f.label().to_owned(),
                report: lwm2m::notify(f, confirmable, &f.encode()?)?,
                carrier: dgram.clone(),
            });
        }
    }
    for f in Format::SEND {
        out.push(Variant {
            name: "LwM2M Send".to_owned(),
            short: format!("LwM2M Send {}", f.label()),
            payload: f.label().to_owned(),
            report: lwm2m::send(f, &f.encode()?)?,
            carrier: dgram.clone(),
        });
    }
    Ok(out)
}

/// Every variant: MQTT and CoAP with `payload`, then LwM2M.
///
/// # Errors
/// [`BuildError`] if an encoder refuses a message.
pub fn all(payload: Payload) -> Result<Vec<Variant>, BuildError> {
    let mut v = mqtt(payload)?;
    v.extend(coap(payload)?);
    v.extend(lwm2m()?);
    Ok(v)
}
