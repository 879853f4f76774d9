//! Checks an architecture needs beyond its JSON shape: names unique and known,
//! numbers in range, and no sizes so absurd that building them would exhaust memory.

use std::collections::BTreeMap;

use super::spec::{ArchSpec, DistSpec};
use crate::error::{breaks_text, did_you_mean, num, quoted, InputError};

/// Upper bounds on what one simulation may ask for; refused before memory is spent.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Instances in the whole topology after scaling.
    pub max_instances: u64,
    /// Regions after `--regions`.
    pub max_regions: u64,
    /// Zones per region (zoneA..zoneZ).
    pub max_zones: u32,
    /// Requests per second per entry point.
    pub max_rate: f64,
    /// Calls of one dependency per request.
    pub max_calls: u32,
    /// Any latency or service time, in ms (one day); service-time draws are capped at it.
    pub max_ms: f64,
    /// Values or bins of one empirical distribution (bounds the memory a file
    /// can ask for: 100,000 values are 0.8 MB).
    pub max_empirical: usize,
}

/// The limits in force.
pub const LIMITS: Limits = Limits {
    max_instances: 10_000_000,
    max_regions: 100,
    max_zones: 26,
    max_rate: 10_000_000.0,
    max_calls: 100,
    max_ms: 86_400_000.0,
    max_empirical: 100_000,
};

/// Longest architecture or service name, in characters.
pub const MAX_NAME: usize = 100;

/// Validates a parsed architecture; the first problem found is returned.
pub fn validate(spec: &ArchSpec) -> Result<(), InputError> {
    // The name titles the table, the charts, the report and every export, and
    // starts every instance name: dots and slashes are fine (spigo's own files
    // have them, and every export escapes what its format needs), but control
    // characters are not (a terminal obeys them; XML has no way to write them).
    if spec.arch.chars().any(breaks_text) || spec.arch.chars().count() > MAX_NAME {
        return Err(InputError::at("arch", format!("bad architecture name {}.", quoted(&spec.arch)))
            .hint("use a name of at most 100 characters without control characters, bidirectional overrides or line separators (terminals obey them, and SVG and XML cannot hold them)."));
    }
    if spec.services.is_empty() {
        return Err(InputError::at("services", "the architecture has no services.")
            .hint("add at least one service, e.g. {\"name\": \"web\", \"package\": \"karyon\", \"count\": 3}"));
    }
    if spec.zones == 0 || spec.zones > LIMITS.max_zones {
        return Err(InputError::at(
            "zones",
            format!("zones is {}, outside 1..={}.", spec.zones, LIMITS.max_zones),
        )
        .hint("use 3, as AWS regions have."));
    }
    crate::traffic::check("traffic", &spec.traffic)?;
    check_range(
        "network.same_zone",
        spec.network.same_zone,
        0.0,
        LIMITS.max_ms,
        "ms",
    )?;
    check_range(
        "network.cross_zone",
        spec.network.cross_zone,
        0.0,
        LIMITS.max_ms,
        "ms",
    )?;
    check_range(
        "network.cross_region",
        spec.network.cross_region,
        0.0,
        LIMITS.max_ms,
        "ms",
    )?;

    if let Some(a) = spec.zone_availability {
        if !(a > 0.0 && a <= 1.0) {
            return Err(InputError::at(
                "zone_availability",
                format!("zone_availability is {}, outside (0, 1].", num(a)),
            )
            .hint("write a fraction, e.g. 0.9995 for a zone down about 4.4 hours a year."));
        }
    }
    if let Some(p) = spec.price_per_hour {
        super::check_price("price_per_hour", p)?;
    }
    if let Some(m) = spec.zone_mttr_h {
        check_range("zone_mttr_h", m, f64::MIN_POSITIVE, MAX_HOURS, "hours")?;
    }

    let mut names: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, s) in spec.services.iter().enumerate() {
        let at = |key: &str| format!("services[{i}] \"{}\".{key}", s.name);
        if s.name.is_empty()
            || s.name.contains(['.', ' ', '/', '"', '<', '>', '&'])
            || s.name.chars().any(breaks_text)
            || s.name.chars().count() > MAX_NAME
        {
            return Err(InputError::at(format!("services[{i}].name"), format!("bad service name {}.", quoted(&s.name)))
                .hint("use a short non-empty name without dots, spaces, slashes, quotes, angle brackets, ampersands or control characters (dots separate parts of instance names; the others break the exports)."));
        }
        if s.name == "eureka" {
            return Err(InputError::at(
                at("name"),
                "\"eureka\" is reserved for service discovery.",
            )
            .hint("rename the service."));
        }
        if let Some(first) = names.insert(&s.name, i) {
            return Err(InputError::at(
                at("name"),
                format!(
                    "duplicate service name \"{}\" (also services[{first}]).",
                    s.name
                ),
            )
            .hint("give each service a unique name, or merge the two entries."));
        }
        if s.count < 0 {
            return Err(InputError::at(at("count"), format!("count is {}, which is negative.", s.count))
                .hint("use 0 for one regional node (a load balancer) or a positive number of instances per region."));
        }
        if s.count as u64 > LIMITS.max_instances {
            return Err(InputError::at(
                at("count"),
                format!(
                    "count is {}, more than the {} instances microsim can build.",
                    s.count, LIMITS.max_instances
                ),
            )
            .hint("use a smaller count; the scale option grows an architecture proportionally."));
        }
        if let Some(r) = s.regions {
            if r < 0 || r as u64 > LIMITS.max_regions {
                return Err(InputError::at(
                    at("regions"),
                    format!("regions is {r}, outside 0..={}.", LIMITS.max_regions),
                )
                .hint("use 1 (one region; the regions option multiplies it) or 0 for one global node."));
            }
        }
        if let Some(d) = &s.service_time {
            check_dist(&at("service_time"), d)?;
        }
        if let Some(a) = &s.autoscale {
            a.check(&at("autoscale"), s)?;
        }
        if let Some(v) = &s.versions {
            super::check_versions(&at("versions"), s, v)?;
        }
        if let Some(p) = s.price_per_hour {
            super::check_price(&at("price_per_hour"), p)?;
        }
        if let Some(t) = &s.traffic {
            crate::traffic::check(&at("traffic"), t)?;
        }
        if s.concurrency == Some(0) {
            return Err(InputError::at(
                at("concurrency"),
                "concurrency is 0, so no request could ever run.",
            )
            .hint("use 1 or more workers, or remove the key for unlimited."));
        }
        if let Some(a) = s.availability {
            if !(a > 0.0 && a <= 1.0) {
                return Err(InputError::at(
                    at("availability"),
                    format!("availability is {}, outside (0, 1].", num(a)),
                )
                .hint("write a fraction, e.g. 0.9999 for four nines."));
            }
        }
        if let Some(m) = s.mtbf_h {
            if s.availability.is_some() {
                return Err(InputError::at(
                    at("mtbf_h"),
                    "both availability and mtbf_h are given; they say the same thing twice.",
                )
                .hint("keep one: availability, or mtbf_h with mttr_h (availability = MTBF / (MTBF + MTTR))."));
            }
            check_range(&at("mtbf_h"), m, f64::MIN_POSITIVE, MAX_HOURS, "hours")?;
        }
        if let Some(m) = s.mttr_h {
            check_range(&at("mttr_h"), m, f64::MIN_POSITIVE, MAX_HOURS, "hours")?;
        }
        if let Some(q) = s.quorum {
            let n = s.count.max(1) as u64;
            if q == 0 || u64::from(q) > n {
                return Err(InputError::at(
                    at("quorum"),
                    format!("quorum is {q} but the service has {n} instance(s) per region."),
                )
                .hint(format!("use a quorum between 1 and {n}.")));
            }
        }
        if s.replicas.is_some_and(|r| r > LIMITS.max_calls) {
            return Err(InputError::at(
                at("replicas"),
                format!(
                    "replicas is {}, more than {}.",
                    s.replicas.unwrap_or(0),
                    LIMITS.max_calls
                ),
            )
            .hint("use a small replication factor, e.g. 2 for three copies."));
        }
        if s.dependencies.as_ref().is_some_and(|d| d.len() > 1000) {
            return Err(
                InputError::at(at("dependencies"), "more than 1000 dependencies.")
                    .hint("split the service; no real service calls that many others per request."),
            );
        }
        if let Some(h) = s.hit_rate {
            check_range(&at("hit_rate"), h, 0.0, 1.0, "(a fraction)")?;
        }
        super::state::check_service(i, s)?;
        super::replication::check_service(i, s)?;
    }

    for (i, s) in spec.services.iter().enumerate() {
        for (j, d) in s.dependencies.iter().flatten().enumerate() {
            let at = format!("services[{i}] \"{}\".dependencies[{j}]", s.name);
            let target = d.service();
            if target != "eureka" && !names.contains_key(target) {
                let mut e = InputError::at(
                    &at,
                    format!(
                        "\"{}\" depends on {}, which is not a service of this architecture.",
                        s.name,
                        quoted(target)
                    ),
                );
                e = match did_you_mean(target, names.keys().copied()) {
                    Some(best) => e.hint(format!("did you mean \"{best}\"?")),
                    None => e.hint(format!(
                        "add a service named {} or remove the dependency.",
                        quoted(target)
                    )),
                };
                return Err(e);
            }
            let o = d.options();
            check_range(
                &format!("{at}.probability"),
                o.probability,
                0.0,
                1.0,
                "(a fraction)",
            )?;
            check_range(
                &format!("{at}.weight"),
                o.weight,
                0.0,
                1e9,
                "(a relative share)",
            )?;
            if o.calls == 0 || o.calls > LIMITS.max_calls {
                return Err(InputError::at(
                    format!("{at}.calls"),
                    format!("calls is {}, outside 1..={}.", o.calls, LIMITS.max_calls),
                )
                .hint(
                    "use probability 0 to skip a call, or a small number of calls per request.",
                ));
            }
            super::check_policy(&at, &o)?;
        }
        super::check_waiting(i, s)?;
    }

    super::versions::check_versioned_services(spec)?;

    if let Some(v) = spec.victim.as_deref().filter(|v| !v.is_empty()) {
        if !names.contains_key(v) {
            let mut e = InputError::at(
                "victim",
                format!(
                    "the victim {} is not a service of this architecture.",
                    quoted(v)
                ),
            );
            if let Some(best) = did_you_mean(v, names.keys().copied()) {
                e = e.hint(format!("did you mean \"{best}\"?"));
            } else {
                e = e.hint("name an existing service, or use \"\" for no victim.");
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Longest MTBF or MTTR accepted, in hours (a thousand years): beyond it the
/// Monte Carlo clock (integer milliseconds) would not see a single failure.
const MAX_HOURS: f64 = 1000.0 * 8766.0;

fn check_range(at: &str, v: f64, lo: f64, hi: f64, unit: &str) -> Result<(), InputError> {
    if v.is_finite() && v >= lo && v <= hi {
        return Ok(());
    }
    let lo_s = if lo == f64::MIN_POSITIVE {
        "more than 0".to_string()
    } else {
        format!("at least {}", num(lo))
    };
    Err(InputError::at(
        at,
        format!(
            "{} is out of range: it must be {lo_s} and at most {} {unit}.",
            num(v),
            num(hi)
        ),
    )
    .hint("change the value to a sensible one."))
}

pub(super) fn check_dist(at: &str, d: &DistSpec) -> Result<(), InputError> {
    let max = LIMITS.max_ms;
    let key = |k: &str| format!("{at}.{k}");
    let positive_ms = |k: &str, v: f64| check_range(&key(k), v, f64::MIN_POSITIVE, max, "ms");
    match *d {
        DistSpec::Constant { mean_ms } => check_range(&key("mean_ms"), mean_ms, 0.0, max, "ms"),
        DistSpec::Exponential { mean_ms } => positive_ms("mean_ms", mean_ms),
        DistSpec::Lognormal { mean_ms, sigma } => {
            positive_ms("mean_ms", mean_ms)?;
            check_range(&key("sigma"), sigma, 0.0, 5.0, "")
        }
        DistSpec::Uniform { min_ms, max_ms } => {
            check_range(&key("min_ms"), min_ms, 0.0, max, "ms")?;
            check_range(
                &key("max_ms"),
                max_ms,
                min_ms,
                max,
                "ms (and not below min_ms)",
            )
        }
        DistSpec::Gamma { mean_ms, shape } => {
            positive_ms("mean_ms", mean_ms)?;
            check_shape(&key("shape"), shape, 0.01, 10_000.0)
        }
        DistSpec::Weibull { mean_ms, shape } => {
            positive_ms("mean_ms", mean_ms)?;
            check_shape(&key("shape"), shape, 0.1, 1000.0)
        }
        DistSpec::Pareto { min_ms, alpha } => {
            positive_ms("min_ms", min_ms)?;
            if alpha.is_finite() && alpha > 1.0 && alpha <= 1000.0 {
                return Ok(());
            }
            let why = if alpha.is_finite() && alpha <= 1.0 {
                format!("alpha is {}: at 1 or below, a Pareto distribution's mean is infinite, so no latency figure would settle.", num(alpha))
            } else {
                format!("alpha is {}, outside (1, 1000].", num(alpha))
            };
            Err(InputError::at(key("alpha"), why).hint(
                "use an alpha above 1, e.g. 2.5 for a heavy tail with a finite mean (above 2 the variance is finite too).",
            ))
        }
        DistSpec::Empirical {
            ref samples_ms,
            ref histogram,
            min_ms,
        } => match (samples_ms, histogram) {
            (Some(_), Some(_)) => Err(InputError::at(
                at,
                "both samples_ms and histogram are given; an empirical distribution is one or the other.",
            )
            .hint("keep samples_ms (a list of observed values) or histogram ([[upper_ms, count], ...]).")),
            (None, None) => Err(InputError::at(at, "an empirical distribution needs its data.")
                .hint("add \"samples_ms\": [1.2, 0.8, 3.5] (observed values) or \"histogram\": [[1, 50], [5, 40], [20, 10]] (bins [upper_ms, count]).")),
            (Some(v), None) => {
                if min_ms.is_some() {
                    return Err(InputError::at(key("min_ms"), "min_ms belongs to a histogram; a list of samples has no bins.")
                        .hint("remove min_ms; the smallest sample is the smallest value drawn."));
                }
                check_len(&key("samples_ms"), v.len(), "values")?;
                for (i, &x) in v.iter().enumerate() {
                    check_range(&format!("{at}.samples_ms[{i}]"), x, 0.0, max, "ms")?;
                }
                Ok(())
            }
            (None, Some(bins)) => {
                let lo = min_ms.unwrap_or(0.0);
                check_range(&key("min_ms"), lo, 0.0, max, "ms")?;
                check_len(&key("histogram"), bins.len(), "bins")?;
                let mut below = lo;
                let mut total: u64 = 0;
                for (i, &(upper, count)) in bins.iter().enumerate() {
                    let here = format!("{at}.histogram[{i}]");
                    check_range(&format!("{here}[0]"), upper, 0.0, max, "ms")?;
                    if upper <= below {
                        let what = if i == 0 { "min_ms" } else { "the previous bin's upper bound" };
                        return Err(InputError::at(
                            format!("{here}[0]"),
                            format!("the upper bound {} ms is not above {what} ({} ms); bins must be increasing.", num(upper), num(below)),
                        )
                        .hint("sort the bins by upper bound and merge bins with the same bound (each bin spans from the previous upper bound, or min_ms, to its own)."));
                    }
                    below = upper;
                    // Whole numbers up to 2^53 are exact in f64 and in u64.
                    if !((0.0..=MAX_COUNT).contains(&count) && count.fract() == 0.0) {
                        return Err(InputError::at(
                            format!("{here}[1]"),
                            format!("the count {} is not a whole number from 0 to 2^53.", num(count)),
                        )
                        .hint("give the number of observations in the bin; only the counts' proportions matter, so scale percentages to whole numbers."));
                    }
                    total = total.checked_add(count as u64).ok_or_else(|| {
                        InputError::at(&here, "the counts add up to more than 2^64.")
                            .hint("divide every count by the same factor; only their proportions matter.")
                    })?;
                }
                if total == 0 {
                    return Err(InputError::at(key("histogram"), "every count is 0, so no bin can be drawn.")
                        .hint("give the bins the numbers of observations they held."));
                }
                Ok(())
            }
        },
    }
}

/// Largest histogram count: 2^53, the last whole number exact in f64.
const MAX_COUNT: f64 = 9_007_199_254_740_992.0;

fn check_shape(at: &str, v: f64, lo: f64, hi: f64) -> Result<(), InputError> {
    if v.is_finite() && v >= lo && v <= hi {
        return Ok(());
    }
    Err(InputError::at(at, format!("shape is {}, outside [{lo}, {hi}].", num(v))).hint(format!(
        "use a shape from {lo} to {hi}: 1 is the exponential, below 1 is more variable, above 1 less; outside the range draws degenerate (almost all near 0 ns, or a constant)."
    )))
}

fn check_len(at: &str, n: usize, what: &str) -> Result<(), InputError> {
    if n == 0 {
        return Err(
            InputError::at(at, format!("the list of {what} is empty.")).hint(
                "give at least one; for a fixed time use {\"dist\": \"constant\", \"mean_ms\": 1}.",
            ),
        );
    }
    if n > LIMITS.max_empirical {
        return Err(InputError::at(
            at,
            format!(
                "{n} {what}, more than the {} accepted.",
                LIMITS.max_empirical
            ),
        )
        .hint("summarise the measurements as a histogram, or keep a random subset."));
    }
    Ok(())
}

#[cfg(test)]
mod dist_tests;

#[cfg(test)]
mod text_tests;

#[cfg(test)]
mod tests {
    use crate::model::{load_arch, parse_arch};

    fn err(text: &str) -> String {
        load_arch(text).unwrap_err().to_string()
    }

    #[test]
    fn accepts_a_minimal_file_with_the_documented_defaults() {
        let a = load_arch(r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1}]}"#)
            .unwrap();
        assert_eq!((a.arch.as_str(), a.zones), ("x", 3));
        assert_eq!(
            (a.traffic.rate(), a.traffic.arrival()),
            (100.0, crate::model::Arrival::Poisson)
        );
        assert_eq!(
            (
                a.network.same_zone,
                a.network.cross_zone,
                a.network.cross_region
            ),
            (0.2, 1.0, 70.0)
        );
        let s = &a.services[0];
        assert_eq!(
            (s.name.as_str(), s.package, s.count),
            ("a", crate::model::Package::Karyon, 1)
        );
        assert!(s.dependencies.is_none() && s.service_time.is_none() && s.regions.is_none());
        assert!(s.concurrency.is_none() && s.queue.is_none() && s.availability.is_none());
    }

    #[test]
    fn refuses_negative_and_absurd_counts() {
        let e = err(r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":-3}]}"#);
        assert!(e.contains("count is -3") && e.contains("Fix:"), "{e}");
        let e = err(
            r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1000000000000}]}"#,
        );
        assert!(e.contains("more than the 10000000 instances"), "{e}");
    }

    #[test]
    fn refuses_names_that_break_exports() {
        for bad in ["a\\u0007b", "a<b", "a\\\"b", "a.b", ""] {
            let e = err(&format!(
                r#"{{"arch":"x","services":[{{"name":"{bad}","package":"karyon","count":1}}]}}"#
            ));
            assert!(e.contains("bad service name"), "{bad}: {e}");
        }
    }

    #[test]
    fn refuses_duplicates_and_missing_dependencies() {
        let e = err(
            r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1},{"name":"a","package":"karyon","count":1}]}"#,
        );
        assert!(e.contains("duplicate service name \"a\""), "{e}");
        let e = err(
            r#"{"arch":"x","services":[{"name":"web","package":"karyon","count":1,"dependencies":["dbb"]},{"name":"db","package":"store","count":1}]}"#,
        );
        assert!(
            e.contains("\"dbb\"") && e.contains("did you mean \"db\""),
            "{e}"
        );
    }

    #[test]
    fn refuses_out_of_range_options() {
        for (frag, want) in [
            (r#""availability":1.5"#, "availability is 1.5"),
            (r#""quorum":3"#, "quorum is 3"),
            (r#""availability":0"#, "availability is 0"),
            (
                r#""availability":0.9,"mtbf_h":100"#,
                "both availability and mtbf_h",
            ),
            (r#""mttr_h":-1"#, "mttr_h"),
            (r#""concurrency":0"#, "concurrency is 0"),
            (
                r#""service_time":{"dist":"exponential","mean_ms":-1}"#,
                "service_time.mean_ms",
            ),
            (
                r#""dependencies":[{"service":"a","probability":2}]"#,
                "probability",
            ),
        ] {
            let text = format!(
                r#"{{"arch":"x","services":[{{"name":"a","package":"store","count":2,{frag}}}]}}"#
            );
            assert!(parse_arch(&text).is_ok(), "{text}");
            let e = err(&text);
            assert!(e.contains(want), "{frag}: {e}");
        }
    }

    #[test]
    fn refuses_unknown_victim() {
        let e = err(
            r#"{"arch":"x","victim":"b","services":[{"name":"a","package":"karyon","count":1}]}"#,
        );
        assert!(e.contains("victim \"b\""), "{e}");
    }
}
