//! Every option of a run, with the defaults of `microsim run`, as Rust and
//! as JSON (the server's and the browser's `start`), checked in one place.

use crate::duration::{format_duration, parse_duration, Nanos, MAX_DURATION, SEC};
use crate::error::{num, InputError};
use crate::model::LIMITS;
use crate::topology::BuildOptions;
use serde::Deserialize;

/// Every option of a run. The defaults are `microsim run`'s.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Seed of every random stream: the same seed gives the same outputs.
    pub seed: u64,
    /// Traffic is offered during [0, duration); requests in flight then finish.
    pub duration: Nanos,
    /// Requests per second per entry point, overriding the file's rates (the
    /// top level's and each entry point's); a rate profile is scaled so that
    /// its peak is this rate, keeping its shape.
    pub rate: Option<f64>,
    /// Percentage applied to every positive instance count (spigo's `-p`).
    pub scale: f64,
    /// Multiplies every service's regions (spigo's `-w`).
    pub regions: u32,
    /// Width of the time-series buckets (metrics.csv, charts, the timeline).
    pub bucket: Nanos,
    /// Fraction of external requests whose traces are kept.
    pub trace_sample: f64,
    /// At most this many traces are kept.
    pub max_traces: u32,
    /// Keep instance-to-instance flows for the graph exports and the live edges.
    pub record_graph: bool,
    /// How long requests in flight may drain after the traffic stops; what is
    /// still in flight then is counted as `unanswered` (a stated horizon, so a
    /// run with hour-long service times still ends, and its time series with it).
    pub drain: Nanos,
    /// Most calls in flight at once; beyond it a new call fails at once as
    /// `rejected` instead of growing memory until the machine gives up.
    pub max_calls: u32,
    /// Most expected calls per external request (every path's calls ×
    /// probability, retries at their maximum) a file may ask for.
    pub max_fan_out: f64,
    /// Most instance pairs whose calls are recorded for the graph files and
    /// the live view (service pairs are always recorded).
    pub max_edges: u32,
    /// Failures by MTBF/MTTR during the run, at this acceleration (virtual
    /// time of failures per virtual time of run: 525,600 makes a minute of
    /// run a year of failures). Every instance, and every zone with
    /// `zone_availability`, fails and is repaired by the figures `microsim
    /// availability` uses (see `engine/failures.rs`). `None`: nothing fails
    /// but what a scenario asks for.
    pub failures: Option<f64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            seed: 1,
            duration: 60 * SEC,
            rate: None,
            scale: 100.0,
            regions: 1,
            bucket: SEC,
            trace_sample: 0.01,
            max_traces: 1000,
            record_graph: true,
            drain: Self::DEFAULT_DRAIN,
            max_calls: Self::DEFAULT_MAX_CALLS,
            max_fan_out: Self::DEFAULT_MAX_FAN_OUT,
            max_edges: Self::DEFAULT_MAX_EDGES,
            failures: None,
        }
    }
}

/// Largest seed accepted: 2^53 − 1, so that a seed survives a trip through
/// JavaScript (the page's address, the `/ws` messages) unchanged.
pub const MAX_SEED: u64 = (1 << 53) - 1;

impl RunOptions {
    /// Most time buckets a run may ask for (memory grows with buckets × services).
    pub const MAX_BUCKETS: u64 = 100_000;
    /// Largest scale, in percent (1,000,000 % is 10,000 times the file's counts).
    pub const MAX_SCALE: f64 = 1e7;
    /// Most region multiplier.
    pub const MAX_REGIONS: u32 = 100;
    /// Drain allowed after the traffic stops: a minute of virtual time, long
    /// beyond any timeout a resilient system sets, short enough that a run
    /// with absurd service times ends.
    pub const DEFAULT_DRAIN: Nanos = 60 * SEC;
    /// Calls in flight allowed by default: a million, about 150 MB (an 88-byte
    /// call record and up to two 32-byte events each). netflixoss at 10,000
    /// requests a second holds about a thousand.
    pub const DEFAULT_MAX_CALLS: u32 = 1_000_000;
    /// Most calls in flight anyone may ask for (about 1.5 GB).
    pub const MAX_CALLS: u32 = 10_000_000;
    /// Expected calls per external request allowed by default. spigo's
    /// files and ours make at most a few dozen; a file asking for ten
    /// thousand is almost certainly a mistake (a fan-out multiplied along a
    /// chain), and would need ten thousand times the memory of its traffic.
    pub const DEFAULT_MAX_FAN_OUT: f64 = 10_000.0;
    /// Instance pairs recorded by default: 100,000, about 5.6 MB, and a
    /// graph.json of ~15 MB; a 100x netflixoss run at 10,000 requests a second
    /// touches millions of pairs, which made files bigger than the run.
    pub const DEFAULT_MAX_EDGES: u32 = 100_000;
    /// Most instance pairs anyone may ask for (about 560 MB).
    pub const MAX_EDGES: u32 = 10_000_000;
    /// Largest failure acceleration: 10^8, when a second of run covers more
    /// than three years of failures and a one-hour repair lasts 36 µs of run,
    /// shorter than one network hop. Beyond it an outage is over before a
    /// request could notice it, so the observed availability would mean
    /// nothing (and failure events would crowd out the traffic).
    pub const MAX_FAILURES: f64 = 1e8;
    /// Runs with more instances than this write graph.json and GraphML at
    /// service level (one node per service and region): a file with a node
    /// per instance of a million-instance run is useful to no viewer.
    pub const MAX_GRAPH_INSTANCES: usize = 100_000;

    /// Refuses settings that make no sense or would exhaust memory; the error's
    /// path is the field's name.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.seed > MAX_SEED {
            return Err(InputError::at(
                "seed",
                format!("the seed {} is larger than 2^53 − 1.", self.seed),
            )
            .hint("use a whole number between 0 and 9007199254740991, e.g. 1."));
        }
        if self.duration == 0 || self.duration > MAX_DURATION {
            return Err(InputError::at(
                "duration",
                "the duration must be above zero and at most 100 days.",
            )
            .hint("give a duration with a unit, e.g. 60s."));
        }
        if !(self.scale > 0.0 && self.scale <= Self::MAX_SCALE) {
            return Err(InputError::at(
                "scale",
                format!("scale {}% is out of range.", num(self.scale)),
            )
            .hint("use a percentage above 0, e.g. 100 for as written or 1000 for ten times."));
        }
        if !(1..=Self::MAX_REGIONS).contains(&self.regions) {
            return Err(InputError::at(
                "regions",
                format!("a region multiplier of {} is out of range.", self.regions),
            )
            .hint(format!("use 1 to {}.", Self::MAX_REGIONS)));
        }
        if self.drain > MAX_DURATION {
            return Err(
                InputError::at("drain", "the drain must be at most 100 days.")
                    .hint("give a duration with a unit, e.g. 60s."),
            );
        }
        let horizon = self.duration.saturating_add(self.drain);
        if self.bucket == 0 || horizon / self.bucket > Self::MAX_BUCKETS {
            return Err(InputError::at(
                "bucket",
                format!(
                    "{} buckets of {} would be needed for the traffic and the drain; the most is {}.",
                    horizon / self.bucket.max(1),
                    format_duration(self.bucket),
                    Self::MAX_BUCKETS
                ),
            )
            .hint("use a wider bucket, e.g. 1s for runs up to a day."));
        }
        if let Some(r) = self.rate {
            if !(r > 0.0 && r <= LIMITS.max_rate) {
                return Err(InputError::at(
                    "rate",
                    format!("{} requests per second is out of range.", num(r)),
                )
                .hint(format!(
                    "use a rate above 0 and at most {}.",
                    LIMITS.max_rate
                )));
            }
        }
        if !(1..=Self::MAX_CALLS).contains(&self.max_calls) {
            return Err(InputError::at(
                "max_calls",
                format!("{} calls in flight is out of range.", self.max_calls),
            )
            .hint(format!(
                "use 1 to {}; each call costs about 150 bytes.",
                Self::MAX_CALLS
            )));
        }
        if self.max_edges > Self::MAX_EDGES {
            return Err(InputError::at(
                "max_edges",
                format!("{} instance pairs is out of range.", self.max_edges),
            )
            .hint(format!(
                "use 0 (service pairs only) to {}; each costs about 56 bytes.",
                Self::MAX_EDGES
            )));
        }
        if !(self.max_fan_out >= 1.0 && self.max_fan_out.is_finite()) {
            return Err(InputError::at(
                "max_fan_out",
                format!("a fan-out limit of {} is out of range.", self.max_fan_out),
            )
            .hint("use a number of calls per request of at least 1, e.g. 10000."));
        }
        if let Some(a) = self.failures {
            if !(a > 0.0 && a <= Self::MAX_FAILURES) {
                return Err(InputError::at(
                    "failures",
                    format!("a failure acceleration of {} is out of range.", num(a)),
                )
                .hint(format!(
                    "use a factor above 0 and at most {} (virtual time of failures per virtual time of run), e.g. 525600 for a year of failures in a minute of run.",
                    num(Self::MAX_FAILURES)
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.trace_sample) {
            return Err(InputError::at(
                "trace_sample",
                format!("{} is not a fraction.", num(self.trace_sample)),
            )
            .hint("use a number between 0 and 1, e.g. 0.01."));
        }
        Ok(())
    }

    /// Scale and region multiplier, as the topology builder takes them.
    pub fn build_options(&self) -> BuildOptions {
        BuildOptions {
            scale_percent: self.scale,
            region_multiplier: self.regions,
        }
    }

    /// Reads options written as JSON, the form the browser and the wasm
    /// bindings use: `{"seed": 1, "duration": "60s", "scale": 100, "regions": 1,
    /// "rate": 500, "bucket": "1s", "trace_sample": 0.01, "max_traces": 1000,
    /// "record_graph": true, "failures": 525600}`, every key optional
    /// (defaults as [`Default`]), unknown keys refused. The result is validated.
    pub fn from_json(text: &str) -> Result<RunOptions, InputError> {
        let spec: OptionsSpec = crate::model::parse_json(text)?;
        let mut o = RunOptions::default();
        let duration_of = |field: &str, t: &str| {
            parse_duration(t).map_err(|mut e| {
                e.path = field.to_string();
                e
            })
        };
        if let Some(s) = spec.seed {
            o.seed = s;
        }
        if let Some(d) = &spec.duration {
            o.duration = duration_of("duration", d)?;
        }
        o.rate = spec.rate;
        if let Some(s) = spec.scale {
            o.scale = s;
        }
        if let Some(r) = spec.regions {
            o.regions = r;
        }
        if let Some(b) = &spec.bucket {
            o.bucket = duration_of("bucket", b)?;
        }
        if let Some(t) = spec.trace_sample {
            o.trace_sample = t;
        }
        if let Some(m) = spec.max_traces {
            o.max_traces = m;
        }
        if let Some(g) = spec.record_graph {
            o.record_graph = g;
        }
        if let Some(d) = &spec.drain {
            o.drain = duration_of("drain", d)?;
        }
        if let Some(m) = spec.max_calls {
            o.max_calls = m;
        }
        if let Some(f) = spec.max_fan_out {
            o.max_fan_out = f;
        }
        if let Some(e) = spec.max_edges {
            o.max_edges = e;
        }
        o.failures = spec.failures;
        o.validate()?;
        Ok(o)
    }
}

/// [`RunOptions`] as JSON writes them (durations as text with a unit).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionsSpec {
    seed: Option<u64>,
    duration: Option<String>,
    rate: Option<f64>,
    scale: Option<f64>,
    regions: Option<u32>,
    bucket: Option<String>,
    trace_sample: Option<f64>,
    max_traces: Option<u32>,
    record_graph: Option<bool>,
    drain: Option<String>,
    max_calls: Option<u32>,
    max_fan_out: Option<f64>,
    max_edges: Option<u32>,
    failures: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_read_from_json_with_defaults_and_refuse_unknown_keys() {
        let o = RunOptions::from_json(r#"{"seed": 7, "duration": "2s", "scale": 50}"#).unwrap();
        assert_eq!(
            (o.seed, o.duration, o.scale, o.regions),
            (7, 2 * SEC, 50.0, 1)
        );
        assert_eq!(RunOptions::from_json("{}").unwrap(), RunOptions::default());
        let f = RunOptions::from_json(r#"{"failures": 525600}"#).unwrap();
        assert_eq!(f.failures, Some(525_600.0));
        for (bad, path) in [
            (r#"{"seed": 1.5}"#, ""),
            (r#"{"seed": -1}"#, ""),
            (r#"{"durration": "2s"}"#, ""),
            (r#"{"duration": "2"}"#, "duration"),
            (r#"{"regions": 0}"#, "regions"),
            (r#"{"failures": -1}"#, "failures"),
            (r#"{"failures": 1e300}"#, "failures"),
        ] {
            let e = RunOptions::from_json(bad).unwrap_err();
            assert!(e.path.starts_with(path), "{bad}: {e}");
        }
    }
}
