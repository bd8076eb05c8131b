//! Helpers shared by the `wire` CLI tests: run the built binary, parse the README's commands.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

pub(crate) const README: &str = include_str!("../../README.md");

/// Runs `wire` with `args`; returns the exit code, stdout and stderr.
pub(crate) fn wire(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wire")).args(args).output().expect("run wire");
    let code = out.status.code().expect("exit code");
    (code, String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// Runs `wire` with `args` and `input` on stdin; returns the exit code and stdout.
pub(crate) fn wire_stdin(args: &[&str], input: &[u8]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wire"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run wire");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Write from another thread so a large answer cannot block on a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// One answered line: exit 0, or exit 1 with an `{"error": ...}` line.
pub(crate) fn answer(args: &[&str]) -> (i32, String) {
    let (code, out, err) = wire(args);
    assert!(err.is_empty(), "{args:?} wrote to stderr: {err}");
    let line = out.strip_suffix('\n').unwrap_or_else(|| panic!("{args:?}: no newline in {out:?}"));
    assert!(!line.contains('\n'), "{args:?}: more than one line: {out:?}");
    (code, line.to_owned())
}

pub(crate) fn decode(proto: &str, hex: &str) -> String {
    let (code, line) = answer(&["decode", proto, hex]);
    assert_eq!(code, 0, "decode {proto} {hex}: {line}");
    line
}

pub(crate) fn encode(proto: &str, json: &str) -> String {
    let (code, line) = answer(&["encode", proto, json]);
    assert_eq!(code, 0, "encode {proto} {json}: {line}");
    line
}

/// A refusal: exit 1 and one `{"error": "..."}` line; returns the message.
pub(crate) fn refused(args: &[&str]) -> String {
    let (code, line) = answer(args);
    assert_eq!(code, 1, "{args:?} answered {line}");
    let v: Value = serde_json::from_str(&line).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.len(), 1, "{line}");
    obj["error"].as_str().unwrap().to_owned()
}

/// A `$ wire CMD PROTO ARG` line from the README, its expected answer, and whether it sits in the
/// golden block.
pub(crate) struct Shown {
    pub(crate) cmd: String,
    pub(crate) proto: String,
    pub(crate) arg: String,
    pub(crate) expected: String,
    pub(crate) golden: bool,
    /// The `--path` argument, when the line has one (LwM2M formats).
    pub(crate) path: Option<String>,
}

impl Shown {
    /// The command-line arguments.
    pub(crate) fn args(&self) -> Vec<&str> {
        let mut a = vec![self.cmd.as_str(), self.proto.as_str(), self.arg.as_str()];
        if let Some(p) = &self.path {
            a.extend(["--path", p.as_str()]);
        }
        a
    }
}

pub(crate) fn shown_commands() -> Vec<Shown> {
    let mut out = Vec::new();
    let mut golden = false;
    let mut lines = README.lines();
    while let Some(line) = lines.next() {
        match line {
            "<!-- golden:begin -->" => golden = true,
            "<!-- golden:end -->" => golden = false,
            _ => {}
        }
        let Some(rest) = line.strip_prefix("$ wire ") else { continue };
        let mut parts = rest.splitn(3, ' ');
        let (cmd, proto, arg) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let (arg, path) = match arg.rsplit_once(" --path ") {
            Some((a, p)) => (a, Some(p.to_owned())),
            None => (arg, None),
        };
        let arg = arg.strip_prefix('\'').and_then(|a| a.strip_suffix('\'')).unwrap_or(arg);
        let expected = lines.next().unwrap().to_owned();
        out.push(Shown { cmd: cmd.into(), proto: proto.into(), arg: arg.into(), expected, golden, path });
    }
    out
}
