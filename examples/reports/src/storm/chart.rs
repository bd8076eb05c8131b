//! The SVG chart: connection attempts per second over time, one line per policy.

use std::path::Path;

use plotters::prelude::*;

use super::params::Params;
use super::sim::Outcome;

/// One colour per policy, in [`super::Policy::ALL`] order.
const COLOURS: [RGBColor; 4] =
    [RGBColor(214, 39, 40), RGBColor(255, 127, 14), RGBColor(31, 119, 180), RGBColor(44, 160, 44)];

/// Why the chart could not be written.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn fail(e: impl core::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

/// Draws attempts per second (log scale) against seconds since the outage into `path`.
///
/// # Errors
/// [`ChartError`] when drawing or writing fails.
pub fn write_svg(p: &Params, outcomes: &[Outcome], path: &Path) -> Result<(), ChartError> {
    let root = SVGBackend::new(path, (1100, 600)).into_drawing_area();
    root.fill(&WHITE).map_err(fail)?;
    let seconds = outcomes.iter().map(|o| o.per_second.len()).max().unwrap_or(1).max(1) as f64;
    let max = outcomes.iter().flat_map(|o| o.per_second.iter().copied()).max().unwrap_or(1).max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "Connection attempts per second, {} devices, broker away {} s, accept rate {}/s",
                p.devices,
                p.outage_ms / 1000,
                p.accept_rate
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..seconds, (0.8..max * 2.0).log_scale())
        .map_err(fail)?;
    chart
        .configure_mesh()
        .x_desc("seconds since the outage")
        .y_desc("attempts per second (log scale)")
        .draw()
        .map_err(fail)?;
    let back = (p.outage_ms / 1000) as f64;
    chart
        .draw_series(LineSeries::new([(back, 0.8), (back, max * 2.0)], BLACK.mix(0.4)))
        .map_err(fail)?
        .label("broker returns")
        .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BLACK.mix(0.4)));
    for (i, o) in outcomes.iter().enumerate() {
        let colour = COLOURS.get(i).copied().unwrap_or(BLACK);
        // Seconds with no attempt sit on the floor of the log axis.
        let points = o.per_second.iter().enumerate().map(|(s, &n)| (s as f64 + 0.5, f64::from(n).max(0.8)));
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(fail)?
            .label(o.policy.to_string())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], colour.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(fail)?;
    root.present().map_err(fail)?;
    Ok(())
}
