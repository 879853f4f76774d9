//! The story of a run's failures for a reader: each fault in words, and the
//! services that failed first of their own accord — the root cause, as
//! opposed to the callers that failed because a dependency did.
//!
//! A service's own failures (timeout, refused, rejected, injected) are
//! tracked per time bucket by [`crate::metrics::Series`]; the earliest bucket
//! with any names the root cause. Failures for `dependency` or a
//! short-circuit follow from another failure and never count. Several
//! services can fail first in the same bucket (a zone outage hits every
//! service in the zone at once): all are listed, most failures first.

use crate::engine::Simulation;
use crate::fault::describe::describe;

/// A service that failed first.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstFailure {
    /// The service.
    pub service: String,
    /// The reason most of its own failures had then.
    pub reason: &'static str,
    /// Its own failures in that bucket.
    pub count: u64,
    /// The bucket's start, in seconds.
    pub from_s: f64,
    /// Its end, in seconds.
    pub to_s: f64,
}

/// Each fault of the run in words: what, where and when.
pub fn faults(sim: &Simulation) -> Vec<String> {
    sim.scenario()
        .faults
        .iter()
        .map(|f| describe(f, sim.topology()))
        .collect()
}

/// The services that failed of their own accord in the earliest bucket in
/// which any did, most failures first (empty when none did).
pub fn first_failures(sim: &Simulation) -> Vec<FirstFailure> {
    let series = sim.series();
    let services = &sim.topology().services;
    // The series may track more than the services (a version's own rows
    // come after them): only services name a root cause.
    let firsts = &series.first_failures()[..services.len().min(series.first_failures().len())];
    let Some(bucket) = firsts.iter().flatten().map(|f| f.bucket).min() else {
        return Vec::new();
    };
    let width = series.width() as f64 / 1e9;
    let mut out: Vec<FirstFailure> = firsts
        .iter()
        .enumerate()
        .filter_map(|(s, f)| {
            let f = (*f)?;
            (f.bucket == bucket).then(|| FirstFailure {
                service: services[s].name.clone(),
                reason: f.reason.name(),
                count: f.count,
                from_s: f64::from(bucket) * width,
                to_s: f64::from(bucket + 1) * width,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.service.cmp(&b.service))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Input, RunOptions, RunSpec};

    fn run(scenario: &str) -> Simulation {
        let arch = r#"{"arch":"t","services":[{"name":"db","package":"store","count":3},
            {"name":"api","package":"karyon","count":3,"dependencies":["db"]}]}"#;
        let o = RunOptions {
            duration: 30 * crate::duration::SEC,
            ..RunOptions::default()
        };
        let spec = RunSpec::new(Input::new("a", arch), Some(Input::new("s", scenario)), o).unwrap();
        let mut sim = spec.simulation();
        sim.run();
        sim
    }

    #[test]
    fn the_root_cause_is_the_callee_that_failed_first_not_its_callers() {
        let sim = run(r#"{"faults":[{"at":"10s","errors":{"service":"db","percent":50}}]}"#);
        let first = first_failures(&sim);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(
            (first[0].service.as_str(), first[0].reason),
            ("db", "injected")
        );
        assert_eq!((first[0].from_s, first[0].to_s), (10.0, 11.0));
        assert!(first[0].count > 10);
        // api failed too, but for `dependency`: never a root cause.
        let s = crate::Summary::of(&sim);
        assert!(s.services["api"].failures["dependency"] > 0);
        assert_eq!(
            faults(&sim),
            ["50 % of requests to db failing (injected) at 10s"]
        );
    }

    /// A version's rows follow the services' in the series: they never
    /// name a root cause, and never index past the services.
    #[test]
    fn versions_of_a_service_do_not_confuse_the_root_cause() {
        let arch = r#"{"arch":"t","services":[{"name":"db","package":"store","count":2,
            "versions":[{"name":"v1"},{"name":"v2","count":1,"defect":{"errors_percent":50}}]},
            {"name":"api","package":"karyon","count":2,"dependencies":["db"]}]}"#;
        let o = RunOptions {
            duration: 20 * crate::duration::SEC,
            ..RunOptions::default()
        };
        let spec = RunSpec::new(Input::new("a", arch), None, o).unwrap();
        let mut sim = spec.simulation();
        sim.run();
        let first = first_failures(&sim);
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(
            (first[0].service.as_str(), first[0].reason),
            ("db", "injected")
        );
    }

    #[test]
    fn a_run_without_failures_has_no_root_cause() {
        let sim = run(r#"{"faults":[]}"#);
        assert!(first_failures(&sim).is_empty());
        assert!(faults(&sim).is_empty());
    }
}
