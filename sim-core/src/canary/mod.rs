//! Automated canary analysis as Netflix's Kayenta judges it
//! (`NetflixACAJudge-v1.0`, spinnaker/kayenta's `kayenta-judge`): compare a
//! canary group with a baseline group metric by metric, score the share of
//! metrics that pass, and turn the score into a verdict.
//!
//! Pure functions of the samples; the engine decides what a sample is (one
//! value of a metric per step of an analysis interval, per group) and what to
//! do with the verdict. The steps, each as Kayenta takes them:
//!
//! 1. **Clean**: values that are not numbers are dropped (Kayenta's
//!    `removeNaNs`: a step without requests has no error rate). A group left
//!    with no values is `nodata`. Kayenta also drops outliers beyond 3 IQR;
//!    microsim does not (its samples have no scrape glitches).
//! 2. **Classify** each metric ([`classify`], Kayenta's
//!    `MannWhitneyClassifier`): identical samples pass; otherwise the
//!    Mann–Whitney test gives the shift of canary against baseline with its
//!    interval at `confidence` (0.98 in Kayenta); the metric is `high` when
//!    the whole interval lies above `tolerance` × |estimate| (0.25), `low`
//!    when it lies below −`tolerance` × |estimate|, and `pass` otherwise —
//!    counting only the directions the metric cares about (`increase` for
//!    error rates and latencies: a faster canary is not a failure). Where
//!    every value of both groups is the same there is no interval (R stops
//!    there; Kayenta reports an error) and the metric passes: nothing tells
//!    the groups apart.
//! 3. **Score** ([`score`], `WeightedSumScorer` with one group): passing
//!    metrics ÷ metrics with data × 100; a `critical` metric that does not
//!    pass makes the score 0. No metric with data scores 0.
//! 4. **Verdict** (`ThresholdScoreClassifier`): at least `pass` (95) passes,
//!    at least `marginal` (75) is marginal, below fails.

pub mod input;
pub mod mann_whitney;

use serde::Serialize;

/// Which change of a metric counts against the canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Only a rise (error rates, latencies).
    Increase,
    /// Only a fall (throughput, hit rates).
    Decrease,
    /// Either way.
    Either,
}

/// One metric's classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Class {
    /// No difference that counts.
    Pass,
    /// The canary's values are higher.
    High,
    /// The canary's values are lower.
    Low,
    /// A group had no values.
    Nodata,
}

/// What the judge is told about a metric.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricSpec {
    /// Its name, as reported.
    pub name: String,
    /// Which change counts against the canary.
    pub direction: Direction,
    /// A failure of this metric fails the whole analysis.
    pub critical: bool,
}

/// The classifier's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classifier {
    /// Confidence level of the shift's interval (Kayenta: 0.98).
    pub confidence: f64,
    /// Fraction of the estimated shift the interval must clear (Kayenta: 0.25).
    pub tolerance: f64,
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier {
            confidence: 0.98,
            tolerance: 0.25,
        }
    }
}

/// The score thresholds (Kayenta's defaults in Spinnaker: 95 and 75).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Scores at or above pass.
    pub pass: f64,
    /// Scores at or above (and below `pass`) are marginal; below, fail.
    pub marginal: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pass: 95.0,
            marginal: 75.0,
        }
    }
}

/// The analysis's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Promote (or go on to the next step).
    Pass,
    /// Not bad enough to stop, not good enough to promote.
    Marginal,
    /// Roll back.
    Fail,
}

/// One metric's result, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricResult {
    /// The metric's name.
    pub name: String,
    /// Its classification.
    pub class: Class,
    /// Values compared (after cleaning), baseline and canary.
    pub n_baseline: usize,
    /// Canary values compared.
    pub n_canary: usize,
    /// Mean of the baseline's values.
    pub baseline_mean: Option<f64>,
    /// Mean of the canary's values.
    pub canary_mean: Option<f64>,
    /// Mann–Whitney U of the canary's values against the baseline's.
    pub u: Option<f64>,
    /// Its two-sided p-value (SciPy's).
    pub p_value: Option<f64>,
    /// The estimated shift canary − baseline (Hodges–Lehmann).
    pub shift: Option<f64>,
    /// The shift's interval at the classifier's confidence.
    pub shift_interval: Option<[f64; 2]>,
}

/// A whole analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Judgement {
    /// 0 to 100.
    pub score: f64,
    /// What to do.
    pub verdict: Verdict,
    /// Per metric, in the order given.
    pub metrics: Vec<MetricResult>,
}

fn finite(v: &[f64]) -> Vec<f64> {
    v.iter().copied().filter(|x| x.is_finite()).collect()
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Classifies one metric from its baseline and canary values.
pub fn classify(
    name: &str,
    baseline: &[f64],
    canary: &[f64],
    direction: Direction,
    c: Classifier,
) -> MetricResult {
    let (b, k) = (finite(baseline), finite(canary));
    let mut r = MetricResult {
        name: name.to_string(),
        class: Class::Pass,
        n_baseline: b.len(),
        n_canary: k.len(),
        baseline_mean: mean(&b),
        canary_mean: mean(&k),
        u: None,
        p_value: None,
        shift: None,
        shift_interval: None,
    };
    if b.is_empty() || k.is_empty() {
        r.class = Class::Nodata;
        return r;
    }
    let t = mann_whitney::u_test(&k, &b);
    r.u = Some(t.u);
    r.p_value = Some(t.p_value);
    if b == k {
        return r;
    }
    let Some(s) = mann_whitney::shift(&k, &b, c.confidence) else {
        return r;
    };
    r.shift = Some(s.estimate);
    r.shift_interval = Some([s.low, s.high]);
    let bound = c.tolerance * s.estimate.abs();
    let up = matches!(direction, Direction::Increase | Direction::Either);
    let down = matches!(direction, Direction::Decrease | Direction::Either);
    if up && s.low > bound {
        r.class = Class::High;
    } else if down && s.high < -bound {
        r.class = Class::Low;
    }
    r
}

/// The score of classified metrics: passing ÷ those with data × 100, or 0
/// when a critical metric did not pass or none had data.
pub fn score(specs: &[MetricSpec], results: &[MetricResult]) -> f64 {
    let critical_failed = specs
        .iter()
        .zip(results)
        .any(|(s, r)| s.critical && r.class != Class::Pass);
    let with_data = results.iter().filter(|r| r.class != Class::Nodata).count();
    if critical_failed || with_data == 0 {
        return 0.0;
    }
    let passed = results.iter().filter(|r| r.class == Class::Pass).count();
    passed as f64 / with_data as f64 * 100.0
}

/// The verdict on a score.
pub fn verdict(score: f64, t: Thresholds) -> Verdict {
    if score >= t.pass {
        Verdict::Pass
    } else if score >= t.marginal {
        Verdict::Marginal
    } else {
        Verdict::Fail
    }
}

/// Judges a canary: `samples[i]` holds the baseline's and the canary's values
/// of `metrics[i]`.
pub fn judge(
    metrics: &[MetricSpec],
    samples: &[(&[f64], &[f64])],
    c: Classifier,
    t: Thresholds,
) -> Judgement {
    assert_eq!(
        metrics.len(),
        samples.len(),
        "one pair of samples per metric"
    );
    let results: Vec<MetricResult> = metrics
        .iter()
        .zip(samples)
        .map(|(m, (b, k))| classify(&m.name, b, k, m.direction, c))
        .collect();
    let score = score(metrics, &results);
    Judgement {
        score,
        verdict: verdict(score, t),
        metrics: results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, critical: bool) -> MetricSpec {
        MetricSpec {
            name: name.into(),
            direction: Direction::Increase,
            critical,
        }
    }

    /// Samples that differ only by a shift of `d`: a fixed, irregular pattern.
    fn pattern(n: usize, d: f64) -> Vec<f64> {
        (0..n).map(|i| ((i * 37) % 23) as f64 + d).collect()
    }

    #[test]
    fn a_clear_rise_is_high_and_only_counts_in_its_direction() {
        let (b, k) = (pattern(30, 0.0), pattern(30, 10.0));
        let c = Classifier::default();
        assert_eq!(
            classify("e", &b, &k, Direction::Increase, c).class,
            Class::High
        );
        assert_eq!(
            classify("e", &b, &k, Direction::Either, c).class,
            Class::High
        );
        assert_eq!(
            classify("e", &b, &k, Direction::Decrease, c).class,
            Class::Pass
        );
        assert_eq!(
            classify("e", &k, &b, Direction::Decrease, c).class,
            Class::Low
        );
        assert_eq!(
            classify("e", &k, &b, Direction::Increase, c).class,
            Class::Pass
        );
    }

    #[test]
    fn a_shift_within_the_noise_passes() {
        let (b, k) = (pattern(30, 0.0), pattern(30, 0.5));
        let r = classify("e", &b, &k, Direction::Either, Classifier::default());
        assert_eq!(r.class, Class::Pass, "{r:?}");
        let [lo, hi] = r.shift_interval.unwrap();
        assert!(lo < 0.0 && hi > 0.0, "{r:?}");
    }

    #[test]
    fn missing_values_are_nodata_and_nans_are_dropped() {
        let c = Classifier::default();
        let r = classify("e", &[f64::NAN, f64::NAN], &[1.0], Direction::Increase, c);
        assert_eq!(r.class, Class::Nodata);
        let r = classify(
            "e",
            &[0.0, f64::NAN, 0.0],
            &[0.0, 0.0],
            Direction::Increase,
            c,
        );
        assert_eq!((r.class, r.n_baseline), (Class::Pass, 2));
    }

    #[test]
    fn all_tied_values_pass() {
        let r = classify(
            "e",
            &[0.0; 10],
            &[0.0; 7],
            Direction::Increase,
            Classifier::default(),
        );
        assert_eq!(r.class, Class::Pass);
        assert_eq!(r.p_value, Some(1.0));
        assert_eq!(r.shift, None);
    }

    /// Zero errors at the baseline, errors at most steps of the canary: the
    /// shape of a 20 % defect's error rate.
    #[test]
    fn a_defect_on_a_zero_baseline_is_high() {
        let b = vec![0.0; 20];
        let k: Vec<f64> = (0..20)
            .map(|i| if i % 5 == 0 { 0.0 } else { 0.2 })
            .collect();
        let r = classify("errors", &b, &k, Direction::Increase, Classifier::default());
        assert_eq!(r.class, Class::High, "{r:?}");
    }

    #[test]
    fn scores_and_verdicts_follow_kayenta() {
        let t = Thresholds::default();
        let r = |class| MetricResult {
            name: String::new(),
            class,
            n_baseline: 1,
            n_canary: 1,
            baseline_mean: None,
            canary_mean: None,
            u: None,
            p_value: None,
            shift: None,
            shift_interval: None,
        };
        let specs = [
            spec("a", false),
            spec("b", false),
            spec("c", false),
            spec("d", false),
        ];
        let four = [
            r(Class::Pass),
            r(Class::Pass),
            r(Class::Pass),
            r(Class::High),
        ];
        assert_eq!(score(&specs, &four), 75.0);
        assert_eq!(verdict(75.0, t), Verdict::Marginal);
        assert_eq!(verdict(74.9, t), Verdict::Fail);
        assert_eq!(verdict(95.0, t), Verdict::Pass);
        // Nodata is left out of the count.
        let some = [
            r(Class::Pass),
            r(Class::Nodata),
            r(Class::Pass),
            r(Class::Pass),
        ];
        assert_eq!(score(&specs, &some), 100.0);
        let none = [
            r(Class::Nodata),
            r(Class::Nodata),
            r(Class::Nodata),
            r(Class::Nodata),
        ];
        assert_eq!(score(&specs, &none), 0.0);
        // A critical failure zeroes the score.
        let specs = [
            spec("a", true),
            spec("b", false),
            spec("c", false),
            spec("d", false),
        ];
        let crit = [
            r(Class::High),
            r(Class::Pass),
            r(Class::Pass),
            r(Class::Pass),
        ];
        assert_eq!(score(&specs, &crit), 0.0);
    }

    #[test]
    fn judge_puts_it_together() {
        let (b, k) = (pattern(30, 0.0), pattern(30, 10.0));
        let metrics = [spec("latency", false), spec("errors", false)];
        let j = judge(
            &metrics,
            &[(&b, &k), (&b, &b)],
            Classifier::default(),
            Thresholds::default(),
        );
        assert_eq!(j.score, 50.0);
        assert_eq!(j.verdict, Verdict::Fail);
        assert_eq!(j.metrics[0].class, Class::High);
        assert_eq!(j.metrics[1].class, Class::Pass);
    }
}
