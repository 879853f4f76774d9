//! Scenario files: every fault of the format parses and resolves against a
//! topology, and every mistake is an error at its JSON path with a hint.

use std::path::{Path, PathBuf};

use sim_core::duration::{MS, SEC};
use sim_core::fault::{load_scenario, Action, Fault, Mode, Place, Scenario};
use sim_core::{model, BuildOptions, InputError, Topology};

fn arch_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures")
}

fn netflixoss(regions: u32) -> Topology {
    topology("netflixoss.json", regions)
}

fn topology(arch: &str, regions: u32) -> Topology {
    let text = std::fs::read_to_string(arch_dir().join(arch)).unwrap();
    let spec = model::load_arch(&text).unwrap();
    let opts = BuildOptions {
        region_multiplier: regions,
        ..BuildOptions::default()
    };
    Topology::build(&spec, &opts).unwrap()
}

fn one_fault(fault: &str) -> String {
    format!(r#"{{ "faults": [ {fault} ] }}"#)
}

fn err(text: &str) -> InputError {
    load_scenario(text, &netflixoss(1)).unwrap_err()
}

/// Asserts the error is at `path`, its message contains `msg` and its hint contains `hint`.
fn expect(e: &InputError, path: &str, msg: &str, hint: &str) {
    assert_eq!(e.path, path, "{e}");
    assert!(e.message.contains(msg), "message lacks {msg:?}: {e}");
    let h = e.hint.as_deref().unwrap_or_default();
    assert!(h.contains(hint), "hint lacks {hint:?}: {e}");
}

const EXAMPLE: &str = r#"{ "description": "every action once",
  "discovery_poll": "10s",
  "replace_after": "60s",
  "faults": [
   { "at": "10s", "kill": { "service": "homepage", "instances": 2, "region": "us-east-1", "zone": "zoneB", "mode": "refuse" } },
   { "at": "0s", "for": "60s", "chaos_monkey": { "mean_between_kills": "10s", "service": "homepage", "mode": "hang" } },
   { "at": "20s", "for": "60s", "zone_outage": { "region": "us-east-1", "zone": "zoneA", "mode": "refuse" } },
   { "at": "20s", "for": "1m", "region_outage": { "region": "us-west-2" } },
   { "at": "20s", "for": "60s", "latency": { "service": "subscriber", "add_ms": 200, "percent": 50 } },
   { "at": "1.5s", "for": "500ms", "errors": { "service": "subscriber", "percent": 10 } },
   { "at": "20s", "for": "60s", "partition": { "between": ["us-east-1", "us-west-2.zoneC"] } },
   { "at": "5s", "for": "30s", "flash_crowd": { "factor": 4, "entry": "www" } },
   { "at": "50s", "flash_crowd": { "factor": 0.5 } }
] }"#;

#[test]
fn every_action_parses_and_resolves_to_ids() {
    let topo = netflixoss(2);
    let s = load_scenario(EXAMPLE, &topo).unwrap();
    let id = |n: &str| topo.service_id(n).unwrap();
    assert_eq!(s.discovery_poll, 10 * SEC);
    assert_eq!(s.replace_after, Some(60 * SEC));
    let window = |at: u64, len: u64| (at, Some(at + len));
    let expected = [
        (
            (10 * SEC, None),
            Action::Kill {
                service: id("homepage"),
                count: 2,
                region: Some(0),
                zone: Some(1),
                mode: Mode::Refuse,
            },
        ),
        (
            window(0, 60 * SEC),
            Action::ChaosMonkey {
                mean_between: 10 * SEC,
                service: Some(id("homepage")),
                mode: Mode::Hang,
            },
        ),
        (
            window(20 * SEC, 60 * SEC),
            Action::ZoneOutage {
                region: 0,
                zone: 0,
                mode: Mode::Refuse,
            },
        ),
        (
            window(20 * SEC, 60 * SEC),
            Action::RegionOutage {
                region: 1,
                mode: Mode::Refuse,
            },
        ),
        (
            window(20 * SEC, 60 * SEC),
            Action::Latency {
                service: id("subscriber"),
                add: 200 * MS,
                fraction: 0.5,
            },
        ),
        (
            window(1500 * MS, 500 * MS),
            Action::Errors {
                service: id("subscriber"),
                fraction: 0.1,
            },
        ),
        (
            window(20 * SEC, 60 * SEC),
            Action::Partition {
                a: Place {
                    region: 0,
                    zone: None,
                },
                b: Place {
                    region: 1,
                    zone: Some(2),
                },
            },
        ),
        (
            window(5 * SEC, 30 * SEC),
            Action::FlashCrowd {
                entry: Some(id("www")),
                factor: 4.0,
            },
        ),
        (
            (50 * SEC, None),
            Action::FlashCrowd {
                entry: None,
                factor: 0.5,
            },
        ),
    ];
    assert_eq!(s.faults.len(), expected.len());
    for (i, (f, ((at, until), action))) in s.faults.iter().zip(expected).enumerate() {
        assert_eq!(
            f,
            &Fault { at, until, action },
            "fault {i} resolved differently"
        );
    }
    assert!(s.check_within(60 * SEC).is_ok());
}

#[test]
fn defaults_are_eureka_poll_no_replacement_one_instance_refused() {
    let topo = netflixoss(1);
    let s = load_scenario(
        &one_fault(r#"{ "at": "5s", "kill": { "service": "login" } }"#),
        &topo,
    )
    .unwrap();
    assert_eq!(s.discovery_poll, 30 * SEC);
    assert_eq!(s.replace_after, None);
    assert_eq!(
        s.faults,
        [Fault {
            at: 5 * SEC,
            until: None,
            action: Action::Kill {
                service: topo.service_id("login").unwrap(),
                count: 1,
                region: None,
                zone: None,
                mode: Mode::Refuse,
            },
        }]
    );
    let s = load_scenario(
        &one_fault(r#"{ "at": "5s", "errors": { "service": "login" } }"#),
        &topo,
    )
    .unwrap();
    assert!(matches!(s.faults[0].action, Action::Errors { fraction, .. } if fraction == 1.0));
    assert_eq!(load_scenario("{}", &topo).unwrap(), Scenario::default());
}

#[test]
fn unknown_names_are_located_with_a_hint() {
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepag" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.service",
        "\"homepag\" is not a service of netflixoss",
        "did you mean \"homepage\"?",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "errors": { "service": "xyz" } }"#,
    ));
    expect(
        &e,
        "faults[0].errors.service",
        "\"xyz\"",
        "use one of: cassandra, evcache, subscriber",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "zone_outage": { "region": "us-east-1", "zone": "zoneD" } }"#,
    ));
    expect(
        &e,
        "faults[0].zone_outage.zone",
        "\"zoneD\" is not a zone of netflixoss, which has 3 zone(s)",
        "zoneA",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "zone_outage": { "region": "us-east-2", "zone": "zoneA" } }"#,
    ));
    expect(
        &e,
        "faults[0].zone_outage.region",
        "\"us-east-2\" is not a region of this run, which has 1 region(s): us-east-1",
        "use one of: us-east-1, or run more regions with the regions multiplier",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "region_outage": { "region": "eu-west-1" } }"#,
    ));
    expect(
        &e,
        "faults[0].region_outage.region",
        "eu-west-1",
        "regions multiplier",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "partition": { "between": ["us-east-1", "us-west-2"] } }"#,
    ));
    expect(
        &e,
        "faults[0].partition.between[1]",
        "\"us-west-2\" is not a region",
        "regions multiplier",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "partition": { "between": ["us-east-1.zoneA", "us-east-1.zone"] } }"#,
    ));
    expect(&e, "faults[0].partition.between[1]", "\"zone\"", "zone");
    let e = err(&one_fault(
        r#"{ "at": "1s", "chaos_monkey": { "mean_between_kills": "5s", "service": "zul" } }"#,
    ));
    expect(
        &e,
        "faults[0].chaos_monkey.service",
        "\"zul\"",
        "did you mean \"zuul\"?",
    );
}

#[test]
fn unknown_keys_and_modes_are_refused_by_the_parser() {
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "servce": "homepage" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.servce",
        "unknown field `servce`",
        "did you mean \"service\"?",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage", "mode": "hung" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.mode",
        "unknown variant `hung`",
        "did you mean \"hang\"?",
    );
    let e = err(&one_fault(r#"{ "at": "1s", "zone_outag": {} }"#));
    expect(
        &e,
        "faults[0].zone_outag",
        "unknown field",
        "did you mean \"zone_outage\"?",
    );
    let e = err(r#"{ "discovery_pol": "1s" }"#);
    expect(
        &e,
        "discovery_pol",
        "unknown field",
        "did you mean \"discovery_poll\"?",
    );
}

#[test]
fn durations_need_a_unit_and_polls_must_be_positive() {
    let e = err(&one_fault(
        r#"{ "at": "10", "kill": { "service": "homepage" } }"#,
    ));
    expect(
        &e,
        "faults[0].at",
        "bad duration \"10\": it has no unit",
        "10s",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "for": "5 parsecs", "kill": { "service": "homepage" } }"#,
    ));
    expect(&e, "faults[0].for", "bad duration \"5 parsecs\"", "unit");
    let e = err(&one_fault(
        r#"{ "at": "1s", "for": "0s", "kill": { "service": "homepage" } }"#,
    ));
    expect(&e, "faults[0].for", "more than zero", "positive");
    let e = err(r#"{ "discovery_poll": "0s" }"#);
    expect(&e, "discovery_poll", "more than zero", "positive");
    let e = err(r#"{ "replace_after": "soon" }"#);
    expect(&e, "replace_after", "bad duration \"soon\"", "unit");
    let e = err(&one_fault(
        r#"{ "at": "1s", "chaos_monkey": { "mean_between_kills": "0ms" } }"#,
    ));
    expect(
        &e,
        "faults[0].chaos_monkey.mean_between_kills",
        "more than zero",
        "positive",
    );
    let e = err(&one_fault(
        r#"{ "at": 10, "kill": { "service": "homepage" } }"#,
    ));
    assert_eq!(e.path, "faults[0].at", "{e}");
    assert!(e.message.contains("invalid type"), "{e}");
}

#[test]
fn a_fault_needs_exactly_one_action() {
    let text = r#"{ "faults": [
        { "at": "1s", "kill": { "service": "homepage" } },
        { "at": "2s", "for": "1s" } ] }"#;
    let e = err(text);
    expect(
        &e,
        "faults[1]",
        "fault 1 has no action",
        "kill, chaos_monkey, zone_outage, region_outage, latency, errors, partition",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage" }, "latency": { "service": "login", "add_ms": 5 } }"#,
    ));
    expect(
        &e,
        "faults[0]",
        "fault 0 has 2 actions (kill, latency)",
        "one action per fault",
    );
}

#[test]
fn percents_and_delays_are_range_checked() {
    for (bad, p) in [("0", "0"), ("100.5", "100.5"), ("-5", "-5")] {
        let e = err(&one_fault(&format!(
            r#"{{ "at": "1s", "errors": {{ "service": "login", "percent": {bad} }} }}"#
        )));
        expect(
            &e,
            "faults[0].errors.percent",
            &format!("percent is {p}, outside (0, 100]"),
            "share of requests",
        );
    }
    let e = err(&one_fault(
        r#"{ "at": "1s", "latency": { "service": "login", "add_ms": 5, "percent": 0 } }"#,
    ));
    expect(&e, "faults[0].latency.percent", "percent is 0", "percent");
    for bad in ["0", "-1", "1e12"] {
        let e = err(&one_fault(&format!(
            r#"{{ "at": "1s", "latency": {{ "service": "login", "add_ms": {bad} }} }}"#
        )));
        expect(
            &e,
            "faults[0].latency.add_ms",
            "outside (0, 86400000]",
            "add_ms",
        );
    }
}

#[test]
fn kills_must_fit_where_the_service_runs() {
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage", "instances": 19 } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.instances",
        "asks for 19 instances of \"homepage\", but it has 18",
        "\"instances\": 18 or fewer",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage", "instances": 7, "region": "us-east-1", "zone": "zoneC" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.instances",
        "but it has 6 in us-east-1 zoneC",
        "6 or fewer",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage", "instances": 0 } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.instances",
        "instances is 0",
        "1 or more",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "homepage", "zone": "zoneA" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.zone",
        "without its region",
        "\"region\": \"us-east-1\"",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "www", "region": "us-east-1" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.region",
        "\"www\" is one global node",
        "remove \"region\"",
    );
    let e = err(&one_fault(
        r#"{ "at": "1s", "kill": { "service": "www-elb", "region": "us-east-1", "zone": "zoneA" } }"#,
    ));
    expect(
        &e,
        "faults[0].kill.zone",
        "one node per region",
        "remove \"zone\"",
    );
    // A service that lives in one region has nothing in the second.
    let text =
        one_fault(r#"{ "at": "1s", "kill": { "service": "www-elb", "region": "us-west-2" } }"#);
    let spec = model::load_arch(
        r#"{"arch":"t","services":[
            {"name":"db","package":"store","count":2,"regions":1},
            {"name":"lb","package":"elb","count":0,"regions":1,"dependencies":["db"]},
            {"name":"www","package":"denominator","count":0,"regions":0,"dependencies":["lb"]},
            {"name":"db2","package":"store","count":2,"regions":2},
            {"name":"www2","package":"denominator","count":0,"regions":0,"dependencies":["db2"]}]}"#,
    )
    .unwrap();
    let topo = Topology::build(&spec, &BuildOptions::default()).unwrap();
    let e = load_scenario(&text.replace("www-elb", "lb"), &topo).unwrap_err();
    expect(
        &e,
        "faults[0].kill.region",
        "\"lb\" has no instances in us-west-2",
        "it runs in us-east-1",
    );
    let e = load_scenario(
        &one_fault(
            r#"{ "at": "1s", "kill": { "service": "db", "region": "us-east-1", "zone": "zoneC" } }"#,
        ),
        &topo,
    )
    .unwrap_err();
    expect(
        &e,
        "faults[0].kill.zone",
        "\"db\" has no instances in us-east-1 zoneC",
        "2 instance(s) per region over the first 2 zone(s)",
    );
}

#[test]
fn partitions_are_between_two_distinct_places() {
    let topo = netflixoss(2);
    let part = |between: &str| {
        load_scenario(
            &one_fault(&format!(
                r#"{{ "at": "1s", "partition": {{ "between": {between} }} }}"#
            )),
            &topo,
        )
    };
    let e = part(r#"["us-east-1"]"#).unwrap_err();
    expect(
        &e,
        "faults[0].partition.between",
        "two places; 1 given",
        "us-west-2",
    );
    let e = part(r#"["us-east-1", "us-west-2", "us-east-1.zoneA"]"#).unwrap_err();
    expect(&e, "faults[0].partition.between", "3 given", "between");
    for overlapping in [
        r#"["us-east-1", "us-east-1"]"#,
        r#"["us-east-1", "us-east-1.zoneB"]"#,
        r#"["us-west-2.zoneA", "us-west-2.zoneA"]"#,
    ] {
        let e = part(overlapping).unwrap_err();
        expect(&e, "faults[0].partition.between", "overlap", "two zones");
    }
    let s = part(r#"["us-east-1.zoneA", "us-east-1.zoneB"]"#).unwrap();
    assert_eq!(
        s.faults[0].action,
        Action::Partition {
            a: Place {
                region: 0,
                zone: Some(0)
            },
            b: Place {
                region: 0,
                zone: Some(1)
            }
        }
    );
}

#[test]
fn faults_must_start_before_the_run_ends() {
    let topo = netflixoss(1);
    let text = r#"{ "faults": [
        { "at": "10s", "kill": { "service": "homepage" } },
        { "at": "1m", "for": "10s", "errors": { "service": "login" } } ] }"#;
    let s = load_scenario(text, &topo).unwrap();
    assert!(s.check_within(61 * SEC).is_ok());
    let e = s.check_within(60 * SEC).unwrap_err();
    expect(
        &e,
        "faults[1].at",
        "fault 1 starts at 1m, when the run is over",
        "the run lasts 1m; start it earlier or give the run a longer duration",
    );
    assert_eq!(
        s.windows(65 * SEC),
        [(10 * SEC, 65 * SEC), (60 * SEC, 65 * SEC)]
    );
    assert_eq!(s.windows(30 * SEC), [(10 * SEC, 30 * SEC)]);
}

#[test]
fn a_spigo_victim_is_one_refused_kill_at_half_time() {
    let topo = netflixoss(1);
    let s = Scenario::from_victim(&topo, 60 * SEC);
    assert_eq!(
        s,
        Scenario {
            faults: vec![Fault {
                at: 30 * SEC,
                until: None,
                action: Action::Kill {
                    service: topo.service_id("homepage").unwrap(),
                    count: 1,
                    region: None,
                    zone: None,
                    mode: Mode::Refuse,
                },
            }],
            ..Scenario::default()
        }
    );
    assert!(s.check_within(60 * SEC).is_ok());
    let mut no_victim = topo.clone();
    no_victim.victim = None;
    assert_eq!(
        Scenario::from_victim(&no_victim, 60 * SEC),
        Scenario::default()
    );
}
