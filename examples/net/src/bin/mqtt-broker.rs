//! `mqtt-broker`: an MQTT 3.1.1 and 5.0 broker. It shows mqtt-codec's sans-IO broker core
//! (`mqtt_codec::broker::Broker`) in a thin tokio TCP loop (`net::broker_loop`): the core does
//! every protocol decision (sessions, QoS 0/1/2, retained messages, wills, shared
//! subscriptions, subscription identifiers, topic aliases, message expiry, takeover); the loop
//! only moves bytes and time. It logs one line per connect and disconnect to stdout.
//!
//! ```text
//! cargo run --release --bin mqtt-broker -- --listen 127.0.0.1:1883
//! cargo run --release --bin mqtt-broker -- --listen 127.0.0.1:1883 --listen '[::1]:1883'
//! cargo run --release --bin mqtt-broker -- --max-connections 100 --max-queued 50 --max-packet-size 65536
//! ```
//!
//! Exit status: 1 when a listener cannot be opened (`mqtt-broker: cannot listen on ADDR: address
//! in use`); 2 for bad arguments. Otherwise it runs until killed.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{ArgAction, Parser};
use mqtt_codec::broker::Config;
use net::broker_loop::{connection_config, Server, DEFAULT_MAX_PACKET_SIZE, DEFAULT_TOPIC_ALIAS_MAXIMUM};

/// An MQTT 3.1.1 and 5.0 broker on the mqtt-codec broker core.
#[derive(Debug, Parser)]
#[command(name = "mqtt-broker", disable_help_flag = true)]
struct Args {
    /// Address to listen on (repeat for more).
    #[arg(short, long = "listen", value_name = "ADDR", default_value = "127.0.0.1:1883")]
    listen: Vec<SocketAddr>,
    /// Open connections at most; more are closed at once.
    #[arg(long, default_value_t = Config::new().max_connections)]
    max_connections: usize,
    /// Sessions at most (connected, or kept for a reconnect); a CONNECT for one more is refused
    /// (5.0: 0x97 Quota exceeded; 3.1.1: 3 Server unavailable).
    #[arg(long, default_value_t = Config::new().max_sessions)]
    max_sessions: usize,
    /// Subscriptions per session at most; more are refused in the SUBACK.
    #[arg(long, default_value_t = Config::new().max_subscriptions_per_session)]
    max_subscriptions: usize,
    /// Messages queued per session at most (while it is offline or its window is full);
    /// past it new messages for it are dropped.
    #[arg(long, default_value_t = Config::new().max_queued_messages)]
    max_queued: usize,
    /// Retained messages at most; a new retained topic past it is delivered but not retained.
    #[arg(long, default_value_t = Config::new().max_retained)]
    max_retained: usize,
    /// Largest packet accepted from a client, in bytes (sizes each connection's buffers).
    #[arg(long, default_value_t = DEFAULT_MAX_PACKET_SIZE, value_parser = clap::value_parser!(u32).range(256..=16 << 20))]
    max_packet_size: u32,
    /// 5.0 Topic Alias Maximum announced to clients (0 to 8).
    #[arg(long, default_value_t = DEFAULT_TOPIC_ALIAS_MAXIMUM, value_parser = clap::value_parser!(u16).range(0..=8))]
    topic_alias_maximum: u16,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

impl Args {
    fn config(&self) -> Config {
        let (connection, store) = connection_config(self.max_packet_size, self.topic_alias_maximum);
        Config::new()
            .with_max_connections(self.max_connections)
            .with_max_sessions(self.max_sessions)
            .with_max_subscriptions_per_session(self.max_subscriptions)
            .with_max_queued_messages(self.max_queued)
            .with_max_retained(self.max_retained)
            .with_connection(connection, store)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let server = match Server::bind(&args.listen, args.config()).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("mqtt-broker: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let log = move |line: &str| {
        // One line at a time, flushed, so a pipe sees each connect and disconnect at once. A
        // closed stdout is no reason to stop serving.
        let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    };
    server.run(log, std::future::pending()).await;
    ExitCode::SUCCESS
}
