//! The chart is written and its text labels are in it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use reports::overhead::catalog;
use reports::overhead::chart::write_svg;
use reports::overhead::payload::Payload;

#[test]
fn svg_has_rows_legend_and_axis_labels() {
    let dir = std::env::temp_dir().join(format!("overhead-svg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("chart.svg");
    let variants = catalog::all(Payload::Float).unwrap();
    write_svg(&variants, Payload::Float.label(), &path).unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
    let texts: Vec<&str> = svg
        .split("<text")
        .skip(1)
        .filter_map(|t| t.split_once('>').and_then(|(_, rest)| rest.split_once("</text>")).map(|(text, _)| text.trim()))
        .collect();
    for label in [
        "MQTT 3.1.1 Q1 (stay)",
        "MQTT 3.1.1 Q1 (reconnect)",
        "CoAP NON tok0",
        "CoAP/TCP (reconnect)",
        "LwM2M Notify NON LwM2M CBOR",
        "every 10 s",
        "every 1 h",
        "bytes per device per day (log scale)",
        "Bytes per device per day",
    ] {
        assert!(texts.iter().any(|t| t.starts_with(label)), "no text {label:?} in the SVG: {texts:?}");
    }
    assert!(svg.matches("<rect").count() >= 4 * reports::overhead::chart::CHARTED.len());
    std::fs::remove_dir_all(&dir).unwrap();
}
