//! The in-process broker stopped and started again with its sessions: a persistent subscriber
//! and publisher resume and messages keep flowing (the demo's broker restart, in isolation).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::net::SocketAddr;
use std::time::Duration;

use edge_gateway::broker::InProcess;
use mqtt_codec::client::{Client, Config, OutgoingMessage};
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, List, Property, Protocol, Qos, Subscription, Version};
use net::driver::{Driver, Event};

async fn connect(d: &mut Driver, addr: SocketAddr, id: &str) -> bool {
    let props = [Property::SessionExpiryInterval(600)];
    let c =
        Connect { client_id: id, clean_start: false, properties: List::new(&props), ..Connect::new(Protocol::Mqtt5) };
    d.start(tokio::net::TcpStream::connect(addr).await.unwrap(), &c).unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), d.next_event()).await.unwrap() {
            Some(Event::Connected { session_present, .. }) => return session_present,
            Some(Event::Closed { reason, .. }) => panic!("{id}: closed {reason:?}"),
            _ => {}
        }
    }
}

async fn received(d: &mut Driver, n: usize, wait: Duration) -> Vec<String> {
    let mut got = Vec::new();
    while got.len() < n {
        match tokio::time::timeout(wait, d.next_event()).await {
            Ok(Some(Event::MessageReceived(m))) => got.push(String::from_utf8_lossy(&m.payload).into_owned()),
            Ok(Some(Event::Closed { reason, .. })) => panic!("closed {reason:?}"),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
    }
    got
}

async fn publish(d: &mut Driver, payload: &str) {
    let topic = if payload == "online" { "site/gateway/status" } else { "site/a/temp" };
    let m = OutgoingMessage::new(topic, payload.as_bytes()).with_qos(Qos::AtLeastOnce).with_retain(payload == "online");
    d.command(|c, now| c.publish(now, &m)).unwrap();
    loop {
        match tokio::time::timeout(Duration::from_secs(3), d.next_event()).await.unwrap() {
            Some(Event::PublishAcknowledged { .. }) => return,
            Some(Event::Closed { reason, .. }) => panic!("publisher closed {reason:?}"),
            _ => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_sessions_resume_and_messages_flow_after_a_restart() {
    let mut broker = InProcess::start(SocketAddr::from(([127, 0, 0, 1], 0)), None).await.unwrap();
    let addr = broker.addr();
    let new = || Driver::new(Client::new(Config::new(Version::V5), vec![0u8; 64 * 1024]).unwrap());
    let (mut sub, mut publ): (Driver, Driver) = (new(), new());
    let relay = edge_gateway::relay::TcpRelay::start(addr).await.unwrap();
    // The subscriber goes through the demo's counting relay, as in the demo.
    let sub_addr = relay.addr();
    assert!(!connect(&mut sub, sub_addr, "sub").await);
    let f = TopicFilter::new("site/#").unwrap();
    sub.command(|c, now| c.subscribe(now, &[Subscription::new(f, Qos::AtLeastOnce)], &[])).unwrap();
    while !matches!(sub.next_event().await, Some(Event::Subscribed { .. })) {}
    assert!(!connect(&mut publ, addr, "pub").await);
    publish(&mut publ, "online").await;
    for i in 0..5 {
        publish(&mut publ, &format!("before {i}")).await;
    }
    assert_eq!(received(&mut sub, 6, Duration::from_secs(3)).await.len(), 6);

    // Let the subscriber's PUBACKs reach the broker: what it acknowledged is not sent again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let saved = broker.stop().await;
    // Both see their connections close.
    for d in [&mut sub, &mut publ] {
        while !matches!(
            tokio::time::timeout(Duration::from_secs(3), d.next_event()).await.unwrap(),
            Some(Event::Closed { .. }) | None
        ) {}
    }
    broker.restart(saved).await.unwrap();
    // The publisher is back first: what it publishes waits in the restored session of the
    // subscriber, which is still away (mosquitto 2.0.11 drops it; see tests/demo.rs).
    assert!(connect(&mut publ, addr, "pub").await, "the publisher's session was kept");
    publish(&mut publ, "online").await;
    assert!(connect(&mut sub, sub_addr, "sub").await, "the subscriber's session was kept");
    for i in 0..3 {
        publish(&mut publ, &format!("after {i}")).await;
    }
    // Exactly these: what was acknowledged before the stop is not sent again.
    let got = received(&mut sub, 5, Duration::from_millis(500)).await;
    assert_eq!(got, ["online", "after 0", "after 1", "after 2"]);
}
