//! `overhead`: answers "MQTT or CoAP for a cellular fleet?" with bytes our encoders write.
//!
//! Prints Markdown tables (assumptions, one reading per protocol variant, bytes per device per
//! day, per fleet) and draws an SVG chart.
//!
//! ```text
//! cargo run --release --bin overhead -- [--svg PATH] [--markdown PATH] [--payload float|json|senml-json]
//! ```
//! `--svg` defaults to `target/overhead.svg`; `--payload` (default `float`) picks the MQTT and
//! CoAP payload of the day and fleet tables.

use std::path::PathBuf;
use std::process::ExitCode;

use reports::overhead::catalog;
use reports::overhead::chart::write_svg;
use reports::overhead::payload::Payload;
use reports::overhead::report::markdown;

const USAGE: &str = "usage: overhead [--svg PATH] [--markdown PATH] [--payload float|json|senml-json]";

struct Args {
    svg: PathBuf,
    markdown: Option<PathBuf>,
    payload: Payload,
}

fn parse() -> Result<Args, String> {
    let mut args = Args { svg: PathBuf::from("target/overhead.svg"), markdown: None, payload: Payload::Float };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{a} needs a value\n{USAGE}"));
        match a.as_str() {
            "--svg" => args.svg = PathBuf::from(value()?),
            "--markdown" => args.markdown = Some(PathBuf::from(value()?)),
            "--payload" => {
                let v = value()?;
                args.payload = Payload::from_key(&v).ok_or_else(|| format!("unknown payload {v:?}\n{USAGE}"))?;
            }
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(args)
}

fn run(args: &Args) -> Result<(), String> {
    let text = markdown(args.payload).map_err(|e| e.to_string())?;
    print!("{text}");
    if let Some(path) = &args.markdown {
        std::fs::write(path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(dir) = args.svg.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let variants = catalog::all(args.payload).map_err(|e| e.to_string())?;
    write_svg(&variants, args.payload.label(), &args.svg).map_err(|e| e.to_string())?;
    eprintln!("chart written to {}", args.svg.display());
    Ok(())
}

fn main() -> ExitCode {
    match parse().and_then(|a| run(&a)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
