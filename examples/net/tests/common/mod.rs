//! What the interop tests share: our `Client` on the tokio driver as a test peer ([`Peer`]),
//! with every wait bounded and a failure message that names the peer, the broker log on a
//! panic ([`LogOnPanic`]), and a relay that records what a client writes ([`tee`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mqtt_codec::client::{Client, CloseReason, Config, OutgoingMessage, PublishHandle};
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{
    decode_packet, Connect, DecodeOptions, Disconnect, Packet, Protocol, Qos, ReasonCode, Status, Subscription, Version,
};
use net::driver::{Driver, Event, Message};
use net::mosquitto::Broker;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The bound on each wait for an event.
pub(crate) const STEP: Duration = Duration::from_secs(5);
/// The bound on a whole test.
pub(crate) const TEST: Duration = Duration::from_secs(30);
/// How long "nothing more arrives" is watched for.
pub(crate) const QUIET: Duration = Duration::from_millis(500);

/// Runs a test body within [`TEST`].
pub(crate) async fn bounded(body: impl std::future::Future<Output = ()>) {
    tokio::time::timeout(TEST, body).await.expect("the test did not finish within 30 s");
}

/// Prints the broker's log when the test panics (the harness shows it with the failure).
pub(crate) struct LogOnPanic<'b>(pub(crate) &'b Broker);

impl Drop for LogOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("---- mosquitto log ----\n{}", self.0.log());
        }
    }
}

/// One of our clients: mqtt-codec's `Client` (8 topic aliases each way) on a `Driver`.
pub(crate) struct Peer {
    id: String,
    protocol: Protocol,
    pub(crate) driver: Driver<Vec<u8>, 16, 8>,
}

impl Peer {
    pub(crate) fn new(protocol: Protocol, id: &str) -> Self {
        Self::with_config(Config::new(protocol.version()), protocol, id)
    }

    pub(crate) fn with_config(config: Config, protocol: Protocol, id: &str) -> Self {
        let client = Client::new(config, vec![0; 16 * 1024]).unwrap();
        Self { id: id.to_owned(), protocol, driver: Driver::new(client) }
    }

    /// A new connection with `connect` (our id and protocol filled in); waits for CONNACK and
    /// returns Session Present.
    pub(crate) async fn connect(&mut self, addr: SocketAddr, connect: Connect<'_>) -> bool {
        let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let connect = Connect { client_id: &self.id, protocol: self.protocol, ..connect };
        self.driver.start(stream, &connect).unwrap();
        match self.next().await {
            Event::Connected { session_present, .. } => session_present,
            other => panic!("{}: expected CONNACK Success, got {other:?}", self.id),
        }
    }

    /// The next event, within [`STEP`].
    pub(crate) async fn next(&mut self) -> Event {
        match tokio::time::timeout(STEP, self.driver.next_event()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("{}: the connection is gone", self.id),
            Err(_) => panic!("{}: no event within {STEP:?}", self.id),
        }
    }

    /// SUBSCRIBE to one filter; asserts the SUBACK grants `qos`.
    pub(crate) async fn subscribe(&mut self, filter: &str, qos: Qos) {
        let subs = [Subscription::new(TopicFilter::new(filter).unwrap(), qos)];
        let id = self.driver.command(|c, now| c.subscribe(now, &subs, &[])).unwrap();
        let granted = [ReasonCode::Success, ReasonCode::GrantedQos1, ReasonCode::GrantedQos2][qos as usize];
        match self.next().await {
            Event::Subscribed { packet_id, reason_codes } => {
                assert_eq!(packet_id, id);
                assert_eq!(reason_codes, [granted], "{}: SUBACK for {filter}", self.id);
            }
            other => panic!("{}: expected SUBACK, got {other:?}", self.id),
        }
    }

    /// Publishes and waits for the outcome: written (QoS 0) or acknowledged with success
    /// (QoS 1, 2).
    pub(crate) async fn publish(&mut self, message: OutgoingMessage<'_>) {
        let handle = self.driver.command(|c, now| c.publish(now, &message)).unwrap();
        self.outcome(handle, message.qos).await;
    }

    /// Waits for `handle`'s outcome.
    pub(crate) async fn outcome(&mut self, handle: PublishHandle, qos: Qos) {
        match (qos, self.next().await) {
            (Qos::AtMostOnce, Event::PublishSent { handle: h }) => assert_eq!(h, handle),
            (Qos::AtLeastOnce | Qos::ExactlyOnce, Event::PublishAcknowledged { handle: h, reason }) => {
                assert_eq!(h, handle);
                assert!(!reason.is_error(), "{}: {handle} acknowledged with {reason:?}", self.id);
            }
            (_, other) => panic!("{}: expected the outcome of {handle} (QoS {qos:?}), got {other:?}", self.id),
        }
    }

    /// The next `n` messages; any other event fails.
    pub(crate) async fn receive(&mut self, n: usize) -> Vec<Message> {
        let mut got = Vec::new();
        while got.len() < n {
            match self.next().await {
                Event::MessageReceived(m) => got.push(m),
                other => panic!("{}: expected message {} of {n}, got {other:?} after {got:?}", self.id, got.len() + 1),
            }
        }
        got
    }

    /// Runs the connection for `d` and returns the messages that came (other events fail).
    pub(crate) async fn quiet(&mut self, d: Duration) -> Vec<Message> {
        let mut got = Vec::new();
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(event) = tokio::time::timeout_at(deadline, self.driver.next_event()).await {
            match event {
                Some(Event::MessageReceived(m)) => got.push(m),
                other => panic!("{}: expected nothing or messages, got {other:?}", self.id),
            }
        }
        got
    }

    /// Runs the connection until the broker's log holds `needle` `n` times (acknowledgements
    /// the client sends in answer to what arrives, like PUBCOMP after PUBREL); no message
    /// may arrive meanwhile.
    pub(crate) async fn until_logged(&mut self, broker: &Broker, needle: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + STEP;
        while broker.log().matches(needle).count() < n {
            assert!(tokio::time::Instant::now() < deadline, "{}: {n} x {needle:?} not in the log", self.id);
            let extra = self.quiet(Duration::from_millis(50)).await;
            assert!(extra.is_empty(), "{}: unexpected messages {extra:?}", self.id);
        }
    }

    /// DISCONNECT (Normal disconnection) and the socket closed.
    pub(crate) async fn disconnect(&mut self) {
        self.driver.command(|c, now| c.disconnect(now, &Disconnect::new(ReasonCode::Success))).unwrap();
        match self.next().await {
            Event::Closed { reason: CloseReason::Local, .. } => {}
            other => panic!("{}: expected Closed (Local), got {other:?}", self.id),
        }
        assert!(self.driver.next_event().await.is_none(), "{}: the socket is closed after Closed", self.id);
    }
}

pub(crate) fn assert_messages(got: &[Message], topic: &str, payloads: &[&str], qos: Qos, retain: bool) {
    let want: Vec<(&str, &[u8], Qos, bool, bool)> =
        payloads.iter().map(|p| (topic, p.as_bytes(), qos, retain, false)).collect();
    let got: Vec<(&str, &[u8], Qos, bool, bool)> =
        got.iter().map(|m| (m.topic.as_str(), &m.payload[..], m.qos, m.retain, m.dup)).collect();
    assert_eq!(got, want, "(topic, payload, qos, retain, dup)");
}

/// A TCP relay to `upstream` for one connection that keeps a copy of what the client sends.
pub(crate) async fn tee(upstream: SocketAddr) -> (SocketAddr, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let copy = Arc::clone(&sent);
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let broker = tokio::net::TcpStream::connect(upstream).await.unwrap();
        let (mut client_rx, mut client_tx) = client.into_split();
        let (mut broker_rx, mut broker_tx) = broker.into_split();
        let up = async {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = client_rx.read(&mut buf).await {
                copy.lock().unwrap().extend_from_slice(&buf[..n]);
                if broker_tx.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            let _ = broker_tx.shutdown().await;
        };
        let down = async {
            let _ = tokio::io::copy(&mut broker_rx, &mut client_tx).await;
            let _ = client_tx.shutdown().await;
        };
        tokio::join!(up, down);
    });
    (addr, sent)
}

/// The packets of a 5.0 client's byte stream.
pub(crate) fn packets(stream: &[u8]) -> Vec<Packet<'_>> {
    let opts = DecodeOptions::new(Version::V5);
    let mut at = 0;
    let mut out = Vec::new();
    while at < stream.len() {
        match decode_packet(&stream[at..], &opts) {
            Ok(Status::Complete { item, consumed }) => {
                out.push(item);
                at += consumed;
            }
            other => panic!("our client's bytes at {at} do not decode: {other:?}"),
        }
    }
    out
}
