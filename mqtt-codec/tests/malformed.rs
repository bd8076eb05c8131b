//! The malformed-packet corpus: one row per rule the decoder enforces (name, version, hex, the
//! exact `Malformed` expected, the citation `rule()` must give), a check that every `Malformed`
//! variant has a row, and the encoder refusing the same packets built through the public API,
//! writing nothing (the packets are in `common/invalid_packets.rs`). Rows for rules the codec does
//! not enforce yet are `#[ignore]`d with the rule named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;
#[path = "common/invalid_packets.rs"]
mod invalid_packets;

use std::collections::BTreeSet;

use common::hex;
use mqtt_codec::wire::{Field, Malformed as M, PacketType as T, PropertyContext as Ctx, *};

/// What a row expects from the decoder.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Expect {
    /// Exactly this error.
    Kind(Malformed),
    /// Some error: the rule has no `Malformed` variant yet (ignored rows only).
    Rejected,
}

impl From<Malformed> for Expect {
    fn from(kind: Malformed) -> Self {
        Self::Kind(kind)
    }
}

/// For rows of rules the codec does not enforce yet (none today; keep the mechanism).
#[allow(dead_code)]
const REJECTED: Expect = Expect::Rejected;

struct Row {
    name: &'static str,
    version: Version,
    opts: fn(Version) -> DecodeOptions,
    hex: &'static str,
    expect: Expect,
    rule: &'static str,
    ignored: bool,
}

/// `[#[ignore = "why"]] name: Version [options fn], "hex" => expected, "rule";` — one `#[test]`
/// per row, plus `rows()` for the coverage, offset and reason-code tests.
macro_rules! corpus {
    ($($(#[ignore = $why:literal])? $name:ident: $v:ident $([$opts:ident])?, $hex:literal => $kind:expr, $rule:literal;)*) => {
        fn rows() -> Vec<Row> {
            vec![$(Row {
                name: stringify!($name),
                version: Version::$v,
                opts: corpus!(@opts $($opts)?),
                hex: $hex,
                expect: Expect::from($kind),
                rule: $rule,
                ignored: corpus!(@ignored $($why)?),
            }),*]
        }
        $(
            #[test]
            $(#[ignore = $why])?
            fn $name() {
                check_row(stringify!($name));
            }
        )*
    };
    (@opts) => { DecodeOptions::new };
    (@opts $f:ident) => { $f };
    (@ignored) => { false };
    (@ignored $why:literal) => { true };
}

fn max_size_5(v: Version) -> DecodeOptions {
    DecodeOptions::new(v).with_max_packet_size(5)
}
fn one_property(v: Version) -> DecodeOptions {
    DecodeOptions::new(v).with_max_properties(1, 128)
}
fn one_user_property(v: Version) -> DecodeOptions {
    DecodeOptions::new(v).with_max_properties(256, 1)
}

corpus! {
    // Fixed header (5.0 §2.1; 3.1.1 §2.2).
    reserved_packet_type_0: V5, "00 00" => M::ReservedPacketType, "MQTT 5.0 §2.1.2 / 3.1.1 §2.2.1";
    reserved_packet_type_0_v311: V311, "0f 00" => M::ReservedPacketType, "MQTT 5.0 §2.1.2 / 3.1.1 §2.2.1";
    auth_in_v311: V311, "f0 00" => M::PacketTypeNotInVersion(T::Auth), "MQTT 3.1.1 §2.2.1";
    connect_flags_0001: V311, "11 0c  00 04 4d 51 54 54  04  02  00 3c  00 00"
        => M::ReservedFixedHeaderFlags { packet: T::Connect, flags: 1 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    connack_flags_0001: V311, "21 02  00 00"
        => M::ReservedFixedHeaderFlags { packet: T::ConnAck, flags: 1 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    puback_flags_0010: V311, "42 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::PubAck, flags: 2 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pubrec_flags_1000: V5, "58 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::PubRec, flags: 8 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pubrel_flags_0000: V311, "60 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::PubRel, flags: 0 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pubrel_flags_0011: V5, "63 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::PubRel, flags: 3 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pubcomp_flags_0100: V311, "74 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::PubComp, flags: 4 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    subscribe_flags_0000: V5, "80 07  00 01  00  00 01 61  00"
        => M::ReservedFixedHeaderFlags { packet: T::Subscribe, flags: 0 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    subscribe_flags_0011: V311, "83 06  00 01  00 01 61  00"
        => M::ReservedFixedHeaderFlags { packet: T::Subscribe, flags: 3 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    suback_flags_0010: V311, "92 03  00 01  00"
        => M::ReservedFixedHeaderFlags { packet: T::SubAck, flags: 2 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    unsubscribe_flags_0000: V311, "a0 05  00 01  00 01 61"
        => M::ReservedFixedHeaderFlags { packet: T::Unsubscribe, flags: 0 },
        "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    unsuback_flags_0001: V311, "b1 02  00 01"
        => M::ReservedFixedHeaderFlags { packet: T::UnsubAck, flags: 1 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pingreq_flags_0001: V311, "c1 00"
        => M::ReservedFixedHeaderFlags { packet: T::PingReq, flags: 1 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    pingresp_flags_1111: V5, "df 00"
        => M::ReservedFixedHeaderFlags { packet: T::PingResp, flags: 15 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    disconnect_flags_0010: V5, "e2 00"
        => M::ReservedFixedHeaderFlags { packet: T::Disconnect, flags: 2 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    auth_flags_0001: V5, "f1 00"
        => M::ReservedFixedHeaderFlags { packet: T::Auth, flags: 1 }, "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)";
    remaining_length_five_bytes: V311, "30 ff ff ff ff 01" => M::VarIntTooLong, "MQTT 5.0 §1.5.5 / 3.1.1 §2.2.3";
    remaining_length_five_bytes_of_zero: V5, "c0 80 80 80 80 00" => M::VarIntTooLong, "MQTT 5.0 §1.5.5 / 3.1.1 §2.2.3";
    remaining_length_0x80_0x00: V311, "c0 80 00" => M::VarIntNotMinimal, "MQTT-1.5.5-1";
    remaining_length_3_in_two_bytes: V311, "30 83 00  00 01 61" => M::VarIntNotMinimal, "MQTT-1.5.5-1";
    property_length_0x80_0x00: V5, "30 05  00 01 61  80 00" => M::VarIntNotMinimal, "MQTT-1.5.5-1";
    subscription_identifier_not_minimal: V5, "30 07  00 01 61  03 0b 81 00" => M::VarIntNotMinimal, "MQTT-1.5.5-1";
    property_id_not_minimal: V5, "30 06  00 01 61  02 81 00" => M::VarIntNotMinimal, "MQTT-1.5.5-1";
    packet_over_max_size: V5 [max_size_5], "30 04  00 01 61  00"
        => M::PacketTooLarge { size: 6, max: 5 }, "MQTT 5.0 §3.1.2.11.4";
    packet_over_max_size_header_only: V311 [max_size_5], "30 7f"
        => M::PacketTooLarge { size: 129, max: 5 }, "MQTT 5.0 §3.1.2.11.4";
    // Field lengths against the Remaining Length (5.0 §2.1.4; 3.1.1 §2.2.3).
    topic_length_past_end: V311, "30 03  00 05 61" => M::Truncated(Field::TopicName), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    protocol_name_past_end: V311, "10 02  00 04" => M::Truncated(Field::ProtocolName), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    connect_flags_missing: V311, "10 07  00 04 4d 51 54 54  04"
        => M::Truncated(Field::VariableHeader), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    client_id_past_end: V311, "10 0e  00 04 4d 51 54 54  04  02  00 3c  00 05 61 62"
        => M::Truncated(Field::ClientId), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    will_payload_past_end: V311, "10 12  00 04 4d 51 54 54  04  06  00 3c  00 00  00 01 74  00 05 01"
        => M::Truncated(Field::Will), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    username_past_end: V311, "10 0e  00 04 4d 51 54 54  04  82  00 3c  00 00  00 09"
        => M::Truncated(Field::UserName), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    password_missing: V311, "10 0f  00 04 4d 51 54 54  04  c2  00 3c  00 00  00 01 75"
        => M::Truncated(Field::Password), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    packet_id_past_end: V311, "40 01  00" => M::Truncated(Field::VariableHeader), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    properties_past_end: V5, "30 05  00 01 61  05 01"
        => M::Truncated(Field::Properties), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    property_value_past_end: V5, "30 07  00 01 61  03 02 00 00"
        => M::Truncated(Field::Properties), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    connack_v5_without_property_length: V5, "20 02  00 00"
        => M::Truncated(Field::Properties), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    suback_v5_without_property_length: V5, "90 02  00 01"
        => M::Truncated(Field::Properties), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    subscription_options_missing: V311, "82 05  00 01  00 01 61"
        => M::Truncated(Field::SubscriptionOptions), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    topic_filter_past_end: V311, "a2 05  00 01  00 04 61"
        => M::Truncated(Field::TopicFilter), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    pingreq_rl1: V311, "c0 01  00" => M::TrailingBytes(T::PingReq, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    pingresp_rl2: V5, "d0 02  00 00" => M::TrailingBytes(T::PingResp, 2), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    puback_v311_rl3: V311, "40 03  00 07  00" => M::TrailingBytes(T::PubAck, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    connack_v311_rl3: V311, "20 03  00 00  00" => M::TrailingBytes(T::ConnAck, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    connect_extra_byte: V311, "10 0d  00 04 4d 51 54 54  04  02  00 3c  00 00  ff"
        => M::TrailingBytes(T::Connect, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    disconnect_v311_rl1: V311, "e0 01  00" => M::TrailingBytes(T::Disconnect, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    unsuback_v311_rl4: V311, "b0 04  00 01  00 00"
        => M::TrailingBytes(T::UnsubAck, 2), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    puback_v5_byte_after_properties: V5, "40 05  00 07  00  00  ff"
        => M::TrailingBytes(T::PubAck, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    disconnect_v5_byte_after_properties: V5, "e0 03  00  00  ff"
        => M::TrailingBytes(T::Disconnect, 1), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    // UTF-8 Encoded Strings (5.0 §1.5.4; 3.1.1 §1.5.3).
    topic_overlong_c0_80: V311, "30 04  00 02 c0 80"
        => M::InvalidUtf8(Field::TopicName), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    client_id_surrogate_ed_a0_80: V311, "10 0f  00 04 4d 51 54 54  04  02  00 3c  00 03 ed a0 80"
        => M::InvalidUtf8(Field::ClientId), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    user_property_name_ff: V5, "30 0b  00 01 61  07 26 00 01 ff 00 01 76"
        => M::InvalidUtf8(Field::Properties), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    username_truncated_sequence: V311, "10 10  00 04 4d 51 54 54  04  82  00 3c  00 00  00 02 e2 82"
        => M::InvalidUtf8(Field::UserName), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    will_topic_ff: V311, "10 11  00 04 4d 51 54 54  04  06  00 3c  00 00  00 01 ff  00 00"
        => M::InvalidUtf8(Field::Will), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    topic_filter_surrogate: V311, "82 08  00 01  00 03 ed bf bf  00"
        => M::InvalidUtf8(Field::TopicFilter), "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)";
    topic_u0000: V311, "30 05  00 03 61 00 62"
        => M::NullCharacter(Field::TopicName), "MQTT-1.5.4-2 (5.0) / MQTT-1.5.3-2 (3.1.1)";
    client_id_u0000: V5, "10 0e  00 04 4d 51 54 54  05  02  00 3c  00  00 01 00"
        => M::NullCharacter(Field::ClientId), "MQTT-1.5.4-2 (5.0) / MQTT-1.5.3-2 (3.1.1)";
    topic_filter_u0000: V311, "a2 05  00 01  00 01 00"
        => M::NullCharacter(Field::TopicFilter), "MQTT-1.5.4-2 (5.0) / MQTT-1.5.3-2 (3.1.1)";
    reason_string_u0000: V5, "40 08  00 07  80  04 1f 00 01 00"
        => M::NullCharacter(Field::Properties), "MQTT-1.5.4-2 (5.0) / MQTT-1.5.3-2 (3.1.1)";
    // CONNECT (5.0 §3.1.2; 3.1.1 §3.1.2).
    protocol_name_mqtx: V311, "10 0c  00 04 4d 51 54 58  04  02  00 3c  00 00"
        => M::InvalidProtocolName, "MQTT-3.1.2-1";
    protocol_name_lower_case: V5, "10 0d  00 04 6d 71 74 74  05  02  00 3c  00  00 00"
        => M::InvalidProtocolName, "MQTT-3.1.2-1";
    protocol_level_6: V311, "10 0c  00 04 4d 51 54 54  06  02  00 3c  00 00"
        => M::UnsupportedProtocolLevel(6), "MQTT-3.1.2-2";
    protocol_level_3_with_mqtt: V311, "10 0c  00 04 4d 51 54 54  03  02  00 3c  00 00"
        => M::UnsupportedProtocolLevel(3), "MQTT-3.1.2-2";
    protocol_level_4_with_mqisdp: V311, "10 0e  00 06 4d 51 49 73 64 70  04  02  00 3c  00 00"
        => M::UnsupportedProtocolLevel(4), "MQTT-3.1.2-2";
    connect_reserved_flag: V311, "10 0c  00 04 4d 51 54 54  04  03  00 3c  00 00"
        => M::ConnectReservedFlag, "MQTT-3.1.2-3";
    will_qos_without_will_flag: V5, "10 0d  00 04 4d 51 54 54  05  0a  00 3c  00  00 00"
        => M::WillQosWithoutWill, "MQTT-3.1.2-11 (5.0) / MQTT-3.1.2-13 (3.1.1)";
    will_retain_without_will_flag: V311, "10 0c  00 04 4d 51 54 54  04  22  00 3c  00 00"
        => M::WillRetainWithoutWill, "MQTT-3.1.2-13 (5.0) / MQTT-3.1.2-15 (3.1.1)";
    will_qos_3: V311, "10 11  00 04 4d 51 54 54  04  1e  00 3c  00 00  00 01 74  00 00"
        => M::WillQosThree, "MQTT 5.0 §3.1.2.6 / MQTT-3.1.2-14 (3.1.1)";
    password_without_username_v311: V311, "10 0f  00 04 4d 51 54 54  04  42  00 3c  00 00  00 01 70"
        => M::PasswordWithoutUserName, "MQTT-3.1.2-22 (3.1.1)";
    password_without_username_v31: V311, "10 12  00 06 4d 51 49 73 64 70  03  42  00 3c  00 01 61  00 01 70"
        => M::PasswordWithoutUserName, "MQTT-3.1.2-22 (3.1.1)";
    // CONNACK (5.0 §3.2.2; 3.1.1 §3.2.2).
    connack_reserved_flags_v311: V311, "20 02  02 00" => M::ConnAckReservedFlags, "MQTT-3.2.2-1 (5.0) / 3.1.1 §3.2.2.1";
    connack_reserved_flags_v5: V5, "20 03  80 00  00" => M::ConnAckReservedFlags, "MQTT-3.2.2-1 (5.0) / 3.1.1 §3.2.2.1";
    session_present_with_failure_v311: V311, "20 02  01 05"
        => M::SessionPresentOnFailure, "MQTT-3.2.2-6 (5.0) / MQTT-3.2.2-4 (3.1.1)";
    session_present_with_failure_v5: V5, "20 03  01 87  00"
        => M::SessionPresentOnFailure, "MQTT-3.2.2-6 (5.0) / MQTT-3.2.2-4 (3.1.1)";
    connack_v311_return_code_6: V311, "20 02  00 06" => M::ReservedConnAckReturnCode(6), "MQTT 3.1.1 §3.2.2.3";
    connack_v311_return_code_0x80: V311, "20 02  00 80" => M::ReservedConnAckReturnCode(0x80), "MQTT 3.1.1 §3.2.2.3";
    // PUBLISH and topics (5.0 §3.3, §4.7, §4.8; 3.1.1 §3.3, §4.7).
    publish_qos_3: V5, "36 03  00 01 61" => M::PublishQosThree, "MQTT-3.3.1-4";
    publish_qos_3_v311: V311, "37 05  00 01 61  00 01" => M::PublishQosThree, "MQTT-3.3.1-4";
    dup_on_qos0: V311, "38 03  00 01 61" => M::DupOnQosZero, "MQTT-3.3.1-2";
    topic_name_plus: V311, "30 05  00 03 61 2f 2b" => M::WildcardInTopicName, "MQTT-3.3.2-2";
    topic_name_hash: V5, "30 04  00 01 23  00" => M::WildcardInTopicName, "MQTT-3.3.2-2";
    will_topic_plus: V311, "10 13  00 04 4d 51 54 54  04  06  00 3c  00 00  00 03 61 2f 2b  00 00"
        => M::WildcardInTopicName, "MQTT-3.3.2-2";
    response_topic_hash: V5, "30 0a  00 01 61  06 08 00 03 72 2f 23" => M::WildcardInTopicName, "MQTT-3.3.2-2";
    empty_topic_v311: V311, "30 02  00 00" => M::EmptyTopicName, "MQTT-4.7.3-1";
    empty_topic_v5_without_alias: V5, "30 03  00 00  00" => M::EmptyTopicName, "MQTT-4.7.3-1";
    empty_topic_v5_other_properties: V5, "30 05  00 00  02 01 01" => M::EmptyTopicName, "MQTT-4.7.3-1";
    empty_will_topic: V311, "10 10  00 04 4d 51 54 54  04  06  00 3c  00 00  00 00  00 00"
        => M::EmptyTopicName, "MQTT-4.7.3-1";
    empty_response_topic: V5, "30 07  00 01 61  03 08 00 00" => M::EmptyTopicName, "MQTT-4.7.3-1";
    empty_topic_filter_subscribe: V311, "82 05  00 01  00 00  00" => M::EmptyTopicFilter, "MQTT-4.7.3-1";
    empty_topic_filter_unsubscribe: V5, "a2 05  00 01  00  00 00" => M::EmptyTopicFilter, "MQTT-4.7.3-1";
    hash_not_last_level: V311, "82 0a  00 01  00 05 61 2f 23 2f 62  00"
        => M::MultiLevelWildcardNotLast, "MQTT-4.7.1-1 (5.0) / MQTT-4.7.1-2 (3.1.1)";
    hash_inside_level: V311, "82 07  00 01  00 02 61 23  00"
        => M::MultiLevelWildcardNotLast, "MQTT-4.7.1-1 (5.0) / MQTT-4.7.1-2 (3.1.1)";
    plus_inside_level: V311, "82 09  00 01  00 04 61 2b 2f 62  00"
        => M::SingleLevelWildcardNotAlone, "MQTT-4.7.1-2 (5.0) / MQTT-4.7.1-3 (3.1.1)";
    plus_at_level_end: V5, "82 0a  00 01  00  00 04 61 2f 62 2b  00"
        => M::SingleLevelWildcardNotAlone, "MQTT-4.7.1-2 (5.0) / MQTT-4.7.1-3 (3.1.1)";
    shared_empty_share_name: V5, "82 0f  00 01  00  00 09 24 73 68 61 72 65 2f 2f 61  00"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    shared_without_filter: V5, "82 0e  00 01  00  00 08 24 73 68 61 72 65 2f 67  00"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    shared_empty_filter: V5, "82 0f  00 01  00  00 09 24 73 68 61 72 65 2f 67 2f  00"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    shared_share_name_plus: V5, "82 11  00 01  00  00 0b 24 73 68 61 72 65 2f 67 2b 2f 61  00"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    shared_share_name_hash: V311, "82 10  00 01  00 0b 24 73 68 61 72 65 2f 67 23 2f 61  00"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    unsubscribe_shared_empty_share_name: V311, "a2 0d  00 01  00 09 24 73 68 61 72 65 2f 2f 61"
        => M::InvalidSharedSubscription, "MQTT-4.8.2-1 / MQTT-4.8.2-2";
    // Packet Identifiers (5.0 §2.2.1; 3.1.1 §2.3.1).
    publish_qos1_packet_id_0: V311, "32 05  00 01 61  00 00"
        => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    publish_qos2_packet_id_0: V5, "34 06  00 01 61  00 00  00"
        => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    puback_packet_id_0: V311, "40 02  00 00" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    pubrec_packet_id_0: V5, "50 03  00 00  10" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    pubrel_packet_id_0: V311, "62 02  00 00" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    pubcomp_packet_id_0: V5, "70 02  00 00" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    subscribe_packet_id_0: V311, "82 06  00 00  00 01 61  00"
        => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    suback_packet_id_0: V5, "90 04  00 00  00  00" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    unsubscribe_packet_id_0: V311, "a2 05  00 00  00 01 61"
        => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    unsuback_packet_id_0: V311, "b0 02  00 00" => M::ZeroPacketId, "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)";
    // SUBSCRIBE / UNSUBSCRIBE (5.0 §3.8, §3.10; 3.1.1 §3.8, §3.10).
    subscribe_without_filters_v311: V311, "82 02  00 01"
        => M::EmptySubscribe, "MQTT-3.8.3-2 (5.0) / MQTT-3.8.3-3 (3.1.1)";
    subscribe_without_filters_v5: V5, "82 03  00 01  00"
        => M::EmptySubscribe, "MQTT-3.8.3-2 (5.0) / MQTT-3.8.3-3 (3.1.1)";
    unsubscribe_without_filters_v311: V311, "a2 02  00 01" => M::EmptyUnsubscribe, "MQTT-3.10.3-2";
    unsubscribe_without_filters_v5: V5, "a2 0a  00 01  07 26 00 01 6b 00 01 76" => M::EmptyUnsubscribe, "MQTT-3.10.3-2";
    options_bit_6_v5: V5, "82 07  00 01  00  00 01 61  40"
        => M::ReservedSubscriptionOptions, "MQTT-3.8.3-5 (5.0) / MQTT-3-8.3-4 (3.1.1)";
    options_bit_7_v5: V5, "82 07  00 01  00  00 01 61  80"
        => M::ReservedSubscriptionOptions, "MQTT-3.8.3-5 (5.0) / MQTT-3-8.3-4 (3.1.1)";
    options_bit_2_v311: V311, "82 06  00 01  00 01 61  04"
        => M::ReservedSubscriptionOptions, "MQTT-3.8.3-5 (5.0) / MQTT-3-8.3-4 (3.1.1)";
    options_bit_4_v311: V311, "82 06  00 01  00 01 61  10"
        => M::ReservedSubscriptionOptions, "MQTT-3.8.3-5 (5.0) / MQTT-3-8.3-4 (3.1.1)";
    subscription_qos_3_v311: V311, "82 06  00 01  00 01 61  03"
        => M::SubscriptionQosThree, "MQTT 5.0 §3.8.3.1 / MQTT-3-8.3-4 (3.1.1)";
    subscription_qos_3_v5: V5, "82 07  00 01  00  00 01 61  03"
        => M::SubscriptionQosThree, "MQTT 5.0 §3.8.3.1 / MQTT-3-8.3-4 (3.1.1)";
    retain_handling_3: V5, "82 07  00 01  00  00 01 61  30" => M::RetainHandlingThree, "MQTT 5.0 §3.8.3.1";
    no_local_on_shared_subscription: V5, "82 10  00 01  00  00 0a 24 73 68 61 72 65 2f 67 2f 61  04"
        => M::NoLocalOnSharedSubscription, "MQTT-3.8.3-4 (5.0)";
    // Properties (5.0 §2.2.2, and each property's section in §3).
    property_id_0x00: V5, "30 05  00 01 61  01 00" => M::UnknownProperty(0x00), "MQTT 5.0 §2.2.2.2";
    property_id_0x2b: V5, "30 06  00 01 61  02 2b 00" => M::UnknownProperty(0x2B), "MQTT 5.0 §2.2.2.2";
    property_id_0x7f: V5, "20 05  00  00  02 7f 00" => M::UnknownProperty(0x7F), "MQTT 5.0 §2.2.2.2";
    property_id_two_bytes: V5, "30 06  00 01 61  02 80 01" => M::UnknownProperty(0x80), "MQTT 5.0 §2.2.2.2";
    topic_alias_in_connect: V5, "10 10  00 04 4d 51 54 54  05  02  00 3c  03 23 00 01  00 00"
        => M::PropertyNotAllowed { id: PropertyId::TopicAlias, packet: Ctx::Packet(T::Connect) }, "MQTT 5.0 §2.2.2.2";
    will_delay_in_publish: V5, "30 09  00 01 61  05 18 00 00 00 05"
        => M::PropertyNotAllowed { id: PropertyId::WillDelayInterval, packet: Ctx::Packet(T::Publish) },
        "MQTT 5.0 §2.2.2.2";
    session_expiry_in_will: V5, "10 18  00 04 4d 51 54 54  05  06  00 3c  00  00 00  05 11 00 00 00 01  00 01 74  00 00"
        => M::PropertyNotAllowed { id: PropertyId::SessionExpiryInterval, packet: Ctx::Will }, "MQTT 5.0 §2.2.2.2";
    reason_string_in_subscribe: V5, "82 0b  00 01  04 1f 00 01 72  00 01 61  00"
        => M::PropertyNotAllowed { id: PropertyId::ReasonString, packet: Ctx::Packet(T::Subscribe) },
        "MQTT 5.0 §2.2.2.2";
    subscription_identifier_in_unsubscribe: V5, "a2 08  00 01  02 0b 01  00 01 61"
        => M::PropertyNotAllowed { id: PropertyId::SubscriptionIdentifier, packet: Ctx::Packet(T::Unsubscribe) },
        "MQTT 5.0 §2.2.2.2";
    server_reference_in_auth: V5, "f0 0a  18  08 15 00 01 6d 1c 00 01 78"
        => M::PropertyNotAllowed { id: PropertyId::ServerReference, packet: Ctx::Packet(T::Auth) }, "MQTT 5.0 §2.2.2.2";
    content_type_twice: V5, "30 0c  00 01 61  08 03 00 01 78 03 00 01 79"
        => M::DuplicateProperty(PropertyId::ContentType), "MQTT 5.0 §3 (property sections)";
    subscription_identifier_twice_in_subscribe: V5, "82 0b  00 01  04 0b 01 0b 02  00 01 61  00"
        => M::DuplicateProperty(PropertyId::SubscriptionIdentifier), "MQTT 5.0 §3 (property sections)";
    reason_string_twice_in_puback: V5, "40 0c  00 07  80  08 1f 00 01 61 1f 00 01 62"
        => M::DuplicateProperty(PropertyId::ReasonString), "MQTT 5.0 §3 (property sections)";
    session_expiry_twice_in_connect: V5, "10 17  00 04 4d 51 54 54  05  02  00 3c \
        0a 11 00 00 00 01 11 00 00 00 02  00 00"
        => M::DuplicateProperty(PropertyId::SessionExpiryInterval), "MQTT 5.0 §3 (property sections)";
    receive_maximum_0: V5, "10 10  00 04 4d 51 54 54  05  02  00 3c  03 21 00 00  00 00"
        => M::InvalidPropertyValue(PropertyId::ReceiveMaximum), "MQTT 5.0 §3 (property sections)";
    receive_maximum_0_in_connack: V5, "20 06  00  00  03 21 00 00"
        => M::InvalidPropertyValue(PropertyId::ReceiveMaximum), "MQTT 5.0 §3 (property sections)";
    topic_alias_0: V5, "30 07  00 01 61  03 23 00 00"
        => M::InvalidPropertyValue(PropertyId::TopicAlias), "MQTT 5.0 §3 (property sections)";
    maximum_packet_size_0: V5, "10 12  00 04 4d 51 54 54  05  02  00 3c  05 27 00 00 00 00  00 00"
        => M::InvalidPropertyValue(PropertyId::MaximumPacketSize), "MQTT 5.0 §3 (property sections)";
    subscription_identifier_0_in_subscribe: V5, "82 09  00 01  02 0b 00  00 01 61  00"
        => M::InvalidPropertyValue(PropertyId::SubscriptionIdentifier), "MQTT 5.0 §3 (property sections)";
    subscription_identifier_0_in_publish: V5, "30 06  00 01 61  02 0b 00"
        => M::InvalidPropertyValue(PropertyId::SubscriptionIdentifier), "MQTT 5.0 §3 (property sections)";
    payload_format_indicator_2: V5, "30 06  00 01 61  02 01 02"
        => M::InvalidPropertyValue(PropertyId::PayloadFormatIndicator), "MQTT 5.0 §3 (property sections)";
    maximum_qos_2: V5, "20 05  00  00  02 24 02"
        => M::InvalidPropertyValue(PropertyId::MaximumQos), "MQTT 5.0 §3 (property sections)";
    request_problem_information_2: V5, "10 0f  00 04 4d 51 54 54  05  02  00 3c  02 17 02  00 00"
        => M::InvalidPropertyValue(PropertyId::RequestProblemInformation), "MQTT 5.0 §3 (property sections)";
    request_response_information_2: V5, "10 0f  00 04 4d 51 54 54  05  02  00 3c  02 19 02  00 00"
        => M::InvalidPropertyValue(PropertyId::RequestResponseInformation), "MQTT 5.0 §3 (property sections)";
    retain_available_2: V5, "20 05  00  00  02 25 02"
        => M::InvalidPropertyValue(PropertyId::RetainAvailable), "MQTT 5.0 §3 (property sections)";
    shared_subscription_available_ff: V5, "20 05  00  00  02 2a ff"
        => M::InvalidPropertyValue(PropertyId::SharedSubscriptionAvailable), "MQTT 5.0 §3 (property sections)";
    authentication_data_without_method_connect: V5, "10 11  00 04 4d 51 54 54  05  02  00 3c  04 16 00 01 78  00 00"
        => M::AuthenticationDataWithoutMethod, "MQTT 5.0 §3.1.2.11.10";
    authentication_data_without_method_connack: V5, "20 07  00  00  04 16 00 01 78"
        => M::AuthenticationDataWithoutMethod, "MQTT 5.0 §3.1.2.11.10";
    authentication_data_without_method_auth: V5, "f0 06  18  04 16 00 01 78"
        => M::AuthenticationDataWithoutMethod, "MQTT 5.0 §3.1.2.11.10";
    more_properties_than_allowed: V5 [one_property], "30 0b  00 01 61  07 01 01 02 00 00 00 01"
        => M::TooManyProperties(1), "caller limit (DecodeOptions)";
    more_user_properties_than_allowed: V5 [one_user_property], "30 12  00 01 61 \
        0e 26 00 01 6b 00 01 76 26 00 01 6b 00 01 76"
        => M::TooManyUserProperties(1), "caller limit (DecodeOptions)";
    // Reason codes (5.0 §2.4 Table 2-6, §3.x.2.1; 3.1.1 §3.9.3).
    puback_reason_0x03: V5, "40 03  00 07  03" => M::UnknownReasonCode(0x03), "MQTT 5.0 §2.4";
    disconnect_reason_0x05: V5, "e0 01  05" => M::UnknownReasonCode(0x05), "MQTT 5.0 §2.4";
    suback_v311_code_0x03: V311, "90 03  00 01  03" => M::ReservedSubAckReturnCode(0x03), "MQTT 3.1.1 §3.9.3";
    pubcomp_reason_0x10: V5, "70 03  00 07  10"
        => M::ReasonCodeNotAllowed { code: 0x10, packet: T::PubComp }, "MQTT 5.0 §2.4";
    pubrel_reason_0x10: V5, "62 03  00 07  10"
        => M::ReasonCodeNotAllowed { code: 0x10, packet: T::PubRel }, "MQTT 5.0 §2.4";
    disconnect_reason_0x18: V5, "e0 01  18"
        => M::ReasonCodeNotAllowed { code: 0x18, packet: T::Disconnect }, "MQTT 5.0 §2.4";
    connack_reason_0x8b: V5, "20 03  00 8b  00"
        => M::ReasonCodeNotAllowed { code: 0x8B, packet: T::ConnAck }, "MQTT 5.0 §2.4";
    connack_v5_reason_0x01: V5, "20 03  00 01  00"
        => M::ReasonCodeNotAllowed { code: 0x01, packet: T::ConnAck }, "MQTT 5.0 §2.4";
    suback_reason_0x04: V5, "90 04  00 01  00  04"
        => M::ReasonCodeNotAllowed { code: 0x04, packet: T::SubAck }, "MQTT 5.0 §2.4";
    suback_v311_code_0x87: V311, "90 03  00 01  87" => M::ReservedSubAckReturnCode(0x87), "MQTT 3.1.1 §3.9.3";
    unsuback_reason_0x10: V5, "b0 04  00 01  00  10"
        => M::ReasonCodeNotAllowed { code: 0x10, packet: T::UnsubAck }, "MQTT 5.0 §2.4";
    auth_reason_0x87: V5, "f0 02  87  00" => M::ReasonCodeNotAllowed { code: 0x87, packet: T::Auth }, "MQTT 5.0 §2.4";
    // 5.0 §3.15.2.1: AUTH leaves out the reason code and the Property Length together or not at all.
    auth_without_property_length: V5, "f0 01  18" => M::Truncated(Field::Properties), "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3";
    // 5.0 §3.15.2.2.2: an AUTH that has properties names its method.
    auth_without_authentication_method: V5, "f0 06  18  04 1f 00 01 72"
        => M::MissingAuthenticationMethod, "MQTT 5.0 §3.15.2.2.2";
    auth_reason_only_without_authentication_method: V5, "f0 02  18  00"
        => M::MissingAuthenticationMethod, "MQTT 5.0 §3.15.2.2.2";
    suback_without_reason_codes: V5, "90 03  00 01  00"
        => M::NoReasonCodes(T::SubAck), "MQTT-3.8.4-6 (5.0) / MQTT-3.8.4-5 (3.1.1) / MQTT-3.11.3-2 (5.0)";
    suback_v311_without_return_codes: V311, "90 02  00 01"
        => M::NoReasonCodes(T::SubAck), "MQTT-3.8.4-6 (5.0) / MQTT-3.8.4-5 (3.1.1) / MQTT-3.11.3-2 (5.0)";
    unsuback_v5_without_reason_codes: V5, "b0 03  00 01  00"
        => M::NoReasonCodes(T::UnsubAck), "MQTT-3.8.4-6 (5.0) / MQTT-3.8.4-5 (3.1.1) / MQTT-3.11.3-2 (5.0)";
}

fn row(name: &str) -> Row {
    rows().into_iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no row {name}"))
}

fn decode_err(row: &Row) -> DecodeError {
    let bytes = hex(row.hex);
    match decode_packet(&bytes, &(row.opts)(row.version)) {
        Err(e) => {
            assert!(e.offset <= bytes.len(), "{}: offset {} past the input", row.name, e.offset);
            e
        }
        Ok(other) => panic!("{}: {} decoded as {other:?}", row.name, row.hex),
    }
}

fn check_row(name: &str) {
    let row = row(name);
    let err = decode_err(&row);
    if let Expect::Kind(kind) = row.expect {
        assert_eq!(err.kind, kind, "{name}: {}", row.hex);
        assert_eq!(err.kind.rule(), row.rule, "{name}: rule");
        assert!(err.to_string().starts_with(row.rule), "{name}: {err}");
    }
}

/// Where decoding stopped (offset from the packet's first byte).
const OFFSETS: &[(&str, usize)] = &[
    ("reserved_packet_type_0", 0),
    ("pubrel_flags_0000", 0),
    ("remaining_length_five_bytes", 1),
    ("packet_over_max_size", 1),
    ("topic_length_past_end", 4),
    ("pingreq_rl1", 2),
    ("puback_v311_rl3", 4),
    ("connect_extra_byte", 14),
    ("topic_overlong_c0_80", 2),
    ("protocol_name_mqtx", 2),
    ("protocol_level_6", 8),
    ("connect_reserved_flag", 9),
    ("session_present_with_failure_v311", 2),
    ("connack_v311_return_code_6", 3),
    ("publish_qos1_packet_id_0", 5),
    ("subscription_identifier_not_minimal", 7),
    ("content_type_twice", 10),
    ("puback_reason_0x03", 4),
    ("suback_reason_0x04", 5),
    ("subscribe_without_filters_v5", 5),
    ("options_bit_6_v5", 8),
    ("hash_inside_level", 4),
];

#[test]
fn offsets_point_at_the_offending_byte() {
    for &(name, offset) in OFFSETS {
        assert_eq!(decode_err(&row(name)).offset, offset, "{name}");
    }
}

/// The 5.0 reason code a receiver sends before closing (5.0 §4.13, and the statement of each rule).
const REASONS: &[(&str, ReasonCode)] = &[
    ("protocol_level_6", ReasonCode::UnsupportedProtocolVersion),
    ("protocol_name_mqtx", ReasonCode::UnsupportedProtocolVersion),
    ("pubrel_flags_0000", ReasonCode::MalformedPacket),
    ("remaining_length_five_bytes", ReasonCode::MalformedPacket),
    ("options_bit_6_v5", ReasonCode::MalformedPacket),
    ("property_id_0x2b", ReasonCode::MalformedPacket),
    ("topic_alias_in_connect", ReasonCode::MalformedPacket),
    ("publish_qos_3", ReasonCode::MalformedPacket),
    ("dup_on_qos0", ReasonCode::ProtocolError),
    ("publish_qos1_packet_id_0", ReasonCode::ProtocolError),
    ("no_local_on_shared_subscription", ReasonCode::ProtocolError),
    ("retain_handling_3", ReasonCode::ProtocolError),
    ("subscription_qos_3_v5", ReasonCode::ProtocolError),
    ("content_type_twice", ReasonCode::ProtocolError),
    ("receive_maximum_0", ReasonCode::ProtocolError),
    ("authentication_data_without_method_connect", ReasonCode::ProtocolError),
    // 5.0 §3.8.3 / §3.10.3: "A SUBSCRIBE [UNSUBSCRIBE] packet with no Payload is a Protocol Error".
    ("subscribe_without_filters_v5", ReasonCode::ProtocolError),
    ("unsubscribe_without_filters_v5", ReasonCode::ProtocolError),
    ("packet_over_max_size", ReasonCode::PacketTooLarge),
    ("topic_name_plus", ReasonCode::TopicNameInvalid),
    ("more_properties_than_allowed", ReasonCode::ImplementationSpecificError),
];

#[test]
fn reason_codes_sent_before_closing() {
    for &(name, rc) in REASONS {
        assert_eq!(decode_err(&row(name)).kind.reason_code(), rc, "{name}");
    }
}

#[test]
fn encoder_refuses_what_the_decoder_rejects() {
    invalid_packets::for_each(|name, opts, packet, kind| {
        let mut out = [0xAA; 256];
        assert_eq!(packet.encode_with(&opts, &mut out), Err(EncodeError::Invalid(kind)), "{name}");
        assert!(out.iter().all(|&b| b == 0xAA), "{name}: wrote into the buffer");
        assert!(EncodeError::Invalid(kind).to_string().starts_with(kind.rule()), "{name}");
        if !matches!(kind, M::PacketTooLarge { .. }) {
            assert_eq!(packet.encoded_len(opts.version), 0, "{name}: encoded_len of an invalid packet");
        }
    });
}

#[test]
fn buffer_too_small_writes_nothing() {
    let p = Packet::Publish(Publish::new(common::topic("a/b"), b"hello"));
    let mut out = [0xAA; 11];
    assert_eq!(p.encode(Version::V5, &mut out), Err(EncodeError::BufferTooSmall { required: 13 }));
    assert_eq!(out, [0xAA; 11]);
}

/// Every `Malformed` variant, copied from `src/wire/error.rs` (checked against it below).
const ALL_VARIANTS: &[&str] = &[
    "ReservedPacketType",
    "PacketTypeNotInVersion",
    "ReservedFixedHeaderFlags",
    "VarIntTooLong",
    "VarIntNotMinimal",
    "PacketTooLarge",
    "Truncated",
    "TrailingBytes",
    "InvalidUtf8",
    "NullCharacter",
    "FieldTooLong",
    "InvalidProtocolName",
    "UnsupportedProtocolLevel",
    "ConnectReservedFlag",
    "WillQosWithoutWill",
    "WillRetainWithoutWill",
    "WillQosThree",
    "PasswordWithoutUserName",
    "ConnAckReservedFlags",
    "SessionPresentOnFailure",
    "ReservedSubAckReturnCode",
    "NoReasonCodes",
    "MissingAuthenticationMethod",
    "ReservedConnAckReturnCode",
    "PublishQosThree",
    "DupOnQosZero",
    "WildcardInTopicName",
    "EmptyTopicName",
    "EmptyTopicFilter",
    "MultiLevelWildcardNotLast",
    "SingleLevelWildcardNotAlone",
    "InvalidSharedSubscription",
    "ZeroPacketId",
    "EmptySubscribe",
    "EmptyUnsubscribe",
    "ReservedSubscriptionOptions",
    "SubscriptionQosThree",
    "RetainHandlingThree",
    "NoLocalOnSharedSubscription",
    "UnknownProperty",
    "PropertyNotAllowed",
    "DuplicateProperty",
    "InvalidPropertyValue",
    "AuthenticationDataWithoutMethod",
    "TooManyProperties",
    "TooManyUserProperties",
    "PropertiesNotInVersion",
    "UnknownReasonCode",
    "ReasonCodeNotAllowed",
    "ReasonCodeNotInVersion",
];

/// Variants no decoder input can produce: 3.1.1 has no properties or 5.0-only codes to refuse on
/// the wire, and a 2-byte length prefix cannot announce more than 65,535 bytes.
const ENCODE_ONLY: &[&str] = &["FieldTooLong", "PropertiesNotInVersion", "ReasonCodeNotInVersion"];

/// The variant's name, from its `Debug` form (`Truncated(TopicName)` -> `Truncated`).
fn variant_name(m: &Malformed) -> String {
    format!("{m:?}").chars().take_while(char::is_ascii_alphanumeric).collect()
}

/// The variant names declared in `pub enum Malformed` (lines indented once that start with a
/// capital; docs, attributes and struct-variant fields are skipped).
fn variants_in_error_rs() -> Vec<String> {
    let src = include_str!("../src/wire/error.rs");
    let body = src.split("pub enum Malformed {").nth(1).expect("enum Malformed in error.rs");
    let body = body.split("\n}").next().unwrap_or_default();
    body.lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.chars().take_while(char::is_ascii_alphanumeric).collect())
        .collect()
}

#[test]
fn variant_list_matches_error_rs() {
    assert_eq!(variants_in_error_rs(), ALL_VARIANTS, "update ALL_VARIANTS (and add rows) for the new variants");
}

#[test]
fn every_variant_has_a_row() {
    let decoded: BTreeSet<String> = rows()
        .iter()
        .filter(|r| !r.ignored)
        .filter_map(|r| match r.expect {
            Expect::Kind(k) => Some(variant_name(&k)),
            Expect::Rejected => None,
        })
        .collect();
    let mut encoded = BTreeSet::new();
    invalid_packets::for_each(|_, _, _, kind| {
        encoded.insert(variant_name(&kind));
    });
    let all: Vec<String> =
        variants_in_error_rs().into_iter().chain(ALL_VARIANTS.iter().map(|s| s.to_string())).collect();
    for name in &all {
        if ENCODE_ONLY.contains(&name.as_str()) {
            assert!(encoded.contains(name), "no encode row for Malformed::{name}");
        } else {
            assert!(decoded.contains(name), "no decode row for Malformed::{name}");
        }
    }
    for name in decoded.iter().chain(&encoded) {
        assert!(all.contains(name), "{name} is not a Malformed variant");
    }
}

#[test]
fn ignored_rows_name_their_rule() {
    for r in rows().iter().filter(|r| r.ignored || r.expect == Expect::Rejected) {
        assert!(r.ignored, "{}: a row without an exact expectation must be ignored", r.name);
        assert!(r.rule.contains("MQTT"), "{}: {}", r.name, r.rule);
    }
}
