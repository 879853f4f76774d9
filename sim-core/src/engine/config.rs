//! How to run a simulation, and the checks that refuse absurd settings.

use crate::duration::Nanos;

/// How to run a simulation.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Seed of every random stream.
    pub seed: u64,
    /// Traffic is offered during [0, duration); requests in flight then finish.
    pub duration: Nanos,
    /// Requests per second per entry point, overriding the file's `traffic.rate`.
    pub rate: Option<f64>,
    /// Keep instance-to-instance flows (first use, calls, failures) for graph exports.
    pub record_graph: bool,
    /// Width of the time-series buckets.
    pub bucket: Nanos,
    /// Fraction of external requests whose traces are kept.
    pub trace_sample: f64,
    /// At most this many traces are kept.
    pub max_traces: u32,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: 1,
            duration: 60 * crate::duration::SEC,
            rate: None,
            record_graph: true,
            bucket: crate::duration::SEC,
            trace_sample: 0.01,
            max_traces: 1000,
        }
    }
}

impl RunConfig {
    /// Most time buckets a run may ask for (memory grows with buckets × services).
    pub const MAX_BUCKETS: u64 = 100_000;

    /// Refuses settings that make no sense or would exhaust memory.
    pub fn validate(&self) -> Result<(), crate::error::InputError> {
        use crate::error::InputError;
        if self.duration == 0 || self.duration > crate::duration::MAX_DURATION {
            return Err(InputError::at(
                "--duration",
                "the duration must be above zero and at most 100 days.",
            )
            .hint("e.g. --duration 60s"));
        }
        if self.bucket == 0 || self.duration / self.bucket > Self::MAX_BUCKETS {
            return Err(InputError::at(
                "--bucket",
                format!(
                    "{} buckets of {} would be needed; the most is {}.",
                    self.duration / self.bucket.max(1),
                    crate::duration::format_duration(self.bucket),
                    Self::MAX_BUCKETS
                ),
            )
            .hint("use a wider --bucket, e.g. 1s for runs up to a day."));
        }
        if let Some(r) = self.rate {
            if !(r > 0.0 && r <= crate::model::LIMITS.max_rate) {
                return Err(InputError::at(
                    "--rate",
                    format!("{r} requests per second is out of range."),
                )
                .hint(format!(
                    "use a rate above 0 and at most {}.",
                    crate::model::LIMITS.max_rate
                )));
            }
        }
        if !(0.0..=1.0).contains(&self.trace_sample) {
            return Err(InputError::at(
                "--trace-sample",
                format!("{} is not a fraction.", self.trace_sample),
            )
            .hint("use a number between 0 and 1, e.g. 0.01."));
        }
        Ok(())
    }
}
