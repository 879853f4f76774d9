//! Bad traffic, profiles and flash crowds are refused before anything runs:
//! each mistake is one error naming the file, the JSON path, what is wrong
//! and a fix (the CLI prints it and exits 2), never a panic.

use sim_core::{Input, Part, RunError, RunOptions, RunSpec};

/// `www` is the entry point, `db` is called by it.
fn arch(traffic: &str, www_traffic: &str) -> String {
    format!(
        r#"{{"arch":"t","traffic":{traffic},"services":[
        {{"name":"db","package":"store","count":1}},
        {{"name":"www","package":"karyon","count":1,"dependencies":["db"]{www_traffic}}}]}}"#
    )
}

fn refused(arch: &str, scenario: Option<&str>) -> RunError {
    match RunSpec::new(
        Input::new("shop.json", arch),
        scenario.map(|s| Input::new("crowd.json", s)),
        RunOptions::default(),
    ) {
        Ok(_) => panic!("accepted:\n{arch}\n{scenario:?}"),
        Err(e) => e,
    }
}

/// Asserts the error is at `path` with `msg` in its message and `hint` in its fix.
fn expect(e: &RunError, file: &str, path: &str, msg: &str, hint: &str) {
    let text = e.to_string();
    assert_eq!(e.error.path, path, "{text}");
    assert!(text.starts_with(&format!("{file}:")), "{text}");
    assert!(text.contains(&format!(" at {path}: ")), "{text}");
    assert!(
        e.error.message.contains(msg),
        "message lacks {msg:?}: {text}"
    );
    let h = e.error.hint.as_deref().unwrap_or_default();
    assert!(h.contains(hint), "fix lacks {hint:?}: {text}");
}

fn profile(p: &str) -> String {
    format!(r#"{{"profile":{p}}}"#)
}

#[test]
fn every_bad_profile_is_refused_at_its_path_with_a_fix() {
    let p = "traffic.profile";
    let cases: Vec<(String, String, &str, &str)> = vec![
        (
            r#"{"rate":100,"profile":{"steps":[["0s",1]]}}"#.into(),
            "traffic.rate".into(),
            "both rate and profile",
            "remove \"rate\"",
        ),
        (
            profile("{}"),
            p.into(),
            "no shape",
            "steps, ramp, diurnal or table",
        ),
        (
            profile(r#"{"steps":[["0s",1]],"ramp":[["0s",1]]}"#),
            p.into(),
            "2 shapes (steps, ramp)",
            "give one of",
        ),
        (
            profile(r#"{"sine":{}}"#),
            format!("{p}.sine"),
            "unknown field `sine`",
            "steps, ramp, diurnal, table",
        ),
        (
            profile(r#"{"steps":[]}"#),
            format!("{p}.steps"),
            "the list of points is empty",
            "[[\"0s\", 100]]",
        ),
        (
            profile(r#"{"steps":[["10s",100]]}"#),
            format!("{p}.steps[0][0]"),
            "starts at \"10s\", not at 0s",
            "[\"0s\", rate]",
        ),
        (
            profile(r#"{"steps":[["0s",100],["30s",400],["20s",100]]}"#),
            format!("{p}.steps[2][0]"),
            "a profile going back in time: \"20s\" is not after the previous point's 30s",
            "sort the points",
        ),
        (
            profile(r#"{"ramp":[["0s",100],["30s",400],["30s",100]]}"#),
            format!("{p}.ramp[2][0]"),
            "going back in time",
            "for a sudden jump use steps",
        ),
        (
            profile(r#"{"steps":[["0s",100],["30s",-5]]}"#),
            format!("{p}.steps[1][1]"),
            "the rate -5 is out of range",
            "requests per second",
        ),
        (
            profile(r#"{"steps":[["0s",1e8]]}"#),
            format!("{p}.steps[0][1]"),
            "the rate 100000000 is out of range",
            "requests per second",
        ),
        (
            profile(r#"{"steps":[["0s",100],["30",400]]}"#),
            format!("{p}.steps[1][0]"),
            "no unit",
            "\"10s\"",
        ),
        (
            profile(r#"{"steps":[["0s",100],["100d1s",400]]}"#),
            format!("{p}.steps[1][0]"),
            "longer than 100 days",
            "unit",
        ),
        (
            profile(r#"{"steps":[["0s"]]}"#),
            format!("{p}.steps[0]"),
            "invalid length 1",
            "[\"30s\", 400]",
        ),
        (
            profile(r#"{"ramp":[[0,100]]}"#),
            format!("{p}.ramp[0][0]"),
            "invalid type",
            "[\"30s\", 400]",
        ),
        (
            profile(r#"{"ramp":[["0s",0],["1m",0]]}"#),
            p.into(),
            "every rate of the profile is 0",
            "above 0",
        ),
        (
            profile(r#"{"diurnal":{"period":"0s","min":1,"max":2}}"#),
            format!("{p}.diurnal.period"),
            "the period is 0",
            "\"10m\"",
        ),
        (
            profile(r#"{"diurnal":{"period":"10m","min":400,"max":50}}"#),
            format!("{p}.diurnal.min"),
            "min (400) is above max (50)",
            "swap them",
        ),
        (
            profile(r#"{"diurnal":{"period":"10m","min":-1,"max":50}}"#),
            format!("{p}.diurnal.min"),
            "out of range",
            "requests per second",
        ),
        (
            profile(r#"{"diurnal":{"period":"10m","min":0,"max":0}}"#),
            p.into(),
            "every rate of the profile is 0",
            "above 0",
        ),
        (
            profile(r#"{"diurnal":{"period":"10m","min":1,"max":2,"peak_at":"10m"}}"#),
            format!("{p}.diurnal.peak_at"),
            "not within the period of 10m",
            "under the period",
        ),
        (
            profile(r#"{"diurnal":{"period":"10m","min":1,"max":2,"peak":"1m"}}"#),
            format!("{p}.diurnal.peak"),
            "unknown field `peak`",
            "did you mean \"peak_at\"?",
        ),
        (
            profile(r#"{"diurnal":{"min":1,"max":2}}"#),
            format!("{p}.diurnal"),
            "missing field `period`",
            "",
        ),
        (
            profile(r#"{"table":{"every":"0s","rates":[1]}}"#),
            format!("{p}.table.every"),
            "every is 0",
            "\"10s\"",
        ),
        (
            profile(r#"{"table":{"every":"1s","rates":[]}}"#),
            format!("{p}.table.rates"),
            "the list of rates is empty",
            "[100, 120, 300]",
        ),
        (
            profile(r#"{"table":{"every":"1s","rates":[1,-1]}}"#),
            format!("{p}.table.rates[1]"),
            "out of range",
            "",
        ),
        (
            profile(&format!(
                r#"{{"table":{{"every":"1s","rates":[{}1]}}}}"#,
                "1,".repeat(10_000)
            )),
            format!("{p}.table.rates"),
            "10001 rates, more than the 10000 accepted",
            "coarser slots",
        ),
        (
            profile(&format!(
                r#"{{"steps":[{}["9999s",1]]}}"#,
                r#"["0s",1],"#.repeat(10_000)
            )),
            format!("{p}.steps"),
            "10001 points",
            "coarser",
        ),
        (
            r#"{"rate":0}"#.into(),
            "traffic.rate".into(),
            "0 is out of range",
            "e.g. 100",
        ),
        (
            r#"{"arrival":"bursty"}"#.into(),
            "traffic.arrival".into(),
            "unknown variant `bursty`",
            "poisson, constant",
        ),
    ];
    for (traffic, path, msg, hint) in cases {
        let e = refused(&arch(&traffic, ""), None);
        assert_eq!(e.part, Part::Architecture);
        expect(&e, "shop.json", &path, msg, hint);
    }
}

#[test]
fn an_entry_points_own_traffic_is_checked_and_only_an_entry_point_has_one() {
    let www = "services[1] \"www\".traffic";
    let e = refused(&arch("{}", r#","traffic":{"rate":-3}"#), None);
    expect(
        &e,
        "shop.json",
        &format!("{www}.rate"),
        "-3 is out of range",
        "",
    );
    let e = refused(
        &arch("{}", r#","traffic":{"profile":{"steps":[["5s",1]]}}"#),
        None,
    );
    expect(
        &e,
        "shop.json",
        &format!("{www}.profile.steps[0][0]"),
        "not at 0s",
        "",
    );
    let db_with_traffic = r#"{"arch":"t","services":[
        {"name":"db","package":"store","count":1,"traffic":{"rate":5}},
        {"name":"www","package":"karyon","count":1,"dependencies":["db"]}]}"#;
    let e = refused(db_with_traffic, None);
    expect(
        &e,
        "shop.json",
        "services[0] \"db\".traffic",
        "\"db\" is not an entry point",
        "give traffic to an entry point (www",
    );
}

#[test]
fn every_bad_flash_crowd_is_refused_with_the_entry_points_named() {
    let a = arch("{}", "");
    let crowd =
        |body: &str| format!(r#"{{"faults":[{{"at":"5s","for":"10s","flash_crowd":{body}}}]}}"#);
    let f = "faults[0].flash_crowd";
    for (body, path, msg, hint) in [
        (
            r#"{"factor":0}"#,
            format!("{f}.factor"),
            "factor is 0, outside (0, 1000]",
            "\"factor\": 4",
        ),
        (
            r#"{"factor":-2}"#,
            format!("{f}.factor"),
            "factor is -2",
            "",
        ),
        (
            r#"{"factor":1e6}"#,
            format!("{f}.factor"),
            "factor is 1000000",
            "",
        ),
        (
            r#"{"factor":4,"entry":"wwx"}"#,
            format!("{f}.entry"),
            "\"wwx\" is not an entry point of t",
            "did you mean \"www\"? the entry points are www; leave \"entry\" out",
        ),
        (
            r#"{"factor":4,"entry":"db"}"#,
            format!("{f}.entry"),
            "\"db\" is a service of t but not an entry point",
            "the entry points are www",
        ),
        (
            r#"{"entry":"www"}"#,
            f.to_string(),
            "missing field `factor`",
            "",
        ),
        (
            r#"{"factor":2,"entries":"www"}"#,
            format!("{f}.entries"),
            "unknown field `entries`",
            "did you mean \"entry\"?",
        ),
    ] {
        let e = refused(&a, Some(&crowd(body)));
        assert_eq!(e.part, Part::Scenario);
        expect(&e, "crowd.json", &path, msg, hint);
    }
    let late = r#"{"faults":[{"at":"2m","flash_crowd":{"factor":2}}]}"#;
    expect(
        &refused(&a, Some(late)),
        "crowd.json",
        "faults[0].at",
        "when the run is over",
        "",
    );
    let two = r#"{"faults":[{"at":"1s","flash_crowd":{"factor":2},"errors":{"service":"db"}}]}"#;
    expect(
        &refused(&a, Some(two)),
        "crowd.json",
        "faults[0]",
        "2 actions (errors, flash_crowd)",
        "",
    );
}
