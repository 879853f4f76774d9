//! The chart of a sweep: one figure's mean over seeds, with its 95 %
//! interval as a bar, against one numeric path; a line per combination of
//! everything else (architecture, scenario, the other paths), and the
//! sweep's target as a dashed level.

use plotters::prelude::*;
use sim_core::sweep::means::MeanRow;
use sim_core::sweep::row::param;

use crate::charts::{err, register_font, H, RUN_COLOURS, W};

/// What to draw.
pub struct Chart<'a> {
    /// The sweep's title, or its file's name.
    pub caption: &'a str,
    /// The paths, in column order.
    pub paths: &'a [String],
    /// The x path's column among them.
    pub x: usize,
    /// The figure's name and column among the figures.
    pub y: (&'a str, usize),
    /// A level drawn across.
    pub target: Option<f64>,
}

/// A line: its label and its points (x, mean, low, high).
type Line = (String, Vec<(f64, f64, f64, f64)>);

/// The chart as SVG; `None` when the x path has no numeric values.
pub fn svg(c: &Chart, means: &[MeanRow]) -> Result<Option<String>, String> {
    // Lines: every other column's values, in the sweep's order.
    let mut lines: Vec<Line> = Vec::new();
    for m in means {
        let Some(x) = m.params[c.x].as_deref().and_then(|t| t.parse::<f64>().ok()) else {
            continue;
        };
        let Some((mean, low, high)) = m.figures[c.y.1] else {
            continue;
        };
        let label = label(c, m, means);
        match lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, pts)) => pts.push((x, mean, low, high)),
            None => lines.push((label, vec![(x, mean, low, high)])),
        }
    }
    if lines.is_empty() {
        return Ok(None);
    }
    let pts = lines.iter().flat_map(|(_, p)| p.iter());
    let x_min = pts.clone().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_max = pts.clone().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let finite = |v: f64| v.is_finite().then_some(v);
    let mut y_min = pts
        .clone()
        .filter_map(|p| finite(p.2))
        .fold(f64::INFINITY, f64::min);
    let mut y_max = pts
        .filter_map(|p| finite(p.3))
        .fold(f64::NEG_INFINITY, f64::max);
    if let Some(t) = c.target {
        (y_min, y_max) = (y_min.min(t), y_max.max(t));
    }
    let pad = ((y_max - y_min) * 0.05).max(1e-9);
    let (x_pad, y_range) = (
        (x_max - x_min).max(1.0) * 0.05,
        (y_min - pad)..(y_max + pad),
    );
    register_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(c.caption, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d((x_min - x_pad)..(x_max + x_pad), y_range)
            .map_err(err)?;
        let mut xs: Vec<f64> = lines
            .iter()
            .flat_map(|(_, p)| p.iter().map(|p| p.0))
            .collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        chart
            .configure_mesh()
            .x_labels(xs.len().clamp(2, 12))
            .x_label_formatter(&|x| sim_core::error::compact(*x))
            .x_desc(c.paths[c.x].as_str())
            .y_desc(format!("{} (mean, 95 % interval)", c.y.0))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        if let Some(t) = c.target {
            let dashed = BLACK.mix(0.6).stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x_min - x_pad, t), (x_max + x_pad, t)],
                    6,
                    4,
                    dashed,
                ))
                .map_err(err)?
                .label(format!("target {t}"))
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], dashed));
        }
        for ((label, points), colour) in lines.iter().zip(RUN_COLOURS.iter().cycle()) {
            let colour = *colour;
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (p.0, p.1)),
                    colour.stroke_width(2),
                ))
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| p.2.is_finite() && p.3.is_finite())
                        .map(|p| ErrorBar::new_vertical(p.0, p.2, p.1, p.3, colour.filled(), 8)),
                )
                .map_err(err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(Some(s))
}

/// A line's name: what else is set (the architecture and scenario when the
/// sweep has several, the other paths).
fn label(c: &Chart, m: &MeanRow, all: &[MeanRow]) -> String {
    let mut parts = Vec::new();
    if all.iter().any(|o| o.architecture != m.architecture) {
        parts.push(m.architecture.clone());
    }
    if all.iter().any(|o| o.scenario != m.scenario) {
        parts.push(m.scenario.clone().unwrap_or_else(|| "no scenario".into()));
    }
    for (i, p) in m.params.iter().enumerate() {
        if i != c.x {
            if let Some(v) = p {
                parts.push(format!("{} = {}", c.paths[i], param(v)));
            }
        }
    }
    if parts.is_empty() {
        parts.push(m.architecture.clone());
    }
    parts.join(", ")
}
