//! `mqtt-pub`: publish one message to an MQTT broker and exit, in the spirit of
//! `mosquitto_pub`. It shows mqtt-codec's poll-driven `Client` on a tokio socket through
//! `net::driver`: connect, publish once CONNACK is in, wait for PUBACK (QoS 1) or PUBCOMP
//! (QoS 2), send DISCONNECT.
//!
//! ```text
//! cargo run -p net --bin mqtt-pub -- -h 127.0.0.1 -p 1883 -t sensors/7/temp -m 21.5 -q 1 -V 5
//! cargo run -p net --bin mqtt-pub -- -t sensors/7/state -m online -r        # retained, 3.1.1
//! cargo run -p net --bin mqtt-pub -- -t sensors/7/state -n -r               # clear it
//! ```
//!
//! Exit status: 0 when the message was sent (QoS 0) or acknowledged (QoS 1, 2); 1 when the
//! connection or the message failed or `-W` seconds passed; 2 for bad arguments.

use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Parser};
use mqtt_codec::client::{Client, CloseReason, Config, OutgoingMessage};
use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::{Connect, Disconnect, Protocol, Qos, ReasonCode};
use net::driver::{Driver, Event};

/// Publish one message to an MQTT broker (3.1.1 or 5.0) and exit.
#[derive(Debug, Parser)]
#[command(name = "mqtt-pub", disable_help_flag = true)]
struct Args {
    /// Broker host.
    #[arg(short = 'h', long, default_value = "localhost")]
    host: String,
    /// Broker port.
    #[arg(short, long, default_value_t = 1883)]
    port: u16,
    /// Topic to publish to.
    #[arg(short, long, value_parser = topic_name)]
    topic: String,
    /// Message payload.
    #[arg(short, long, required_unless_present = "null_message")]
    message: Option<String>,
    /// Send an empty payload (with -r: clears the topic's retained message).
    #[arg(short, long, conflicts_with = "message")]
    null_message: bool,
    /// QoS: 0, 1 or 2.
    #[arg(short, long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    qos: u8,
    /// Ask the broker to retain the message.
    #[arg(short, long)]
    retain: bool,
    /// MQTT version: 311 (or mqttv311) or 5 (or mqttv5).
    #[arg(short = 'V', long = "protocol-version", default_value = "311", value_parser = protocol)]
    version: Protocol,
    /// Client identifier (default: mqtt-pub-PID).
    #[arg(short, long)]
    id: Option<String>,
    /// Keep Alive in seconds (0: off).
    #[arg(short, long, default_value_t = 60)]
    keepalive: u16,
    /// User Name.
    #[arg(short, long)]
    username: Option<String>,
    /// Password.
    #[arg(short = 'P', long = "pw")]
    password: Option<String>,
    /// Give up after this many seconds.
    #[arg(short = 'W', long)]
    timeout: Option<u64>,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

fn topic_name(s: &str) -> Result<String, String> {
    TopicName::new(s).map(|_| s.to_owned()).map_err(|e| e.to_string())
}

fn protocol(s: &str) -> Result<Protocol, String> {
    match s {
        "311" | "mqttv311" => Ok(Protocol::Mqtt311),
        "5" | "mqttv5" => Ok(Protocol::Mqtt5),
        _ => Err("expected 311 or 5".into()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    let work = run(&args);
    let result = match args.timeout {
        Some(s) => tokio::time::timeout(Duration::from_secs(s), work)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {s} s"))),
        None => work.await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mqtt-pub: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let payload = args.message.as_deref().unwrap_or("").as_bytes();
    let qos = Qos::try_from(args.qos).map_err(|e| e.to_string())?;
    let config = Config::new(args.version.version());
    // The outbound part of the store holds the PUBLISH until it is acknowledged.
    let store = vec![0; 4096 + payload.len() + args.topic.len()];
    let client: Client<Vec<u8>> = Client::new(config, store).map_err(|e| e.to_string())?;
    let mut driver = Driver::new(client);

    let stream = tokio::net::TcpStream::connect((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("connecting to {}:{}: {e}", args.host, args.port))?;
    let id = args.id.clone().unwrap_or_else(|| format!("mqtt-pub-{}", std::process::id()));
    let connect = Connect {
        client_id: &id,
        keep_alive: args.keepalive,
        username: args.username.as_deref(),
        password: args.password.as_deref().map(str::as_bytes),
        ..Connect::new(args.version)
    };
    driver.start(stream, &connect).map_err(|e| format!("CONNECT: {e}"))?;

    let message = OutgoingMessage::new(&args.topic, payload).with_qos(qos).with_retain(args.retain);
    while let Some(event) = driver.next_event().await {
        match event {
            Event::Connected { .. } => {
                driver.command(|c, now| c.publish(now, &message)).map_err(|e| format!("publish: {e}"))?;
            }
            // One message, so its outcome is the only one.
            Event::PublishAcknowledged { reason, .. } if reason.is_error() => {
                return Err(format!("the broker refused the message: {reason:?}"));
            }
            Event::PublishSent { .. } | Event::PublishAcknowledged { .. } => {
                driver
                    .command(|c, now| c.disconnect(now, &Disconnect::new(ReasonCode::Success)))
                    .map_err(|e| format!("DISCONNECT: {e}"))?;
            }
            Event::PublishDropped { reason, .. } => return Err(format!("message dropped: {reason:?}")),
            Event::Closed { reason: CloseReason::Local, .. } => return Ok(()),
            Event::Closed { reason, reason_string, io_error } => {
                let why = reason_string.or(io_error.map(|e| e.to_string())).unwrap_or_default();
                return Err(format!("connection closed: {reason} {why}"));
            }
            _ => {}
        }
    }
    Err("connection closed".into())
}
