//! A judgement asked for in JSON (`microsim judge FILE`): the samples of each
//! metric for baseline and canary, and the judge's parameters. It lets a
//! teacher show how the judge reasons on numbers of their own, and it is how
//! `tests/readers/test_canary.py` holds the test's figures against SciPy's.
//!
//! ```json
//! {"confidence": 0.98, "tolerance": 0.25, "pass": 95, "marginal": 75,
//!  "metrics": [{"name": "error_rate", "direction": "increase", "critical": false,
//!               "baseline": [0, 0, 0.01], "canary": [0.2, 0.18, null]}]}
//! ```
//!
//! `null` is a step without a value (Kayenta drops NaNs). Limits: 100 metrics,
//! [`MAX_VALUES`] values per sample — the interval's root search sorts both
//! samples a few hundred times, about a second at that size.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Deserialize;

use super::{judge, Classifier, Direction, Judgement, MetricSpec, Thresholds};
use crate::error::{num, quoted, InputError};
use crate::model::{parse_object, Shape};

/// Most values in one sample.
pub const MAX_VALUES: usize = 10_000;
/// Largest magnitude of a value: differences of two values must stay finite.
pub const MAX_MAGNITUDE: f64 = 1e100;
/// Most metrics in one judgement.
pub const MAX_METRICS: usize = 100;

/// A judgement to make.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JudgeSpec {
    /// Confidence level of each metric's interval, in (0, 1); Kayenta's 0.98.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// Fraction of the estimated shift the interval must clear, 0 to 1; Kayenta's 0.25.
    #[serde(default)]
    pub tolerance: Option<f64>,
    /// Score at or above which the canary passes, 0 to 100 (95).
    #[serde(default)]
    pub pass: Option<f64>,
    /// Score at or above which it is marginal, at most `pass` (75).
    #[serde(default)]
    pub marginal: Option<f64>,
    /// The metrics compared.
    pub metrics: Vec<MetricInput>,
}

/// One metric's samples.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricInput {
    /// Its name.
    pub name: String,
    /// `increase` (default), `decrease` or `either`: which change counts against the canary.
    #[serde(default)]
    pub direction: Option<DirectionSpec>,
    /// A failure of this metric fails the whole analysis.
    #[serde(default)]
    pub critical: bool,
    /// The baseline's values, one per step (`null`: no value).
    pub baseline: Vec<Option<f64>>,
    /// The canary's values.
    pub canary: Vec<Option<f64>>,
}

/// [`Direction`] as written.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DirectionSpec {
    /// Only a rise counts.
    Increase,
    /// Only a fall counts.
    Decrease,
    /// Either way.
    Either,
}

/// JSON Schema of the judgement format.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(JudgeSpec)).expect("schema serializes")
}

fn check_range(
    path: &str,
    v: f64,
    lo: f64,
    hi: f64,
    open: bool,
    eg: &str,
) -> Result<(), InputError> {
    let inside = if open {
        v > lo && v < hi
    } else {
        v >= lo && v <= hi
    };
    if inside {
        Ok(())
    } else {
        let (l, r) = if open { ("(", ")") } else { ("[", "]") };
        Err(InputError::at(
            path,
            format!("{} is outside {l}{}, {}{r}.", num(v), num(lo), num(hi)),
        )
        .hint(format!("use a number in that range, e.g. {eg}.")))
    }
}

/// Parses and checks a judgement, and makes it.
pub fn judge_json(text: &str) -> Result<Judgement, InputError> {
    let spec: JudgeSpec = parse_object(
        text,
        Shape {
            what: "a judgement is one JSON object {\"metrics\": [{\"name\": …, \"baseline\": […], \"canary\": […]}]}",
            wrap: "put the metrics in an object: {\"metrics\": [ … ]}.",
        },
    )?;
    let c = Classifier {
        confidence: spec.confidence.unwrap_or(Classifier::default().confidence),
        tolerance: spec.tolerance.unwrap_or(Classifier::default().tolerance),
    };
    let t = Thresholds {
        pass: spec.pass.unwrap_or(Thresholds::default().pass),
        marginal: spec.marginal.unwrap_or(Thresholds::default().marginal),
    };
    check_range("confidence", c.confidence, 0.0, 1.0, true, "0.98")?;
    check_range("tolerance", c.tolerance, 0.0, 1.0, false, "0.25")?;
    check_range("pass", t.pass, 0.0, 100.0, false, "95")?;
    check_range("marginal", t.marginal, 0.0, t.pass, false, "75")?;
    if spec.metrics.is_empty() || spec.metrics.len() > MAX_METRICS {
        return Err(InputError::at(
            "metrics",
            format!(
                "{} metrics; a judgement needs 1 to {MAX_METRICS}.",
                spec.metrics.len()
            ),
        )
        .hint("give each metric compared as {\"name\": …, \"baseline\": […], \"canary\": […]}."));
    }
    let mut names = BTreeSet::new();
    let mut metrics = Vec::with_capacity(spec.metrics.len());
    let mut samples = Vec::with_capacity(spec.metrics.len());
    for (i, m) in spec.metrics.iter().enumerate() {
        let at = |key: &str| format!("metrics[{i}].{key}");
        if m.name.trim().is_empty() || !names.insert(m.name.as_str()) {
            return Err(InputError::at(
                at("name"),
                format!("{} is empty or used twice.", quoted(&m.name)),
            )
            .hint("give every metric its own name."));
        }
        for (key, v) in [("baseline", &m.baseline), ("canary", &m.canary)] {
            if let Some(j) = v
                .iter()
                .position(|x| x.is_some_and(|x| x.abs() > MAX_MAGNITUDE))
            {
                return Err(InputError::at(
                    format!("{}[{j}]", at(key)),
                    format!(
                        "{} is too large a value to compare.",
                        num(v[j].unwrap_or(0.0))
                    ),
                )
                .hint("give values within ±1e100 (change the unit if need be)."));
            }
            if v.len() > MAX_VALUES {
                return Err(InputError::at(
                    at(key),
                    format!("{} values; at most {MAX_VALUES} per sample.", v.len()),
                )
                .hint("aggregate to coarser steps (Kayenta compares one value per step)."));
            }
        }
        metrics.push(MetricSpec {
            name: m.name.clone(),
            direction: match m.direction {
                None | Some(DirectionSpec::Increase) => Direction::Increase,
                Some(DirectionSpec::Decrease) => Direction::Decrease,
                Some(DirectionSpec::Either) => Direction::Either,
            },
            critical: m.critical,
        });
        let values =
            |v: &[Option<f64>]| -> Vec<f64> { v.iter().map(|x| x.unwrap_or(f64::NAN)).collect() };
        samples.push((values(&m.baseline), values(&m.canary)));
    }
    let pairs: Vec<(&[f64], &[f64])> = samples
        .iter()
        .map(|(b, k)| (b.as_slice(), k.as_slice()))
        .collect();
    Ok(judge(&metrics, &pairs, c, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canary::{Class, Verdict};

    #[test]
    fn a_judgement_from_json() {
        let j = judge_json(
            r#"{"metrics": [
                {"name": "errors", "baseline": [0,0,0,0,0,0,0,0,0,0], "canary": [0.2,0.3,0.1,0.2,0.25,0.2,0.15,0.2,0.3,null]},
                {"name": "latency", "direction": "either", "baseline": [10,11,12,10,11], "canary": [11,10,12,11,10]}]}"#,
        )
        .unwrap();
        assert_eq!(j.metrics[0].class, Class::High);
        assert_eq!(j.metrics[0].n_canary, 9);
        assert_eq!(j.metrics[1].class, Class::Pass);
        assert_eq!((j.score, j.verdict), (50.0, Verdict::Fail));
    }

    #[test]
    fn bad_judgements_name_the_place() {
        for (text, path) in [
            (r#"{"metrics": []}"#, "metrics"),
            (r#"{"confidence": 1, "metrics": []}"#, "confidence"),
            (
                r#"{"pass": 70, "marginal": 80, "metrics": [{"name":"a","baseline":[1],"canary":[2]}]}"#,
                "marginal",
            ),
            (
                r#"{"metrics": [{"name":"a","baseline":[1],"canary":[2]},{"name":"a","baseline":[1],"canary":[2]}]}"#,
                "metrics[1].name",
            ),
            (
                r#"{"metrics": [{"name":"a","baseline":[1],"canary":[2],"dir":"up"}]}"#,
                "metrics[0]",
            ),
            (
                r#"{"metrics": [{"name":"a","direction":"up","baseline":[1],"canary":[2]}]}"#,
                "metrics[0].direction",
            ),
        ] {
            let e = judge_json(text).unwrap_err();
            assert!(e.path.starts_with(path), "{text}: {e:?}");
            assert!(e.hint.is_some(), "{text}: {e:?}");
        }
        let big = format!(
            r#"{{"metrics": [{{"name":"a","baseline":[{}1],"canary":[2]}}]}}"#,
            "1,".repeat(MAX_VALUES)
        );
        assert_eq!(judge_json(&big).unwrap_err().path, "metrics[0].baseline");
        let huge = r#"{"metrics": [{"name":"a","baseline":[1, -1e300],"canary":[1e300]}]}"#;
        assert_eq!(judge_json(huge).unwrap_err().path, "metrics[0].baseline[1]");
    }
}
