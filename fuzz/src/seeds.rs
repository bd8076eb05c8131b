//! Seed inputs for the structure-aware targets, written in `arbitrary`'s byte format (1.5:
//! integers little-endian, `bool` the low bit of a byte, `Option` a `bool` then the value,
//! sequences as "another?" flags before each element, an enum variant as a `u32` scaled by the
//! variant count). Each seed is a scenario the tests run (an exchange, a block transfer, an
//! observation, a lossy link, QoS 1/2 flows both ways, a session resumed) or the spec's own
//! example messages; a unit test checks that every seed decodes to exactly the operations it
//! was written from. `cargo run --example write_seeds` writes them to `corpus/<target>/seed-*`.

use crate::ops::{coap_endpoint as ce, coap_session as cs, mqtt_broker as mb, mqtt_client as mc, mqtt_server as ms};

/// `arbitrary`'s byte format, written.
#[derive(Debug, Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    /// Variant `k` of an enum with `count` variants: the smallest `u32` that selects it.
    pub fn variant(&mut self, k: u32, count: u32) -> &mut Self {
        let tag = ((u64::from(k) << 32) + u64::from(count) - 1) / u64::from(count);
        self.0.extend_from_slice(&(tag as u32).to_le_bytes());
        self
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }
    /// A `Vec<u8>`: each byte after a "another" flag, then the end flag.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        for &x in b {
            self.0.extend_from_slice(&[1, x]);
        }
        self.u8(0)
    }
    /// Before each element of a sequence.
    pub fn another(&mut self) -> &mut Self {
        self.u8(1)
    }
}

/// Encodes operations of each target.
pub trait Encode {
    fn encode(&self, w: &mut Writer);
}

/// A sequence of operations as the target's top-level `Vec` reads it (`arbitrary_take_rest`).
pub fn ops<T: Encode>(ops: &[T]) -> Vec<u8> {
    let mut w = Writer::default();
    for op in ops {
        w.another();
        op.encode(&mut w);
    }
    w.0
}

impl Encode for ce::Op {
    fn encode(&self, w: &mut Writer) {
        const N: u32 = 13;
        match self {
            Self::Raw { to_server, bytes } => w.variant(0, N).bool(*to_server).bytes(bytes),
            Self::Mutate { pick, at, xor, cut } => {
                w.variant(1, N).u8(*pick).u8(*at).u8(*xor).bool(cut.is_some());
                cut.map(|c| w.u8(c));
                w
            }
            Self::Deliver { lose, duplicate } => w.variant(2, N).bool(*lose).bool(*duplicate),
            Self::Advance { ms } => w.variant(3, N).u16(*ms),
            Self::Request { from_server, post, confirmable, observe, body } => {
                w.variant(4, N).bool(*from_server).bool(*post).bool(*confirmable).bool(observe.is_some());
                observe.map(|o| w.bool(o));
                w.u8(*body)
            }
            Self::Respond { body, code } => w.variant(5, N).u8(*body).u8(*code),
            Self::Accept => w.variant(6, N),
            Self::Observe => w.variant(7, N),
            Self::Notify { body, confirmable, error } => w.variant(8, N).u8(*body).bool(*confirmable).bool(*error),
            Self::Ping { from_server } => w.variant(9, N).bool(*from_server),
            Self::Cancel { pick } => w.variant(10, N).u8(*pick),
            Self::Deregister { pick } => w.variant(11, N).u8(*pick),
            Self::RemoveObserver { pick } => w.variant(12, N).u8(*pick),
        };
    }
}

impl Encode for mc::Op {
    fn encode(&self, w: &mut Writer) {
        const N: u32 = 9;
        match self {
            Self::Connect { clean_start, keep_alive } => w.variant(0, N).bool(*clean_start).u8(*keep_alive),
            Self::Raw(b) => w.variant(1, N).bytes(b),
            Self::Packet { which, id } => w.variant(2, N).u8(*which).u8(*id),
            Self::Advance { quarter_seconds } => w.variant(3, N).u8(*quarter_seconds),
            Self::Publish { qos, len, retain } => w.variant(4, N).u8(*qos).u8(*len).bool(*retain),
            Self::Subscribe => w.variant(5, N),
            Self::Unsubscribe => w.variant(6, N),
            Self::Disconnect => w.variant(7, N),
            Self::Lost => w.variant(8, N),
        };
    }
}

impl Encode for ms::Op {
    fn encode(&self, w: &mut Writer) {
        const N: u32 = 10;
        match self {
            Self::Raw(b) => w.variant(0, N).bytes(b),
            Self::Packet { which, id } => w.variant(1, N).u8(*which).u8(*id),
            Self::Accept { session_present } => w.variant(2, N).bool(*session_present),
            Self::Reject => w.variant(3, N),
            Self::Publish { qos, len } => w.variant(4, N).u8(*qos).u8(*len),
            Self::Suback { id } => w.variant(5, N).u8(*id),
            Self::Advance { quarter_seconds } => w.variant(6, N).u8(*quarter_seconds),
            Self::Lost => w.variant(7, N),
            Self::Export => w.variant(8, N),
            Self::Import => w.variant(9, N),
        };
    }
}

impl Encode for mb::Op {
    fn encode(&self, w: &mut Writer) {
        const N: u32 = 7;
        match self {
            Self::Open { conn } => w.variant(0, N).u8(*conn),
            Self::Packet { conn, which, id } => w.variant(1, N).u8(*conn).u8(*which).u8(*id),
            Self::Raw { conn, bytes } => w.variant(2, N).u8(*conn).bytes(bytes),
            Self::Lost { conn } => w.variant(3, N).u8(*conn),
            Self::Advance { half_seconds } => w.variant(4, N).u8(*half_seconds),
            Self::Export => w.variant(5, N),
            Self::Import => w.variant(6, N),
        };
    }
}

impl Encode for cs::Op {
    fn encode(&self, w: &mut Writer) {
        const N: u32 = 13;
        match self {
            Self::Raw { to_acceptor, bytes } => w.variant(0, N).bool(*to_acceptor).bytes(bytes),
            Self::Deliver { to_acceptor, chunk } => w.variant(1, N).bool(*to_acceptor).u8(*chunk),
            Self::Advance { to_acceptor, seconds } => w.variant(2, N).bool(*to_acceptor).u8(*seconds),
            Self::Request { from_acceptor, post, observe, body } => {
                w.variant(3, N).bool(*from_acceptor).bool(*post).bool(observe.is_some());
                observe.map(|o| w.bool(o));
                w.u8(*body)
            }
            Self::BlockRequest { from_acceptor, block2, value, body } => {
                w.variant(4, N).bool(*from_acceptor).bool(*block2).u16(*value).u8(*body)
            }
            Self::Respond { acceptor, body } => w.variant(5, N).bool(*acceptor).u8(*body),
            Self::Observe { acceptor } => w.variant(6, N).bool(*acceptor),
            Self::Notify { acceptor, error, body } => w.variant(7, N).bool(*acceptor).bool(*error).u8(*body),
            Self::Ping { from_acceptor, custody } => w.variant(8, N).bool(*from_acceptor).bool(*custody),
            Self::Cancel { from_acceptor, deregister, pick } => {
                w.variant(9, N).bool(*from_acceptor).bool(*deregister).u8(*pick)
            }
            Self::Release { from_acceptor, alternative, hold_off } => {
                w.variant(10, N).bool(*from_acceptor).bool(*alternative).u8(*hold_off)
            }
            Self::Abort { from_acceptor, long } => w.variant(11, N).bool(*from_acceptor).bool(*long),
            Self::Lost { acceptor } => w.variant(12, N).bool(*acceptor),
        };
    }
}

/// The session target's input: the set-up, then the operations.
pub fn session_input(input: &cs::Input) -> Vec<u8> {
    let mut w = Writer::default();
    let s = &input.setup;
    w.bool(s.ws).u8(s.size).bool(s.block_wise).u8(s.szx);
    let mut out = w.0;
    out.extend(ops(&input.ops));
    out
}

/// The MQTT client target's input: the version flag, then the operations.
pub fn client_input(input: &mc::Input) -> Vec<u8> {
    let mut out = vec![u8::from(input.v5)];
    out.extend(ops(&input.ops));
    out
}

fn deliver(n: usize) -> Vec<ce::Op> {
    vec![ce::Op::Deliver { lose: false, duplicate: false }; n]
}

/// RFC 7252 Appendix A's messages as datagrams (the GETs of Figures 16-21 with and without a
/// token, their piggybacked and separate answers, an empty ACK, a RST) and a ping.
fn rfc7252_datagrams() -> Vec<Vec<u8>> {
    let path: Vec<u8> = [&[0xBB][..], b"temperature"].concat();
    vec![
        [&[0x40, 0x01, 0x7D, 0x34][..], &path].concat(),
        [&[0x42, 0x01, 0x7D, 0x34, 0x20, 0x00][..], &path].concat(),
        [&[0x52, 0x01, 0x7D, 0x35, 0x20, 0x00][..], &path].concat(),
        [&[0x60, 0x45, 0x7D, 0x34, 0xFF][..], b"22.5 C"].concat(),
        [&[0x62, 0x45, 0x7D, 0x34, 0x20, 0x00, 0xFF][..], b"22.3 C"].concat(),
        vec![0x60, 0x00, 0x7D, 0x34],
        [&[0x42, 0x45, 0x23, 0xBB, 0x20, 0x00, 0xFF][..], b"22.5 C"].concat(),
        vec![0x70, 0x00, 0x7D, 0x34],
        vec![0x40, 0x00, 0x12, 0x34],
    ]
}

/// Every seed: (target, name, bytes).
pub fn all() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    use ce::Op as C;
    let mut out = Vec::new();

    // CoAP endpoint.
    let mut appendix = Vec::new();
    for d in rfc7252_datagrams() {
        appendix.push(C::Raw { to_server: true, bytes: d.clone() });
        appendix.push(C::Raw { to_server: false, bytes: d });
        appendix.extend(deliver(2));
    }
    out.push(("coap_endpoint", "seed-rfc7252-appendix-a", ops(&appendix)));
    let mut exchange = vec![C::Request { from_server: false, post: false, confirmable: true, observe: None, body: 0 }];
    exchange.extend(deliver(1));
    exchange.push(C::Respond { body: 2, code: 0 });
    exchange.extend(deliver(1));
    exchange.push(C::Request { from_server: false, post: true, confirmable: false, observe: None, body: 3 });
    exchange.extend(deliver(1));
    exchange.push(C::Accept);
    exchange.push(C::Advance { ms: 1500 });
    exchange.extend(deliver(1));
    exchange.push(C::Respond { body: 1, code: 1 });
    exchange.extend(deliver(2));
    exchange.push(C::Ping { from_server: false });
    exchange.extend(deliver(2));
    out.push(("coap_endpoint", "seed-exchanges", ops(&exchange)));
    // Block1 upload of 800 bytes and a Block2 answer of 600 (64-byte blocks): many deliveries.
    let mut blocks = vec![C::Request { from_server: false, post: true, confirmable: true, observe: None, body: 200 }];
    for _ in 0..14 {
        blocks.extend(deliver(2));
    }
    blocks.push(C::Respond { body: 150, code: 0 });
    for _ in 0..12 {
        blocks.extend(deliver(2));
    }
    out.push(("coap_endpoint", "seed-block-transfer", ops(&blocks)));
    let mut observe =
        vec![C::Request { from_server: false, post: false, confirmable: true, observe: Some(false), body: 0 }];
    observe.extend(deliver(1));
    observe.push(C::Observe);
    observe.extend(deliver(1));
    for i in 0..3u8 {
        observe.push(C::Notify { body: 2 + i * 10, confirmable: i == 1, error: false });
        observe.extend(deliver(4));
    }
    observe.push(C::Deregister { pick: 0 });
    observe.extend(deliver(2));
    observe.push(C::Notify { body: 1, confirmable: false, error: true });
    observe.extend(deliver(2));
    out.push(("coap_endpoint", "seed-observe", ops(&observe)));
    // A lossy, duplicating link: the first answer lost, the retransmission duplicated.
    let mut lossy = vec![C::Request { from_server: false, post: false, confirmable: true, observe: None, body: 0 }];
    lossy.extend(deliver(1));
    lossy.push(C::Respond { body: 1, code: 0 });
    lossy.push(C::Deliver { lose: true, duplicate: false });
    lossy.push(C::Advance { ms: 3000 });
    lossy.push(C::Deliver { lose: false, duplicate: true });
    lossy.extend(deliver(3));
    lossy.push(C::Mutate { pick: 0, at: 1, xor: 0x20, cut: None });
    lossy.push(C::Advance { ms: 60_000 });
    out.push(("coap_endpoint", "seed-lossy", ops(&lossy)));

    // CoAP over TCP and WebSockets: CSMs, a GET, a BERT upload and download, Observe, Ping
    // with Custody, Release (RFC 8323 §5), in both framings.
    for (ws, name) in [(false, "seed-tcp-bert-observe-release"), (true, "seed-ws-bert-observe-release")] {
        use cs::Op as S;
        let pump = |n: usize| {
            (0..n)
                .flat_map(|_| {
                    [S::Deliver { to_acceptor: true, chunk: 255 }, S::Deliver { to_acceptor: false, chunk: 255 }]
                })
                .collect::<Vec<_>>()
        };
        let mut o = pump(2);
        o.push(S::Request { from_acceptor: false, post: false, observe: None, body: 0 });
        o.extend(pump(2));
        o.push(S::Respond { acceptor: true, body: 3 });
        o.extend(pump(2));
        o.push(S::Request { from_acceptor: false, post: true, observe: None, body: 200 });
        o.extend(pump(12));
        o.push(S::Respond { acceptor: true, body: 150 });
        o.extend(pump(12));
        o.push(S::Request { from_acceptor: false, post: false, observe: Some(false), body: 0 });
        o.extend(pump(2));
        o.push(S::Observe { acceptor: true });
        o.extend(pump(2));
        o.push(S::Notify { acceptor: true, error: false, body: 60 });
        o.extend(pump(6));
        o.push(S::Ping { from_acceptor: false, custody: true });
        o.extend(pump(2));
        o.push(S::Release { from_acceptor: true, alternative: true, hold_off: 5 });
        o.extend(pump(2));
        let setup = cs::Setup { ws, size: 2, block_wise: true, szx: 7 };
        out.push(("coap_session", name, session_input(&cs::Input { setup, ops: o })));
    }

    // MQTT client: QoS 1 and 2 both ways, then a session resumed (5.0 and 3.1.1).
    for (v5, name) in [(true, "seed-qos-flows-5"), (false, "seed-qos-flows-311")] {
        use mc::Op as O;
        let connack = if v5 { 0 } else { 2 };
        let ops = vec![
            O::Publish { qos: 1, len: 3, retain: false },
            O::Connect { clean_start: false, keep_alive: 10 },
            O::Packet { which: connack, id: 0 },
            O::Packet { which: 3, id: 0 }, // PUBACK 1
            O::Publish { qos: 2, len: 5, retain: true },
            O::Packet { which: 4, id: 1 }, // PUBREC 2
            O::Packet { which: 6, id: 1 }, // PUBCOMP 2
            O::Subscribe,
            O::Packet { which: 10, id: 2 },
            O::Packet { which: if v5 { 8 } else { 9 }, id: 4 },
            O::Packet { which: 5, id: 4 }, // PUBREL 5
            O::Advance { quarter_seconds: 60 },
            O::Packet { which: 7, id: 0 },
            O::Publish { qos: 1, len: 1, retain: false },
            O::Lost,
            O::Connect { clean_start: false, keep_alive: 10 },
            O::Packet { which: 1, id: 0 },
            O::Unsubscribe,
            O::Packet { which: 11, id: 4 },
            O::Disconnect,
        ];
        out.push(("mqtt_client", name, client_input(&mc::Input { v5, ops })));
    }
    // The spec's example packets as raw input (MQTT 3.1.1 §3.2 CONNACK, a QoS 1 PUBLISH of
    // "a/b" with id 10, PUBACK, SUBACK; MQTT 5.0 DISCONNECT with reason 0x8E).
    let raw = vec![
        mc::Op::Connect { clean_start: true, keep_alive: 60 },
        mc::Op::Raw(vec![0x20, 0x02, 0x00, 0x00]),
        mc::Op::Raw(vec![0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i']),
        mc::Op::Raw(vec![0x40, 0x02, 0x00, 0x01]),
        mc::Op::Raw(vec![0x90, 0x03, 0x00, 0x01, 0x01]),
        mc::Op::Raw(vec![0xE0, 0x02, 0x8E, 0x00]),
    ];
    out.push(("mqtt_client", "seed-spec-packets", client_input(&mc::Input { v5: false, ops: raw })));

    // MQTT broker-side connection.
    {
        use ms::Op as O;
        let flows = vec![
            O::Packet { which: 0, id: 0 }, // CONNECT 5.0
            O::Accept { session_present: false },
            O::Packet { which: 9, id: 6 }, // SUBSCRIBE
            O::Suback { id: 6 },
            O::Packet { which: 2, id: 2 }, // PUBLISH QoS 2 in
            O::Packet { which: 4, id: 2 }, // PUBREL
            O::Publish { qos: 1, len: 4 },
            O::Packet { which: 5, id: 0 }, // PUBACK 1
            O::Publish { qos: 2, len: 4 },
            O::Packet { which: 6, id: 1 }, // PUBREC 2
            O::Packet { which: 7, id: 1 }, // PUBCOMP 2
            O::Export,
            O::Lost,
            O::Import,
            O::Packet { which: 8, id: 0 },
            O::Advance { quarter_seconds: 100 },
            O::Packet { which: 10, id: 0 },
        ];
        out.push(("mqtt_server", "seed-qos-flows", ops(&flows)));
        let old = vec![
            O::Packet { which: 1, id: 0 }, // CONNECT 3.1.1 with a will
            O::Accept { session_present: true },
            O::Packet { which: 3, id: 3 },
            O::Publish { qos: 1, len: 8 },
            O::Lost,
            O::Raw(vec![0x10, 0x0D, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x00, 0, 10, 0, 1, b'a']),
            O::Reject,
        ];
        out.push(("mqtt_server", "seed-will-and-reject", ops(&old)));
    }

    // MQTT broker core: two clients, subscriptions, QoS 0/1/2 across, a persistent session.
    {
        use mb::Op as O;
        let fanout = vec![
            O::Open { conn: 0 },
            O::Open { conn: 1 },
            O::Packet { conn: 0, which: 1, id: 0 }, // CONNECT "b", persistent, will
            O::Packet { conn: 1, which: 2, id: 0 }, // CONNECT 5.0 "c"
            O::Packet { conn: 0, which: 3, id: 1 }, // SUBSCRIBE a/#
            O::Packet { conn: 1, which: 4, id: 2 }, // SUBSCRIBE $share/g/a/+
            O::Packet { conn: 1, which: 5, id: 0 }, // PUBLISH QoS 0 retained
            O::Packet { conn: 1, which: 6, id: 3 }, // PUBLISH QoS 1
            O::Packet { conn: 1, which: 7, id: 4 }, // PUBLISH QoS 2
            O::Packet { conn: 1, which: 8, id: 4 }, // PUBREL
            O::Packet { conn: 0, which: 9, id: 0 }, // PUBACK 1
            O::Packet { conn: 0, which: 10, id: 1 }, // PUBREC 2
            O::Packet { conn: 0, which: 11, id: 1 }, // PUBCOMP 2
            O::Lost { conn: 0 },
            O::Packet { conn: 1, which: 6, id: 5 },
            O::Open { conn: 2 },
            O::Packet { conn: 2, which: 1, id: 0 }, // "b" again: the session resumes
            O::Export,
            O::Import,
            O::Advance { half_seconds: 200 },
            O::Packet { conn: 1, which: 13, id: 6 },
            O::Packet { conn: 1, which: 14, id: 0 },
        ];
        out.push(("mqtt_broker", "seed-fanout-and-resume", ops(&fanout)));
    }
    out
}

#[cfg(test)]
mod tests {
    use arbitrary::{Arbitrary, Unstructured};

    use super::*;

    fn decodes<T: Arbitrary<'static> + Encode + PartialEq + core::fmt::Debug>(ops: &[T]) {
        let bytes: &'static [u8] = Vec::leak(super::ops(ops));
        let back: Vec<T> = Vec::arbitrary_take_rest(Unstructured::new(bytes)).unwrap();
        assert_eq!(back, ops);
    }

    #[test]
    fn every_variant_decodes_to_what_it_was_written_from() {
        use ce::Op as C;
        decodes(&[
            C::Raw { to_server: true, bytes: vec![1, 2, 0, 255] },
            C::Mutate { pick: 3, at: 4, xor: 5, cut: Some(6) },
            C::Mutate { pick: 3, at: 4, xor: 5, cut: None },
            C::Deliver { lose: true, duplicate: false },
            C::Advance { ms: 65_000 },
            C::Request { from_server: true, post: false, confirmable: true, observe: Some(true), body: 7 },
            C::Request { from_server: false, post: true, confirmable: false, observe: None, body: 255 },
            C::Respond { body: 8, code: 9 },
            C::Accept,
            C::Observe,
            C::Notify { body: 10, confirmable: true, error: true },
            C::Ping { from_server: true },
            C::Cancel { pick: 11 },
            C::Deregister { pick: 12 },
            C::RemoveObserver { pick: 13 },
        ]);
        use mc::Op as M;
        decodes(&[
            M::Connect { clean_start: true, keep_alive: 1 },
            M::Raw(vec![9, 8]),
            M::Packet { which: 2, id: 3 },
            M::Advance { quarter_seconds: 4 },
            M::Publish { qos: 2, len: 5, retain: true },
            M::Subscribe,
            M::Unsubscribe,
            M::Disconnect,
            M::Lost,
        ]);
        use ms::Op as S;
        decodes(&[
            S::Raw(vec![]),
            S::Packet { which: 1, id: 2 },
            S::Accept { session_present: true },
            S::Reject,
            S::Publish { qos: 1, len: 2 },
            S::Suback { id: 3 },
            S::Advance { quarter_seconds: 4 },
            S::Lost,
            S::Export,
            S::Import,
        ]);
        use cs::Op as T;
        decodes(&[
            T::Raw { to_acceptor: true, bytes: vec![0, 0xE1] },
            T::Deliver { to_acceptor: false, chunk: 9 },
            T::Advance { to_acceptor: true, seconds: 3 },
            T::Request { from_acceptor: false, post: true, observe: Some(false), body: 4 },
            T::BlockRequest { from_acceptor: true, block2: true, value: 0x1234, body: 5 },
            T::Respond { acceptor: true, body: 6 },
            T::Observe { acceptor: false },
            T::Notify { acceptor: true, error: true, body: 7 },
            T::Ping { from_acceptor: false, custody: true },
            T::Cancel { from_acceptor: true, deregister: true, pick: 8 },
            T::Release { from_acceptor: false, alternative: true, hold_off: 9 },
            T::Abort { from_acceptor: true, long: false },
            T::Lost { acceptor: true },
        ]);
        use mb::Op as B;
        decodes(&[
            B::Open { conn: 1 },
            B::Packet { conn: 2, which: 3, id: 4 },
            B::Raw { conn: 3, bytes: vec![0x10] },
            B::Lost { conn: 0 },
            B::Advance { half_seconds: 5 },
            B::Export,
            B::Import,
        ]);
    }

    #[test]
    fn every_seed_decodes_completely() {
        for (target, name, bytes) in all() {
            let bytes: &'static [u8] = Vec::leak(bytes);
            let n = match target {
                "coap_endpoint" => Vec::<ce::Op>::arbitrary_take_rest(Unstructured::new(bytes)).map(|v| v.len()),
                "mqtt_client" => mc::Input::arbitrary_take_rest(Unstructured::new(bytes)).map(|i| i.ops.len()),
                "coap_session" => cs::Input::arbitrary_take_rest(Unstructured::new(bytes)).map(|i| i.ops.len()),
                "mqtt_server" => Vec::<ms::Op>::arbitrary_take_rest(Unstructured::new(bytes)).map(|v| v.len()),
                "mqtt_broker" => Vec::<mb::Op>::arbitrary_take_rest(Unstructured::new(bytes)).map(|v| v.len()),
                other => panic!("unknown target {other}"),
            };
            assert!(n.unwrap() >= 5, "{target}/{name}");
        }
    }
}
