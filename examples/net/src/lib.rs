//! Networked examples for the workspace's sans-IO crates: tokio CLIs and servers, and the
//! harness that interop tests use to run real peers on loopback.
//!
//! - [`driver`]: runs an `mqtt_codec` [`Client`](mqtt_codec::client::Client) over a tokio
//!   `TcpStream`; the CLIs `mqtt-pub` and `mqtt-sub` (`src/bin/`) and the interop tests use it.
//! - [`broker_loop`]: runs the sans-IO broker core [`mqtt_codec::broker::Broker`] over tokio
//!   TCP listeners; the `mqtt-broker` binary parses flags and calls it, and tests start it on a
//!   free port with [`broker_loop::Background`].
//! - [`clients`]: finds the real clients the broker interop tests drive (`mosquitto_pub`,
//!   `mosquitto_sub`, Python with paho-mqtt), with the same rule for a missing peer.
//! - [`coap_driver`]: runs a `coap_codec` [`Endpoint`](coap_codec::endpoint::Endpoint) over a
//!   tokio `UdpSocket`; the CLIs `coap-client` and `coap-server` (`src/bin/`) use it. Its owned
//!   `Event` and `MessageBuf` serve the stream driver too.
//! - [`coap_stream_driver`]: runs a `coap_codec` [`Session`](coap_codec::session::Session)
//!   (RFC 8323) over a tokio `TcpStream` or a WebSocket on one (`tokio-tungstenite`), with the
//!   same events; `coap-client` uses it for `coap+tcp://` and `coap+ws://`, `coap-server` for
//!   each TCP connection and WebSocket.
//! - [`coap_resources`]: the `coap-server` resources (the ETSI plugtest set), apart from any
//!   transport: an owned request in, an answer and notifications out.
//! - [`coap_peers`]: finds and runs the real CoAP peers the CoAP interop tests use: libcoap's
//!   `coap-client`/`coap-server` and aiocoap (`aiocoap-client`, and a server script), each
//!   server on a free loopback UDP port, each client under a hard timeout; same rule for a
//!   missing peer.
//! - [`mosquitto`]: starts a private mosquitto broker on a free loopback port for one test, and
//!   applies the project's rule for a missing peer (print why and skip outside CI, fail in CI,
//!   where `CI=true`).

#![forbid(unsafe_code)]

pub mod broker_loop;
pub mod clients;
pub mod coap_driver;
pub mod coap_peers;
pub mod coap_resources;
pub mod coap_stream_driver;
pub mod driver;
pub mod mosquitto;
