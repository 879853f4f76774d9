//! Overrides by path: where in an architecture file a sweep's value goes.
//!
//! Two spellings of one path:
//!
//! - **dotted**, `services.api.count`, `traffic.rate`,
//!   `services.api.dependencies.db.timeout_ms`: keys joined with dots;
//! - **JSON Pointer** (RFC 6901), when the path starts with `/`:
//!   `/services/3/count`, `/traffic/rate`, with `~1` for a `/` and `~0` for a
//!   `~` inside a key — for keys that hold a dot.
//!
//! On a list, a segment is an index (`3`) or a name: the element whose
//! `name` is it (spigo's `services`), or, in a `dependencies` list, the
//! dependency on that service — written as the service's name or as an
//! object with that `service`. A dependency written as a bare name becomes
//! `{"service": name}` when a key is set inside it, so `…dependencies.db.timeout_ms`
//! works whichever way the file wrote it.
//!
//! Every segment but the last must exist; the last may be a key the file
//! leaves out (a `timeout_ms` it does not set), but never a list element
//! that is not there. A path that matches nothing is an error naming the
//! segment where it went wrong and what was there instead.

use serde_json::Value;

use crate::error::quoted;

/// Most segments in a path.
pub const MAX_SEGMENTS: usize = 32;

/// A path, split into its segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverridePath {
    /// As written.
    pub text: String,
    segments: Vec<String>,
}

/// Why a path does not fit an architecture: the message and its fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What went wrong, where.
    pub message: String,
    /// What would fit.
    pub hint: String,
}

impl OverridePath {
    /// Splits `text` into segments; `Err` says why it is not a path.
    pub fn parse(text: &str) -> Result<OverridePath, String> {
        let segments: Vec<String> = if let Some(pointer) = text.strip_prefix('/') {
            pointer
                .split('/')
                .map(|s| s.replace("~1", "/").replace("~0", "~"))
                .collect()
        } else {
            text.split('.').map(str::to_string).collect()
        };
        if text.is_empty() || segments.iter().any(String::is_empty) {
            return Err(format!("{} has an empty segment", quoted(text)));
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(format!(
                "{} has {} segments; at most {MAX_SEGMENTS}",
                quoted(text),
                segments.len()
            ));
        }
        Ok(OverridePath {
            text: text.to_string(),
            segments,
        })
    }

    /// The segments, in order.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Sets `value` at this path in `doc`.
    pub fn apply(&self, doc: &mut Value, value: &Value) -> Result<(), Mismatch> {
        let mut here = doc;
        let last = self.segments.len() - 1;
        for (i, seg) in self.segments.iter().enumerate() {
            let at = if i == 0 {
                "the top of the file".to_string()
            } else {
                quoted(&self.segments[..i].join("."))
            };
            let in_dependencies = i > 0 && self.segments[i - 1] == "dependencies";
            here = match here {
                Value::Object(map) => {
                    if i == last {
                        map.insert(seg.clone(), value.clone());
                        return Ok(());
                    }
                    if !map.contains_key(seg) {
                        let keys: Vec<&str> = map.keys().map(String::as_str).collect();
                        return Err(Mismatch {
                            message: format!("there is no {} at {at}", quoted(seg)),
                            hint: format!("use one of its keys: {}.", listed(&keys)),
                        });
                    }
                    map.get_mut(seg).expect("checked")
                }
                Value::Array(list) => {
                    let found = match seg.parse::<usize>() {
                        Ok(k) if k < list.len() => Some(k),
                        _ => list.iter().position(|e| named(e, seg, in_dependencies)),
                    };
                    let Some(k) = found else {
                        let names: Vec<String> = list
                            .iter()
                            .filter_map(|e| name_of(e, in_dependencies))
                            .collect();
                        let names: Vec<&str> = names.iter().map(String::as_str).collect();
                        return Err(Mismatch {
                            message: format!(
                                "the list at {at} has no element {} ({} elements)",
                                quoted(seg),
                                list.len()
                            ),
                            hint: if names.is_empty() {
                                format!("use an index from 0 to {}.", list.len().saturating_sub(1))
                            } else {
                                format!("name one of: {}.", listed(&names))
                            },
                        });
                    };
                    if i == last {
                        list[k] = value.clone();
                        return Ok(());
                    }
                    if in_dependencies {
                        if let Value::String(service) = &list[k] {
                            let mut o = serde_json::Map::new();
                            o.insert("service".into(), Value::String(service.clone()));
                            list[k] = Value::Object(o);
                        }
                    }
                    &mut list[k]
                }
                other => {
                    return Err(Mismatch {
                        message: format!(
                            "{at} is {}, which has no {}",
                            kind(other),
                            quoted(seg)
                        ),
                        hint: format!(
                            "end the path at {at}, or give a path to an object's key or a list's element."
                        ),
                    })
                }
            };
        }
        unreachable!("the last segment returns")
    }
}

/// Whether list element `e` goes by `name`.
fn named(e: &Value, name: &str, in_dependencies: bool) -> bool {
    name_of(e, in_dependencies).is_some_and(|n| n == name)
}

/// An element's name: a service's `name`; a dependency's service.
fn name_of(e: &Value, in_dependencies: bool) -> Option<String> {
    match e {
        Value::String(s) if in_dependencies => Some(s.clone()),
        Value::Object(o) => {
            let key = if in_dependencies { "service" } else { "name" };
            o.get(key).and_then(Value::as_str).map(str::to_string)
        }
        _ => None,
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Names for a message: at most 20, each quoted.
fn listed(names: &[&str]) -> String {
    if names.is_empty() {
        return "(none)".into();
    }
    let mut s: Vec<String> = names.iter().take(20).map(|n| quoted(n)).collect();
    if names.len() > 20 {
        s.push("…".into());
    }
    s.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arch() -> Value {
        json!({"arch": "t", "traffic": {"rate": 100},
               "services": [{"name": "db", "package": "store", "count": 2},
                            {"name": "api", "package": "karyon", "count": 2,
                             "dependencies": ["db", {"service": "cache", "critical": false}]}]})
    }

    fn set(path: &str, v: &Value) -> Result<Value, Mismatch> {
        let mut doc = arch();
        OverridePath::parse(path).unwrap().apply(&mut doc, v)?;
        Ok(doc)
    }

    #[test]
    fn services_go_by_name_or_index_and_pointers_say_the_same() {
        let a = set("services.api.count", &json!(5)).unwrap();
        assert_eq!(a["services"][1]["count"], 5);
        assert_eq!(set("/services/1/count", &json!(5)).unwrap(), a);
        assert_eq!(set("services.1.count", &json!(5)).unwrap(), a);
        let r = set("traffic.rate", &json!(250.5)).unwrap();
        assert_eq!(r["traffic"]["rate"], 250.5);
    }

    #[test]
    fn a_dependency_by_name_becomes_an_object_when_a_key_is_set_inside() {
        let a = set("services.api.dependencies.db.timeout_ms", &json!(300)).unwrap();
        assert_eq!(
            a["services"][1]["dependencies"][0],
            json!({"service": "db", "timeout_ms": 300})
        );
        let b = set("services.api.dependencies.cache.critical", &json!(true)).unwrap();
        assert_eq!(b["services"][1]["dependencies"][1]["critical"], true);
    }

    #[test]
    fn a_new_last_key_is_set_but_a_missing_middle_is_named() {
        let a = set("services.db.quorum", &json!("two")).unwrap();
        assert_eq!(a["services"][0]["quorum"], "two");
        let e = set("services.apii.count", &json!(1)).unwrap_err();
        assert!(e.message.contains("no element \"apii\""), "{e:?}");
        assert!(e.hint.contains("\"api\""), "{e:?}");
        let e = set("trafic.rate", &json!(1)).unwrap_err();
        assert!(e.message.contains("no \"trafic\" at the top"), "{e:?}");
        assert!(e.hint.contains("\"traffic\""), "{e:?}");
        let e = set("traffic.rate.x", &json!(1)).unwrap_err();
        assert!(e.message.contains("is a number"), "{e:?}");
        let e = set("services.7", &json!(1)).unwrap_err();
        assert!(e.message.contains("no element \"7\""), "{e:?}");
    }

    #[test]
    fn paths_that_are_not_paths_are_refused() {
        for bad in ["", "a..b", ".a", "a.", "/", "/a//b"] {
            assert!(OverridePath::parse(bad).is_err(), "{bad}");
        }
        let p = OverridePath::parse("/a~1b/c~0d").unwrap();
        assert_eq!(p.segments(), ["a/b", "c~d"]);
    }
}
