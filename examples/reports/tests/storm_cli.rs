//! Runs the built `storm` binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::process::Command;

#[test]
fn prints_the_tables_and_writes_markdown_and_svg() {
    let dir = std::env::temp_dir().join(format!("storm-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg, md) = (dir.join("sub/s.svg"), dir.join("s.md"));
    let out = Command::new(env!("CARGO_BIN_EXE_storm"))
        .args(["--devices", "300", "--outage", "5", "--seed", "7"])
        .args(["--svg", svg.to_str().unwrap(), "--markdown", md.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for part in [
        "## Parameters",
        "| devices | 300 |",
        "| seed | 7 |",
        "| outage | 5.0 s |",
        "## Reconnect storm",
        "| none (retry at once) |",
        "| fixed delay |",
        "| exponential back-off |",
        "| exponential back-off, full jitter |",
    ] {
        assert!(text.contains(part), "no {part:?} in the output:\n{text}");
    }
    assert_eq!(std::fs::read_to_string(&md).unwrap(), text);
    let chart = std::fs::read_to_string(&svg).unwrap();
    assert!(chart.starts_with("<svg"));
    for label in ["full jitter", "broker returns", "seconds since the outage"] {
        assert!(chart.contains(label), "no {label:?} in the SVG");
    }
    // The same seed prints the same tables.
    let again = Command::new(env!("CARGO_BIN_EXE_storm"))
        .args(["--devices", "300", "--outage", "5", "--seed", "7", "--svg", svg.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(again.stdout).unwrap(), text);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn one_policy_and_bad_flags() {
    let dir = std::env::temp_dir().join(format!("storm-cli2-{}", std::process::id()));
    let svg = dir.join("s.svg");
    let run = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_storm")).args(args).output().unwrap();
    let out = run(&["--devices", "100", "--policy", "full-jitter", "--svg", svg.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("| exponential back-off, full jitter |"));
    assert_eq!(text.matches("(t0+").count(), 1, "one result row:\n{text}");
    let bad = run(&["--policy", "panic"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8(bad.stderr).unwrap().contains("unknown policy"));
    std::fs::remove_dir_all(&dir).unwrap();
}
