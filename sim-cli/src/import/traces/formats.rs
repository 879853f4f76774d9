//! The three JSON trace formats, read into [`Raw`] spans.
//!
//! Strings are borrowed from the file's text wherever JSON lets them be (no
//! escapes), only the fields used are kept, and Zipkin's list is converted
//! span by span as it is read: importing holds the text and a few hundred
//! bytes per span, not a tree of the whole file (README: Limits and memory).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;

use super::read::{Kind, Raw};

/// A JSON scalar as a trace format writes it: a number, often as a string
/// (OTLP's int64), a bool, or text. Objects and arrays are skipped.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar<'a> {
    #[default]
    None,
    Int(i64),
    Bool(bool),
    Text(Cow<'a, str>),
}

impl Scalar<'_> {
    /// A whole number, from a number or its text.
    pub fn int(&self) -> Option<i64> {
        match self {
            Scalar::Int(i) => Some(*i),
            Scalar::Text(t) => t.parse().ok(),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Scalar::Text(t) => Some(t.to_string()),
            Scalar::Int(i) => Some(i.to_string()),
            Scalar::Bool(b) => Some(b.to_string()),
            Scalar::None => None,
        }
    }

    /// An HTTP status of 500 or more.
    fn failed_status(&self) -> bool {
        self.int().is_some_and(|c| c >= 500)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number, a string or a bool")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::Int(v as i64))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Text(Cow::Owned(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Scalar::None)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::None)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::None)
            }
        }
        d.deserialize_any(V)
    }
}

type Text<'a> = Cow<'a, str>;

// ---- Zipkin v2 ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZSpan<'a> {
    #[serde(borrow)]
    trace_id: Text<'a>,
    #[serde(borrow)]
    id: Text<'a>,
    #[serde(default, borrow)]
    parent_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    kind: Option<Text<'a>>,
    #[serde(default, borrow)]
    timestamp: Scalar<'a>,
    #[serde(default, borrow)]
    duration: Scalar<'a>,
    #[serde(default, borrow)]
    local_endpoint: Option<ZEndpoint<'a>>,
    #[serde(default, borrow)]
    tags: ZTags<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ZEndpoint<'a> {
    #[serde(default, borrow)]
    service_name: Option<Text<'a>>,
    #[serde(default, borrow)]
    ipv4: Option<Text<'a>>,
}

/// The tags read (the rest are skipped).
#[derive(Deserialize, Default)]
struct ZTags<'a> {
    #[serde(default)]
    error: Option<IgnoredAny>,
    #[serde(default, borrow, rename = "http.status_code")]
    status: Scalar<'a>,
    #[serde(default, borrow)]
    instance: Scalar<'a>,
    #[serde(default, borrow, rename = "host.name")]
    host: Scalar<'a>,
    #[serde(default, borrow)]
    zone: Scalar<'a>,
    #[serde(default, borrow, rename = "cloud.availability_zone")]
    az: Scalar<'a>,
}

impl<'a> ZSpan<'a> {
    fn raw(self) -> Raw<'a> {
        let start = self.timestamp.int().unwrap_or(i64::MIN);
        let dur = self.duration.int().unwrap_or(0);
        let ep = self.local_endpoint;
        let t = self.tags;
        Raw {
            error: t.error.is_some() || t.status.failed_status(),
            instance: t.instance.text().or_else(|| t.host.text()).or_else(|| {
                ep.as_ref()
                    .and_then(|e| e.ipv4.as_ref().map(ToString::to_string))
            }),
            zone: t.zone.text().or_else(|| t.az.text()),
            service: ep.and_then(|e| e.service_name).unwrap_or_default(),
            kind: self.kind.as_deref().map_or(Kind::Server, Kind::from_name),
            start_ns: start.saturating_mul(1000),
            end_ns: start.saturating_add(dur).saturating_mul(1000),
            trace: self.trace_id,
            id: self.id,
            parent: self.parent_id,
        }
    }
}

/// A Zipkin list — of spans, or of traces (lists of spans) — converted span
/// by span as it is read.
struct ZipkinList<'a>(Vec<Raw<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for ZipkinList<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(ZipkinVisitor(Vec::new()))
    }
}

struct ZipkinVisitor<'a>(Vec<Raw<'a>>);

/// One element: a span, or a trace's list of spans.
enum ZItem<'a> {
    Span(Box<ZSpan<'a>>),
    Trace(ZipkinList<'a>),
}

impl<'de: 'a, 'a> Deserialize<'de> for ZItem<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ZItem<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Zipkin span (an object) or a trace (a list of spans)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, s: A) -> Result<Self::Value, A::Error> {
                ZipkinVisitor(Vec::new()).visit_seq(s).map(ZItem::Trace)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
                ZSpan::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(|s| ZItem::Span(Box::new(s)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Visitor<'de> for ZipkinVisitor<'de> {
    type Value = ZipkinList<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of Zipkin spans, or of traces")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut s: A) -> Result<Self::Value, A::Error> {
        while let Some(item) = s.next_element::<ZItem<'de>>()? {
            match item {
                ZItem::Span(z) => self.0.push(z.raw()),
                ZItem::Trace(list) => self.0.extend(list.0),
            }
        }
        Ok(ZipkinList(self.0))
    }
}

pub fn zipkin(text: &str) -> serde_json::Result<Vec<Raw<'_>>> {
    serde_json::from_str::<ZipkinList>(text).map(|l| l.0)
}

// ---- OTLP/JSON ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Otlp<'a> {
    #[serde(borrow)]
    resource_spans: Vec<OResource<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OResource<'a> {
    #[serde(default, borrow)]
    resource: Option<OAttrs<'a>>,
    #[serde(default, borrow)]
    scope_spans: Vec<OScope<'a>>,
    #[serde(default, borrow)]
    instrumentation_library_spans: Vec<OScope<'a>>,
}

#[derive(Deserialize)]
struct OAttrs<'a> {
    #[serde(default, borrow)]
    attributes: Vec<OKeyValue<'a>>,
}

#[derive(Deserialize)]
struct OKeyValue<'a> {
    #[serde(borrow)]
    key: Text<'a>,
    #[serde(default, borrow)]
    value: OAny<'a>,
}

/// An AnyValue: only the string and int forms are read.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct OAny<'a> {
    #[serde(default, borrow)]
    string_value: Scalar<'a>,
    #[serde(default, borrow)]
    int_value: Scalar<'a>,
}

#[derive(Deserialize)]
struct OScope<'a> {
    #[serde(default, borrow)]
    spans: Vec<OSpan<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OSpan<'a> {
    #[serde(borrow)]
    trace_id: Text<'a>,
    #[serde(borrow)]
    span_id: Text<'a>,
    #[serde(default, borrow)]
    parent_span_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    kind: Scalar<'a>,
    #[serde(default, borrow)]
    start_time_unix_nano: Scalar<'a>,
    #[serde(default, borrow)]
    end_time_unix_nano: Scalar<'a>,
    #[serde(default, borrow)]
    attributes: Vec<OKeyValue<'a>>,
    #[serde(default, borrow)]
    status: Option<OStatus<'a>>,
}

#[derive(Deserialize)]
struct OStatus<'a> {
    #[serde(default, borrow)]
    code: Scalar<'a>,
}

fn attr(list: &[OKeyValue], keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| {
        list.iter().find(|a| a.key == *k).and_then(|a| {
            a.value
                .string_value
                .text()
                .or_else(|| a.value.int_value.text())
        })
    })
}

/// OTLP's kinds: 1 internal, 2 server, 3 client, 4 producer, 5 consumer.
fn otlp_kind(k: &Scalar) -> Kind {
    match k {
        Scalar::Int(1) => Kind::Internal,
        Scalar::Int(3) => Kind::Client,
        Scalar::Int(4) => Kind::Producer,
        Scalar::Int(5) => Kind::Consumer,
        Scalar::Text(t) => Kind::from_name(t),
        _ => Kind::Server,
    }
}

pub fn otlp(text: &str) -> serde_json::Result<Vec<Raw<'_>>> {
    let o: Otlp = serde_json::from_str(text)?;
    let mut out = Vec::new();
    for r in o.resource_spans {
        let res = r.resource.map(|a| a.attributes).unwrap_or_default();
        let service: Text = attr(&res, &["service.name"]).unwrap_or_default().into();
        for scope in r
            .scope_spans
            .into_iter()
            .chain(r.instrumentation_library_spans)
        {
            for s in scope.spans {
                let a = &s.attributes;
                let code = s.status.map_or(Scalar::None, |st| st.code);
                let status = attr(a, &["http.status_code", "http.response.status_code"]);
                out.push(Raw {
                    error: code == Scalar::Int(2)
                        || code == Scalar::Text("STATUS_CODE_ERROR".into())
                        || status
                            .and_then(|c| c.parse::<u32>().ok())
                            .is_some_and(|c| c >= 500),
                    instance: attr(a, &["microsim.instance", "instance"]).or_else(|| {
                        attr(&res, &["service.instance.id", "host.name", "k8s.pod.name"])
                    }),
                    zone: attr(a, &["cloud.availability_zone", "zone"])
                        .or_else(|| attr(&res, &["cloud.availability_zone"])),
                    service: service.clone(),
                    kind: otlp_kind(&s.kind),
                    start_ns: s.start_time_unix_nano.int().unwrap_or(i64::MIN),
                    end_ns: s.end_time_unix_nano.int().unwrap_or(i64::MIN),
                    trace: s.trace_id,
                    id: s.span_id,
                    parent: s.parent_span_id.filter(|p| !p.is_empty()),
                });
            }
        }
    }
    Ok(out)
}

// ---- Jaeger ----

#[derive(Deserialize)]
struct Jaeger<'a> {
    #[serde(borrow)]
    data: Vec<JTrace<'a>>,
}

#[derive(Deserialize)]
struct JTrace<'a> {
    #[serde(default, borrow)]
    spans: Vec<JSpan<'a>>,
    #[serde(default, borrow)]
    processes: BTreeMap<Text<'a>, JProcess<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JProcess<'a> {
    #[serde(default, borrow)]
    service_name: Text<'a>,
    #[serde(default, borrow)]
    tags: Vec<JTag<'a>>,
}

#[derive(Deserialize)]
struct JTag<'a> {
    #[serde(borrow)]
    key: Text<'a>,
    #[serde(default, borrow)]
    value: Scalar<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JSpan<'a> {
    #[serde(rename = "traceID", borrow)]
    trace_id: Text<'a>,
    #[serde(rename = "spanID", borrow)]
    span_id: Text<'a>,
    #[serde(default, rename = "parentSpanID", borrow)]
    parent_span_id: Option<Text<'a>>,
    #[serde(default, borrow)]
    references: Vec<JRef<'a>>,
    #[serde(default, borrow)]
    start_time: Scalar<'a>,
    #[serde(default, borrow)]
    duration: Scalar<'a>,
    #[serde(default, borrow)]
    tags: Vec<JTag<'a>>,
    #[serde(default, rename = "processID", borrow)]
    process_id: Text<'a>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JRef<'a> {
    #[serde(default, borrow)]
    ref_type: Text<'a>,
    #[serde(default, rename = "spanID", borrow)]
    span_id: Text<'a>,
}

fn tag<'t, 'a>(tags: &'t [JTag<'a>], key: &str) -> Option<&'t Scalar<'a>> {
    tags.iter().find(|t| t.key == key).map(|t| &t.value)
}

pub fn jaeger(text: &str) -> serde_json::Result<Vec<Raw<'_>>> {
    let j: Jaeger = serde_json::from_str(text)?;
    let mut out = Vec::new();
    for t in j.data {
        for s in t.spans {
            let process = t.processes.get(&s.process_id);
            let ptags: &[JTag] = process.map_or(&[], |p| &p.tags);
            let start = s.start_time.int().unwrap_or(i64::MIN);
            let dur = s.duration.int().unwrap_or(0);
            let kind = tag(&s.tags, "span.kind")
                .and_then(Scalar::text)
                .map_or(Kind::Server, |k| Kind::from_name(&k));
            // A FOLLOWS_FROM parent does not wait: the span is a consumer's.
            let follows = s.references.iter().any(|r| r.ref_type == "FOLLOWS_FROM");
            let error = tag(&s.tags, "error").is_some_and(|e| {
                matches!(e, Scalar::Bool(true)) || e.text().as_deref() == Some("true")
            });
            out.push(Raw {
                error: error || tag(&s.tags, "http.status_code").is_some_and(Scalar::failed_status),
                instance: tag(ptags, "hostname")
                    .or_else(|| tag(ptags, "ip"))
                    .and_then(Scalar::text),
                zone: tag(&s.tags, "zone")
                    .or_else(|| tag(ptags, "zone"))
                    .and_then(Scalar::text),
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
