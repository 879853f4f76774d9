//! Hypotheses held against summaries: a figure of summary.json found by its
//! dotted path, compared with a number or with another run's figure.
//!
//! The summary is the one every front end writes (`microsim run --json`,
//! summary.json), so a lesson can check any figure a run reports — and a
//! figure a later feature adds — without a list of metrics to keep in step.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{HypothesisSpec, ValueSpec};
use crate::error::{compact, quoted, InputError};

/// How a figure is compared with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Comparison {
    /// At least.
    #[serde(rename = ">=")]
    AtLeast,
    /// More than.
    #[serde(rename = ">")]
    Above,
    /// At most.
    #[serde(rename = "<=")]
    AtMost,
    /// Less than.
    #[serde(rename = "<")]
    Below,
}

impl Comparison {
    /// Whether `a` compares with `b` so.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Comparison::AtLeast => a >= b,
            Comparison::Above => a > b,
            Comparison::AtMost => a <= b,
            Comparison::Below => a < b,
        }
    }

    /// As written, with the mathematical sign (≥, >, ≤, <).
    pub fn sign(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::Above => ">",
            Comparison::AtMost => "≤",
            Comparison::Below => "<",
        }
    }
}

/// A hypothesis checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    /// The figure observed.
    pub observed: f64,
    /// The value it was compared with (another run's figure times its factor).
    pub expected: f64,
    /// Whether it held.
    pub held: bool,
}

/// Checks that `path` looks like a dotted path (segments of letters, digits,
/// `-`, `_`); whether the summary has it is known only after the run.
pub fn check_path(at: &str, path: &str) -> Result<(), InputError> {
    let ok = !path.is_empty()
        && path.len() <= 200
        && path.split('.').all(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    if ok {
        Ok(())
    } else {
        Err(
            InputError::at(at, format!("{} is not a figure's path.", quoted(path))).hint(
                "name a figure of summary.json by its keys joined with dots, e.g. \
                 end_to_end.latency_ms.p99 or services.zuul.failed.",
            ),
        )
    }
}

/// The figure at `path` in `summary`. `X.success` is `ok / requests` of the
/// object `X` when the summary has no such key. The error says which keys
/// there were where the path went wrong.
pub fn metric(summary: &Value, path: &str) -> Result<f64, String> {
    let mut here = summary;
    let segments: Vec<&str> = path.split('.').collect();
    for (i, seg) in segments.iter().enumerate() {
        let Some(obj) = here.as_object() else {
            return Err(format!(
                "{} stops at {}, which is a number, not an object",
                quoted(path),
                quoted(&segments[..i].join("."))
            ));
        };
        match obj.get(*seg) {
            Some(v) => here = v,
            None if *seg == "success" && i + 1 == segments.len() => {
                let n = |k: &str| obj.get(k).and_then(Value::as_f64);
                return match (n("ok"), n("requests")) {
                    (Some(ok), Some(req)) if req > 0.0 => Ok(ok / req),
                    (Some(_), Some(_)) => Err(format!("{} has no requests", quoted(path))),
                    _ => Err(format!(
                        "{}: success is ok / requests, and {} has neither",
                        quoted(path),
                        quoted(&segments[..i].join("."))
                    )),
                };
            }
            None => {
                let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                if *seg != "success" && obj.contains_key("ok") && obj.contains_key("requests") {
                    keys.push("success");
                }
                let shown: Vec<&str> = keys.iter().copied().take(30).collect();
                return Err(format!(
                    "the summary has no {} (at {}: {}{})",
                    quoted(path),
                    if i == 0 {
                        "the top".to_string()
                    } else {
                        quoted(&segments[..i].join("."))
                    },
                    shown.join(", "),
                    if keys.len() > shown.len() {
                        ", …"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
    here.as_f64()
        .ok_or_else(|| format!("{} is not a number in the summary", quoted(path)))
}

/// Checks `h` against the runs' summaries (`summary_of` a run's name).
pub fn evaluate<'a>(
    h: &HypothesisSpec,
    summary_of: impl Fn(&str) -> &'a Value,
) -> Result<Outcome, String> {
    let observed = metric(summary_of(&h.run), &h.metric)?;
    let expected = match &h.value {
        ValueSpec::Number(v) => *v,
        ValueSpec::Figure(f) => metric(summary_of(&f.run), &f.metric)? * f.times,
    };
    Ok(Outcome {
        observed,
        expected,
        held: h.comparison.holds(observed, expected),
    })
}

/// A figure as a hypothesis shows it: availabilities just below 1 with six
/// decimals (0.999888 and 0.999869 differ; "1" and "1" would not), the rest
/// in three significant digits.
pub fn figure(x: f64) -> String {
    if x > 0.99 && x < 1.0 {
        format!("{x:.6}")
    } else {
        compact(x)
    }
}

/// The hypothesis in words with its figures: "0.9996 ≥ 0.999".
pub fn describe(h: &HypothesisSpec, o: &Outcome) -> String {
    let rhs = match &h.value {
        ValueSpec::Number(_) => figure(o.expected),
        ValueSpec::Figure(f) if (f.times - 1.0).abs() < f64::EPSILON => {
            format!("{} ({}'s {})", figure(o.expected), f.run, f.metric)
        }
        ValueSpec::Figure(f) => format!(
            "{} ({} × {}'s {})",
            figure(o.expected),
            figure(f.times),
            f.run,
            f.metric
        ),
    };
    format!(
        "{}'s {} = {} {} {}",
        h.run,
        h.metric,
        figure(o.observed),
        h.comparison.sign(),
        rhs
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Value {
        serde_json::json!({
            "end_to_end": {"requests": 1000, "ok": 990, "failed": 10,
                           "latency_ms": {"p99": 31.5}},
            "services": {"zuul": {"requests": 0, "ok": 0}},
            "seed": 1
        })
    }

    #[test]
    fn figures_are_found_by_path_and_success_is_derived() {
        let s = summary();
        assert_eq!(metric(&s, "end_to_end.latency_ms.p99"), Ok(31.5));
        assert_eq!(metric(&s, "end_to_end.success"), Ok(0.99));
        assert!(metric(&s, "services.zuul.success")
            .unwrap_err()
            .contains("no requests"));
        let e = metric(&s, "end_to_end.latency_ms.p98").unwrap_err();
        assert!(e.contains("p99"), "{e}");
        let e = metric(&s, "seed.x").unwrap_err();
        assert!(e.contains("not an object"), "{e}");
        assert!(metric(&s, "end_to_end")
            .unwrap_err()
            .contains("not a number"));
        let e = metric(&s, "end_to_end.succes").unwrap_err();
        assert!(e.contains("success"), "the derived figure is offered: {e}");
    }

    #[test]
    fn comparisons_hold_as_their_signs_say() {
        use Comparison::*;
        assert!(AtLeast.holds(1.0, 1.0) && !Above.holds(1.0, 1.0));
        assert!(AtMost.holds(1.0, 1.0) && !Below.holds(1.0, 1.0));
        assert!(Below.holds(0.5, 1.0) && !AtLeast.holds(0.5, 1.0));
        assert!(!AtLeast.holds(f64::NAN, 0.0) && !Below.holds(f64::NAN, 0.0));
    }

    #[test]
    fn a_hypothesis_against_another_run_scales_its_figure() {
        let before = summary();
        let mut after = summary();
        after["end_to_end"]["failed"] = 4.into();
        let h: HypothesisSpec = serde_json::from_str(
            r#"{"title": "fewer failures", "run": "after", "metric": "end_to_end.failed",
                "comparison": "<", "value": {"run": "before", "metric": "end_to_end.failed", "times": 0.5}}"#,
        )
        .unwrap();
        let pick = |r: &str| if r == "after" { &after } else { &before };
        let o = evaluate(&h, pick).unwrap();
        assert_eq!((o.observed, o.expected, o.held), (4.0, 5.0, true));
        assert_eq!(
            describe(&h, &o),
            "after's end_to_end.failed = 4 < 5 (0.5 × before's end_to_end.failed)"
        );
        after["end_to_end"]["failed"] = 6.into();
        let pick = |r: &str| if r == "after" { &after } else { &before };
        assert!(!evaluate(&h, pick).unwrap().held);
    }
}
