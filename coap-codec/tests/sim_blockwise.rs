//! Deterministic simulations of block-wise transfers (RFC 7959) between a client and a server
//! endpoint over a link that loses 20 % of datagrams, duplicates 2 % and holds back 10 %: a
//! 1 MiB download (Block2) and a 1 MiB upload (Block1) complete byte-identical in every seed.
//! Every seed checks:
//! - the application gets each body once, whole and unchanged (the server's application sees
//!   the upload once, the client's gets the download once);
//! - each request ends exactly once;
//! - a block request whose CON was given up is asked for again (`Config::block_retries`), so no
//!   transfer fails; a plain GET that timed out before its first block is issued again by the
//!   application (that is the application's business, counted in the totals);
//! - the tables and the body store stay within their limits all along, and are empty at the end
//!   (the server's kept bodies and records expire after `block_lifetime`).
//!
//! `SIM_SEEDS=n` runs n seeds (default 20: 1 MiB each way per seed); `SIM_SEED=s` replays one.
#![cfg(feature = "sim")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::HashMap;
use std::time::Duration;

use coap_codec::endpoint::{Config, Endpoint, Event, Limits, RequestHandle, RequestOptions, VecStorage};
use coap_codec::sim::{Link, LinkConfig, Pair, Rng};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

type Ep = Endpoint<u8, VecStorage<u8>>;
const CLIENT: u8 = 1;
const SERVER: u8 = 2;
const SIZE: usize = 1 << 20;
const LIMITS: Limits = Limits {
    exchanges: 8,
    dedup: 8192,
    observers: 1,
    transmit: 32,
    events: 8,
    store_bytes: 8 << 10,
    cache_bytes: 16 << 10,
    receive_bytes: 8 << 10,
    transfers: 4,
    body_bytes: (2 << 20) + 4096,
};

fn seeds() -> Vec<u64> {
    if let Ok(s) = std::env::var("SIM_SEED") {
        return vec![s.parse().unwrap()];
    }
    let n = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20);
    (0..n).collect()
}

#[derive(Default, Debug)]
struct Totals {
    seeds: u64,
    virtual_ms: u64,
    datagrams: u64,
    lost: u64,
    duplicated: u64,
    get_reissued: u64,
    block_requests: u64,
    /// Blocks asked for again with a new message id after their CON was given up.
    blocks_reasked: u64,
}

#[test]
fn one_mib_each_way_over_a_lossy_link_every_seed() {
    let started = std::time::Instant::now();
    let mut totals = Totals::default();
    for seed in seeds() {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(seed, &mut totals))) {
            eprintln!("failing seed: SIM_SEED={seed}");
            std::panic::resume_unwind(e);
        }
    }
    eprintln!("sim_blockwise: {totals:?} in {:?}", started.elapsed());
    assert!(totals.lost > 0 && totals.duplicated > 0);
    assert!(totals.blocks_reasked > 0, "20 % loss should make some block request give up across the seeds");
}

fn random_body(seed: u64, salt: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed ^ salt);
    let mut v = Vec::with_capacity(SIZE);
    while v.len() < SIZE {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v.truncate(SIZE);
    v
}

fn run(seed: u64, totals: &mut Totals) {
    let client = Ep::new(Config { seed, ..Config::default() }, VecStorage::new(&LIMITS));
    let server = Ep::new(Config { seed: seed ^ 0xABCD, ..Config::default() }, VecStorage::new(&LIMITS));
    let link = Link::new(LinkConfig::hostile(20), seed).with_trace();
    let mut pair = Pair::new(client, CLIENT, server, SERVER, link);
    let (download, upload) = (random_body(seed, 1), random_body(seed, 2));

    let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
    get.path("big").unwrap();
    let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    put.path("big").unwrap().payload(&upload);
    let mut get_handle = pair.a.request(Instant::ZERO, SERVER, &get, RequestOptions::default()).unwrap();
    let put_handle = pair.a.request(Instant::ZERO, SERVER, &put, RequestOptions::default()).unwrap();

    let mut outcomes: HashMap<RequestHandle, &str> = HashMap::new();
    let (mut gets_seen, mut puts_seen) = (0, 0);
    let mut got_download = false;
    let end = Instant::from_millis(48 * 3600 * 1000);
    while pair.now < end {
        let st = pair.step();
        assert!(st.stalled.is_none(), "seed {seed}: {st:?}");
        let now = pair.now;
        // Server application.
        while let Some(ev) = pair.b.poll_event() {
            let Event::RequestReceived { handle, request, .. } = ev else { panic!("server: {ev:?}") };
            let mut r;
            if request.code() == Code::GET {
                gets_seen += 1;
                r = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                r.payload(&download);
            } else {
                puts_seen += 1;
                assert_eq!(request.payload().len(), SIZE, "seed {seed}: upload length");
                assert!(request.payload() == &upload[..], "seed {seed}: upload differs");
                r = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0));
            }
            pair.b.respond(now, handle, &r).unwrap();
        }
        // Client application.
        let mut reissue = false;
        while let Some(ev) = pair.a.poll_event() {
            match ev {
                Event::ResponseReceived { request, response, .. } => {
                    assert!(outcomes.insert(request, "response").is_none(), "seed {seed}: two outcomes");
                    if request == get_handle {
                        assert_eq!(response.code(), Code::CONTENT);
                        assert_eq!(response.payload().len(), SIZE, "seed {seed}: download length");
                        assert!(response.payload() == &download[..], "seed {seed}: download differs");
                        got_download = true;
                    } else {
                        assert_eq!((request, response.code()), (put_handle, Code::CHANGED));
                    }
                }
                Event::RequestTimedOut { request, .. } if request == get_handle => reissue = true,
                other => panic!("seed {seed}: client: {other:?}"),
            }
        }
        if reissue {
            // The GET timed out before its first block arrived: the application asks again.
            totals.get_reissued += 1;
            get_handle = pair.a.request(now, SERVER, &get, RequestOptions::default()).unwrap();
        }
        for e in [&pair.a, &pair.b] {
            assert!(e.open_exchanges() <= LIMITS.exchanges);
            assert!(e.dedup_entries() <= LIMITS.dedup);
            assert!(e.open_transfers() <= LIMITS.transfers);
            assert!(e.body_bytes_in_use() <= LIMITS.body_bytes);
        }
        if st.idle {
            break;
        }
    }
    assert!(got_download, "seed {seed}: no download");
    assert_eq!(outcomes.get(&put_handle), Some(&"response"), "seed {seed}: upload outcome");
    assert_eq!(puts_seen, 1, "seed {seed}: the upload reached the application {puts_seen} times");
    assert!(gets_seen >= 1);
    // Idle: every kept body and record expired, every table is empty again.
    for e in [&pair.a, &pair.b] {
        assert_eq!((e.open_exchanges(), e.open_transfers(), e.body_bytes_in_use()), (0, 0, 0), "seed {seed}");
    }
    // Block requests sent with more than one message id: given up, then asked for again.
    let mut ids: HashMap<(u16, u32), std::collections::HashSet<u16>> = HashMap::new();
    for r in pair.link.trace.as_ref().unwrap().iter().filter(|r| r.from == CLIENT) {
        let m = Message::new_checked(&r.bytes[..]).unwrap();
        if m.code().is_request() {
            for n in [OptionNumber::BLOCK1, OptionNumber::BLOCK2] {
                if let Some(v) = m.uint_option(n) {
                    ids.entry((n.0, v)).or_default().insert(m.message_id().0);
                }
            }
        }
    }
    totals.blocks_reasked += ids.values().filter(|s| s.len() > 1).count() as u64;
    let _ = Duration::ZERO;
    totals.seeds += 1;
    totals.virtual_ms += pair.now.as_millis();
    totals.datagrams += pair.link.sent;
    totals.lost += pair.link.lost;
    totals.duplicated += pair.link.duplicated;
    totals.block_requests += (2 * SIZE / 1024) as u64;
}
