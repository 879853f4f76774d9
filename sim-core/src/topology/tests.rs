use super::*;
use crate::error::InputError;
use crate::model::load_arch;

fn topo(text: &str, opts: BuildOptions) -> Result<Topology, InputError> {
    Topology::build(&load_arch(text).unwrap(), &opts)
}

const SMALL: &str = r#"{"arch":"t","services":[
    {"name":"db","package":"store","count":3,"regions":1,"dependencies":["db","eureka"]},
    {"name":"app","package":"karyon","count":4,"regions":1,"dependencies":["db"]},
    {"name":"lb","package":"elb","count":0,"regions":1,"dependencies":["app"]},
    {"name":"www","package":"denominator","count":0,"regions":0,"dependencies":["lb"]}]}"#;

#[test]
fn places_like_spigo() {
    let t = topo(SMALL, BuildOptions::default()).unwrap();
    assert_eq!(t.instances.len(), 3 + 4 + 1 + 1);
    assert_eq!(t.instance_name(0), "t.us-east-1.zoneA.db00");
    assert_eq!(t.instance_name(4), "t.us-east-1.zoneB.app01");
    assert_eq!(t.instance_name(6), "t.us-east-1.zoneA.app03");
    assert_eq!(t.instance_name(7), "t.us-east-1.*.lb00");
    assert_eq!(t.instance_name(8), "t.*.*.www00");
    assert_eq!(t.services[0].ring_replicas, 2);
    assert_eq!(t.entry_points, vec![3]);
}

#[test]
fn scales_and_multiplies_regions() {
    let t = topo(
        SMALL,
        BuildOptions {
            scale_percent: 250.0,
            region_multiplier: 8,
        },
    )
    .unwrap();
    // db 3→8 (7.5 rounds to 8), app 4→10, per region × 8 regions, lb ×8, www 1.
    assert_eq!(t.instances.len(), (8 + 10 + 1) * 8 + 1);
    assert_eq!(t.regions.len(), 8);
    assert_eq!(t.regions[7], "sa-east-1");
    let t = topo(
        SMALL,
        BuildOptions {
            scale_percent: 1.0,
            region_multiplier: 13,
        },
    )
    .unwrap();
    // A positive count never scales to zero.
    assert_eq!(t.services[1].per_region, 1);
    assert_eq!(t.regions[12], "region-13");
}

#[test]
fn refuses_absurd_sizes_before_allocating() {
    let e = topo(
        SMALL,
        BuildOptions {
            scale_percent: 1e7,
            region_multiplier: 100,
        },
    )
    .unwrap_err();
    assert!(e.message.contains("more than 10000000 instances"), "{e}");
}

#[test]
fn refuses_call_cycles_but_not_rings() {
    let text = r#"{"arch":"t","services":[
        {"name":"a","package":"karyon","count":1,"dependencies":["b"]},
        {"name":"b","package":"karyon","count":1,"dependencies":["a"]},
        {"name":"w","package":"denominator","dependencies":["a"]}]}"#;
    let e = topo(text, BuildOptions::default()).unwrap_err();
    assert!(e.message.contains("cycle between a, b"), "{e}");
    let selfish = r#"{"arch":"t","services":[{"name":"a","package":"karyon","count":1,"dependencies":["a"]}]}"#;
    assert!(topo(selfish, BuildOptions::default()).is_err());
}

#[test]
fn latency_by_distance() {
    let t = topo(
        SMALL,
        BuildOptions {
            scale_percent: 100.0,
            region_multiplier: 2,
        },
    )
    .unwrap();
    let app = |r, i| t.instances_in(1, r).start + i;
    assert_eq!(t.latency(app(0, 0), app(0, 3)), t.latency.same_zone);
    assert_eq!(t.latency(app(0, 0), app(0, 1)), t.latency.cross_zone);
    assert_eq!(t.latency(app(0, 0), app(1, 0)), t.latency.cross_region);
}
