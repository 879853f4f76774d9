//! Architecture files: the JSON format (spigo's plus extensions), parsing with
//! precise error positions, and validation of what the parser cannot check.

mod autoscale;
mod parse;
mod policy;
mod replication;
mod spec;
mod state;
mod validate;
mod versions;
mod waiting;

pub use autoscale::{check_price, Autoscale, AutoscaleSpec, ScaleMetric};
pub use parse::{parse_arch, parse_json, parse_object, Shape, ARCH_SHAPE};
pub use policy::{
    check as check_policy, BackoffSpec, BreakerKind, BreakerSpec, CircuitBreaker, Retries,
    RetrySpec, MAX_RETRIES,
};
pub use replication::{ReplicationSpec, StorageSpec};
pub use spec::*;
pub use state::{CacheSpec, CopiesSpec, KeysSpec};
pub use validate::{validate, Limits, LIMITS};
pub use versions::{
    check_versions, start_counts, DefectSpec, LeakSpec, VersionSpec, MAX_VERSIONED_SERVICES,
    MAX_VERSIONS, MAX_VERSION_NAME,
};
pub use waiting::{
    check as check_waiting, max_outstanding, DEFAULT_MAX_OUTSTANDING, MAX_OUTSTANDING,
};

use crate::error::InputError;

/// Parses and validates an architecture file's text.
pub fn load_arch(text: &str) -> Result<ArchSpec, InputError> {
    let spec = parse_arch(text)?;
    validate(&spec)?;
    Ok(spec)
}
