//! Sweeps expanded, run and reduced: the order and ids of runs, a job's row
//! wherever it runs, means against Student's t (Student 1908; the
//! replication method of Law & Kelton §9.4.1, quantiles from the t table),
//! bad sweeps named by their path, shards, and floats that cross JSON exactly.

use super::plan::Named;
use super::*;

const ARCH: &str = r#"{"arch": "t", "traffic": {"rate": 50},
  "services": [{"name": "db", "package": "store", "count": 2},
               {"name": "api", "package": "karyon", "count": 2, "dependencies": ["db"]}]}"#;

const SWEEP: &str = r#"{"architectures": ["t"], "seeds": [1, 2],
  "options": {"duration": "2s"},
  "grid": {"services.api.count": [1, 3], "options.rate": [20, 40]}}"#;

fn plan(text: &str) -> Result<Plan, InputError> {
    let s = parse_sweep(text)?;
    let archs = vec![Named {
        name: "t".into(),
        text: ARCH.into(),
    }];
    let scenarios = s.scenarios().iter().map(|_| None).collect();
    Plan::new(&s, archs, scenarios)
}

#[test]
fn the_grid_expands_first_path_slowest_and_seeds_innermost() {
    let p = plan(SWEEP).unwrap();
    assert_eq!(p.len(), 8);
    assert_eq!(p.variants(), 4);
    let got: Vec<(String, String, u64)> = (0..p.len())
        .map(|k| {
            let j = p.job(k);
            (
                j.params[0].clone().unwrap(),
                j.params[1].clone().unwrap(),
                j.seed,
            )
        })
        .collect();
    let at = |a: &str, b: &str, seed| (a.to_string(), b.to_string(), seed);
    assert_eq!(got[0], at("1", "20", 1));
    assert_eq!(got[1], at("1", "20", 2));
    assert_eq!(got[2], at("1", "40", 1));
    assert_eq!(got[4], at("3", "20", 1));
    assert_eq!(
        p.columns()[..7],
        [
            "run",
            "id",
            "architecture",
            "scenario",
            "seed",
            "services.api.count",
            "options.rate"
        ]
    );
    let j = p.job(5);
    assert!(
        j.options.contains("\"rate\":20") && j.options.contains("\"seed\":2"),
        "{}",
        j.options
    );
    assert!(j.arch_text.contains("\"count\":3"), "{}", j.arch_text);
}

#[test]
fn ids_follow_the_inputs_not_the_place_in_the_sweep() {
    let p = plan(SWEEP).unwrap();
    let ids: std::collections::BTreeSet<String> = (0..p.len()).map(|k| p.job(k).id).collect();
    assert_eq!(ids.len(), 8, "distinct");
    // More seeds: the old runs keep their ids, in new places.
    let more = plan(&SWEEP.replace("[1, 2]", "[1, 2, 3]")).unwrap();
    assert_eq!(more.job(3).id, p.job(2).id);
    // Another duration: every run is another run.
    let longer = plan(&SWEEP.replace("\"2s\"", "\"3s\"")).unwrap();
    assert!((0..8).all(|k| longer.job(k).id != p.job(k).id));
}

#[test]
fn a_job_runs_to_the_row_of_its_summary_wherever_it_was_sent() {
    let p = plan(SWEEP).unwrap();
    let job = p.job(6);
    let shipped = Job::from_json(&job.to_json()).unwrap();
    assert_eq!(shipped, job);
    let row = shipped.run().unwrap();
    assert_eq!(row, job.run().unwrap(), "deterministic");
    assert_eq!(
        row.figures[row::FIGURES
            .iter()
            .position(|f| f.0 == "instances")
            .unwrap()],
        Some(5.0)
    );
    let requests = row.figures[0].unwrap();
    // 40 req/s for 2 s: Poisson, 80 expected; 5 standard deviations.
    assert!((requests - 80.0).abs() < 5.0 * 80f64.sqrt(), "{requests}");
    assert_eq!(Row::from_json(&row.to_json()), Some(row.clone()));
    assert_eq!(
        Row::from_json(&row.to_json()[..20]),
        None,
        "a line cut short"
    );
    let mut csv = Vec::new();
    row::write_csv(&mut csv, &p.columns(), std::slice::from_ref(&row)).unwrap();
    let text = String::from_utf8(csv).unwrap();
    let line = text.lines().nth(1).unwrap();
    assert!(
        line.starts_with(&format!("6,{},t,,1,3,40,", job.id)),
        "{line}"
    );
}

/// The mean and the half-width t(0.975; n − 1)·s/√n of Student's interval,
/// by hand for two runs (t(0.975; 1) = 12.706 in the t table).
#[test]
fn means_take_each_parameter_sets_seeds() {
    let p = plan(SWEEP).unwrap();
    let rows: Vec<Row> = (0..4).map(|k| p.job(k).run().unwrap()).collect();
    let m = means::means(&rows);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].runs, 2);
    let (mean, low, high) = m[0].figures[0].unwrap();
    let (a, b) = (rows[0].figures[0].unwrap(), rows[1].figures[0].unwrap());
    assert_eq!(mean, [a, b].iter().sum::<f64>() / 2.0);
    // Two runs: t(0.975; 1) = 12.706, s = |a − b|/√2, half = t·s/√2.
    let half = 12.706 * (a - b).abs() / 2.0;
    assert!((high - mean - half).abs() < 1e-9 && (mean - low - half.min(mean)).abs() < 1e-9);
    let (_, s_low, s_high) = m[0].figures[3].unwrap();
    assert!(s_low <= 1.0 && s_high <= 1.0, "success is a share");
}

#[test]
fn lists_and_grids_combine_and_missing_values_are_the_files() {
    let text = r#"{"architectures": ["t"], "seeds": [1],
      "list": [{"services.db.count": 3}, {"services.db.count": 4, "traffic.rate": 10}],
      "grid": {"services.api.count": [1, 2]}}"#;
    let p = plan(text).unwrap();
    assert_eq!(
        p.paths,
        ["services.api.count", "services.db.count", "traffic.rate"]
    );
    assert_eq!(p.len(), 4);
    let texts = |v: &[Option<&str>]| v.iter().map(|x| x.map(str::to_string)).collect::<Vec<_>>();
    assert_eq!(p.job(0).params, texts(&[Some("1"), Some("3"), None]));
    assert_eq!(p.job(3).params, texts(&[Some("2"), Some("4"), Some("10")]));
}

#[test]
fn bad_sweeps_are_named_by_their_path_with_a_fix() {
    let cases = [
        (
            SWEEP.replace(
                r#""services.api.count": [1, 3], "options.rate": [20, 40]"#,
                "",
            ),
            "grid",
            "empty",
        ),
        (
            SWEEP.replace("[1, 3]", "[]"),
            "grid[\"services.api.count\"]",
            "no values",
        ),
        (
            SWEEP.replace("services.api.count", "services..count"),
            "grid[\"services..count\"]",
            "empty segment",
        ),
        (SWEEP.replace("[1, 2]", "[]"), "seeds", "no seeds"),
        (SWEEP.replace("[1, 2]", "[1, 1]"), "seeds[1]", "twice"),
        (
            SWEEP.replace("[1, 3]", "[1, null]"),
            "grid[\"services.api.count\"][1]",
            "null",
        ),
        (
            SWEEP.replace("\"2s\"", "\"2s\", \"seed\": 4"),
            "options.seed",
            "seeds",
        ),
        (SWEEP.replace("\"2s\"", "\"2\""), "options.duration", "unit"),
        (
            SWEEP.replace("[1, 2]", "{\"first\": 1, \"count\": 200000}"),
            "seeds.count",
            "range",
        ),
        (
            SWEEP.replace(r#""seeds""#, r#""chart": {"x": "nope"}, "seeds""#),
            "chart.x",
            "not a path",
        ),
        (
            SWEEP.replace(r#""seeds""#, r#""chart": {"y": "nope"}, "seeds""#),
            "chart.y",
            "not a figure",
        ),
        (SWEEP.replace("[\"t\"]", "[]"), "architectures", "0 given"),
    ];
    for (text, path, words) in cases {
        let e = parse_sweep(&text).unwrap_err();
        assert_eq!(e.path, path, "{text}: {e}");
        assert!(e.to_string().contains(words), "{e}");
        assert!(e.hint.is_some(), "{e}");
    }
}

#[test]
fn a_path_that_matches_nothing_or_a_value_refused_stops_the_plan() {
    let e = plan(&SWEEP.replace("services.api.count", "services.apii.count")).unwrap_err();
    assert_eq!(e.path, "grid[\"services.apii.count\"]");
    assert!(e.message.contains("matches nothing"), "{e}");
    assert!(e.hint.as_deref().unwrap().contains("\"api\""), "{e}");
    let e = plan(&SWEEP.replace("[1, 3]", "[1, -3]")).unwrap_err();
    assert!(
        e.path.starts_with("runs with services.api.count = -3"),
        "{e}"
    );
    assert!(e.message.contains("services[1]"), "{e}");
    let e = plan(&SWEEP.replace("[20, 40]", "[20, -1]")).unwrap_err();
    assert!(e.message.contains("options.rate"), "{e}");
}

#[test]
fn shards_split_every_run_once() {
    let p = plan(SWEEP).unwrap();
    let mut all: Vec<usize> = (0..3).flat_map(|i| p.shard(i, 3)).collect();
    all.sort_unstable();
    assert_eq!(all, (0..8).collect::<Vec<_>>());
    assert_eq!(p.shard(1, 3).collect::<Vec<_>>(), [1, 4, 7]);
}

#[test]
fn figures_cross_json_with_their_exact_bits() {
    // serde_json (without float_roundtrip) reads 0.9994578815679733 back as
    // …732: found as a one-bit difference between a Dask sweep's rows and
    // `microsim sweep`'s, when rows travelled as JSON numbers.
    let xs = [
        0.999_457_881_567_973_3,
        0.996_788_990_825_688_1,
        0.1,
        1e-300,
        123_456.0,
    ];
    let naive: Vec<f64> = xs
        .iter()
        .map(|x| serde_json::from_str(&serde_json::to_string(x).unwrap()).unwrap())
        .collect();
    assert_ne!(naive, xs, "the trap this guards against is still there");
    let row = Row {
        run: 0,
        id: "x".into(),
        variant: 0,
        architecture: "a".into(),
        scenario: None,
        seed: 1,
        params: vec![Some("0.1".into()), None],
        figures: xs.iter().copied().map(Some).chain([None]).collect(),
    };
    let back = Row::from_json(&row.to_json()).unwrap();
    assert_eq!(back, row);
    assert!(back
        .figures
        .iter()
        .zip(&row.figures)
        .all(|(a, b)| a.map(f64::to_bits) == b.map(f64::to_bits)));
}
