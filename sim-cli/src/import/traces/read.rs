//! Spans from the three JSON trace formats, into one shape.
//!
//! - **Zipkin v2** (`/api/v2/spans`' ListOfSpans, or `/api/v2/traces`' list
//!   of traces): `traceId`, `id`, `parentId`, `kind`, `timestamp` and
//!   `duration` in µs, `localEndpoint.serviceName`, string `tags` (`error`,
//!   `http.status_code`). A client and a server may share one span id
//!   (`shared`: B3's one-span-per-RPC); the server's half is then the
//!   client's child.
//! - **OTLP/JSON** (`TracesData`): `resourceSpans[].resource` attribute
//!   `service.name`, `scopeSpans[].spans[]` (`instrumentationLibrarySpans`
//!   in older exporters) with hex `traceId`, `spanId`, `parentSpanId`,
//!   `kind` (a number or `SPAN_KIND_SERVER`), start and end in ns (strings
//!   or numbers), `status.code` 2 (or `STATUS_CODE_ERROR`) for an error.
//! - **Jaeger** (the query API's and UI's JSON): `data[].spans[]` with
//!   `traceID`, `spanID`, `references` (`CHILD_OF`, `FOLLOWS_FROM`),
//!   `startTime` and `duration` in µs, `tags` (`span.kind`, `error`,
//!   `http.status_code`) and `processID` naming `processes[id].serviceName`.
//!
//! Where a span says which instance and zone served it (`instance`,
//! `microsim.instance`, `host.name`, `k8s.pod.name`, `hostname`, the
//! endpoint's address; `zone`, `cloud.availability_zone`), that is kept too.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_json::Value;

use super::super::Problem;

/// What a span's kind says about who waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Served a call (or unknown): its caller waited.
    Server,
    /// Made a call: part of its caller's own work.
    Client,
    /// Handled a message nobody waits for (an async call, a mirror).
    Consumer,
    /// Sent a message: part of its caller's own work.
    Producer,
    /// Work inside a service.
    Internal,
}

impl Kind {
    fn from_name(s: &str) -> Kind {
        match s.to_ascii_uppercase().trim_start_matches("SPAN_KIND_") {
            "CLIENT" => Kind::Client,
            "CONSUMER" => Kind::Consumer,
            "PRODUCER" => Kind::Producer,
            "INTERNAL" => Kind::Internal,
            _ => Kind::Server,
        }
    }

    /// OTLP's numbers: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
    fn from_otlp(v: &Value) -> Kind {
        match v {
            Value::Number(n) => match n.as_u64() {
                Some(1) => Kind::Internal,
                Some(3) => Kind::Client,
                Some(4) => Kind::Producer,
                Some(5) => Kind::Consumer,
                _ => Kind::Server,
            },
            Value::String(s) => Kind::from_name(s),
            _ => Kind::Server,
        }
    }
}

/// One span, with its names interned.
#[derive(Debug, Clone)]
pub struct Span {
    /// Index of its parent span in [`Spans::spans`], once linked.
    pub parent: Option<u32>,
    /// The parent's id was given but no span of the trace has it.
    pub orphan: bool,
    /// Index into [`Spans::services`].
    pub service: u32,
    pub start_ns: i64,
    pub end_ns: i64,
    pub error: bool,
    pub kind: Kind,
    /// Index into [`Spans::instances`].
    pub instance: Option<u32>,
}

/// Every span of a file.
#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)] // `spans.spans` reads as it is
pub struct Spans {
    pub format: &'static str,
    pub services: Vec<String>,
    pub instances: Vec<String>,
    pub zones: Vec<String>,
    pub traces: usize,
    pub spans: Vec<Span>,
    /// Spans without a service name or times, left out.
    pub unreadable: usize,
}

/// A span as read, before its ids are linked.
struct Raw {
    trace: String,
    id: String,
    parent: Option<String>,
    service: String,
    start_ns: i64,
    end_ns: i64,
    error: bool,
    kind: Kind,
    instance: Option<String>,
    zone: Option<String>,
}

/// Reads `text`, whichever of the three formats it is.
pub fn spans(file: &str, text: &str) -> Result<Spans, Problem> {
    let body = text.trim_start_matches('\u{feff}').trim_start();
    let (format, raws) = if body.starts_with('[') {
        ("Zipkin v2", zipkin(file, body)?)
    } else {
        let otlp = body.find("\"resourceSpans\"");
        let jaeger = body.find("\"data\"");
        match (otlp, jaeger) {
            (Some(o), j) if j.is_none_or(|j| o < j) => ("OTLP/JSON", otlp_spans(file, body)?),
            (_, Some(_)) => ("Jaeger JSON", jaeger_spans(file, body)?),
            _ => {
                return Err(Problem::at(
                    file,
                    "(top level)",
                    "neither a Zipkin v2 list of spans, an OTLP/JSON object with resourceSpans, nor a Jaeger object with data",
                    "export the traces as Zipkin v2 JSON, OTLP/JSON or Jaeger's JSON",
                ))
            }
        }
    };
    Ok(link(format, raws))
}

fn json<'a, T: Deserialize<'a>>(file: &str, text: &'a str, what: &str) -> Result<T, Problem> {
    serde_json::from_str(text).map_err(|e| Problem {
        message: format!(
            "{}:{}:{}: malformed {what}: {e}. Fix: correct the file there, or export it again.",
            sim_core::error::shown(file),
            e.line(),
            e.column()
        ),
    })
}

/// A number of µs or ns written as a number or a string.
fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn failed_status(code: Option<&str>) -> bool {
    code.and_then(|c| c.parse::<u32>().ok())
        .is_some_and(|c| c >= 500)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZSpan {
    trace_id: String,
    id: String,
    #[serde(default)]
    parent_id: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    timestamp: Option<Value>,
    #[serde(default)]
    duration: Option<Value>,
    #[serde(default)]
    local_endpoint: Option<ZEndpoint>,
    #[serde(default)]
    tags: BTreeMap<String, Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZEndpoint {
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    ipv4: Option<String>,
}

fn zipkin(file: &str, body: &str) -> Result<Vec<Raw>, Problem> {
    let nested = body[1..].trim_start().starts_with('[');
    let list: Vec<ZSpan> = if nested {
        json::<Vec<Vec<ZSpan>>>(file, body, "Zipkin JSON")?
            .into_iter()
            .flatten()
            .collect()
    } else {
        json(file, body, "Zipkin JSON")?
    };
    Ok(list
        .into_iter()
        .map(|s| {
            let tag = |k: &str| s.tags.get(k).and_then(|v| v.as_str().map(str::to_string));
            let start = s.timestamp.as_ref().and_then(int).unwrap_or(i64::MIN);
            let dur = s.duration.as_ref().and_then(int).unwrap_or(0);
            let ep = s.local_endpoint.as_ref();
            Raw {
                error: s.tags.contains_key("error")
                    || failed_status(tag("http.status_code").as_deref()),
                instance: tag("instance")
                    .or_else(|| tag("host.name"))
                    .or_else(|| ep.and_then(|e| e.ipv4.clone())),
                zone: tag("zone").or_else(|| tag("cloud.availability_zone")),
                service: ep.and_then(|e| e.service_name.clone()).unwrap_or_default(),
                kind: s.kind.as_deref().map_or(Kind::Server, Kind::from_name),
                start_ns: start.saturating_mul(1000),
                end_ns: start.saturating_add(dur).saturating_mul(1000),
                trace: s.trace_id,
                id: s.id,
                parent: s.parent_id,
            }
        })
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Otlp {
    resource_spans: Vec<OResource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OResource {
    #[serde(default)]
    resource: Option<OAttrs>,
    #[serde(default)]
    scope_spans: Vec<OScope>,
    #[serde(default)]
    instrumentation_library_spans: Vec<OScope>,
}

#[derive(Deserialize)]
struct OAttrs {
    #[serde(default)]
    attributes: Vec<OKeyValue>,
}

#[derive(Deserialize)]
struct OKeyValue {
    key: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct OScope {
    #[serde(default)]
    spans: Vec<OSpan>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OSpan {
    trace_id: String,
    span_id: String,
    #[serde(default)]
    parent_span_id: Option<String>,
    #[serde(default)]
    kind: Value,
    #[serde(default)]
    start_time_unix_nano: Value,
    #[serde(default)]
    end_time_unix_nano: Value,
    #[serde(default)]
    attributes: Vec<OKeyValue>,
    #[serde(default)]
    status: Option<OStatus>,
}

#[derive(Deserialize)]
struct OStatus {
    #[serde(default)]
    code: Value,
}

/// An OTLP AnyValue as text.
fn any_text(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    o.get("stringValue")
        .and_then(|s| s.as_str().map(str::to_string))
        .or_else(|| o.get("intValue").and_then(int).map(|i| i.to_string()))
}

fn attr(list: &[OKeyValue], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        list.iter()
            .find(|a| a.key == *k)
            .and_then(|a| any_text(&a.value))
    })
}

fn otlp_spans(file: &str, body: &str) -> Result<Vec<Raw>, Problem> {
    let o: Otlp = json(file, body, "OTLP/JSON")?;
    let mut out = Vec::new();
    for r in o.resource_spans {
        let res = r.resource.map(|a| a.attributes).unwrap_or_default();
        let service = attr(&res, &["service.name"]).unwrap_or_default();
        for scope in r
            .scope_spans
            .into_iter()
            .chain(r.instrumentation_library_spans)
        {
            for s in scope.spans {
                let a = &s.attributes;
                let code = s.status.map_or(Value::Null, |st| st.code);
                out.push(Raw {
                    error: code == 2
                        || code == "STATUS_CODE_ERROR"
                        || failed_status(
                            attr(a, &["http.status_code", "http.response.status_code"]).as_deref(),
                        ),
                    instance: attr(a, &["microsim.instance", "instance"]).or_else(|| {
                        attr(&res, &["service.instance.id", "host.name", "k8s.pod.name"])
                    }),
                    zone: attr(a, &["cloud.availability_zone", "zone"])
                        .or_else(|| attr(&res, &["cloud.availability_zone"])),
                    service: service.clone(),
                    kind: Kind::from_otlp(&s.kind),
                    start_ns: int(&s.start_time_unix_nano).unwrap_or(i64::MIN),
                    end_ns: int(&s.end_time_unix_nano).unwrap_or(i64::MIN),
                    trace: s.trace_id,
                    id: s.span_id,
                    parent: s.parent_span_id.filter(|p| !p.is_empty()),
                });
            }
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct Jaeger {
    data: Vec<JTrace>,
}

#[derive(Deserialize)]
struct JTrace {
    #[serde(default)]
    spans: Vec<JSpan>,
    #[serde(default)]
    processes: BTreeMap<String, JProcess>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JProcess {
    #[serde(default)]
    service_name: String,
    #[serde(default)]
    tags: Vec<JTag>,
}

#[derive(Deserialize)]
struct JTag {
    key: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JSpan {
    #[serde(rename = "traceID")]
    trace_id: String,
    #[serde(rename = "spanID")]
    span_id: String,
    #[serde(default, rename = "parentSpanID")]
    parent_span_id: Option<String>,
    #[serde(default)]
    references: Vec<JRef>,
    #[serde(default)]
    start_time: Value,
    #[serde(default)]
    duration: Value,
    #[serde(default)]
    tags: Vec<JTag>,
    #[serde(default, rename = "processID")]
    process_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JRef {
    #[serde(default)]
    ref_type: String,
    #[serde(default, rename = "spanID")]
    span_id: String,
}

fn tag_text(tags: &[JTag], key: &str) -> Option<String> {
    tags.iter().find(|t| t.key == key).map(|t| match &t.value {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    })
}

fn jaeger_spans(file: &str, body: &str) -> Result<Vec<Raw>, Problem> {
    let j: Jaeger = json(file, body, "Jaeger JSON")?;
    let mut out = Vec::new();
    for t in j.data {
        for s in t.spans {
            let process = t.processes.get(&s.process_id);
            let ptags: &[JTag] = process.map_or(&[], |p| &p.tags);
            let start = int(&s.start_time).unwrap_or(i64::MIN);
            let dur = int(&s.duration).unwrap_or(0);
            let kind = tag_text(&s.tags, "span.kind").map_or(Kind::Server, |k| Kind::from_name(&k));
            // A FOLLOWS_FROM parent does not wait: the span is a consumer's.
            let follows = s.references.iter().any(|r| r.ref_type == "FOLLOWS_FROM");
            out.push(Raw {
                error: tag_text(&s.tags, "error").is_some_and(|e| e == "true")
                    || failed_status(tag_text(&s.tags, "http.status_code").as_deref()),
                instance: tag_text(ptags, "hostname").or_else(|| tag_text(ptags, "ip")),
                zone: tag_text(&s.tags, "zone").or_else(|| tag_text(ptags, "zone")),
                service: process.map(|p| p.service_name.clone()).unwrap_or_default(),
                kind: if follows && kind == Kind::Server {
                    Kind::Consumer
                } else {
                    kind
                },
                start_ns: start.saturating_mul(1000),
                end_ns: start.saturating_add(dur).saturating_mul(1000),
                parent: s
                    .references
                    .first()
                    .map(|r| r.span_id.clone())
                    .or(s.parent_span_id)
                    .filter(|p| !p.is_empty()),
                trace: s.trace_id,
                id: s.span_id,
            });
        }
    }
    Ok(out)
}

/// Interns names into indices, in order of first appearance.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    index: HashMap<String, u32>,
}

impl Names {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.to_string());
        self.index.insert(s.to_string(), i);
        i
    }
}

/// Links parents by id within each trace.
fn link(format: &'static str, raws: Vec<Raw>) -> Spans {
    let mut out = Spans {
        format,
        ..Spans::default()
    };
    let (mut services, mut instances, mut zones, mut traces) = (
        Names::default(),
        Names::default(),
        Names::default(),
        Names::default(),
    );
    let mut parents: Vec<Option<(u32, String)>> = Vec::new();
    // (trace, span id) → the spans with that id, in file order.
    let mut by_id: HashMap<(u32, String), Vec<u32>> = HashMap::new();
    for r in raws {
        if r.service.is_empty() || r.start_ns == i64::MIN || r.end_ns == i64::MIN {
            out.unreadable += 1;
            continue;
        }
        let trace = traces.id(&r.trace);
        let i = out.spans.len() as u32;
        by_id.entry((trace, r.id)).or_default().push(i);
        parents.push(r.parent.map(|p| (trace, p)));
        out.spans.push(Span {
            parent: None,
            orphan: false,
            service: services.id(&r.service),
            start_ns: r.start_ns,
            end_ns: r.end_ns.max(r.start_ns),
            error: r.error,
            kind: r.kind,
            instance: r.instance.map(|n| instances.id(&n)),
        });
        if let Some(z) = r.zone {
            zones.id(&z);
        }
    }
    // The span a child's parent id means: with a shared id (Zipkin's B3
    // one-span-per-RPC), the server's half — the children are its work.
    let owner = |ids: &Vec<u32>, spans: &[Span]| {
        ids.iter()
            .copied()
            .find(|&i| spans[i as usize].kind != Kind::Client)
            .unwrap_or(ids[0])
    };
    for (i, p) in parents.iter().enumerate() {
        let Some(key) = p else { continue };
        match by_id.get(key) {
            Some(ids) => out.spans[i].parent = Some(owner(ids, &out.spans)),
            None => out.spans[i].orphan = true,
        }
    }
    // A shared id's server half is its client half's child.
    let mut shared: Vec<&Vec<u32>> = by_id.values().filter(|ids| ids.len() > 1).collect();
    shared.sort();
    for ids in shared {
        let client = ids
            .iter()
            .copied()
            .find(|&i| out.spans[i as usize].kind == Kind::Client);
        if let Some(client) = client {
            for &i in ids.iter().filter(|&&i| i != client) {
                out.spans[i as usize].parent = Some(client);
                out.spans[i as usize].orphan = false;
            }
        }
    }
    out.services = services.list;
    out.instances = instances.list;
    out.zones = zones.list;
    out.traces = traces.list.len();
    out
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// Zipkin with B3's shared spans: the client's and the server's halves
    /// of a call share an id.
    pub const ZIPKIN: &str = r#"[
      {"traceId":"a","id":"1","kind":"SERVER","timestamp":1000,"duration":900,"localEndpoint":{"serviceName":"web"}},
      {"traceId":"a","id":"2","parentId":"1","kind":"CLIENT","timestamp":1100,"duration":500,"localEndpoint":{"serviceName":"web"}},
      {"traceId":"a","id":"2","parentId":"1","kind":"SERVER","shared":true,"timestamp":1150,"duration":400,"localEndpoint":{"serviceName":"api"},"tags":{"http.status_code":"503"}},
      {"traceId":"a","id":"3","parentId":"2","kind":"CLIENT","timestamp":1200,"duration":100,"localEndpoint":{"serviceName":"api"}},
      {"traceId":"a","id":"4","parentId":"3","timestamp":1210,"duration":80,"localEndpoint":{"serviceName":"db"}}
    ]"#;

    /// OTLP/JSON with kinds as numbers and names, times as strings.
    pub const OTLP: &str = r#"{"resourceSpans":[
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web"}}]},
       "scopeSpans":[{"spans":[{"traceId":"aa","spanId":"01","kind":2,"startTimeUnixNano":"1000000","endTimeUnixNano":"9000000","status":{"code":2}}]}]},
      {"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]},
       "scopeSpans":[{"spans":[{"traceId":"aa","spanId":"02","parentSpanId":"01","kind":"SPAN_KIND_SERVER","startTimeUnixNano":2000000,"endTimeUnixNano":"5000000"}]}]}
    ]}"#;

    #[test]
    fn shared_zipkin_ids_make_the_server_half_the_clients_child() {
        let s = spans("z.json", ZIPKIN).unwrap();
        assert_eq!(s.format, "Zipkin v2");
        // The server half (index 2) is the client half's (1) child; the
        // api's own client span (3) is the server half's child.
        assert_eq!(s.spans[2].parent, Some(1));
        assert_eq!(s.spans[3].parent, Some(2));
        assert!(s.spans[2].error, "a 5xx status is an error");
        assert_eq!(s.services, ["web", "api", "db"]);
    }

    #[test]
    fn otlp_kinds_times_and_status() {
        let s = spans("o.json", OTLP).unwrap();
        assert_eq!(s.format, "OTLP/JSON");
        assert_eq!(
            (s.spans[0].start_ns, s.spans[0].end_ns),
            (1_000_000, 9_000_000)
        );
        assert!(s.spans[0].error && !s.spans[1].error);
        assert_eq!(s.spans[1].parent, Some(0));
    }
}
