//! The README's size table states exactly `core::mem::size_of` of the state structures.

use core::mem::size_of;
use std::borrow::ToOwned;

use crate::queue::ReadingQueue;
use crate::sim::{Broker, DatagramLink, Gateway, StreamLink, World};
use crate::{CoapEndpoint, MqttClient, Sensor};

/// (name as written in the README's first column, size in bytes).
fn sizes() -> [(&'static str, usize); 9] {
    [
        ("Sensor<8>", size_of::<Sensor<8>>()),
        ("MqttClient", size_of::<MqttClient>()),
        ("CoapEndpoint", size_of::<CoapEndpoint>()),
        ("ReadingQueue<8>", size_of::<ReadingQueue<8>>()),
        ("DatagramLink", size_of::<DatagramLink>()),
        ("StreamLink", size_of::<StreamLink>()),
        ("Broker", size_of::<Broker>()),
        ("Gateway", size_of::<Gateway>()),
        ("World<8>", size_of::<World<8>>()),
    ]
}

#[test]
fn readme_size_table_is_current() {
    let readme = include_str!("../../README.md");
    let mut rows = std::collections::BTreeMap::new();
    for line in readme.lines() {
        let cells: std::vec::Vec<&str> = line.split('|').map(str::trim).collect();
        if let [_, name, bytes, ..] = cells[..] {
            if let (Some(name), Ok(bytes)) =
                (name.strip_prefix('`').and_then(|n| n.strip_suffix('`')), bytes.replace(',', "").parse::<usize>())
            {
                rows.insert(name.to_owned(), bytes);
            }
        }
    }
    let want: std::collections::BTreeMap<std::string::String, usize> =
        sizes().iter().map(|&(n, b)| (n.to_owned(), b)).collect();
    let table: std::string::String = sizes().iter().map(|(n, b)| std::format!("| `{n}` | {b} |\n")).collect();
    assert_eq!(rows, want, "README.md's size table is stale; the current sizes:\n{table}");
}
