//! What a run measures, recorded by the engine as it goes:
//! - [`Stats`]: whole-run counters and latency per service and end to end;
//! - [`Series`]: the same per fixed time bucket, so a run shows when errors rose and fell;
//! - [`Flows`]: instance-to-instance calls (first use, count, failures) for graph exports;
//! - [`Spans`]: sampled request traces for Zipkin and OTLP.

mod flows;
mod histogram;
mod series;
mod spans;
mod stats;

pub use flows::{Flow, Flows, Place, PlaceFlow};
pub use histogram::LazyHistogram;
pub use series::{Row, Series, StoreRow, END_TO_END};
pub use spans::{SpanRecord, Spans, NO_VERSION};
pub use stats::{Reason, Stats, REASONS};
