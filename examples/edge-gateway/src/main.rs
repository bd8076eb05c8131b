//! `edge-gateway`: the main demo. CoAP sensors report through a lossy link to an edge gateway,
//! which republishes to an MQTT broker (in-process by default); a subscriber reconciles every
//! reading end to end and the run ends with a summary table.
//!
//! ```text
//! cargo run --release --bin edge-gateway -- [--sensors 50] [--duration 20] [--period-ms 1000]
//!     [--loss 10] [--dup 1] [--seed 1] [--broker mqtt://HOST:PORT]
//!     [--kill-broker-after SECS] [--broker-down SECS] [--buffer N] [--coap-port PORT]
//!     [--settle-ms MS] [--json PATH] [--quiet]
//! ```
//!
//! Exit status: 0 when no CON reading was lost, 1 when some were, 2 when the demo could not run
//! (a bad broker URL, an unreachable or refusing broker, a port in use).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use edge_gateway::demo::{self, Progress, Settings, Summary};
use edge_gateway::stats::{get, Ledger, Stats};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// CoAP sensors -> edge gateway -> MQTT broker -> subscriber, with every reading reconciled.
#[derive(Debug, Parser)]
#[command(name = "edge-gateway")]
struct Args {
    /// Sensor nodes (of every ten: six CON, two NON, one observed, one sleepy).
    #[arg(long, default_value_t = 50)]
    sensors: usize,
    /// Seconds the sensors make readings.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Milliseconds between readings (sleepy sensors: three times this).
    #[arg(long, default_value_t = 1000)]
    period_ms: u64,
    /// Percent of datagrams lost on the sensor link, each way.
    #[arg(long, default_value_t = 10.0)]
    loss: f64,
    /// Percent of datagrams delivered twice on the sensor link.
    #[arg(long, default_value_t = 1.0)]
    dup: f64,
    /// Seed of the shim's losses, the sensors' values and the endpoints' ids.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// A real broker, `mqtt://HOST[:PORT]`, instead of the in-process one.
    #[arg(long)]
    broker: Option<String>,
    /// Stop the in-process broker after this many seconds (it starts again with its sessions).
    #[arg(long)]
    kill_broker_after: Option<u64>,
    /// Seconds the stopped broker stays down.
    #[arg(long, default_value_t = 3)]
    broker_down: u64,
    /// Readings the gateway's store-and-forward buffer holds.
    #[arg(long, default_value_t = 10_000)]
    buffer: usize,
    /// Milliseconds the gateway waits after each connection to the broker before it drains its
    /// buffer (for brokers that drop messages for restored sessions not yet reconnected).
    #[arg(long, default_value_t = 0)]
    settle_ms: u64,
    /// The gateway's CoAP port (default: a free one).
    #[arg(long, default_value_t = 0)]
    coap_port: u16,
    /// Also write the summary as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Do not print each message the subscriber receives.
    #[arg(long)]
    quiet: bool,
}

/// The progress bar, and the subscriber's lines above it.
struct Bar {
    bar: ProgressBar,
    quiet: bool,
}

impl Progress for Bar {
    fn line(&self, line: String) {
        if !self.quiet || !line.starts_with("site/") {
            if self.bar.is_hidden() {
                println!("{line}");
            } else {
                self.bar.println(line);
            }
        }
    }

    fn tick(&self, stats: &Stats, ledger: &Ledger) {
        let (con, con_arrived, _, _) = ledger.totals(true);
        self.bar.set_position(self.bar.elapsed().as_secs().min(self.bar.length().unwrap_or(0)));
        self.bar.set_message(format!(
            "CON {con_arrived}/{con} delivered, NON {} sent, buffer peak {}, broker acks {}",
            get(&stats.non_sent),
            get(&stats.gw_buffer_peak),
            get(&stats.gw_published)
        ));
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let settings = Settings {
        sensors: args.sensors,
        duration: Duration::from_secs(args.duration),
        period: Duration::from_millis(args.period_ms.max(10)),
        loss: args.loss.clamp(0.0, 100.0),
        dup: args.dup.clamp(0.0, 100.0),
        seed: args.seed,
        broker: args.broker.clone(),
        kill_broker_after: args.kill_broker_after.map(Duration::from_secs),
        broker_down: Duration::from_secs(args.broker_down),
        buffer: args.buffer.max(1),
        coap_port: args.coap_port,
        settle: Duration::from_millis(args.settle_ms),
        ..Settings::default()
    };
    let bar = ProgressBar::new(args.duration);
    if !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) = ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} s  {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    let progress = Arc::new(Bar { bar: bar.clone(), quiet: args.quiet });
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the tokio runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = runtime.block_on(demo::run(&settings, progress));
    bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!("{}", table(&settings, &summary));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&summary.to_json()).unwrap_or_default();
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if summary.lost() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn pct(a: u64, b: u64) -> String {
    if b == 0 {
        "-".into()
    } else {
        format!("{:.1} %", a as f64 * 100.0 / b as f64)
    }
}

fn per(bytes: u64, readings: u64) -> String {
    if readings == 0 {
        "-".into()
    } else {
        format!("{:.1}", bytes as f64 / readings as f64)
    }
}

/// The summary as Markdown tables.
fn table(s: &Settings, m: &Summary) -> String {
    let [con, non, obs, sleepy] = m.sensors;
    let mut t = format!(
        "\n## edge-gateway: {} sensors ({con} CON, {non} NON, {obs} observed, {sleepy} sleepy), {} s of readings every {} ms\n\n\
         Sensor link: {} % loss and {} % duplication each way (seed {}). Broker: {}; restarts: {}. Wall time {:.1} s.\n\n",
        s.sensors,
        s.duration.as_secs(),
        s.period.as_millis(),
        s.loss,
        s.dup,
        s.seed,
        m.broker,
        m.broker_restarts,
        m.elapsed.as_secs_f64()
    );
    t += "| readings | sent | delivered | duplicates suppressed | lost |\n|---|---:|---:|---:|---:|\n";
    t += &format!(
        "| CON (reconciled by sensor and sequence number) | {} | {} | {} at the gateway (+{} datagrams by CoAP dedup), {} at the subscriber | **{}** |\n",
        m.con.0, m.con.1, m.gateway_duplicates, m.coap_duplicates, m.con.2, m.con.3
    );
    t += &format!(
        "| NON (delivered fraction) | {} | {} ({}) | | not counted |\n",
        m.non.0,
        m.non.1,
        pct(m.non.1, m.non.0)
    );
    t += &format!(
        "| observed, CON notifications (RFC 7641: latest state) | {} | {} ({}) | | not counted |\n\n",
        m.observed.0,
        m.observed.1,
        pct(m.observed.1, m.observed.0)
    );
    let readings_in = m.con.0 + m.non.0 + m.observed.0;
    t += "| hop | messages | retransmissions | bytes | bytes per reading |\n|---|---:|---:|---:|---:|\n";
    t += &format!(
        "| sensors - gateway (CoAP/UDP; {} dropped, {} duplicated by the shim) | {} | {} CON | {} | {} |\n",
        m.sensor_hop.dropped,
        m.sensor_hop.duplicated,
        m.sensor_hop.messages,
        m.sensor_hop.retransmissions,
        m.sensor_hop.bytes,
        per(m.sensor_hop.bytes, readings_in)
    );
    t += &format!(
        "| gateway - broker (MQTT/TCP, QoS 1) | {} | {} DUP | {} | {} |\n",
        m.gateway_hop.messages,
        m.gateway_hop.retransmissions,
        m.gateway_hop.bytes,
        per(m.gateway_hop.bytes, m.published)
    );
    t += &format!(
        "| broker - subscriber (MQTT/TCP, QoS 1) | {} | {} DUP | {} | {} |\n\n",
        m.subscriber_hop.messages,
        m.subscriber_hop.retransmissions,
        m.subscriber_hop.bytes,
        per(m.subscriber_hop.bytes, m.subscriber_received)
    );
    t += &format!(
        "Gateway: {} registrations; CON requests that gave up and were sent again: {}; 5.03 answers (buffer full): {}; \
         buffer peak {} of {}, {} readings acknowledged by the broker, {} connections to it.\n\
         Bytes per reading: every byte of the hop (registrations, handshakes and pings included) over the readings \
         that crossed it; CoAP and MQTT bytes only (no IP, UDP or TCP headers).",
        m.registered, m.con_gave_up, m.busy, m.buffer_peak, s.buffer, m.published, m.connects
    );
    t
}
