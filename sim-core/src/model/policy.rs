//! Per-dependency resilience options as written in the architecture file
//! (`timeout_ms`, `retries`, `circuit_breaker`, `bulkhead`, `fallback`,
//! `zone_aware`), and their range checks.
//!
//! Short forms exist for the common case: `"retries": 3` is three retries with
//! Envoy's backoff, `"circuit_breaker": true` is Hystrix's defaults.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{num, InputError};

/// Retries of one dependency: a number (retries after the first try, Envoy
/// backoff) or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetrySpec {
    /// Retries after the first attempt.
    pub attempts: u32,
    /// How the wait between attempts grows (default full jitter, as Envoy).
    #[serde(default)]
    pub backoff: BackoffSpec,
    /// Base interval in ms (Envoy: 25).
    #[serde(default = "default_base_ms")]
    pub base_ms: f64,
    /// Longest wait in ms (Envoy: 10 × base).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_ms: Option<f64>,
    /// Retry budget: retries may be at most this fraction of first attempts (Finagle: 0.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// Timeout of each attempt in ms; `timeout_ms` still bounds them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_try_timeout_ms: Option<f64>,
}

fn default_base_ms() -> f64 {
    25.0
}

/// Backoff shape between attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BackoffSpec {
    /// The same wait every time.
    Fixed,
    /// Doubling waits, capped.
    Exponential,
    /// Envoy's full jitter: uniform in [0, (2^n − 1)·base), capped.
    #[default]
    Jitter,
}

/// Circuit breaker of one dependency: `true` for Hystrix's defaults, or an object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreakerSpec {
    /// `hystrix` (rolling time window) or `count` (resilience4j count-based window).
    #[serde(default)]
    pub kind: BreakerKind,
    /// Hystrix: window length in seconds (10). Count: calls in the window (100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<f64>,
    /// Hystrix: buckets in the window (10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buckets: Option<u32>,
    /// Calls in the window before it may trip (Hystrix 20, resilience4j 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_requests: Option<u32>,
    /// Error percentage that trips it (50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_percent: Option<f64>,
    /// Seconds it stays open before trial calls (Hystrix 5, resilience4j 60).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_s: Option<f64>,
    /// Trial calls when half-open (Hystrix 1, resilience4j 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_calls: Option<u32>,
}

/// Which breaker semantics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BreakerKind {
    /// Netflix Hystrix: 10 s rolling window, ≥ 20 requests and ≥ 50 % errors, open 5 s, one trial.
    #[default]
    Hystrix,
    /// resilience4j count-based: last 100 calls, ≥ 50 %, open 60 s, 10 trials.
    Count,
}

/// `retries` as written: absent/null, a number of retries, or an object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(transparent)]
// The short form is in the schema too (the derive only sees the Option).
#[schemars(extend("anyOf" = [
    {"$ref": "#/$defs/RetrySpec"},
    {"type": "integer", "minimum": 0},
    {"type": "null"}
]))]
pub struct Retries(pub Option<RetrySpec>);

/// `circuit_breaker` as written: absent/null/false, true, or an object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, JsonSchema)]
#[serde(transparent)]
#[schemars(extend("anyOf" = [
    {"$ref": "#/$defs/BreakerSpec"},
    {"type": "boolean"},
    {"type": "null"}
]))]
pub struct CircuitBreaker(pub Option<BreakerSpec>);

/// Either a short form (number or boolean) or a full object, through a visitor
/// so that errors inside the object keep their own key names and positions.
macro_rules! short_or_object {
    ($wrap:ident, $obj:ident, $expect:literal, $($short:tt)*) => {
        impl<'de> Deserialize<'de> for $wrap {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $wrap;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str($expect)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        map: A,
                    ) -> Result<Self::Value, A::Error> {
                        let o = $obj::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                        Ok($wrap(Some(o)))
                    }
                    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                        Ok($wrap(None))
                    }
                    $($short)*
                }
                d.deserialize_any(V)
            }
        }
    };
}

short_or_object! {
    Retries,
    RetrySpec,
    "a number of retries or an object like {\"attempts\": 2, \"backoff\": \"jitter\"}",
    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Self::Value, E> {
        let attempts = u32::try_from(n).map_err(|_| E::custom("too many retries"))?;
        Ok(Retries(Some(RetrySpec::envoy(attempts))))
    }
    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Self::Value, E> {
        Err(E::custom(format!("retries must not be negative, got {n}")))
    }
}

short_or_object! {
    CircuitBreaker,
    BreakerSpec,
    "true for Hystrix's defaults, or an object like {\"kind\": \"count\"}",
    fn visit_bool<E: serde::de::Error>(self, on: bool) -> Result<Self::Value, E> {
        Ok(CircuitBreaker(on.then(BreakerSpec::default)))
    }
}

impl RetrySpec {
    /// `n` retries with Envoy's backoff (full jitter, base 25 ms, cap 250 ms).
    pub fn envoy(attempts: u32) -> RetrySpec {
        RetrySpec {
            attempts,
            backoff: BackoffSpec::Jitter,
            base_ms: default_base_ms(),
            max_ms: None,
            budget: None,
            per_try_timeout_ms: None,
        }
    }
}

impl Default for BreakerSpec {
    fn default() -> Self {
        BreakerSpec {
            kind: BreakerKind::Hystrix,
            window: None,
            buckets: None,
            min_requests: None,
            error_percent: None,
            open_s: None,
            trial_calls: None,
        }
    }
}

/// Most retries per call: beyond this a retry storm is all a run would show.
pub const MAX_RETRIES: u32 = 10;

/// Range checks of one dependency's resilience options; `at` is its JSON path.
pub fn check(at: &str, o: &super::CallSpec) -> Result<(), InputError> {
    let ms = |key: &str, v: Option<f64>| -> Result<(), InputError> {
        match v {
            Some(v) if !(v.is_finite() && v > 0.0 && v <= super::LIMITS.max_ms) => {
                Err(InputError::at(
                    format!("{at}.{key}"),
                    format!("{} ms is out of range.", num(v)),
                )
                .hint(format!(
                    "use more than 0 and at most {} ms.",
                    super::LIMITS.max_ms
                )))
            }
            _ => Ok(()),
        }
    };
    ms("timeout_ms", o.timeout_ms)?;
    if let Some(r) = &o.retries.0 {
        if r.attempts > MAX_RETRIES {
            return Err(InputError::at(
                format!("{at}.retries.attempts"),
                format!("{} retries per call is too many.", r.attempts),
            )
            .hint(format!("use at most {MAX_RETRIES}; two or three is usual.")));
        }
        ms("retries.base_ms", Some(r.base_ms))?;
        ms("retries.max_ms", r.max_ms)?;
        ms("retries.per_try_timeout_ms", r.per_try_timeout_ms)?;
        if let Some(b) = r.budget {
            if !(b.is_finite() && b > 0.0 && b <= 1.0) {
                return Err(InputError::at(
                    format!("{at}.retries.budget"),
                    format!("{} is not a fraction.", num(b)),
                )
                .hint("use a fraction of first attempts above 0 and at most 1, e.g. 0.2."));
            }
        }
    }
    if let Some(b) = &o.circuit_breaker.0 {
        let bad = |key: &str, why: String, fix: &str| {
            Err(InputError::at(format!("{at}.circuit_breaker.{key}"), why).hint(fix.to_string()))
        };
        if let Some(w) = b.window {
            let ok = match b.kind {
                BreakerKind::Hystrix => w.is_finite() && w > 0.0 && w <= 86_400.0,
                BreakerKind::Count => w.fract() == 0.0 && (1.0..=10_000.0).contains(&w),
            };
            if !ok {
                return bad(
                    "window",
                    format!("{} is not a usable window.", num(w)),
                    "Hystrix: seconds in (0, 86400]; count: whole calls in 1..=10000.",
                );
            }
        }
        if b.buckets.is_some_and(|n| n == 0 || n > 1000) {
            return bad(
                "buckets",
                "buckets must be in 1..=1000.".into(),
                "Hystrix uses 10.",
            );
        }
        if let Some(p) = b.error_percent {
            if !(p.is_finite() && p > 0.0 && p <= 100.0) {
                return bad(
                    "error_percent",
                    format!("{} is not a percentage.", num(p)),
                    "use a value in (0, 100], e.g. 50.",
                );
            }
        }
        if let Some(s) = b.open_s {
            if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
                return bad(
                    "open_s",
                    format!("{} s is out of range.", num(s)),
                    "use more than 0 and at most a day, e.g. 5.",
                );
            }
        }
        if b.trial_calls.is_some_and(|n| n == 0 || n > 10_000) {
            return bad(
                "trial_calls",
                "trial_calls must be in 1..=10000.".into(),
                "Hystrix lets 1 through, resilience4j 10.",
            );
        }
    }
    if o.bulkhead.is_some_and(|n| n == 0) {
        return Err(InputError::at(
            format!("{at}.bulkhead"),
            "a bulkhead of 0 would reject every call.",
        )
        .hint("use the most concurrent calls allowed, e.g. 10 (Hystrix's default)."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{parse_arch, CallSpec, DependencySpec};

    fn dep(options: &str) -> Result<CallSpec, String> {
        let text = format!(
            r#"{{"arch":"p","services":[{{"name":"a","package":"karyon","dependencies":[{{"service":"b"{options}}}]}}]}}"#
        );
        let spec = parse_arch(&text).map_err(|e| e.to_string())?;
        match &spec.services[0].dependencies.as_ref().unwrap()[0] {
            DependencySpec::Call(c) => Ok((**c).clone()),
            DependencySpec::Name(_) => unreachable!(),
        }
    }

    #[test]
    fn short_and_long_forms() {
        let d = dep(r#","retries":3,"circuit_breaker":true"#).unwrap();
        assert_eq!(d.retries.0.as_ref().unwrap().attempts, 3);
        assert_eq!(d.retries.0.as_ref().unwrap().base_ms, 25.0);
        assert!(d.circuit_breaker.0.is_some());
        let d =
            dep(r#","retries":{"attempts":1,"backoff":"fixed"},"circuit_breaker":false"#).unwrap();
        assert_eq!(d.retries.0.unwrap().backoff, super::BackoffSpec::Fixed);
        assert!(d.circuit_breaker.0.is_none());
    }

    #[test]
    fn unknown_keys_inside_are_named() {
        let e = dep(r#","retries":{"attempts":1,"backof":"fixed"}"#).unwrap_err();
        assert!(e.contains("backof") && e.contains("backoff"), "{e}");
        let e = dep(r#","circuit_breaker":{"kind":"hystrixx"}"#).unwrap_err();
        assert!(e.contains("hystrixx"), "{e}");
        let e = dep(r#","retries":-1"#).unwrap_err();
        assert!(e.contains("negative"), "{e}");
    }
}
