//! `mqtt-sub`: subscribe to topics on an MQTT broker and print each message as one
//! `topic payload` line (payload as UTF-8, invalid bytes replaced), in the spirit of
//! `mosquitto_sub -v`. It shows mqtt-codec's poll-driven `Client` on a tokio socket through
//! `net::driver`: connect, subscribe once CONNACK is in, acknowledge what arrives (the client
//! does that), disconnect after `-C` messages or `-W` seconds.
//!
//! ```text
//! cargo run -p net --bin mqtt-sub -- -h 127.0.0.1 -p 1883 -t 'sensors/#' -q 1 -V 5
//! cargo run -p net --bin mqtt-sub -- -t a/b -t c/+ -C 1 -W 10      # first message, or give up
//! cargo run -p net --bin mqtt-sub -- -t jobs -q 1 -c -i worker-1    # persistent session
//! ```
//!
//! Exit status: 0 after a clean DISCONNECT (`-C` reached); 1 when the connection failed, a
//! subscription was refused or the broker closed the connection; 2 for bad arguments; 27
//! when `-W` seconds passed first (as `mosquitto_sub` does).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Parser};
use mqtt_codec::client::{Client, CloseReason, Config};
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, Disconnect, List, Property, Protocol, Qos, ReasonCode, Subscription, Version};
use net::driver::{Driver, Event};

/// The exit status when `-W` runs out, as `mosquitto_sub`'s.
const TIMED_OUT: u8 = 27;

/// Subscribe to topics on an MQTT broker (3.1.1 or 5.0) and print `topic payload` lines.
#[derive(Debug, Parser)]
#[command(name = "mqtt-sub", disable_help_flag = true)]
struct Args {
    /// Broker host.
    #[arg(short = 'h', long, default_value = "localhost")]
    host: String,
    /// Broker port.
    #[arg(short, long, default_value_t = 1883)]
    port: u16,
    /// Topic filter to subscribe to (repeat for more; + and # are wildcards).
    #[arg(short, long = "topic", value_name = "TOPIC", required = true, value_parser = topic_filter)]
    topics: Vec<String>,
    /// QoS to subscribe with: 0, 1 or 2.
    #[arg(short, long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
    qos: u8,
    /// MQTT version: 311 (or mqttv311) or 5 (or mqttv5).
    #[arg(short = 'V', long = "protocol-version", default_value = "311", value_parser = protocol)]
    version: Protocol,
    /// Client identifier (default: mqtt-sub-PID).
    #[arg(short, long)]
    id: Option<String>,
    /// Keep Alive in seconds (0: off).
    #[arg(short, long, default_value_t = 60)]
    keepalive: u16,
    /// Keep the session (no clean session / clean start): messages at QoS 1 and 2 are queued
    /// while away. Give an -i.
    #[arg(short = 'c', long = "disable-clean-session", requires = "id")]
    keep_session: bool,
    /// 5.0 Session Expiry Interval in seconds, with -c (default: never expires).
    #[arg(short = 'x', long = "session-expiry-interval", requires = "keep_session")]
    session_expiry: Option<u32>,
    /// Disconnect and exit after this many messages.
    #[arg(short = 'C', long)]
    count: Option<u64>,
    /// Disconnect and exit after this many seconds.
    #[arg(short = 'W', long)]
    timeout: Option<u64>,
    /// User Name.
    #[arg(short, long)]
    username: Option<String>,
    /// Password.
    #[arg(short = 'P', long = "pw")]
    password: Option<String>,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

fn topic_filter(s: &str) -> Result<String, String> {
    TopicFilter::new(s).map(|_| s.to_owned()).map_err(|e| e.to_string())
}

fn protocol(s: &str) -> Result<Protocol, String> {
    match s {
        "311" | "mqttv311" => Ok(Protocol::Mqtt311),
        "5" | "mqttv5" => Ok(Protocol::Mqtt5),
        _ => Err("expected 311 or 5".into()),
    }
}

type Sub = Driver<Vec<u8>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mqtt-sub: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<ExitCode, String> {
    let version = args.version.version();
    // Room for received messages of up to 64 KiB waiting to be polled (the 5.0 CONNECT
    // announces the matching Maximum Packet Size; under 3.1.1 a larger one ends the connection).
    let inbound = 64 * 1024;
    let config = Config::new(version).with_store_split(inbound, 256, 512);
    let client: Client<Vec<u8>> =
        Client::new(config, vec![0; inbound + 256 + 512 + 4096]).map_err(|e| e.to_string())?;
    let mut driver = Driver::new(client);

    let stream = tokio::net::TcpStream::connect((args.host.as_str(), args.port))
        .await
        .map_err(|e| format!("connecting to {}:{}: {e}", args.host, args.port))?;
    let id = args.id.clone().unwrap_or_else(|| format!("mqtt-sub-{}", std::process::id()));
    let expiry = [Property::SessionExpiryInterval(args.session_expiry.unwrap_or(u32::MAX))];
    let connect = Connect {
        client_id: &id,
        keep_alive: args.keepalive,
        clean_start: !args.keep_session,
        properties: if args.keep_session && version == Version::V5 { List::new(&expiry) } else { List::default() },
        username: args.username.as_deref(),
        password: args.password.as_deref().map(str::as_bytes),
        ..Connect::new(args.version)
    };
    driver.start(stream, &connect).map_err(|e| format!("CONNECT: {e}"))?;

    let receive = receive(args, &mut driver);
    let Some(seconds) = args.timeout else { return receive.await };
    match tokio::time::timeout(Duration::from_secs(seconds), receive).await {
        Ok(result) => result,
        Err(_) => {
            // Leave as a clean client would; the broker answers nothing, so this is quick.
            if driver.command(|c, now| c.disconnect(now, &Disconnect::new(ReasonCode::Success))).is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while !matches!(driver.next_event().await, Some(Event::Closed { .. }) | None) {}
                })
                .await;
            }
            Ok(ExitCode::from(TIMED_OUT))
        }
    }
}

/// Subscribes, prints messages, and leaves after `-C` of them.
async fn receive(args: &Args, driver: &mut Sub) -> Result<ExitCode, String> {
    let qos = Qos::try_from(args.qos).map_err(|e| e.to_string())?;
    let subscriptions: Vec<Subscription<'_>> = args
        .topics
        .iter()
        .map(|t| TopicFilter::new(t).map(|f| Subscription::new(f, qos)).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    let mut received = 0u64;
    let mut stdout = std::io::stdout().lock();
    while let Some(event) = driver.next_event().await {
        match event {
            Event::Connected { .. } => {
                driver
                    .command(|c, now| c.subscribe(now, &subscriptions, &[]))
                    .map_err(|e| format!("SUBSCRIBE: {e}"))?;
            }
            Event::Subscribed { reason_codes, .. } => {
                for (topic, code) in args.topics.iter().zip(&reason_codes) {
                    if code.is_error() {
                        return Err(format!("subscription to {topic} refused: {code:?}"));
                    }
                }
            }
            // After the -C-th, the DISCONNECT is queued; what was already in is not printed.
            Event::MessageReceived(_) if args.count.is_some_and(|c| received >= c) => {}
            Event::MessageReceived(m) => {
                let line = writeln!(stdout, "{} {}", m.topic, String::from_utf8_lossy(&m.payload));
                if line.and_then(|()| stdout.flush()).is_err() {
                    // stdout is gone (a closed pipe): nobody reads any more.
                    return Ok(ExitCode::SUCCESS);
                }
                received += 1;
                if Some(received) == args.count {
                    driver
                        .command(|c, now| c.disconnect(now, &Disconnect::new(ReasonCode::Success)))
                        .map_err(|e| format!("DISCONNECT: {e}"))?;
                }
            }
            Event::Closed { reason: CloseReason::Local, .. } => return Ok(ExitCode::SUCCESS),
            Event::Closed { reason, reason_string, io_error } => {
                let why = reason_string.or(io_error.map(|e| e.to_string())).unwrap_or_default();
                return Err(format!("connection closed: {reason} {why}"));
            }
            _ => {}
        }
    }
    Err("connection closed".into())
}
