//! The service-time distributions of the file format: every form parses and
//! compiles, every bad value is refused with its JSON path and a fix.

use crate::model::{load_arch, parse_arch};

fn err(text: &str) -> String {
    load_arch(text).unwrap_err().to_string()
}

fn with_time(dist: &str) -> String {
    format!(
        r#"{{"arch":"x","services":[{{"name":"a","package":"karyon","count":1,"service_time":{dist}}}]}}"#
    )
}

#[test]
fn every_distribution_parses_and_compiles() {
    use crate::dist::Dist;
    for (dist, mean_ms) in [
        (r#"{"dist":"constant","mean_ms":2}"#, 2.0),
        (r#"{"dist":"exponential","mean_ms":2}"#, 2.0),
        (r#"{"dist":"lognormal","mean_ms":2}"#, 2.0),
        (r#"{"dist":"uniform","min_ms":1,"max_ms":3}"#, 2.0),
        (r#"{"dist":"gamma","mean_ms":2,"shape":0.5}"#, 2.0),
        (r#"{"dist":"weibull","mean_ms":2,"shape":1.5}"#, 2.0),
        (r#"{"dist":"pareto","min_ms":1,"alpha":2}"#, 2.0),
        (r#"{"dist":"empirical","samples_ms":[1,3,2,2]}"#, 2.0),
        (r#"{"dist":"empirical","histogram":[[2,1],[3,1]]}"#, 1.75),
        (
            r#"{"dist":"empirical","min_ms":1,"histogram":[[2,1],[3,1]]}"#,
            2.0,
        ),
    ] {
        let spec = load_arch(&with_time(dist)).unwrap_or_else(|e| panic!("{dist}: {e}"));
        let d = Dist::from_spec(spec.services[0].service_time.as_ref().unwrap());
        assert!(
            (d.mean() - mean_ms * 1e6).abs() < 1e-3,
            "{dist}: {}",
            d.mean()
        );
        // The file format round-trips through serde.
        let back = serde_json::to_string(spec.services[0].service_time.as_ref().unwrap());
        load_arch(&with_time(&back.unwrap())).unwrap();
    }
}

#[test]
fn refuses_bad_distributions_naming_the_value() {
    let many = |n: usize, f: &dyn Fn(usize) -> String| (0..n).map(f).collect::<Vec<_>>().join(",");
    let too_many_samples = format!(
        r#"{{"dist":"empirical","samples_ms":[{}]}}"#,
        many(100_001, &|_| "1".into())
    );
    let too_many_bins = format!(
        r#"{{"dist":"empirical","histogram":[{}]}}"#,
        many(100_001, &|i| format!("[{},1]", i + 1))
    );
    let at = "services[0] \"a\".service_time";
    for (dist, path, want) in [
        (
            r#"{"dist":"gamma","mean_ms":2,"shape":0}"#,
            ".shape",
            "shape is 0",
        ),
        (
            r#"{"dist":"gamma","mean_ms":2,"shape":1e9}"#,
            ".shape",
            "outside [0.01, 10000]",
        ),
        (
            r#"{"dist":"gamma","mean_ms":-2,"shape":2}"#,
            ".mean_ms",
            "must be more than 0",
        ),
        (
            r#"{"dist":"gamma","mean_ms":1e9,"shape":2}"#,
            ".mean_ms",
            "at most 86400000",
        ),
        (
            r#"{"dist":"weibull","mean_ms":2,"shape":0.05}"#,
            ".shape",
            "outside [0.1, 1000]",
        ),
        (
            r#"{"dist":"weibull","mean_ms":0,"shape":2}"#,
            ".mean_ms",
            "must be more than 0",
        ),
        (
            r#"{"dist":"pareto","min_ms":1,"alpha":1}"#,
            ".alpha",
            "mean is infinite",
        ),
        (
            r#"{"dist":"pareto","min_ms":1,"alpha":0.5}"#,
            ".alpha",
            "mean is infinite",
        ),
        (
            r#"{"dist":"pareto","min_ms":1,"alpha":5000}"#,
            ".alpha",
            "outside (1, 1000]",
        ),
        (
            r#"{"dist":"pareto","min_ms":0,"alpha":2}"#,
            ".min_ms",
            "must be more than 0",
        ),
        (r#"{"dist":"empirical"}"#, "", "needs its data"),
        (
            r#"{"dist":"empirical","samples_ms":[1],"histogram":[[1,1]]}"#,
            "",
            "both samples_ms and histogram",
        ),
        (
            r#"{"dist":"empirical","samples_ms":[]}"#,
            ".samples_ms",
            "is empty",
        ),
        (
            r#"{"dist":"empirical","samples_ms":[1,-2]}"#,
            ".samples_ms[1]",
            "-2 is out of range",
        ),
        (
            r#"{"dist":"empirical","samples_ms":[1,1e12]}"#,
            ".samples_ms[1]",
            "at most 86400000",
        ),
        (&too_many_samples, ".samples_ms", "more than the 100000"),
        (
            r#"{"dist":"empirical","samples_ms":[1],"min_ms":0}"#,
            ".min_ms",
            "belongs to a histogram",
        ),
        (
            r#"{"dist":"empirical","histogram":[]}"#,
            ".histogram",
            "is empty",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1,0],[2,0]]}"#,
            ".histogram",
            "every count is 0",
        ),
        (
            r#"{"dist":"empirical","histogram":[[2,1],[1,1]]}"#,
            ".histogram[1][0]",
            "not above the previous bin's upper bound (2 ms)",
        ),
        (
            r#"{"dist":"empirical","histogram":[[2,1],[2,1]]}"#,
            ".histogram[1][0]",
            "bins must be increasing",
        ),
        (
            r#"{"dist":"empirical","histogram":[[0,1]]}"#,
            ".histogram[0][0]",
            "not above min_ms (0 ms)",
        ),
        (
            r#"{"dist":"empirical","min_ms":5,"histogram":[[3,1]]}"#,
            ".histogram[0][0]",
            "not above min_ms (5 ms)",
        ),
        (
            r#"{"dist":"empirical","min_ms":-1,"histogram":[[3,1]]}"#,
            ".min_ms",
            "-1 is out of range",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1e12,1]]}"#,
            ".histogram[0][0]",
            "at most 86400000",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1,-1]]}"#,
            ".histogram[0][1]",
            "count -1 is not a whole number",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1,1.5]]}"#,
            ".histogram[0][1]",
            "count 1.5 is not a whole number",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1,1e16]]}"#,
            ".histogram[0][1]",
            "from 0 to 2^53",
        ),
        (
            &format!(
                r#"{{"dist":"empirical","histogram":[{}]}}"#,
                many(2049, &|i| format!("[{},9007199254740992]", i + 1))
            ),
            ".histogram[2047]",
            "more than 2^64",
        ),
        (&too_many_bins, ".histogram", "more than the 100000"),
    ] {
        let text = with_time(dist);
        assert!(parse_arch(&text).is_ok(), "{dist}");
        let e = err(&text);
        let short = &dist[..dist.len().min(80)];
        assert!(e.starts_with(&format!("at {at}{path}: ")), "{short}: {e}");
        assert!(e.contains(want) && e.contains("Fix:"), "{short}: {e}");
    }
}

#[test]
fn refuses_malformed_distributions_while_parsing() {
    for (dist, want) in [
        (r#"{"dist":"gamma","mean_ms":2}"#, "missing field `shape`"),
        (
            r#"{"dist":"weibull","mean_ms":2,"shap":2}"#,
            "unknown field `shap`",
        ),
        (r#"{"dist":"pareto","alpha":2}"#, "missing field `min_ms`"),
        (
            r#"{"dist":"empirical","histogram":[[1]]}"#,
            "each histogram bin as a pair [upper_ms, count]",
        ),
        (
            r#"{"dist":"empirical","histogram":[[1,"a"]]}"#,
            "services[0].service_time",
        ),
        (
            r#"{"dist":"empirical","samples_ms":"1,2"}"#,
            "services[0].service_time",
        ),
        (r#"{"dist":"zipf","mean_ms":2}"#, "unknown variant `zipf`"),
    ] {
        let e = parse_arch(&with_time(dist)).unwrap_err().to_string();
        assert!(e.contains(want), "{dist}: {e}");
    }
}

#[test]
fn the_schema_publishes_every_distribution() {
    let schema = crate::arch_schema().to_string();
    for key in [
        "\"gamma\"",
        "\"weibull\"",
        "\"pareto\"",
        "\"empirical\"",
        "\"samples_ms\"",
        "\"histogram\"",
        "\"alpha\"",
        "\"shape\"",
    ] {
        assert!(schema.contains(key), "{key} missing from the schema");
    }
}
