//! The charts of state: caches with a capacity (hit rate above the load on
//! the stores behind them: a cold cache's misses land on the stores) and
//! replicated stores (stale reads above the requests refused `unavailable`:
//! CAP's two answers to a partition, over time).

use plotters::coord::Shift;
use plotters::prelude::*;
use sim_core::metrics::{Reason, Row};

use super::{cache_services, err, labelled_line, legend, time_chart, ChartData, Drawn, H};

/// Each cache's hit rate over time above the requests per second reaching
/// the stores behind it: a cold cache's misses land on the stores.
pub(super) fn caches<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(H / 2);
    let t_max = (d.rows.len() as f64 * d.bucket_s).max(1.0);
    let (caches, stores) = cache_services(d.topo);
    let t = |r: &Row| f64::from(r.bucket) * d.bucket_s;
    let mut chart = time_chart(&top, d, "cache hit rate", "hit rate (%)", t_max, 105.0)?;
    for (k, &sid) in caches.iter().enumerate() {
        let color = Palette99::pick(k).to_rgba();
        let pts: Vec<(f64, f64)> = d
            .followed
            .iter()
            .filter(|r| r.service == sid && r.hits + r.misses > 0)
            .map(|r| (t(r), 100.0 * r.hits as f64 / (r.hits + r.misses) as f64))
            .collect();
        labelled_line(&mut chart, pts, color, &d.topo.services[sid as usize].name)?;
    }
    legend(&mut chart)?;
    let loads: Vec<(u32, Vec<(f64, f64)>)> = stores
        .iter()
        .map(|&s| (s, per_second(d, s, |r| r.requests)))
        .collect();
    let y_max = loads
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .fold(1.0, f64::max)
        * 1.2;
    let mut chart = time_chart(
        &bottom,
        d,
        "load on the stores behind the caches",
        "requests/s",
        t_max,
        y_max,
    )?;
    for (k, (sid, pts)) in loads.into_iter().enumerate() {
        let color = Palette99::pick(k + caches.len()).to_rgba();
        labelled_line(&mut chart, pts, color, &d.topo.services[sid as usize].name)?;
    }
    legend(&mut chart)?;
    root.present().map_err(err)
}

/// A followed service's figure `f` per second in every bucket, zeros
/// included: a quiet service shows as 0, not as a gap.
fn per_second(d: &ChartData, sid: u32, f: fn(&Row) -> u64) -> Vec<(f64, f64)> {
    let mut v = vec![0.0; d.rows.len()];
    for r in d.followed.iter().filter(|r| r.service == sid) {
        if let Some(x) = v.get_mut(r.bucket as usize) {
            *x = f(r) as f64 / d.bucket_s;
        }
    }
    v.into_iter()
        .enumerate()
        .map(|(b, x)| (b as f64 * d.bucket_s, x))
        .collect()
}

/// One half of the stores chart: title, y axis, the figure of a row, where.
type Half<'a, DB> = (
    &'static str,
    &'static str,
    fn(&Row) -> u64,
    &'a DrawingArea<DB, Shift>,
);

/// Each replicated store's stale reads per second above its requests
/// refused `unavailable` per second: where a partition makes a store give
/// old answers, and where it makes it give none.
pub(super) fn stores<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &ChartData) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically(H / 2);
    let t_max = (d.rows.len() as f64 * d.bucket_s).max(1.0);
    let stores: Vec<u32> = (0..d.topo.services.len() as u32)
        .filter(|&s| d.topo.services[s as usize].replication.is_some())
        .collect();
    let halves: [Half<'_, DB>; 2] = [
        (
            "stale reads of the replicated stores",
            "stale reads/s",
            |r: &Row| u64::from(r.store.stale),
            &top,
        ),
        (
            "requests the replicated stores refused as unavailable",
            "unavailable/s",
            |r: &Row| r.failures[Reason::Unavailable as usize - 1],
            &bottom,
        ),
    ];
    for (title, y, f, area) in halves {
        let lines: Vec<(u32, Vec<(f64, f64)>)> =
            stores.iter().map(|&s| (s, per_second(d, s, f))).collect();
        let y_max = lines
            .iter()
            .flat_map(|(_, p)| p.iter().map(|q| q.1))
            .fold(1.0, f64::max)
            * 1.2;
        let mut chart = time_chart(area, d, title, y, t_max, y_max)?;
        for (k, (sid, pts)) in lines.into_iter().enumerate() {
            let color = Palette99::pick(k).to_rgba();
            labelled_line(&mut chart, pts, color, &d.topo.services[sid as usize].name)?;
        }
        legend(&mut chart)?;
    }
    root.present().map_err(err)
}
