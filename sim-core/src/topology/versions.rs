//! The versions of a service after placement: each version's work, capacity,
//! defect and starting share of the traffic, and the routing tracks the
//! engine keeps per versioned service — one per version, plus one for the
//! fresh baseline group a canary is compared with (Kayenta's practice: a new
//! group of the old version, as large as the canary, with the same share of
//! traffic, so that neither side has been running longer than the other).

use super::{ServiceId, Topology};
use crate::dist::Dist;
use crate::duration::{Nanos, MS};
use crate::model::{DefectSpec, ServiceSpec, LIMITS};

/// Parts per million: the unit of routing weights, so that picks and ramps
/// are integer arithmetic, the same on every target.
pub const PPM: u32 = 1_000_000;

/// A version's bug, compiled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Defect {
    /// Share of requests that fail after their work.
    pub error_fraction: f64,
    /// Extra work per request.
    pub add: Nanos,
    /// Share added per minute of uptime.
    pub leak_fraction_per_min: f64,
    /// Extra work added per minute of uptime, in ns.
    pub leak_add_per_min: f64,
}

impl Defect {
    fn of(d: &DefectSpec) -> Defect {
        let leak = d.leak_per_minute.clone().unwrap_or_default();
        Defect {
            error_fraction: d.errors_percent / 100.0,
            add: (d.add_ms * MS as f64) as Nanos,
            leak_fraction_per_min: leak.errors_percent / 100.0,
            leak_add_per_min: leak.add_ms * MS as f64,
        }
    }

    /// Share of requests failing on an instance up for `uptime` (at most 1).
    #[inline]
    pub fn error_fraction_at(&self, uptime: Nanos) -> f64 {
        let grown = self.leak_fraction_per_min * minutes(uptime);
        (self.error_fraction + grown).min(1.0)
    }

    /// Extra work of a request on an instance up for `uptime` (at most a day).
    #[inline]
    pub fn extra_work_at(&self, uptime: Nanos) -> Nanos {
        if self.leak_add_per_min == 0.0 {
            return self.add;
        }
        let grown = self.leak_add_per_min * minutes(uptime);
        let max = LIMITS.max_ms * MS as f64;
        (self.add as f64 + grown).min(max) as Nanos
    }
}

fn minutes(t: Nanos) -> f64 {
    t as f64 / 60e9
}

/// One version of a service.
#[derive(Debug, Clone)]
pub struct Version {
    /// Its name.
    pub name: String,
    /// Instances per region running at the start (scaled as counts are).
    pub count: u32,
    /// Share of the service's traffic at the start, in parts per million.
    pub weight: u32,
    /// Work per request.
    pub service_time: Dist,
    /// Workers per instance.
    pub concurrency: u32,
    /// Queue capacity per instance.
    pub queue: u32,
    /// Its bug, if any.
    pub defect: Option<Defect>,
}

/// The versions of service `s`, scaled by `scale` (a function of a count),
/// with the service's own work and capacity where a version does not say.
/// Empty for a service without versions.
pub(super) fn compile(s: &ServiceSpec, scale: impl Fn(f64) -> f64, base: &Dist) -> Vec<Version> {
    let Some(list) = &s.versions else {
        return Vec::new();
    };
    let counts: Vec<u32> = crate::model::start_counts(s.count as u32, list)
        .into_iter()
        .map(|c| {
            if c == 0 {
                0
            } else {
                scale(f64::from(c)) as u32
            }
        })
        .collect();
    let weights = if list.iter().any(|v| v.weight.is_some()) {
        to_ppm(list.iter().map(|v| v.weight.unwrap_or(0.0)))
    } else {
        to_ppm(counts.iter().map(|&c| f64::from(c)))
    };
    list.iter()
        .zip(counts)
        .zip(weights)
        .map(|((v, count), weight)| Version {
            name: v.name.clone(),
            count,
            weight,
            service_time: v
                .service_time
                .as_ref()
                .map_or_else(|| base.clone(), Dist::from_spec),
            concurrency: v.concurrency.or(s.concurrency).unwrap_or(u32::MAX),
            queue: v.queue.or(s.queue).unwrap_or(u32::MAX),
            defect: v.defect.as_ref().map(Defect::of),
        })
        .collect()
}

/// Shares (any positive scale) as parts per million adding up to exactly
/// [`PPM`]: each rounded down, the remainder to the largest shares first
/// (ties to the earlier), so the split is the same on every target.
pub fn to_ppm(shares: impl Iterator<Item = f64>) -> Vec<u32> {
    let shares: Vec<f64> = shares.collect();
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return shares.iter().map(|_| 0).collect();
    }
    let exact: Vec<f64> = shares.iter().map(|s| s / total * f64::from(PPM)).collect();
    let mut out: Vec<u32> = exact.iter().map(|e| *e as u32).collect();
    let mut left = PPM - out.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = exact[a] - f64::from(out[a]);
        let fb = exact[b] - f64::from(out[b]);
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        if shares[i] > 0.0 {
            out[i] += 1;
            left -= 1;
        }
    }
    out
}

/// Where one routing track of a versioned service sits: its service and its
/// version (None: the baseline group, whose version a canary chooses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Track {
    /// The service.
    pub service: ServiceId,
    /// The version's index, or None for the baseline group.
    pub version: Option<u8>,
}

impl Topology {
    /// Every routing track of every versioned service, in service order and,
    /// within a service, version order then its baseline group: the order of
    /// the per-version figures in summary.json and metrics.csv.
    pub fn tracks(&self) -> Vec<Track> {
        let mut out = Vec::new();
        for (sid, s) in self.services.iter().enumerate() {
            if s.versions.is_empty() {
                continue;
            }
            for v in 0..s.versions.len() {
                out.push(Track {
                    service: sid as ServiceId,
                    version: Some(v as u8),
                });
            }
            out.push(Track {
                service: sid as ServiceId,
                version: None,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_become_parts_per_million_that_add_up() {
        assert_eq!(
            to_ppm([1.0, 1.0, 1.0].into_iter()),
            [333_334, 333_333, 333_333]
        );
        assert_eq!(to_ppm([95.0, 5.0, 0.0].into_iter()), [950_000, 50_000, 0]);
        assert_eq!(to_ppm([6.0, 0.0].into_iter()), [PPM, 0]);
        assert_eq!(to_ppm([0.0, 0.0].into_iter()), [0, 0]);
        let odd = to_ppm([1.0, 2.0, 4.0].into_iter());
        assert_eq!(odd.iter().sum::<u32>(), PPM);
    }

    #[test]
    fn a_leak_grows_with_uptime_and_is_capped() {
        let d = Defect::of(&DefectSpec {
            errors_percent: 1.0,
            add_ms: 2.0,
            leak_per_minute: Some(crate::model::LeakSpec {
                errors_percent: 10.0,
                add_ms: 5.0,
            }),
        });
        assert_eq!(d.error_fraction_at(0), 0.01);
        assert!((d.error_fraction_at(60 * crate::duration::SEC) - 0.11).abs() < 1e-12);
        assert_eq!(d.error_fraction_at(3600 * crate::duration::SEC), 1.0);
        assert_eq!(d.extra_work_at(120 * crate::duration::SEC), 12 * MS);
    }
}
