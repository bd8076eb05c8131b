//! The SVG chart: bytes per device per day on a log scale, one group of bars per protocol
//! variant, one bar per report interval (IPv4, with TLS/DTLS).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::overhead::catalog::Variant;
use crate::overhead::net::Ip;
use crate::overhead::report::find;
use crate::overhead::totals::{self, Policy, INTERVALS_S};

/// The variants charted (chart name, policy), top to bottom.
pub const CHARTED: [(&str, Policy); 12] = [
    ("MQTT 3.1.1 Q0", Policy::StayConnected),
    ("MQTT 3.1.1 Q1", Policy::StayConnected),
    ("MQTT 3.1.1 Q2", Policy::StayConnected),
    ("MQTT 5.0 Q1 alias", Policy::StayConnected),
    ("MQTT 3.1.1 Q1", Policy::Reconnect),
    ("CoAP CON tok4", Policy::StayConnected),
    ("CoAP NON tok0", Policy::StayConnected),
    ("CoAP CON no-CID", Policy::StayConnected),
    ("CoAP/TCP", Policy::StayConnected),
    ("CoAP/TCP", Policy::Reconnect),
    ("LwM2M Notify NON LwM2M CBOR", Policy::StayConnected),
    ("LwM2M Send SenML CBOR", Policy::StayConnected),
];

/// The colour of each interval's bar.
const COLOURS: [RGBColor; 4] =
    [RGBColor(31, 119, 180), RGBColor(255, 127, 14), RGBColor(44, 160, 44), RGBColor(214, 39, 40)];

/// The label of a charted row.
pub fn row_label(v: &Variant, policy: Policy) -> String {
    if v.is_stream() {
        format!("{} ({})", v.short, if policy == Policy::Reconnect { "reconnect" } else { "stay" })
    } else {
        v.short.clone()
    }
}

/// Why the chart could not be written.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn fail(e: impl core::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Draws the chart of `variants` into an SVG file at `path`.
///
/// # Errors
/// [`ChartError`] when drawing or writing fails.
pub fn write_svg(variants: &[Variant], payload_label: &str, path: &Path) -> Result<(), ChartError> {
    let rows: Vec<(String, [u64; 4])> = CHARTED
        .iter()
        .filter_map(|&(short, policy)| {
            let v = find(variants, short)?;
            Some((row_label(v, policy), INTERVALS_S.map(|i| totals::per_day(v, policy, Ip::V4, i))))
        })
        .collect();
    let (width, height) = (1100u32, 140 + 52 * rows.len() as u32);
    let root = SVGBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&WHITE).map_err(fail)?;
    let max = rows.iter().flat_map(|(_, v)| v.iter().copied()).max().unwrap_or(1) as f64;
    let n = rows.len() as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Bytes per device per day, IPv4 with TLS 1.3 / DTLS 1.2 (MQTT, CoAP payload: {payload_label})"),
            ("sans-serif", 18),
        )
        .margin(12)
        .margin_left(250)
        .x_label_area_size(40)
        .build_cartesian_2d((100.0..max * 3.0).log_scale(), 0.0..n)
        .map_err(fail)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .disable_y_axis()
        .x_desc("bytes per device per day (log scale)")
        .x_label_formatter(&|x| human(*x))
        .draw()
        .map_err(fail)?;
    for (j, interval) in INTERVALS_S.iter().enumerate() {
        let colour = COLOURS.get(j).copied().unwrap_or(BLACK);
        let bars = rows.iter().enumerate().map(move |(i, (_, values))| {
            let top = n - i as f64 - 0.1 - 0.2 * j as f64;
            let value = values.get(j).copied().unwrap_or(0) as f64;
            Rectangle::new([(100.0, top - 0.18), (value.max(100.0), top)], colour.filled())
        });
        chart
            .draw_series(bars)
            .map_err(fail)?
            .label(format!("every {}", totals::interval_label(*interval)))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(fail)?;
    let style = TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, (label, _)) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(100.0, n - i as f64 - 0.5));
        root.draw(&Text::new(label.clone(), (x - 8, y), style.clone())).map_err(fail)?;
    }
    root.present().map_err(fail)?;
    Ok(())
}

/// `100 B`, `1 kB`, `12 MB` (log-scale ticks are powers of ten).
fn human(x: f64) -> String {
    let (value, unit) = match x {
        x if x >= 1e6 => (x / 1e6, "MB"),
        x if x >= 1e3 => (x / 1e3, "kB"),
        x => (x, "B"),
    };
    let digits = crate::overhead::report::sig3(value);
    let digits = if digits.contains('.') { digits.trim_end_matches('0').trim_end_matches('.') } else { &digits };
    format!("{digits} {unit}")
}
