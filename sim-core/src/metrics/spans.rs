//! Sampled traces: one span per call of a sampled request (the serving
//! instance's view, arrival to answer), linked to its caller's span.
//!
//! Sampling is decided from the trace id, so it draws no random numbers and
//! changing the sample rate never changes the simulation itself.

use crate::duration::Nanos;

/// One finished span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanRecord {
    /// Trace id (shared by all spans of one external request).
    pub trace: u64,
    /// This span's id.
    pub span: u64,
    /// Parent span id; 0 for the root.
    pub parent: u64,
    /// Serving instance.
    pub instance: u32,
    /// Arrival at the instance.
    pub start: Nanos,
    /// Answer sent.
    pub end: Nanos,
    /// 0 ok, else a [`super::Reason`] code.
    pub reason: u8,
    /// Index of the version the serving instance ran, or [`NO_VERSION`].
    pub version: u8,
    /// Nobody waited for this call (a mirror or an async call): its span may
    /// outlive its parent's, and the exports mark it so.
    pub detached: Option<crate::behaviour::Detached>,
}

/// [`SpanRecord::version`] of a span served by a service without versions.
pub const NO_VERSION: u8 = u8::MAX;

/// Spans kept at most, whatever the traces' fan-out: about 48 MB.
pub const MAX_SPANS: usize = 1_000_000;

/// Spans of sampled traces, up to a cap of traces and of spans.
#[derive(Debug, Clone, Default)]
pub struct Spans {
    threshold: u64,
    max_traces: u32,
    traces: u32,
    records: Vec<SpanRecord>,
    dropped: u64,
}

impl Spans {
    /// Samples fraction `rate` of traces, at most `max_traces` of them.
    pub fn new(rate: f64, max_traces: u32) -> Self {
        let threshold = if rate >= 1.0 {
            u64::MAX
        } else {
            (rate.max(0.0) * u64::MAX as f64) as u64
        };
        Spans {
            threshold,
            max_traces,
            traces: 0,
            records: Vec::new(),
            dropped: 0,
        }
    }

    /// Whether a new trace with this id is sampled (counts it against the cap).
    #[inline]
    pub fn admit(&mut self, trace: u64) -> bool {
        // Trace ids are uniform random bits, so comparing with a threshold samples `rate`.
        if self.traces < self.max_traces && self.threshold > 0 && trace <= self.threshold {
            self.traces += 1;
            true
        } else {
            false
        }
    }

    /// Records a finished span of a sampled trace.
    pub fn record(&mut self, s: SpanRecord) {
        if self.records.len() < MAX_SPANS {
            self.records.push(s);
        } else {
            self.dropped += 1;
        }
    }

    /// Spans of sampled traces not kept because [`MAX_SPANS`] were.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Spans in order of completion.
    pub fn all(&self) -> &[SpanRecord] {
        &self.records
    }

    /// Traces sampled.
    pub fn traces(&self) -> u32 {
        self.traces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_by_id_and_respects_the_cap() {
        let mut s = Spans::new(0.5, 2);
        assert!(s.admit(1));
        assert!(!s.admit(u64::MAX - 1));
        assert!(s.admit(7));
        assert!(!s.admit(3), "cap of two traces");
        let mut none = Spans::new(0.0, 10);
        assert!(!none.admit(0));
        let mut all = Spans::new(1.0, 10);
        assert!(all.admit(u64::MAX));
    }
}
