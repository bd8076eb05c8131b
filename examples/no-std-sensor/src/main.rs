//! `no-std-sensor`: the proof that `mqtt-codec`, `coap-codec` and `lwm2m-model` need neither
//! `std` nor an allocator, and a run of the sensor library through its simulated network.
//!
//! A `#![no_std]`, `#![no_main]` binary with its own panic handler and no global allocator that
//! builds a sensor's CONNECT and PUBLISH in static buffers, decodes a CONNACK, SUBACK and
//! PUBLISH from static bytes, runs the poll-driven MQTT client through CONNECT, CONNACK and a
//! QoS 1 PUBLISH in a fixed-size store, answers a CoAP GET with a 2.05 written in place, frames a CoAP
//! over TCP CSM, reads and writes an LwM2M TLV payload typed by the built-in registry, then
//! runs the library's [`Sensor`](no_std_sensor::Sensor) through [`no_std_sensor::sim`]: 20
//! readings, 10 % datagram loss, the MQTT connection cut once. It exits with 0 when every check
//! passes, otherwise with the number of the first failed check (1-48 the link proof, 49-62 the
//! scenario: see [`scenario`] and [`Failure::code`](no_std_sensor::sim::Failure::code)). If
//! anything in the dependency graph pulled in `std`, linking fails with a duplicate
//! `panic_impl`; if anything allocated, with "no global memory allocator found".
//!
//! Build and run it on the host (what `.ci/run` does):
//! ```text
//! cd examples/no-std-sensor
//! T=$(rustc -vV | sed -n "s/host: //p")   # --target keeps RUSTFLAGS off build scripts
//! RUSTFLAGS="-C panic=abort -C relocation-model=static -C link-arg=-nostartfiles -C link-arg=-static \
//!     -C link-arg=-nostdlib" cargo build --release --target $T --target-dir ../../target/no-std
//! ../../target/no-std/$T/release/no-std-sensor; echo $?   # 0
//! ```
#![no_std]
#![no_main]
#![no_builtins]
// The exported symbols (`_start`, `rust_eh_personality`, the mem functions in `mem.rs`) and the
// exit syscall need `unsafe`; each use carries its own `allow` and SAFETY comment.
#![deny(unsafe_code)]

mod mem;

use core::panic::PanicInfo;

use no_std_sensor::sim::World;

use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::{
    decode_packet, Connect, DecodeOptions, List, Packet, Property, Protocol, Publish, Qos, QosPid, ReasonCode, Status,
    Version,
};

/// A CONNACK (5.0, success, Topic Alias Maximum 10), a SUBACK granting QoS 1 and a retained
/// PUBLISH, as a broker would send them in one TCP read.
static FROM_BROKER: [u8; 24] = [
    0x20, 0x06, 0x00, 0x00, 0x03, 0x22, 0x00, 0x0A, // CONNACK
    0x90, 0x04, 0x00, 0x01, 0x00, 0x01, // SUBACK id=1, props=0, granted QoS 1
    0x31, 0x08, 0x00, 0x03, b'c', b'/', b'1', 0x00, b'o', b'n', // PUBLISH retain "c/1" "on"
];

static mut TX: [u8; 256] = [0; 256];

/// A CoAP CON GET /temperature with token 0x20 (RFC 7252 Appendix A, Figure 17).
static COAP_GET: [u8; 17] = *b"\x41\x01\x7d\x35\x20\xbbtemperature";

/// Battery Level 100 and Memory Free 15 of /3/0, as a TLV payload (LwM2M Core §7.4.3).
static TLV: [u8; 6] = [0xC1, 0x09, 0x64, 0xC1, 0x0A, 0x0F];

/// Reads the TLV payload, types it by the registry and writes it back; the first failed check, or 0.
fn lwm2m() -> i32 {
    use lwm2m_model::format::tlv;
    use lwm2m_model::model::{registry, type_records, Path, Record, Value};
    let request = Path::instance_path(3, 0);
    let Ok(records) = tlv::decode(&TLV, request) else { return 30 };
    let mut typed: [Record<'_>; 2] =
        [Record { path: Path::ROOT, value: Value::None }, Record { path: Path::ROOT, value: Value::None }];
    let mut n = 0;
    for r in records {
        let Some(slot) = typed.get_mut(n) else { return 31 };
        *slot = r;
        n += 1;
    }
    if n != 2 || type_records(registry::CORE, &mut typed).is_err() {
        return 32;
    }
    if typed[0].value != Value::Integer(100) || typed[1].value != Value::Integer(15) {
        return 33;
    }
    let mut out = [0u8; 16];
    match tlv::encode(request, &typed, &mut out) {
        Ok(6) if out.get(..6) == Some(&TLV[..]) => 0,
        _ => 34,
    }
}

/// The poll-driven MQTT client from a static-sized store: CONNECT, CONNACK, a QoS 1 PUBLISH and
/// its PUBACK; returns the number of the first failed check, or 0.
fn client() -> i32 {
    use mqtt_codec::client::{Client, Config, Event, OutgoingMessage};
    use mqtt_codec::time::Instant;
    let config = Config::new(Version::V5).with_store_split(256, 32, 128);
    let Ok(mut c) = Client::<[u8; 768], 4, 2>::new(config, [0; 768]) else { return 40 };
    let now = Instant::from_millis(5);
    if c.connect(now, &Connect { client_id: "sensor-7", ..Connect::new(Protocol::Mqtt5) }).is_err() {
        return 41;
    }
    let mut tx = [0u8; 128];
    if !matches!(c.poll_transmit(now, &mut tx), Ok(Some(t)) if tx.first() == Some(&0x10) && t.len > 20) {
        return 42;
    }
    if c.handle_input(now, &[0x20, 0x03, 0x00, 0x00, 0x00]) != Ok(5) {
        return 43;
    }
    if !matches!(c.poll_event(), Some(Event::Connected { session_present: false, .. })) {
        return 44;
    }
    let msg = OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce);
    let Ok(handle) = c.publish(now, &msg) else { return 45 };
    if !matches!(c.poll_transmit(now, &mut tx), Ok(Some(t)) if tx.first() == Some(&0x32) && t.len == 25) {
        return 46;
    }
    if c.handle_input(now, &[0x40, 0x02, 0x00, 0x01]) != Ok(4) {
        return 47;
    }
    match c.poll_event() {
        Some(Event::PublishAcknowledged { handle: h, reason: ReasonCode::Success }) if h == handle => 0,
        _ => 48,
    }
}

/// Answers the CoAP request and frames a CSM; returns the number of the first failed check, or 0.
fn coap() -> i32 {
    use coap_codec::wire::signal::Signal;
    use coap_codec::wire::{tcp, Code, Message, MessageType, MessageWriter, OptionNumber};
    let Ok(req) = Message::new_checked(&COAP_GET[..]) else { return 20 };
    if req.code() != Code::GET || req.option(OptionNumber::URI_PATH) != Some(&b"temperature"[..]) {
        return 21;
    }
    let mut tx = [0u8; 64];
    let Ok(mut w) =
        MessageWriter::new(&mut tx, MessageType::Acknowledgement, Code::CONTENT, req.message_id(), req.token())
    else {
        return 22;
    };
    if w.uint(OptionNumber::CONTENT_FORMAT, 0).is_err() {
        return 23;
    }
    let Ok(n) = w.finish(b"22.5 C") else { return 24 };
    if tx.get(..n) != Some(&b"\x61\x45\x7d\x35\x20\xc0\xff22.5 C"[..]) {
        return 25;
    }
    let Ok(csm) = (Signal::Csm { max_message_size: 1152, block_wise_transfer: true }).builder() else { return 26 };
    match tcp::encode(&csm, &mut tx) {
        Ok(3) if tx.get(..3) == Some(&[0x10, 0xE1, 0x40][..]) => 0,
        _ => 27,
    }
}

/// The sensor library through the simulated network (20 readings every 10 s, 10 % datagram
/// loss, the MQTT connection cut at 95 s); returns the number of the first failed check, or 0.
/// 49: the sensor refused its configuration; 50-59: [`World::check`]'s [`Failure`](no_std_sensor::sim::Failure)s; 60: no
/// datagram was lost (the scenario lost its teeth); 61: the cut did not lead to a reconnect;
/// 62: a reading was dropped from the queue (none may be with these numbers).
fn scenario() -> i32 {
    use no_std_sensor::sim::Scenario;
    let Ok(mut world) = World::<8>::new(Scenario::new(2026)) else { return 49 };
    world.run();
    if let Err(failure) = world.check() {
        return failure.code();
    }
    if world.datagrams.stats().lost == 0 {
        return 60;
    }
    if world.stream.stats().cuts != 1 || world.sensor.stats().mqtt_connects < 2 {
        return 61;
    }
    if world.dropped_readings() != 0 {
        return 62;
    }
    0
}

/// Runs the sensor's exchange; returns the number of the first check that failed, or 0.
fn run() -> i32 {
    let v = Version::V5;
    let mut tx = [0u8; 256];
    let connect_props = [Property::SessionExpiryInterval(300), Property::ReceiveMaximum(4)];
    let connect = Connect {
        client_id: "sensor-7",
        keep_alive: 30,
        properties: List::new(&connect_props),
        ..Connect::new(Protocol::Mqtt5)
    };
    let n = match connect.encode(v, &mut tx) {
        Ok(n) => n,
        Err(_) => return 1,
    };
    if tx.get(..2) != Some(&[0x10, (n - 2) as u8][..]) {
        return 2;
    }

    let Ok(topic) = TopicName::new("sensors/7/temp") else { return 3 };
    let Some(id) = mqtt_codec::wire::PacketId::new(1) else { return 4 };
    let props = [Property::ContentType("text/plain"), Property::MessageExpiryInterval(60)];
    let publish =
        Publish { qos: QosPid::AtLeastOnce(id), properties: List::new(&props), ..Publish::new(topic, b"21.5") };
    if publish.encode(v, &mut tx).is_err() {
        return 5;
    }

    let opts = DecodeOptions::new(v).with_max_packet_size(256);
    let mut rest: &[u8] = &FROM_BROKER;
    let mut seen = 0;
    while !rest.is_empty() {
        let Ok(Status::Complete { item, consumed }) = decode_packet(rest, &opts) else { return 6 };
        match item {
            Packet::ConnAck(a) if a.reason_code == ReasonCode::Success => seen |= 1,
            Packet::SubAck(s) if s.reason_codes.iter().eq([ReasonCode::GrantedQos1]) => seen |= 2,
            Packet::Publish(p) if p.retain && p.topic.as_str() == "c/1" && p.payload == b"on" => {
                if p.qos.qos() != Qos::AtMostOnce {
                    return 7;
                }
                seen |= 4;
            }
            _ => return 8,
        }
        rest = rest.get(consumed..).unwrap_or(&[]);
    }
    if seen != 7 {
        return 9;
    }
    let m = client();
    if m != 0 {
        return m;
    }
    let c = coap();
    if c != 0 {
        return c;
    }
    let l = lwm2m();
    if l != 0 {
        return l;
    }
    let s = scenario();
    if s != 0 {
        return s;
    }
    // A static buffer works as well as a stack one.
    #[allow(unsafe_code)]
    // SAFETY: single-threaded program; this is the only access to TX.
    let tx_static = unsafe { &mut *core::ptr::addr_of_mut!(TX) };
    if Packet::PingReq.encode(v, tx_static) != Ok(2) {
        return 10;
    }
    0
}

/// The program's entry point (no C runtime: `-nostartfiles`). The kernel enters with the stack
/// 16-byte aligned and no return address; align it as a call expects and call `main`.
#[cfg(target_arch = "x86_64")]
#[unsafe(naked)]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    core::arch::naked_asm!("xor ebp, ebp", "and rsp, -16", "call {main}", "ud2", main = sym main)
}

/// The program's entry point on aarch64, where the kernel's stack alignment is what calls expect.
#[cfg(target_arch = "aarch64")]
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    main()
}

extern "C" fn main() -> ! {
    exit(run())
}

#[cfg(target_os = "linux")]
fn exit(code: i32) -> ! {
    // x86_64 and aarch64 Linux: the exit_group syscall.
    #[allow(unsafe_code)]
    // SAFETY: exit_group takes one integer argument and never returns.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("syscall", in("rax") 231, in("rdi") code, options(noreturn));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("svc 0", in("x8") 94, in("x0") code, options(noreturn));
    }
}

#[panic_handler]
fn panic(_: &PanicInfo<'_>) -> ! {
    exit(101)
}

/// The precompiled `core` names this symbol; under `panic=abort` nothing calls it.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}
