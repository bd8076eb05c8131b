//! Runs the built `overhead` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::process::Command;

#[test]
fn prints_the_tables_and_writes_markdown_and_svg() {
    let dir = std::env::temp_dir().join(format!("overhead-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg, md) = (dir.join("sub/o.svg"), dir.join("o.md"));
    let out = Command::new(env!("CARGO_BIN_EXE_overhead"))
        .args(["--svg", svg.to_str().unwrap(), "--markdown", md.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "## Assumptions",
        "## Per message: one reading",
        "## Per device per day",
        "## Fleet of 500000 devices",
        "`site/dev-000042/temp`",
        "| `TCP_NAT_TIMEOUT_S` | 600 s |",
        "| MQTT 3.1.1 QoS 0 | f32 | ↑PUBLISH 28 | 28 |",
        "| CoAP NON + No-Response, empty token | f32 | ↑NON POST 19 | 19 |",
    ] {
        assert!(text.contains(part), "no {part:?} in the output");
    }
    assert_eq!(std::fs::read_to_string(&md).unwrap(), text);
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn payload_flag_changes_the_day_table_and_bad_flags_fail() {
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_overhead")).args(args).output().unwrap();
    let dir = std::env::temp_dir().join(format!("overhead-cli2-{}", std::process::id()));
    let svg = dir.join("o.svg");
    let out = run(&["--payload", "senml-json", "--svg", svg.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(String::from_utf8(out.stdout).unwrap().contains("carry the SenML JSON payload"));
    let bad = run(&["--payload", "xml"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8(bad.stderr).unwrap().contains("unknown payload"));
    std::fs::remove_dir_all(&dir).unwrap();
}
