//! The two kinds of hop between the demo's parts, both on loopback and both counting what
//! crosses them: [`UdpShim`] between the sensors and the gateway (it loses and duplicates
//! datagrams, so CoAP's retransmission and deduplication really work), and [`TcpRelay`] in
//! front of the broker (it passes bytes unchanged and counts MQTT packets and resends).

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use mqtt_codec::sim::Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};

/// What crossed one hop, both ways.
#[derive(Debug, Default)]
pub struct HopStats {
    /// Messages (datagrams, or MQTT packets) sent by the side nearer the sensors.
    pub up_messages: AtomicU64,
    /// Their bytes (CoAP messages, or MQTT packets: no IP/UDP/TCP headers).
    pub up_bytes: AtomicU64,
    /// Messages the other way.
    pub down_messages: AtomicU64,
    /// Their bytes.
    pub down_bytes: AtomicU64,
    /// Resends seen on the hop: CoAP CON messages whose message id the same sender used before
    /// (RFC 7252 §4.2 retransmissions), or MQTT PUBLISH packets with DUP set (§3.3.1.1).
    pub retransmissions: AtomicU64,
    /// Datagrams the shim dropped.
    pub dropped: AtomicU64,
    /// Datagrams the shim delivered twice.
    pub duplicated: AtomicU64,
}

impl HopStats {
    /// Bytes both ways.
    pub fn bytes(&self) -> u64 {
        self.up_bytes.load(Ordering::Relaxed) + self.down_bytes.load(Ordering::Relaxed)
    }

    /// Messages both ways.
    pub fn messages(&self) -> u64 {
        self.up_messages.load(Ordering::Relaxed) + self.down_messages.load(Ordering::Relaxed)
    }

    fn count(&self, up: bool, len: usize) {
        let (m, b) = if up { (&self.up_messages, &self.up_bytes) } else { (&self.down_messages, &self.down_bytes) };
        m.fetch_add(1, Ordering::Relaxed);
        b.fetch_add(len as u64, Ordering::Relaxed);
    }
}

/// The last CON message ids each sender used, to tell a retransmission from a new message.
#[derive(Debug, Default)]
struct SeenIds(HashMap<SocketAddr, VecDeque<u16>>);

/// Message ids kept per sender: more than a sensor or the gateway has in flight to one peer.
const SEEN_PER_PEER: usize = 64;

impl SeenIds {
    /// Whether `datagram` from `from` is a CON whose message id `from` sent before (RFC 7252
    /// §4.4: a retransmission reuses it).
    fn is_retransmission(&mut self, from: SocketAddr, datagram: &[u8]) -> bool {
        let (Some(&b0), Some(&hi), Some(&lo)) = (datagram.first(), datagram.get(2), datagram.get(3)) else {
            return false;
        };
        // Version 1, type CON (RFC 7252 §3).
        if b0 >> 4 != 0b0100 {
            return false;
        }
        let id = u16::from_be_bytes([hi, lo]);
        let ids = self.0.entry(from).or_default();
        if ids.contains(&id) {
            return true;
        }
        if ids.len() == SEEN_PER_PEER {
            ids.pop_front();
        }
        ids.push_back(id);
        false
    }
}

/// The sensors' link to the gateway: a UDP relay on loopback that drops `loss` % of datagrams
/// and delivers `dup` % twice, each way. Sensors send to [`addr`](Self::addr); the shim gives
/// each sensor its own socket towards the gateway, so the gateway sees one peer per sensor.
#[derive(Debug)]
pub struct UdpShim {
    addr: SocketAddr,
    /// The counts of the hop.
    pub stats: Arc<HopStats>,
}

/// The shim's shared state.
struct Shared {
    front: UdpSocket,
    gateway: SocketAddr,
    /// Loss and duplication per million datagrams.
    loss_ppm: u32,
    dup_ppm: u32,
    rng: Mutex<Rng>,
    seen: Mutex<SeenIds>,
    stats: Arc<HopStats>,
}

impl Shared {
    /// How many copies of a datagram to deliver: 0 (lost), 1 or 2 (duplicated).
    fn copies(&self) -> usize {
        let Ok(mut rng) = self.rng.lock() else { return 1 };
        if rng.chance(self.loss_ppm) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            0
        } else if rng.chance(self.dup_ppm) {
            self.stats.duplicated.fetch_add(1, Ordering::Relaxed);
            2
        } else {
            1
        }
    }

    fn observe(&self, from: SocketAddr, up: bool, datagram: &[u8]) {
        self.stats.count(up, datagram.len());
        if self.seen.lock().is_ok_and(|mut s| s.is_retransmission(from, datagram)) {
            self.stats.retransmissions.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl UdpShim {
    /// Starts the shim on a free loopback port, relaying to `gateway`.
    ///
    /// # Errors
    /// The front socket could not be bound.
    pub async fn start(gateway: SocketAddr, loss: f64, dup: f64, seed: u64) -> io::Result<Self> {
        let front = UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = front.local_addr()?;
        let stats = Arc::new(HopStats::default());
        let shared = Arc::new(Shared {
            front,
            gateway,
            loss_ppm: (loss.clamp(0.0, 100.0) * 10_000.0) as u32,
            dup_ppm: (dup.clamp(0.0, 100.0) * 10_000.0) as u32,
            rng: Mutex::new(Rng::new(seed)),
            seen: Mutex::new(SeenIds::default()),
            stats: Arc::clone(&stats),
        });
        tokio::spawn(front_loop(shared));
        Ok(Self { addr, stats })
    }

    /// Where sensors send.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Sensors to gateway: each new sensor address gets its own socket towards the gateway and a
/// task carrying the gateway's datagrams back.
async fn front_loop(shared: Arc<Shared>) {
    let mut uplinks: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let mut buf = vec![0u8; 65_535];
    loop {
        let Ok((n, sensor)) = shared.front.recv_from(&mut buf).await else { continue };
        let datagram = buf.get(..n).unwrap_or(&[]);
        let up = match uplinks.get(&sensor) {
            Some(s) => Arc::clone(s),
            None => {
                let Ok(s) = UdpSocket::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await else { continue };
                let s = Arc::new(s);
                uplinks.insert(sensor, Arc::clone(&s));
                tokio::spawn(back_loop(Arc::clone(&shared), Arc::clone(&s), sensor));
                s
            }
        };
        shared.observe(sensor, true, datagram);
        for _ in 0..shared.copies() {
            // A send error is a lost datagram, which CoAP is made for.
            let _ = up.send_to(datagram, shared.gateway).await;
        }
    }
}

/// Gateway to one sensor.
async fn back_loop(shared: Arc<Shared>, up: Arc<UdpSocket>, sensor: SocketAddr) {
    let mut buf = vec![0u8; 65_535];
    loop {
        let Ok((n, from)) = up.recv_from(&mut buf).await else { continue };
        if from != shared.gateway {
            continue;
        }
        let datagram = buf.get(..n).unwrap_or(&[]);
        shared.observe(from, false, datagram);
        for _ in 0..shared.copies() {
            let _ = shared.front.send_to(datagram, sensor).await;
        }
    }
}

/// A TCP relay in front of the broker: each accepted connection gets one to the broker (or is
/// closed when the broker is down, as a refused connection would be), bytes pass unchanged,
/// and the MQTT packets each way are counted.
#[derive(Debug)]
pub struct TcpRelay {
    addr: SocketAddr,
    /// The counts of the hop (up: client to broker).
    pub stats: Arc<HopStats>,
}

impl TcpRelay {
    /// Starts the relay on a free loopback port, towards `broker`.
    ///
    /// # Errors
    /// The listener could not be bound.
    pub async fn start(broker: SocketAddr) -> io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(HopStats::default());
        let s = Arc::clone(&stats);
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { continue };
                let s = Arc::clone(&s);
                tokio::spawn(async move {
                    // The broker is down: dropping `client` closes it, as a refused connection.
                    if let Ok(upstream) = TcpStream::connect(broker).await {
                        relay(client, upstream, s).await;
                    }
                });
            }
        });
        Ok(Self { addr, stats })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

async fn relay(client: TcpStream, upstream: TcpStream, stats: Arc<HopStats>) {
    let _ = client.set_nodelay(true);
    let _ = upstream.set_nodelay(true);
    let (cr, cw) = client.into_split();
    let (ur, uw) = upstream.into_split();
    let up = tokio::spawn(pipe(cr, uw, Arc::clone(&stats), true));
    let down = tokio::spawn(pipe(ur, cw, stats, false));
    let _ = tokio::join!(up, down);
}

/// Copies one direction until EOF or an error, then shuts the writing side (the other
/// direction sees EOF in turn).
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    stats: Arc<HopStats>,
    up: bool,
) {
    let mut buf = vec![0u8; 8192];
    let mut scan = PacketScan::default();
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let bytes = buf.get(..n).unwrap_or(&[]);
        scan.feed(bytes, &stats, up);
        if to.write_all(bytes).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Splits an MQTT byte stream into packets by their fixed headers (MQTT 3.1.1 and 5.0 §2.1.1:
/// type and flags, then the Remaining Length variable byte integer), counting each and each
/// PUBLISH with DUP set. It only counts: the endpoints on either side do the checking.
#[derive(Debug, Default)]
struct PacketScan {
    /// Bytes of the packet under way still to skip, once its header is known.
    skip: usize,
    /// A fixed header split across reads.
    header: Vec<u8>,
}

impl PacketScan {
    fn feed(&mut self, mut bytes: &[u8], stats: &HopStats, up: bool) {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(bytes.len());
                self.skip -= n;
                bytes = bytes.get(n..).unwrap_or(&[]);
                continue;
            }
            let Some((&b, rest)) = bytes.split_first() else { break };
            self.header.push(b);
            bytes = rest;
            // The header is complete when the last length byte has no continuation bit.
            if self.header.len() >= 2 && self.header.last().is_some_and(|&l| l & 0x80 == 0) {
                let mut len = 0usize;
                for (i, &l) in self.header.iter().skip(1).enumerate() {
                    len |= usize::from(l & 0x7F) << (7 * i);
                }
                let first = self.header.first().copied().unwrap_or(0);
                stats.count(up, self.header.len() + len);
                // PUBLISH (type 3) with DUP (bit 3).
                if first >> 4 == 3 && first & 0x08 != 0 {
                    stats.retransmissions.fetch_add(1, Ordering::Relaxed);
                }
                self.skip = len;
                self.header.clear();
            } else if self.header.len() > 5 {
                // Not MQTT (a length of more than 4 bytes); stop counting this stream.
                self.skip = usize::MAX;
                self.header.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_scan_counts_packets_split_anywhere_and_dup_publishes() {
        // CONNACK, a PUBLISH with DUP, a PINGRESP: fed one byte at a time.
        let stream = [0x20, 0x02, 0x00, 0x00, 0x3A, 0x05, 0x00, 0x01, b'a', 0x00, 0x01, 0xD0, 0x00];
        let stats = HopStats::default();
        let mut scan = PacketScan::default();
        for b in stream {
            scan.feed(&[b], &stats, false);
        }
        assert_eq!(stats.down_messages.load(Ordering::Relaxed), 3);
        assert_eq!(stats.down_bytes.load(Ordering::Relaxed), stream.len() as u64);
        assert_eq!(stats.retransmissions.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn a_con_with_a_used_message_id_is_a_retransmission() {
        let mut seen = SeenIds::default();
        let from: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let con = [0x40, 0x02, 0x12, 0x34];
        let non = [0x50, 0x02, 0x12, 0x34];
        assert!(!seen.is_retransmission(from, &con));
        assert!(seen.is_retransmission(from, &con));
        assert!(!seen.is_retransmission(from, &non));
        assert!(!seen.is_retransmission("127.0.0.1:2".parse().unwrap(), &con));
    }

    #[test]
    fn packets_in_one_read_are_counted_each() {
        let mut stream = vec![0x10, 0x03, 1, 2, 3];
        stream.extend([0x32, 0x04, 0, 1, b'a', 0]);
        stream.extend([0x3A, 0x04, 0, 1, b'a', 0]);
        let stats = HopStats::default();
        let mut scan = PacketScan::default();
        scan.feed(&stream, &stats, true);
        assert_eq!(stats.up_messages.load(Ordering::Relaxed), 3);
        assert_eq!(stats.retransmissions.load(Ordering::Relaxed), 1);
    }
}
