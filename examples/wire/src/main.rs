//! `wire`: decode and encode protocol packets as JSON (work in progress).
fn main() {
    eprintln!("usage: wire decode|encode mqtt3|mqtt5 HEX|JSON|-");
    std::process::exit(2);
}
