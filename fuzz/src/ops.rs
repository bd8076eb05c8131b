//! The operation types of the structure-aware targets, shared with the seed writer
//! ([`crate::seeds`]) so that seeds are checked to decode to what they mean.

/// The operations of the `coap_endpoint` target.
pub mod coap_endpoint {
    use arbitrary::Arbitrary;

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub enum Op {
        /// A raw datagram to one side from the other.
        Raw {
            to_server: bool,
            bytes: Vec<u8>,
        },
        /// A datagram in flight, changed (one byte xor-ed, maybe cut) and delivered.
        Mutate {
            pick: u8,
            at: u8,
            xor: u8,
            cut: Option<u8>,
        },
        /// The oldest datagram in flight: delivered, lost, or delivered and kept for a duplicate.
        Deliver {
            lose: bool,
            duplicate: bool,
        },
        /// Time passes.
        Advance {
            ms: u16,
        },
        Request {
            from_server: bool,
            post: bool,
            confirmable: bool,
            observe: Option<bool>,
            body: u8,
        },
        Respond {
            body: u8,
            code: u8,
        },
        Accept,
        Observe,
        Notify {
            body: u8,
            confirmable: bool,
            error: bool,
        },
        Ping {
            from_server: bool,
        },
        Cancel {
            pick: u8,
        },
        Deregister {
            pick: u8,
        },
        RemoveObserver {
            pick: u8,
        },
    }
}

/// The operations of the `mqtt_client` target.
pub mod mqtt_client {
    use arbitrary::Arbitrary;

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub enum Op {
        Connect { clean_start: bool, keep_alive: u8 },
        Raw(Vec<u8>),
        Packet { which: u8, id: u8 },
        Advance { quarter_seconds: u8 },
        Publish { qos: u8, len: u8, retain: bool },
        Subscribe,
        Unsubscribe,
        Disconnect,
        Lost,
    }

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub struct Input {
        pub v5: bool,
        pub ops: Vec<Op>,
    }
}

/// The operations of the `mqtt_server` target.
pub mod mqtt_server {
    use arbitrary::Arbitrary;

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub enum Op {
        Raw(Vec<u8>),
        Packet { which: u8, id: u8 },
        Accept { session_present: bool },
        Reject,
        Publish { qos: u8, len: u8 },
        Suback { id: u8 },
        Advance { quarter_seconds: u8 },
        Lost,
        Export,
        Import,
    }
}

/// The operations of the `mqtt_broker` target.
pub mod mqtt_broker {
    use arbitrary::Arbitrary;

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub enum Op {
        Open { conn: u8 },
        Packet { conn: u8, which: u8, id: u8 },
        Raw { conn: u8, bytes: Vec<u8> },
        Lost { conn: u8 },
        Advance { half_seconds: u8 },
        Export,
        Import,
    }
}

/// The operations of the `coap_session` target.
pub mod coap_session {
    use arbitrary::Arbitrary;

    /// The two sessions' set-up.
    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub struct Setup {
        /// WebSocket framing (else TCP).
        pub ws: bool,
        /// Max-Message-Size 300 + 600 × (this % 8).
        pub size: u8,
        /// Block-Wise-Transfer announced by both.
        pub block_wise: bool,
        /// The block size exponent (7: BERT).
        pub szx: u8,
    }

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub enum Op {
        /// Raw bytes into side `to_acceptor`.
        Raw {
            to_acceptor: bool,
            bytes: Vec<u8>,
        },
        /// What the other side wrote, delivered: a chunk of up to `chunk` bytes (TCP) or one
        /// message (WebSocket).
        Deliver {
            to_acceptor: bool,
            chunk: u8,
        },
        Advance {
            to_acceptor: bool,
            seconds: u8,
        },
        Request {
            from_acceptor: bool,
            post: bool,
            observe: Option<bool>,
            body: u8,
        },
        /// A request with the application's own Block1 (or Block2) value.
        BlockRequest {
            from_acceptor: bool,
            block2: bool,
            value: u16,
            body: u8,
        },
        Respond {
            acceptor: bool,
            body: u8,
        },
        Observe {
            acceptor: bool,
        },
        Notify {
            acceptor: bool,
            error: bool,
            body: u8,
        },
        Ping {
            from_acceptor: bool,
            custody: bool,
        },
        Cancel {
            from_acceptor: bool,
            deregister: bool,
            pick: u8,
        },
        Release {
            from_acceptor: bool,
            alternative: bool,
            hold_off: u8,
        },
        Abort {
            from_acceptor: bool,
            long: bool,
        },
        Lost {
            acceptor: bool,
        },
    }

    #[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
    pub struct Input {
        pub setup: Setup,
        pub ops: Vec<Op>,
    }
}
