//! Decoding and encoding CoAP messages (UDP and TCP framing), walking every option, and parsing
//! a URI into options allocate nothing (counted by `allocation-counter`'s global allocator).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::uri::Uri;
use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::*;

fn allocations_during(f: impl FnOnce()) -> u64 {
    allocation_counter::measure(f).count_total
}

#[test]
fn the_bench_set_allocates_nothing() {
    let payload = [0x42u8; 32];
    let links = b"</rd>;rt=\"core.rd\";ct=40,</sensors/temp>;obs";
    let mut udp = [0u8; 256];
    let mut tcp_buf = [0u8; 256];
    let mut scratch = [0u8; 128];
    let count = allocations_during(|| {
        // CON GET with a 4-byte token, two Uri-Path segments and Accept.
        let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(1));
        b.token(&[1, 2, 3, 4]).unwrap().path("sensors/temp").unwrap().uint(OptionNumber::ACCEPT, 50).unwrap();
        let n = b.encode(&mut udp).unwrap();
        let m = Message::new_checked(&udp[..n]).unwrap();
        assert_eq!(m.options().count(), 3);
        // ACK 2.05 with Content-Format, Max-Age and a 32-byte payload, framed for TCP too.
        let mut b = MessageBuilder::<8>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(1));
        b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap().uint(OptionNumber::MAX_AGE, 60).unwrap();
        b.payload(&payload);
        let n = tcp::encode(&b, &mut tcp_buf).unwrap();
        let Ok(Status::Complete { item, .. }) = tcp::decode_frame(&tcp_buf[..n]) else { panic!() };
        assert_eq!(item.payload(), payload);
        // NON POST /rd?ep=node-42&lt=300 with a link-format payload, from a URI.
        let mut b = MessageBuilder::<8>::new(MessageType::NonConfirmable, Code::POST, MessageId(2));
        Uri::parse("coap://rd.example/rd?ep=node-42&lt=300").unwrap().add_options(&mut b, &mut scratch).unwrap();
        b.payload(links);
        let n = b.encode(&mut udp).unwrap();
        let m = Message::new_checked(&udp[..n]).unwrap();
        assert_eq!(m.option_problems().count(), 0);
        // A notification with Observe and Block2.
        let mut b = MessageBuilder::<8>::new(MessageType::NonConfirmable, Code::CONTENT, MessageId(3));
        b.uint(OptionNumber::OBSERVE, 7)
            .unwrap()
            .uint(OptionNumber::BLOCK2, Block { num: 0, more: true, szx: 6 }.to_uint())
            .unwrap();
        let n = b.encode(&mut udp).unwrap();
        let m = Message::new_checked(&udp[..n]).unwrap();
        assert_eq!(m.option(OptionNumber::BLOCK2).and_then(Block::decode).map(|b| b.size()), Some(Some(1024)));
        // The same notification written in place.
        let mut w =
            MessageWriter::new(&mut tcp_buf, MessageType::NonConfirmable, Code::CONTENT, MessageId(3), &[]).unwrap();
        w.uint(OptionNumber::OBSERVE, 7).unwrap();
        w.uint(OptionNumber::BLOCK2, Block { num: 0, more: true, szx: 6 }.to_uint()).unwrap();
        let k = w.finish(&[]).unwrap();
        assert_eq!(tcp_buf[..k], udp[..n]);
    });
    assert_eq!(count, 0, "allocated {count} times");
}

#[test]
fn the_counter_sees_allocations() {
    assert!(allocations_during(|| drop(std::hint::black_box(vec![0u8; 8]))) >= 1);
}
