//! Runs the built `wire` binary: every `$ wire` command in README.md (so the docs cannot drift),
//! round trips of the golden lines, refusals and exit codes, edited fields, and batch mode.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::*;
use serde_json::{json, Value};

#[test]
fn every_command_in_the_readme_answers_as_shown() {
    let shown = shown_commands();
    assert!(shown.len() > 50, "only {} commands found in README.md", shown.len());
    for s in &shown {
        let (code, line) = answer(&s.args());
        assert_eq!(line, s.expected, "$ wire {}", s.args().join(" "));
        let want = if line.starts_with("{\"error\"") { 1 } else { 0 };
        assert_eq!(code, want, "exit code of $ wire {}", s.args().join(" "));
    }
}

#[test]
fn golden_lines_encode_back_to_their_hex() {
    let golden: Vec<_> = shown_commands().into_iter().filter(|s| s.golden).collect();
    for s in &golden {
        assert_eq!(s.cmd, "decode", "only decode lines belong in the golden block");
        assert!(!s.expected.contains("\"error\""), "golden line is a refusal: {}", s.expected);
        let hex: String = s.arg.split_whitespace().collect::<String>().to_lowercase();
        let mut args = vec!["encode", s.proto.as_str(), s.expected.as_str()];
        if let Some(p) = &s.path {
            args.extend(["--path", p.as_str()]);
        }
        let (code, line) = answer(&args);
        assert_eq!((code, line), (0, hex), "round trip of {}", s.expected);
    }
}

#[test]
fn golden_lines_cover_every_packet_type_and_property() {
    let golden: Vec<_> = shown_commands().into_iter().filter(|s| s.golden).collect();
    let types = |proto: &str| -> Vec<String> {
        let mut t: Vec<String> = golden
            .iter()
            .filter(|s| s.proto == proto)
            .map(|s| serde_json::from_str::<Value>(&s.expected).unwrap()["type"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t.dedup();
        t
    };
    let all = [
        "CONNECT",
        "CONNACK",
        "PUBLISH",
        "PUBACK",
        "PUBREC",
        "PUBREL",
        "PUBCOMP",
        "SUBSCRIBE",
        "SUBACK",
        "UNSUBSCRIBE",
        "UNSUBACK",
        "PINGREQ",
        "PINGRESP",
        "DISCONNECT",
        "AUTH",
    ];
    let (v3, v5) = (types("mqtt3"), types("mqtt5"));
    for t in all {
        // AUTH is 5.0 only; PINGREQ and PINGRESP are the same in both versions.
        if t != "AUTH" {
            assert!(v3.iter().any(|x| x == t), "no mqtt3 golden line for {t}");
        }
        if !t.starts_with("PING") {
            assert!(v5.iter().any(|x| x == t), "no mqtt5 golden line for {t}");
        }
    }
    for name in [
        "payload_format_indicator",
        "message_expiry_interval",
        "content_type",
        "response_topic",
        "correlation_data",
        "subscription_identifier",
        "session_expiry_interval",
        "assigned_client_identifier",
        "server_keep_alive",
        "authentication_method",
        "authentication_data",
        "request_problem_information",
        "will_delay_interval",
        "request_response_information",
        "response_information",
        "server_reference",
        "reason_string",
        "receive_maximum",
        "topic_alias_maximum",
        "topic_alias",
        "maximum_qos",
        "retain_available",
        "user_property",
        "maximum_packet_size",
        "wildcard_subscription_available",
        "subscription_identifier_available",
        "shared_subscription_available",
    ] {
        let needle = format!("\"name\": \"{name}\"");
        assert!(golden.iter().any(|s| s.expected.contains(&needle)), "no golden line shows {name}");
    }
}

#[test]
fn readme_batch_example_answers_as_shown() {
    let mut lines = README.lines();
    let line = lines.find(|l| l.starts_with("$ printf '")).expect("batch example in README.md");
    let rest = line.strip_prefix("$ printf '").unwrap();
    let (input, command) = rest.split_once("' | wire ").unwrap();
    let args: Vec<&str> = command.split(' ').collect();
    let expected: Vec<&str> = lines.take_while(|l| !l.starts_with("```")).collect();
    let (code, out) = wire_stdin(&args, input.replace("\\n", "\n").as_bytes());
    assert_eq!(code, 0);
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn pingreq_decodes_and_reserved_flags_are_refused() {
    let (code, line) = answer(&["decode", "mqtt3", "c000"]);
    assert_eq!((code, line.starts_with('{')), (0, true));
    let msg = refused(&["decode", "mqtt3", "c100"]);
    assert!(msg.starts_with("MQTT-2.2.2-1"), "{msg}");
    assert!(refused(&["decode", "mqtt5", "C1 00"]).contains("MQTT-2.1.3-1"));
}

#[test]
fn decode_errors_cite_the_rule_and_offset() {
    assert_eq!(refused(&["decode", "mqtt3", "3603000161"]), "MQTT-3.3.1-4: PUBLISH QoS bits are 3 (at byte 0)");
    // 5.0 PUBLISH, QoS 1, Packet Identifier 0.
    assert!(refused(&["decode", "mqtt5", "320500016100 00"]).starts_with("MQTT-2.2.1-3"));
    // 3.1.1 CONNECT with a bad protocol level.
    let msg = refused(&["decode", "mqtt3", "100c00044d5154540602003c0000"]);
    assert!(msg.starts_with("MQTT-3.1.2-2: protocol level 6 is not supported"), "{msg}");
}

#[test]
fn truncated_trailing_and_bad_hex_are_refused() {
    let msg = refused(&["decode", "mqtt3", "30"]);
    assert!(msg.contains("truncated packet") && msg.contains("1 more byte"), "{msg}");
    assert!(msg.contains("remaining length incomplete"), "{msg}");
    let msg = refused(&["decode", "mqtt5", "3005000161"]);
    assert!(msg.starts_with("MQTT 5.0 §2.1.4") && msg.contains("2 more bytes needed"), "{msg}");
    let msg = refused(&["decode", "mqtt3", "c000c000"]);
    assert!(msg.contains("2 trailing bytes"), "{msg}");
    assert_eq!(refused(&["decode", "mqtt3", "c00"]), "hex: odd number of digits");
    assert!(refused(&["decode", "mqtt3", "c0 0g"]).starts_with("hex: invalid character 'g'"));
    assert!(refused(&["decode", "mqtt3", ""]).contains("truncated packet"));
}

#[test]
fn usage_errors_exit_2_with_nothing_on_stdout() {
    for args in [
        &[][..],
        &["decode"],
        &["decode", "mqtt3"],
        &["decode", "mqtt3", "c000", "extra"],
        &["frobnicate", "mqtt3", "c000"],
        &["decode", "mqtt4", "c000"],
        &["decode", "coap-ws", "c000"],
    ] {
        let (code, out, err) = wire(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}: {out}");
        assert!(err.contains("usage: wire"), "{args:?}: {err}");
    }
    let (code, out, _) = wire(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("usage: wire"));
}

#[test]
fn connect_layout_follows_its_own_protocol_level() {
    // A 5.0 CONNECT decodes the same whatever the command line's version.
    let hex = "102b00044d515454054200001a15000b534352414d2d5348412d311600096e2c2c6e3d757365720000000200ff";
    assert_eq!(decode("mqtt3", hex), decode("mqtt5", hex));
    assert_eq!(encode("mqtt3", &decode("mqtt5", hex)), hex);
}

#[test]
fn editing_fields_changes_the_hex_accordingly() {
    let json = decode("mqtt3", "3b1c001473656e736f72732f6b69746368656e2f74656d70000a32312e35");
    let mut v: Value = serde_json::from_str(&json).unwrap();
    v["packet_id"] = json!(11);
    assert_eq!(encode("mqtt3", &v.to_string()), "3b1c001473656e736f72732f6b69746368656e2f74656d70000b32312e35");
    v["topic"] = json!("x/yz");
    v["retain"] = json!(false);
    assert_eq!(encode("mqtt3", &v.to_string()), "3a0c0004782f797a000b32312e35");
    v["qos"] = json!(0);
    v["dup"] = json!(false);
    v.as_object_mut().unwrap().remove("packet_id");
    v["payload"] = json!("FF00");
    assert_eq!(encode("mqtt3", &v.to_string()), "30080004782f797aff00");

    // 5.0: change a user property and drop a subscription identifier; order is kept.
    let hex = "3d75001473656e736f72732f6b69746368656e2f74656d70123452010102000000780300106170706c69636174696f6e2f6a736f6e08000f7265706c6965732f6b69746368656e090003c0ffee260004756e69740003c2b043260004756e697400066b656c76696e0b010bac027b2274223a32312e357d";
    let mut v: Value = serde_json::from_str(&decode("mqtt5", hex)).unwrap();
    let props = v["properties"].as_array_mut().unwrap();
    props[6]["value"] = json!("K");
    props.remove(7);
    let edited = encode("mqtt5", &v.to_string());
    let expected = hex
        .replace("00066b656c76696e", "00014b")
        .replace("0b010bac02", "0bac02")
        .replacen("3d75", "3d6e", 1)
        .replacen("123452", "12344b", 1);
    assert_eq!(edited, expected);
    let back: Value = serde_json::from_str(&decode("mqtt5", &edited)).unwrap();
    assert_eq!(back, v);
}

#[test]
fn json_breaking_a_rule_is_refused_with_its_citation() {
    let publish = |topic: &str, qos: u64, id: u64| {
        json!({"type": "PUBLISH", "dup": false, "qos": qos, "retain": false, "topic": topic, "packet_id": id,
               "properties": [], "payload": ""})
        .to_string()
    };
    let msg = refused(&["encode", "mqtt5", &publish("a/+", 1, 1)]);
    assert_eq!(msg, "MQTT-3.3.2-2: topic name contains a wildcard");
    assert!(refused(&["encode", "mqtt5", &publish("a/#", 1, 1)]).starts_with("MQTT-3.3.2-2"));
    assert!(refused(&["encode", "mqtt5", &publish("a", 1, 0)]).starts_with("MQTT-2.2.1-3"));
    assert!(refused(&["encode", "mqtt3", &publish("a", 3, 1)]).starts_with("MQTT-3.3.1-4"));
    // An empty topic needs a Topic Alias.
    assert!(refused(&["encode", "mqtt5", &publish("", 1, 1)]).starts_with("MQTT-4.7.3-1"));
    // Properties under 3.1.1, a duplicate property, a property the packet may not carry.
    let ack = |proto: &str, props: Value| {
        refused(&[
            "encode",
            proto,
            &json!({"type": "PUBACK", "packet_id": 1, "reason_code": 0, "properties": props}).to_string(),
        ])
    };
    let rs = json!({"name": "reason_string", "value": "x"});
    assert!(ack("mqtt3", json!([rs])).starts_with("MQTT 3.1.1 §3"));
    assert!(ack("mqtt5", json!([rs, rs])).contains("Reason String appears more than once"));
    assert!(ack("mqtt5", json!([{"name": "topic_alias", "value": 2}])).starts_with("MQTT 5.0 §2.2.2.2"));
    // A reason code the packet may not carry, and one 3.1.1 cannot express.
    let puback = json!({"type": "PUBACK", "packet_id": 1, "reason_code": 4, "properties": []}).to_string();
    assert!(refused(&["encode", "mqtt5", &puback]).starts_with("MQTT 5.0 §2.4"));
    let puback = json!({"type": "PUBACK", "packet_id": 1, "reason_code": 16}).to_string();
    assert!(refused(&["encode", "mqtt3", &puback]).starts_with("MQTT 3.1.1 §3.2.2.3"));
    // CONNECT rules: password without user name (3.1.1 only), will QoS 3, unknown protocol level.
    let connect = json!({"type": "CONNECT", "protocol_name": "MQTT", "protocol_level": 4, "clean_start": true,
                         "keep_alive": 0, "client_id": "c", "password": "00"});
    assert!(refused(&["encode", "mqtt3", &connect.to_string()]).starts_with("MQTT-3.1.2-22"));
    let mut c5 = connect.clone();
    c5["protocol_level"] = json!(5);
    assert_eq!(encode("mqtt3", &c5.to_string()), "101100044d5154540542000000000163000100");
    let mut c = connect.clone();
    c.as_object_mut().unwrap().remove("password");
    c["will"] = json!({"qos": 3, "retain": false, "topic": "t", "payload": ""});
    assert!(refused(&["encode", "mqtt3", &c.to_string()]).contains("will QoS is 3"));
    c["protocol_level"] = json!(6);
    assert!(refused(&["encode", "mqtt3", &c.to_string()]).starts_with("MQTT-3.1.2-2"));
    // AUTH does not exist in 3.1.1; CONNACK 3.1.1 return codes stop at 5.
    assert!(refused(&["encode", "mqtt3", r#"{"type": "AUTH"}"#]).starts_with("MQTT 3.1.1 §2.2.1"));
    let connack = r#"{"type": "CONNACK", "session_present": false, "return_code": 6}"#;
    assert!(refused(&["encode", "mqtt3", connack]).starts_with("MQTT 3.1.1 §3.2.2.3"));
    // Subscription options: 5.0 options under 3.1.1, retain handling 3, no local on a shared filter.
    let sub = |proto: &str, s: Value| {
        refused(&["encode", proto, &json!({"type": "SUBSCRIBE", "packet_id": 1, "subscriptions": [s]}).to_string()])
    };
    let s = json!({"filter": "a", "qos": 0, "no_local": true, "retain_as_published": false, "retain_handling": 0});
    assert!(sub("mqtt3", s).starts_with("MQTT-3.8.3-5"));
    let s = json!({"filter": "a", "qos": 0, "no_local": false, "retain_as_published": false, "retain_handling": 3});
    assert!(sub("mqtt5", s).contains("retain handling is 3"));
    let s =
        json!({"filter": "$share/g/a", "qos": 0, "no_local": true, "retain_as_published": false, "retain_handling": 0});
    assert!(sub("mqtt5", s).starts_with("MQTT-3.8.3-4"));
    let s = json!({"filter": "a/b#", "qos": 0, "no_local": false, "retain_as_published": false, "retain_handling": 0});
    assert!(sub("mqtt5", s).starts_with("MQTT-4.7.1-1"));
}

#[test]
fn json_outside_the_schema_is_refused_as_json() {
    for (input, what) in [
        ("not json", "json: expected ident"),
        ("[1]", "json: expected an object, got an array"),
        (r#"{"packet_id": 1}"#, "json: type: missing field"),
        (r#"{"type": 3}"#, "json: type: expected a string, got a number"),
        (r#"{"type": "PUBCAKE"}"#, "json: type: unknown packet type \"PUBCAKE\""),
        (r#"{"type": "PUBACK"}"#, "json: PUBACK.packet_id: missing field"),
        (
            r#"{"type": "PUBACK", "packet_id": 70000, "reason_code": 0}"#,
            "json: PUBACK.packet_id: expected an integer 0..=65535, got a number",
        ),
        (r#"{"type": "PUBACK", "packet_id": -1, "reason_code": 0}"#, "json: PUBACK.packet_id: expected an integer"),
        (r#"{"type": "PUBACK", "packet_id": 1.5, "reason_code": 0}"#, "json: PUBACK.packet_id: expected an integer"),
        (r#"{"type": "PUBACK", "packet_id": 1, "reason_code": 0, "reason": 1}"#, "json: PUBACK.reason: unknown field"),
        (
            r#"{"type": "PUBACK", "packet_id": 1, "reason_code": 0, "properties": [{"name": "colour", "value": 1}]}"#,
            "json: PUBACK.properties[0].name: unknown property \"colour\"",
        ),
        (
            r#"{"type": "PUBACK", "packet_id": 1, "reason_code": 0, "properties": [{"name": "user_property", "value": "v"}]}"#,
            "json: PUBACK.properties[0].key: missing field",
        ),
        (
            r#"{"type": "PUBACK", "packet_id": 1, "reason_code": 0, "properties": [{"name": "reason_string", "value": 1}]}"#,
            "json: PUBACK.properties[0].value: expected a string, got a number",
        ),
        (
            r#"{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "topic": "a", "packet_id": 1, "payload": ""}"#,
            "json: PUBLISH.packet_id: must be absent when qos is 0",
        ),
        (
            r#"{"type": "PUBLISH", "dup": false, "qos": 0, "retain": false, "topic": "a", "payload": "abc"}"#,
            "json: PUBLISH.payload: bad hex: odd number of digits",
        ),
        (
            r#"{"type": "PUBLISH", "dup": false, "qos": 4, "retain": false, "topic": "a", "payload": ""}"#,
            "json: PUBLISH.qos: expected an integer 0..=3",
        ),
        (
            r#"{"type": "CONNECT", "protocol_name": "MQTT", "protocol_level": 4, "clean_start": true, "keep_alive": 0, "client_id": "c", "will": 1}"#,
            "json: CONNECT.will: expected an object, got a number",
        ),
    ] {
        let msg = refused(&["encode", "mqtt5", input]);
        assert!(msg.starts_with(what), "{input}: {msg}");
    }
}

#[test]
fn batch_answers_one_line_per_input_line() {
    let (code, out) = wire_stdin(&["decode", "mqtt3", "-"], b"c000\nc100\n30 07 00 03 61 2F 62 68 69\n");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], r#"{"type": "PINGREQ"}"#);
    assert!(lines[1].starts_with(r#"{"error": "MQTT-2.2.2-1"#), "{}", lines[1]);
    assert!(lines[2].contains(r#""topic": "a/b""#), "{}", lines[2]);

    // Empty lines, CRLF, no final newline, bad UTF-8: still one answer per line.
    let (code, out) =
        wire_stdin(&["encode", "mqtt5", "-"], b"{\"type\": \"PINGRESP\"}\r\n\n\xff\n{\"type\": \"PINGREQ\"}");
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0], "d000");
    assert!(lines[1].starts_with(r#"{"error": "json: "#), "{}", lines[1]);
    assert_eq!(lines[2], r#"{"error": "input: line is not UTF-8"}"#);
    assert_eq!(lines[3], "c000");
}

#[test]
fn batch_round_trips_all_golden_lines_many_times() {
    let golden: Vec<_> = shown_commands().into_iter().filter(|s| s.golden).collect();
    for proto in ["mqtt3", "mqtt5", "coap", "coap-tcp"] {
        let mine: Vec<_> = golden.iter().filter(|s| s.proto == proto && s.path.is_none()).collect();
        let rounds = 5000 / mine.len() + 1;
        let hexes: String = mine.iter().map(|s| format!("{}\n", s.arg)).collect::<String>().repeat(rounds);
        let jsons: String = mine.iter().map(|s| format!("{}\n", s.expected)).collect::<String>().repeat(rounds);
        let (code, out) = wire_stdin(&["decode", proto, "-"], hexes.as_bytes());
        assert_eq!(code, 0);
        assert!(out == jsons, "{proto}: batch decode differs from the golden lines");
        let (code, out) = wire_stdin(&["encode", proto, "-"], jsons.as_bytes());
        assert_eq!(code, 0);
        assert!(out == hexes, "{proto}: batch encode differs from the golden hex");
    }
}
