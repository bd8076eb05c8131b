//! The Markdown report: the parameters (each next to what it feeds) and one row per policy.

use core::fmt::Write;

use super::params::Params;
use super::sim::{Outcome, CLIENT_STORE};

/// `12,345`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12.3 MB` (decimal units).
pub fn bytes(n: usize) -> String {
    match n {
        0 => "not measured".to_owned(),
        n if n >= 1_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        n if n >= 1_000 => format!("{:.1} kB", n as f64 / 1e3),
        n => format!("{n} B"),
    }
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

/// The parameters table.
pub fn parameters(p: &Params) -> String {
    let mut s = String::from("## Parameters\n\n| parameter | value | feeds |\n|---|---|---|\n");
    let rows = [
        ("devices", thousands(u64::from(p.devices)), "the fleet: one `Client<[u8; 256], 2, 0>` each, MQTT 3.1.1, CleanSession 0, Keep Alive 0, client id `dev-NNNNNN`".to_owned()),
        ("seed", p.seed.to_string(), "every random choice: RTTs, per-packet jitter, full-jitter delays (SplitMix64)".to_owned()),
        ("warm-up", secs(p.warmup_ms()), format!("device i first connects at i / {} s (half the accept rate): no refusals before the outage", (p.accept_rate / 2).max(1))),
        ("outage at", secs(p.outage_at_ms()), "every transport drops (`connection_lost` on both sides); counting starts here".to_owned()),
        ("outage", secs(p.outage_ms), "SYNs arriving meanwhile get a reset after the RTT; the core is exported, dropped, and a fresh one imports the export when it returns".to_owned()),
        ("RTT", format!("{}-{} ms", p.rtt_ms.0, p.rtt_ms.1), "each device's round trip, uniform; one-way = RTT/2 + jitter".to_owned()),
        ("jitter", format!("0-{} ms", p.jitter_ms), "added to each packet's one-way delay, uniform; a stream keeps its order".to_owned()),
        ("accept rate", format!("{} CONNECT/s", thousands(u64::from(p.accept_rate))), "the front's token bucket; past it CONNACK 3 Server unavailable (3.1.1 §3.2.2.3; 0x89 Server busy in 5.0), not the core".to_owned()),
        ("accept burst", thousands(u64::from(p.accept_burst)), "the token bucket's depth (full when the broker returns)".to_owned()),
        ("fixed delay", secs(p.fixed_delay_ms), "policy fixed".to_owned()),
        ("back-off", format!("base {}, cap {}", secs(p.backoff_ms.0), secs(p.backoff_ms.1)), "`Backoff::new(base, cap)`; exponential waits its ceiling (`next_delay(ceiling)`), full jitter a uniform draw below it".to_owned()),
        ("limit", secs(p.limit_ms), "how long after the return a run may take (SIM-LIMIT)".to_owned()),
        ("broker connection store", format!("{} B", p.connection_store), "each core connection's `Vec` store (256 B inbound, 128 B control, no will, no aliases)".to_owned()),
        ("client store", format!("{CLIENT_STORE} B"), "each device's store (64 B inbound, 64 B control)".to_owned()),
        ("broker memory", "counting allocator".to_owned(), "heap bytes allocated minus freed inside calls into the core (including its own `Box`), thread-local; peak over the run".to_owned()),
    ];
    for (name, value, feeds) in rows {
        let _ = writeln!(s, "| {name} | {value} | {feeds} |");
    }
    s
}

/// The results table, one row per outcome.
pub fn results(p: &Params, outcomes: &[Outcome]) -> String {
    let mut s = String::from(
        "## Reconnect storm\n\n| policy | peak attempts/s (second) | all connected after return | CONNACK refusals | resets and losses | attempts | successes | broker peak memory | broker memory, fleet connected |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for o in outcomes {
        let (peak, at) = o.peak();
        let done = match o.all_connected_after_ms {
            Some(ms) => secs(ms),
            None => format!(
                "not within {} ({} of {} connected)",
                secs(p.limit_ms),
                thousands(u64::from(o.connected_at_end)),
                thousands(u64::from(p.devices))
            ),
        };
        let _ = writeln!(
            s,
            "| {} | {} (t0+{at} s) | {done} | {} | {} | {} | {} | {} | {} |",
            o.policy,
            thousands(u64::from(peak)),
            thousands(o.refusals),
            thousands(o.failures),
            thousands(o.attempts),
            thousands(o.successes),
            bytes(o.broker_peak_bytes),
            bytes(o.broker_steady_bytes),
        );
    }
    s.push_str("\nAttempts count SYNs from the outage (t0) on; attempts = successes + refusals + resets and losses");
    s.push_str(" + unfinished. ");
    if let Some(o) = outcomes.first() {
        let _ = write!(
            s,
            "The export at the outage held {} sessions in {}.",
            thousands(o.sessions_imported as u64),
            bytes(o.export_bytes)
        );
    }
    s.push('\n');
    s
}
