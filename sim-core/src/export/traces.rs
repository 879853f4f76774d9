//! Sampled request traces as Zipkin v2 span JSON and as OTLP/JSON.
//!
//! Each span is one instance serving one call (kind SERVER): it starts when the
//! call arrives and ends when the answer is sent, so a parent's span always
//! covers its children's — except for calls nobody waits for (mirrors, async
//! calls), whose spans are kind CONSUMER, the kind Zipkin and OpenTelemetry
//! give work whose parent does not wait for it; they start within their
//! parent and may end after it. A mirror's span carries the `http.host` Envoy
//! gives the shadow copy: the service's name suffixed `-shadow`. Times are
//! virtual, counted from the Unix epoch.

use std::io::{self, Write};

use serde_json::{json, Value};

use crate::behaviour::Detached;
use crate::metrics::{Reason, SpanRecord, Spans, NO_VERSION};
use crate::topology::Topology;

fn hex16(x: u64) -> String {
    format!("{x:016x}")
}

/// (start µs rounded down, duration µs rounded up, at least 1 µs as Zipkin requires).
fn micros(s: &SpanRecord) -> (u64, u64) {
    let start = s.start / 1_000;
    let end = s.end.div_ceil(1_000);
    (start, (end - start).max(1))
}

fn where_(topo: &Topology, s: &SpanRecord) -> (String, String, String) {
    let inst = topo.instances[s.instance as usize];
    let (region, zone) = topo.location(s.instance);
    let region = region.to_string();
    (
        topo.services[inst.service as usize].name.clone(),
        region,
        zone,
    )
}

/// The name of the version that served a span (None: a service without versions).
fn version<'t>(topo: &'t Topology, s: &SpanRecord) -> Option<&'t str> {
    if s.version == NO_VERSION {
        return None;
    }
    let sid = topo.instances[s.instance as usize].service;
    topo.services[sid as usize]
        .versions
        .get(s.version as usize)
        .map(|v| v.name.as_str())
}

/// The `Host` of a mirrored request: Envoy suffixes the shadow copy's with "-shadow".
fn shadow_host(s: &SpanRecord, service: &str) -> Option<String> {
    (s.detached == Some(Detached::Mirror)).then(|| format!("{service}-shadow"))
}

/// One Zipkin v2 span.
fn zipkin_span(topo: &Topology, s: &SpanRecord) -> Value {
    let (service, region, zone) = where_(topo, s);
    let (ts, dur) = micros(s);
    let mut tags = json!({
        "instance": topo.instance_name(s.instance),
        "region": region,
        "zone": zone,
    });
    if let Some(r) = Reason::from_code(s.reason) {
        tags["error"] = json!(r.name());
    }
    if let Some(v) = version(topo, s) {
        tags["version"] = json!(v);
    }
    if let Some(host) = shadow_host(s, &service) {
        tags["http.host"] = json!(host);
    }
    let mut span = json!({
        "traceId": hex16(s.trace),
        "id": hex16(s.span),
        "name": "request",
        "kind": if s.detached.is_some() { "CONSUMER" } else { "SERVER" },
        "timestamp": ts,
        "duration": dur,
        "localEndpoint": { "serviceName": service },
        "tags": tags,
    });
    if s.parent != 0 {
        span["parentId"] = json!(hex16(s.parent));
    }
    span
}

/// One OTLP span.
fn otlp_span(topo: &Topology, s: &SpanRecord) -> Value {
    let (service, region, zone) = where_(topo, s);
    let attr = |k: &str, v: String| json!({ "key": k, "value": { "stringValue": v } });
    let status = match Reason::from_code(s.reason) {
        None => json!({ "code": 1 }),
        Some(r) => json!({ "code": 2, "message": r.name() }),
    };
    let host = shadow_host(s, &service);
    let mut attributes = vec![
        attr("microsim.instance", topo.instance_name(s.instance)),
        attr("cloud.region", region),
        attr("cloud.availability_zone", zone),
        attr("microsim.service", service),
    ];
    if let Some(v) = version(topo, s) {
        // OpenTelemetry's semantic convention for the version of a service.
        attributes.push(attr("service.version", v.to_string()));
    }
    if let Some(host) = host {
        attributes.push(attr("http.host", host));
    }
    let mut span = json!({
        // OTLP trace ids are 16 bytes: our 64-bit ids, zero-extended.
        "traceId": format!("{:016x}{:016x}", 0, s.trace),
        "spanId": hex16(s.span),
        "name": "request",
        // SPAN_KIND_SERVER, or SPAN_KIND_CONSUMER for a call nobody waits for.
        "kind": if s.detached.is_some() { 5 } else { 2 },
        "startTimeUnixNano": s.start.to_string(),
        "endTimeUnixNano": s.end.to_string(),
        "attributes": attributes,
        "status": status,
    });
    if s.parent != 0 {
        span["parentSpanId"] = json!(hex16(s.parent));
    }
    span
}

/// Writes values as a JSON array, one per line, without holding them all.
fn write_array<W: Write + ?Sized>(
    w: &mut W,
    indent: &str,
    items: impl Iterator<Item = Value>,
) -> io::Result<()> {
    let mut first = true;
    for v in items {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        w.write_all(indent.as_bytes())?;
        serde_json::to_writer(&mut *w, &v)?;
        first = false;
    }
    w.write_all(if first { b"]" } else { b"\n" })?;
    if !first {
        w.write_all(indent.as_bytes().get(2..).unwrap_or_default())?;
        w.write_all(b"]")?;
    }
    Ok(())
}

/// traces.zipkin.json: a ListOfSpans per Zipkin's v2 API, one span a line,
/// written span by span (nothing the size of the file is held in memory).
pub fn write_zipkin<W: Write + ?Sized>(
    w: &mut W,
    topo: &Topology,
    spans: &Spans,
) -> io::Result<()> {
    w.write_all(b"[")?;
    write_array(w, "  ", spans.all().iter().map(|s| zipkin_span(topo, s)))?;
    w.write_all(b"\n")
}

/// traces.otlp.json: an OTLP/JSON `TracesData`, one resource per service,
/// written span by span.
pub fn write_otlp<W: Write + ?Sized>(w: &mut W, topo: &Topology, spans: &Spans) -> io::Result<()> {
    // Spans grouped by service, in service id order, completion order within.
    let all = spans.all();
    let mut order: Vec<u32> = (0..all.len() as u32).collect();
    order.sort_by_key(|&i| topo.instances[all[i as usize].instance as usize].service);
    w.write_all(b"{\n  \"resourceSpans\": [")?;
    let mut first = true;
    for group in order.chunk_by(|&a, &b| {
        topo.instances[all[a as usize].instance as usize].service
            == topo.instances[all[b as usize].instance as usize].service
    }) {
        let sid = topo.instances[all[group[0] as usize].instance as usize].service;
        w.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        let resource = json!({ "attributes": [
            { "key": "service.name", "value": { "stringValue": topo.services[sid as usize].name } }
        ] });
        let scope = json!({ "name": "microsim", "version": env!("CARGO_PKG_VERSION") });
        write!(w, "    {{\"resource\": ")?;
        serde_json::to_writer(&mut *w, &resource)?;
        write!(w, ", \"scopeSpans\": [{{\"scope\": ")?;
        serde_json::to_writer(&mut *w, &scope)?;
        write!(w, ", \"spans\": [")?;
        write_array(
            w,
            "      ",
            group.iter().map(|&i| otlp_span(topo, &all[i as usize])),
        )?;
        write!(w, "}}]}}")?;
    }
    w.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_outwards_and_are_at_least_one() {
        let s = |start, end| SpanRecord {
            trace: 1,
            span: 2,
            parent: 0,
            instance: 0,
            start,
            end,
            reason: 0,
            version: NO_VERSION,
            detached: None,
        };
        assert_eq!(micros(&s(1_500, 2_100)), (1, 2));
        assert_eq!(micros(&s(3_000, 3_000)), (3, 1));
    }

    #[test]
    fn detached_spans_are_consumers_and_a_mirror_names_its_shadow_host() {
        let arch = r#"{"arch":"t","traffic":{"rate":100},"services":[
            {"name":"b","package":"store","count":1},{"name":"e","package":"store","count":1},
            {"name":"a","package":"karyon","count":1,"dependencies":[
                {"service":"b","mirror":100},{"service":"e","async":true}]}]}"#;
        let o = crate::RunOptions {
            trace_sample: 1.0,
            max_traces: 3,
            duration: crate::duration::SEC,
            ..Default::default()
        };
        let sim = crate::RunSpec::new(crate::Input::new("t", arch), None, o)
            .unwrap()
            .run();
        let mut z = Vec::new();
        write_zipkin(&mut z, sim.topology(), sim.spans()).unwrap();
        let z: Value = serde_json::from_slice(&z).unwrap();
        let by = |name: &str| -> Vec<&Value> {
            z.as_array()
                .unwrap()
                .iter()
                .filter(|s| s["localEndpoint"]["serviceName"] == name)
                .collect()
        };
        assert!(by("a").iter().all(|s| s["kind"] == "SERVER"));
        assert!(by("b")
            .iter()
            .all(|s| s["kind"] == "CONSUMER" && s["tags"]["http.host"] == "b-shadow"));
        assert!(by("e")
            .iter()
            .all(|s| s["kind"] == "CONSUMER" && s["tags"].get("http.host").is_none()));
        assert_eq!(by("b").len(), 3);
        let mut o = Vec::new();
        write_otlp(&mut o, sim.topology(), sim.spans()).unwrap();
        let o: Value = serde_json::from_slice(&o).unwrap();
        let b = &o["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
        assert_eq!(b["kind"], 5, "SPAN_KIND_CONSUMER");
        assert_eq!(b["attributes"][4]["value"]["stringValue"], "b-shadow");
    }

    #[test]
    fn streamed_files_are_json_grouped_by_service() {
        let arch = r#"{"arch":"t","traffic":{"rate":100},"services":[
            {"name":"b","package":"store","count":2},
            {"name":"a","package":"karyon","count":2,"dependencies":["b"]}]}"#;
        let o = crate::RunOptions {
            trace_sample: 1.0,
            max_traces: 5,
            duration: crate::duration::SEC,
            ..Default::default()
        };
        let sim = crate::RunSpec::new(crate::Input::new("t", arch), None, o)
            .unwrap()
            .run();
        let mut z = Vec::new();
        write_zipkin(&mut z, sim.topology(), sim.spans()).unwrap();
        let z: Value = serde_json::from_slice(&z).unwrap();
        assert_eq!(z.as_array().unwrap().len(), 10, "5 traces of 2 spans");
        let mut o = Vec::new();
        write_otlp(&mut o, sim.topology(), sim.spans()).unwrap();
        let o: Value = serde_json::from_slice(&o).unwrap();
        let rs = o["resourceSpans"].as_array().unwrap();
        let names: Vec<&str> = rs
            .iter()
            .map(|r| {
                r["resource"]["attributes"][0]["value"]["stringValue"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(names, ["b", "a"], "service id order");
        assert_eq!(rs[0]["scopeSpans"][0]["spans"].as_array().unwrap().len(), 5);
        // Empty: still valid JSON.
        let none = Spans::new(0.0, 0);
        let mut e = Vec::new();
        write_otlp(&mut e, sim.topology(), &none).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&e).unwrap()["resourceSpans"],
            json!([])
        );
        let mut e = Vec::new();
        write_zipkin(&mut e, sim.topology(), &none).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&e).unwrap(), json!([]));
    }
}
