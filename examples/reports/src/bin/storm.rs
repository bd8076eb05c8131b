//! `storm`: devices that reconnect all at once after a broker outage can knock it over again;
//! this runs a fleet of sans-IO MQTT clients against the broker core on a virtual clock, for each
//! reconnect policy (none, fixed delay, exponential back-off, full jitter), and reports peak
//! connection attempts per second, time until every device is connected again, CONNACK
//! refusals under the accept-rate cap, and the broker core's peak memory, as Markdown and SVG.
//!
//! ```text
//! cargo run --release --bin storm -- [--devices N] [--seed N] [--outage SECS] [--accept-rate N]
//!     [--accept-burst N] [--limit SECS] [--policy none|fixed|exponential|full-jitter]
//!     [--svg PATH] [--markdown PATH]
//! ```
//! `--svg` defaults to `target/storm.svg`. The broker core's memory is measured by the
//! counting allocator installed here (`reports::storm::meter`).

use std::path::PathBuf;
use std::process::ExitCode;

use reports::storm::chart::write_svg;
use reports::storm::meter::Meter;
use reports::storm::report::{parameters, results};
use reports::storm::{run, Params, Policy};

#[global_allocator]
static ALLOC: Meter = Meter;

const USAGE: &str = "usage: storm [--devices N] [--seed N] [--outage SECS] [--accept-rate N] [--accept-burst N] \
                     [--limit SECS] [--policy none|fixed|exponential|full-jitter] [--svg PATH] [--markdown PATH]";

struct Args {
    params: Params,
    policies: Vec<Policy>,
    svg: PathBuf,
    markdown: Option<PathBuf>,
}

fn number<T: std::str::FromStr>(flag: &str, v: &str) -> Result<T, String> {
    v.parse().map_err(|_| format!("{flag}: not a number: {v:?}\n{USAGE}"))
}

fn parse() -> Result<Args, String> {
    let mut params = Params::new(10_000);
    let mut policies = Vec::new();
    let mut svg = PathBuf::from("target/storm.svg");
    let mut markdown = None;
    let mut burst = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let v = match a.as_str() {
            "-h" | "--help" => return Err(USAGE.to_owned()),
            _ => it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"))?,
        };
        match a.as_str() {
            "--devices" => params.devices = number(&a, &v)?,
            "--seed" => params.seed = number(&a, &v)?,
            "--outage" => params.outage_ms = number::<u64>(&a, &v)? * 1000,
            "--accept-rate" => params.accept_rate = number::<u32>(&a, &v)?.max(1),
            "--accept-burst" => burst = Some(number::<u32>(&a, &v)?.max(1)),
            "--limit" => params.limit_ms = number::<u64>(&a, &v)? * 1000,
            "--policy" => policies.push(Policy::from_key(&v).ok_or_else(|| format!("unknown policy {v:?}\n{USAGE}"))?),
            "--svg" => svg = PathBuf::from(v),
            "--markdown" => markdown = Some(PathBuf::from(v)),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    // The bucket holds a tenth of a second of the accept rate unless told otherwise.
    params.accept_burst = burst.unwrap_or((params.accept_rate / 10).max(1));
    if policies.is_empty() {
        policies = Policy::ALL.to_vec();
    }
    Ok(Args { params, policies, svg, markdown })
}

fn main() -> ExitCode {
    match parse().and_then(|a| go(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn go(args: &Args) -> Result<(), String> {
    let mut outcomes = Vec::new();
    let mut timings = String::new();
    for &policy in &args.policies {
        let started = std::time::Instant::now();
        let o = run(&args.params, policy)?;
        let took = started.elapsed();
        timings.push_str(&format!("- {policy}: {:.1} s wall, {} events\n", took.as_secs_f64(), o.events));
        outcomes.push(o);
    }
    let text = format!("{}\n{}", parameters(&args.params), results(&args.params, &outcomes));
    print!("{text}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(dir) = args.svg.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write_svg(&args.params, &outcomes, &args.svg).map_err(|e| e.to_string())?;
    eprintln!("{timings}chart written to {}", args.svg.display());
    Ok(())
}
