//! Sampled request traces as Zipkin v2 span JSON and as OTLP/JSON.
//!
//! Each span is one instance serving one call (kind SERVER): it starts when the
//! call arrives and ends when the answer is sent, so a parent's span always
//! covers its children's. Times are virtual, counted from the Unix epoch.

use serde_json::{json, Value};

use crate::metrics::{Reason, SpanRecord, Spans};
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

/// traces.zipkin.json: a ListOfSpans per Zipkin's v2 API.
pub fn zipkin(topo: &Topology, spans: &Spans) -> Value {
    let list: Vec<Value> = spans
        .all()
        .iter()
        .map(|s| {
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
            let mut span = json!({
                "traceId": hex16(s.trace),
                "id": hex16(s.span),
                "name": "request",
                "kind": "SERVER",
                "timestamp": ts,
                "duration": dur,
                "localEndpoint": { "serviceName": service },
                "tags": tags,
            });
            if s.parent != 0 {
                span["parentId"] = json!(hex16(s.parent));
            }
            span
        })
        .collect();
    Value::Array(list)
}

/// traces.otlp.json: an OTLP/JSON `TracesData`, one resource per service.
pub fn otlp(topo: &Topology, spans: &Spans) -> Value {
    let mut by_service: Vec<Vec<Value>> = vec![Vec::new(); topo.services.len()];
    for s in spans.all() {
        let (service, region, zone) = where_(topo, s);
        let sid = topo.instances[s.instance as usize].service as usize;
        let attr = |k: &str, v: String| json!({ "key": k, "value": { "stringValue": v } });
        let status = match Reason::from_code(s.reason) {
            None => json!({ "code": 1 }),
            Some(r) => json!({ "code": 2, "message": r.name() }),
        };
        let mut span = json!({
            // OTLP trace ids are 16 bytes: our 64-bit ids, zero-extended.
            "traceId": format!("{:016x}{:016x}", 0, s.trace),
            "spanId": hex16(s.span),
            "name": "request",
            "kind": 2,
            "startTimeUnixNano": s.start.to_string(),
            "endTimeUnixNano": s.end.to_string(),
            "attributes": [
                attr("microsim.instance", topo.instance_name(s.instance)),
                attr("cloud.region", region),
                attr("cloud.availability_zone", zone),
                attr("microsim.service", service),
            ],
            "status": status,
        });
        if s.parent != 0 {
            span["parentSpanId"] = json!(hex16(s.parent));
        }
        by_service[sid].push(span);
    }
    let resource_spans: Vec<Value> = by_service
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_empty())
        .map(|(sid, spans)| {
            json!({
                "resource": { "attributes": [
                    { "key": "service.name", "value": { "stringValue": topo.services[sid].name } }
                ] },
                "scopeSpans": [{
                    "scope": { "name": "microsim", "version": env!("CARGO_PKG_VERSION") },
                    "spans": spans,
                }],
            })
        })
        .collect();
    json!({ "resourceSpans": resource_spans })
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
        };
        assert_eq!(micros(&s(1_500, 2_100)), (1, 2));
        assert_eq!(micros(&s(3_000, 3_000)), (3, 1));
    }
}
