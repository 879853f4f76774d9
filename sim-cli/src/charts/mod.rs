//! Charts of a run with plotters: latency percentiles over time, error rate
//! over time with fault windows shaded, a latency histogram per service, the
//! instances of autoscaled services, and state ([`state`]): the hit rate of
//! caches with a capacity above the load on the stores behind them, and the
//! stale reads and `unavailable` of replicated stores.
//! Each chart is drawn once per backend: SVG always, PNG with an embedded
//! DejaVu font so it renders the same on a machine with no fonts installed.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use sim_core::metrics::{Row, Stats, END_TO_END};
use sim_core::Topology;

mod state;

pub(crate) const W: u32 = 960;
pub(crate) const H: u32 = 540;

/// What the charts are drawn from.
pub struct ChartData<'a> {
    /// The topology (service names).
    pub topo: &'a Topology,
    /// End-to-end time-series rows of the run.
    pub rows: &'a [Row],
    /// Bucket width in seconds.
    pub bucket_s: f64,
    /// Whole-run statistics per service.
    pub stats: &'a [Stats],
    /// Fault windows to shade, in seconds (start, end).
    pub faults: &'a [(f64, f64)],
    /// Autoscaled services: name and (seconds, instances) at every change.
    pub capacity: Vec<(&'a str, Vec<(f64, u32)>)>,
    /// Rows of the caches with a capacity, the stores behind them and the
    /// replicated stores ([`followed_services`]), bucket by bucket.
    pub followed: &'a [Row],
}

/// The caches with a capacity, and the services their data-access layers
/// read on a miss (the stores whose load a cold cache raises).
pub fn cache_services(topo: &Topology) -> (Vec<u32>, Vec<u32>) {
    let caches: Vec<u32> = (0..topo.services.len() as u32)
        .filter(|&s| topo.services[s as usize].cache.is_some())
        .collect();
    let mut stores: Vec<u32> = topo
        .services
        .iter()
        .filter(|s| s.keyed_caches)
        .flat_map(|s| s.deps.iter().filter(|d| d.copies == 0).map(|d| d.target))
        .collect();
    stores.sort_unstable();
    stores.dedup();
    (caches, stores)
}

/// The services whose rows the state charts need, bucket by bucket: the
/// caches with a capacity and the stores behind them, and the replicated stores.
pub fn followed_services(topo: &Topology) -> Vec<u32> {
    let (caches, stores) = cache_services(topo);
    let mut all: Vec<u32> = caches
        .into_iter()
        .chain(stores)
        .chain(
            (0..topo.services.len() as u32)
                .filter(|&s| topo.services[s as usize].replication.is_some()),
        )
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

pub(super) type Drawn = Result<(), String>;

pub(crate) fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

fn e2e<'a>(d: &'a ChartData) -> impl Iterator<Item = &'a Row> {
    d.rows.iter().filter(|r| r.service == END_TO_END)
}

/// Shades the fault windows (seconds) of a chart up to `top`.
fn shade<DB: DrawingBackend>(
    chart: &mut TimeChart<'_, DB>,
    faults: &[(f64, f64)],
    top: f64,
) -> Drawn {
    chart
        .draw_series(faults.iter().map(|&(a, b)| {
            Rectangle::new(
                [(a, 0.0), (b, top)],
                RGBColor(255, 200, 200).mix(0.5).filled(),
            )
        }))
        .map_err(err)?;
    Ok(())
}

type TimeChart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Axes over virtual time with a caption and the fault windows shaded: the
/// frame of every time chart, one run's or two runs' overlaid.
fn axes<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    caption: &str,
    y_desc: &str,
    (t_max, y_max): (f64, f64),
    faults: &[(f64, f64)],
) -> Result<TimeChart<'a, DB>, String> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..t_max, 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("virtual time (s)")
        .y_desc(y_desc)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    shade(&mut chart, faults, y_max)?;
    Ok(chart)
}

/// One labelled line of a time chart, its legend mark in the same colour.
pub(super) fn labelled_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut TimeChart<'a, DB>,
    pts: Vec<(f64, f64)>,
    color: RGBAColor,
    label: &str,
) -> Drawn {
    chart
        .draw_series(LineSeries::new(pts, color.stroke_width(2)))
        .map_err(err)?
        .label(label)
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 16, y)], color));
    Ok(())
}

/// A chart of one run over virtual time.
pub(super) fn time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    d: &ChartData,
    title: &str,
    y_desc: &str,
    t_max: f64,
    y_max: f64,
) -> Result<TimeChart<'a, DB>, String> {
    axes(
        root,
        &format!("{}: {title}", d.topo.arch),
        y_desc,
        (t_max, y_max),
        d.faults,
    )
}

/// Lines of several runs on one time chart (`microsim compare`): each a
/// label and its (seconds, value) points; colours in order.
pub struct Overlay<'a> {
    /// The chart's caption.
    pub caption: String,
    /// The y axis's name.
    pub y_desc: &'a str,
    /// (label, points).
    pub lines: Vec<(String, Vec<(f64, f64)>)>,
    /// Fault windows to shade, in seconds.
    pub faults: Vec<(f64, f64)>,
}

/// Colours of overlaid runs, in order.
pub(crate) const RUN_COLOURS: [RGBColor; 4] = [
    RGBColor(200, 30, 30),
    RGBColor(30, 90, 200),
    RGBColor(20, 150, 60),
    RGBColor(150, 60, 170),
];

/// An overlay chart as SVG.
pub fn overlay_svg(o: &Overlay) -> Result<String, String> {
    register_font()?;
    let mut s = String::new();
    {
        let root = SVGBackend::with_string(&mut s, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let pts = o.lines.iter().flat_map(|(_, p)| p.iter());
        let t_max = pts.clone().map(|p| p.0).fold(1.0, f64::max);
        let y_max = pts.map(|p| p.1).fold(1.0, f64::max) * 1.1;
        let mut chart = axes(&root, &o.caption, o.y_desc, (t_max, y_max), &o.faults)?;
        for ((label, points), colour) in o.lines.iter().zip(RUN_COLOURS.iter().cycle()) {
            let colour = *colour;
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(err)?
                .label(label.as_str())
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
        legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(s)
}

/// (seconds, value) points of a line.
pub type Points = Vec<(f64, f64)>;

/// The end-to-end p99 (ms) and error rate (%) of each bucket of `rows`.
pub fn p99_and_errors(rows: &[Row], bucket_s: f64) -> (Points, Points) {
    let t = |r: &Row| f64::from(r.bucket) * bucket_s;
    let p99 = rows.iter().map(|r| (t(r), r.p99 as f64 / 1e6)).collect();
    let errors = rows.iter().map(|r| (t(r), error_pct(r))).collect();
    (p99, errors)
}

/// Failed answers of a bucket, in percent of answers.
fn error_pct(r: &Row) -> f64 {
    let n = r.ok + r.failed();
    if n == 0 {
        0.0
    } else {
        100.0 * r.failed() as f64 / n as f64
    }
}

/// The legend of a chart's labelled series, boxed in the same style on every chart.
pub(super) fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut TimeChart<'a, DB>) -> Drawn {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()
        .map_err(err)
}

fn latency<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let pts = |f: fn(&Row) -> u64| -> Vec<(f64, f64)> {
        e2e(d)
            .map(|r| (f64::from(r.bucket) * d.bucket_s, f(r) as f64 / 1e6))
            .collect()
    };
    let (p50, p90, p99) = (pts(|r| r.p50), pts(|r| r.p90), pts(|r| r.p99));
    let t_max = p50.last().map_or(1.0, |p| p.0 + d.bucket_s);
    let y_max = p99.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut chart = time_chart(root, d, "end-to-end latency", "latency (ms)", t_max, y_max)?;
    for (name, series, colour) in [
        ("p50", p50, BLUE),
        ("p90", p90, RGBColor(230, 140, 0)),
        ("p99", p99, RED),
    ] {
        chart
            .draw_series(LineSeries::new(series, colour.stroke_width(2)))
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
    }
    legend(&mut chart)?;
    root.present().map_err(err)
}

fn errors<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let pts: Vec<(f64, f64)> = e2e(d)
        .map(|r| (f64::from(r.bucket) * d.bucket_s, error_pct(r)))
        .collect();
    let t_max = pts.last().map_or(1.0, |p| p.0 + d.bucket_s);
    let y_max = pts.iter().map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let mut chart = time_chart(
        root,
        d,
        "end-to-end error rate (faults shaded)",
        "failed requests (%)",
        t_max,
        y_max,
    )?;
    chart
        .draw_series(LineSeries::new(pts, RED.stroke_width(2)))
        .map_err(err)?;
    root.present().map_err(err)
}

/// Most services drawn in the latency-distribution chart.
const MAX_PANELS: usize = 36;

fn histograms<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    // One panel per service, for the busiest MAX_PANELS (a chart of 20,000
    // panels is neither readable nor cheap), in the file's order.
    let mut shown: Vec<usize> = (0..d.topo.services.len()).collect();
    if shown.len() > MAX_PANELS {
        shown.sort_by_key(|&i| std::cmp::Reverse(d.stats[i].requests));
        shown.truncate(MAX_PANELS);
        shown.sort_unstable();
    }
    let n = shown.len().max(1);
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let panels = root.split_evenly((rows, cols));
    for (p, &i) in shown.iter().enumerate() {
        let svc = &d.topo.services[i];
        let mut bars: Vec<(f64, f64, u64)> = Vec::new();
        let mut prev = 1_000.0f64;
        if let Some(h) = d.stats[i].latency.get() {
            for step in h.iter_log(1_000, 1.5) {
                let hi = step.value_iterated_to() as f64;
                bars.push((
                    prev / 1e6,
                    hi.max(prev + 1.0) / 1e6,
                    step.count_since_last_iteration(),
                ));
                prev = hi;
            }
        }
        let x_lo = 0.001;
        let x_hi = bars.last().map_or(1.0, |b| b.1).max(x_lo * 10.0);
        let y_hi = bars.iter().map(|b| b.2).max().unwrap_or(1).max(1) as f64 * 1.1;
        let mut chart = ChartBuilder::on(&panels[p])
            .caption(&svc.name, ("sans-serif", 14))
            .margin(6)
            .x_label_area_size(20)
            .y_label_area_size(36)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), 0.0..y_hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(4)
            .y_labels(3)
            .label_style(("sans-serif", 10))
            .x_desc("ms")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(bars.iter().filter(|b| b.2 > 0).map(|&(a, b, c)| {
                Rectangle::new([(a.max(x_lo), 0.0), (b, c as f64)], BLUE.mix(0.6).filled())
            }))
            .map_err(err)?;
    }
    root.present().map_err(err)
}

/// Instances of each autoscaled service over time (steps) above the offered
/// load (requests per second, end to end) on the same time axis.
fn instances<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(H * 3 / 5);
    let t_max = (d.rows.len() as f64 * d.bucket_s).max(1.0);
    let n_max = f64::from(
        d.capacity
            .iter()
            .flat_map(|(_, h)| h.iter().map(|p| p.1))
            .max()
            .unwrap_or(1)
            .max(1),
    ) * 1.2;
    let mut chart = time_chart(&top, d, "instances", "instances", t_max, n_max)?;
    for (k, (name, history)) in d.capacity.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        // Steps: each count holds until the next change, the last until the end.
        let mut pts = Vec::with_capacity(history.len() * 2 + 1);
        for (i, &(t, n)) in history.iter().enumerate() {
            if i > 0 {
                pts.push((t, f64::from(history[i - 1].1)));
            }
            pts.push((t, f64::from(n)));
        }
        if let Some(&(_, n)) = history.last() {
            pts.push((t_max, f64::from(n)));
        }
        labelled_line(&mut chart, pts, color, name)?;
    }
    legend(&mut chart)?;
    let load: Vec<(f64, f64)> = e2e(d)
        .map(|r| {
            (
                f64::from(r.bucket) * d.bucket_s,
                r.requests as f64 / d.bucket_s,
            )
        })
        .collect();
    let load_max = load.iter().map(|p| p.1).fold(1.0, f64::max) * 1.2;
    let mut chart = time_chart(&bottom, d, "offered load", "requests/s", t_max, load_max)?;
    chart
        .draw_series(LineSeries::new(load, BLUE.stroke_width(1)))
        .map_err(err)?;
    root.present().map_err(err)
}

#[derive(Clone, Copy)]
enum Chart {
    Latency,
    Errors,
    Histograms,
    Instances,
    Caches,
    Stores,
}

// By value on purpose: dropping the area at the end flushes the backend
// before the caller reads the bytes.
#[allow(clippy::needless_pass_by_value)]
fn draw<DB: DrawingBackend>(c: Chart, root: DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    match c {
        Chart::Latency => latency(&root, d),
        Chart::Errors => errors(&root, d),
        Chart::Histograms => histograms(&root, d),
        Chart::Instances => instances(&root, d),
        Chart::Caches => state::caches(&root, d),
        Chart::Stores => state::stores(&root, d),
    }
}

fn svg(c: Chart, d: &ChartData) -> Result<Vec<u8>, String> {
    let mut s = String::new();
    draw(
        c,
        SVGBackend::with_string(&mut s, (W, H)).into_drawing_area(),
        d,
    )?;
    Ok(s.into_bytes())
}

/// Registers the one font every chart uses, compiled into the binary, so
/// text is measured (SVG) and drawn (PNG) the same on a machine with no fonts.
pub(crate) fn register_font() -> Result<(), String> {
    static FONT: Once = Once::new();
    let mut result = Ok(());
    FONT.call_once(|| {
        result = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        )
        .map_err(|_| "the embedded DejaVu font is invalid".to_string());
    });
    result
}

fn png(c: Chart, d: &ChartData) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; (W * H * 3) as usize];
    draw(
        c,
        BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area(),
        d,
    )?;
    let img = image::RgbImage::from_raw(W, H, buf).ok_or("bitmap size")?;
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(err)?;
    Ok(out.into_inner())
}

/// Every chart as (file name, bytes).
pub fn render(d: &ChartData) -> Result<Vec<(&'static str, Vec<u8>)>, String> {
    register_font()?;
    let mut files = vec![
        ("latency.svg", svg(Chart::Latency, d)?),
        ("latency.png", png(Chart::Latency, d)?),
        ("errors.svg", svg(Chart::Errors, d)?),
        ("errors.png", png(Chart::Errors, d)?),
        ("histograms.svg", svg(Chart::Histograms, d)?),
        ("histograms.png", png(Chart::Histograms, d)?),
    ];
    if !d.capacity.is_empty() {
        files.push(("instances.svg", svg(Chart::Instances, d)?));
        files.push(("instances.png", png(Chart::Instances, d)?));
    }
    if d.topo.services.iter().any(|s| s.cache.is_some()) {
        files.push(("caches.svg", svg(Chart::Caches, d)?));
        files.push(("caches.png", png(Chart::Caches, d)?));
    }
    if d.topo.services.iter().any(|s| s.replication.is_some()) {
        files.push(("stores.svg", svg(Chart::Stores, d)?));
        files.push(("stores.png", png(Chart::Stores, d)?));
    }
    Ok(files)
}
