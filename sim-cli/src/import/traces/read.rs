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

use std::borrow::Cow;
use std::collections::HashMap;

use super::super::Problem;
use super::formats;

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
    pub fn from_name(s: &str) -> Kind {
        match s.to_ascii_uppercase().trim_start_matches("SPAN_KIND_") {
            "CLIENT" => Kind::Client,
            "CONSUMER" => Kind::Consumer,
            "PRODUCER" => Kind::Producer,
            "INTERNAL" => Kind::Internal,
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

/// A span as read, before its ids are linked (strings borrowed from the
/// file where they can be).
pub struct Raw<'a> {
    pub trace: Cow<'a, str>,
    pub id: Cow<'a, str>,
    pub parent: Option<Cow<'a, str>>,
    pub service: Cow<'a, str>,
    pub start_ns: i64,
    pub end_ns: i64,
    pub error: bool,
    pub kind: Kind,
    pub instance: Option<String>,
    pub zone: Option<String>,
}

/// A JSON error at its line and column.
fn parsed<'a>(
    file: &str,
    what: &str,
    r: serde_json::Result<Vec<Raw<'a>>>,
) -> Result<Vec<Raw<'a>>, Problem> {
    r.map_err(|e| Problem {
        message: format!(
            "{}:{}:{}: malformed {what}: {e}. Fix: correct the file there, or export it again.",
            sim_core::error::shown(file),
            e.line(),
            e.column()
        ),
    })
}

/// Reads `text`, whichever of the three formats it is.
pub fn spans(file: &str, text: &str) -> Result<Spans, Problem> {
    // Positions in messages count from the file's start: only a BOM goes.
    let body = text.trim_start_matches('\u{feff}');
    let (format, raws) = if body.trim_start().starts_with('[') {
        (
            "Zipkin v2",
            parsed(file, "Zipkin JSON", formats::zipkin(body))?,
        )
    } else {
        let otlp = body.find("\"resourceSpans\"");
        let jaeger = body.find("\"data\"");
        match (otlp, jaeger) {
            (Some(o), j) if j.is_none_or(|j| o < j) => {
                ("OTLP/JSON", parsed(file, "OTLP/JSON", formats::otlp(body))?)
            }
            (_, Some(_)) => ("Jaeger JSON", parsed(file, "Jaeger JSON", formats::jaeger(body))?),
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
fn link(format: &'static str, raws: Vec<Raw<'_>>) -> Spans {
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
    let mut parents: Vec<Option<(u32, Cow<str>)>> = Vec::new();
    // (trace, span id) → the spans with that id, in file order.
    let mut by_id: HashMap<(u32, Cow<str>), Vec<u32>> = HashMap::new();
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
