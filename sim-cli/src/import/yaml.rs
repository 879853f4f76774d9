//! YAML documents (docker-compose, Kubernetes, Istio) as JSON values, with a
//! budget on what aliases expand to.
//!
//! A YAML alias (`*a`) repeats the node its anchor (`&a`) names, so nine
//! lines of nested aliases stand for a billion scalars ("billion laughs").
//! Loaders that copy the anchored node at every alias spend that memory
//! before they notice. Here every node built carries a weight — [`NODE_BYTES`]
//! plus its text — and an anchor remembers its subtree's weight, so an alias
//! is refused *before* it is copied once the document set would pass
//! [`MAX_BYTES`]: memory and time stay bounded by the budget whatever the
//! file. Nesting deeper than [`MAX_DEPTH`] is refused too (dropping a deep
//! tree recurses).
//!
//! Scalars resolve by YAML 1.2's core schema (plain `null`, `~`, `true`,
//! integers and floats become JSON's; quoted and block scalars stay text;
//! `!!str` and the other core tags are obeyed), and the merge key `<<`
//! (docker-compose's `<<: *defaults`) copies the keys a mapping lacks.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use serde_json::{Map, Number, Value};

/// What one node weighs in the budget, besides its text: about what a JSON
/// value and its place in a map cost.
pub const NODE_BYTES: usize = 64;
/// The most a file may expand to, aliases included (16 MiB of weight; the
/// values built stay within a few times that).
pub const MAX_BYTES: usize = 16 << 20;
/// Deepest nesting of sequences and mappings.
pub const MAX_DEPTH: usize = 128;

/// A YAML file that could not be read, with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong, and the fix.
    pub message: String,
}

impl YamlError {
    fn at(span: &Span, message: impl Into<String>) -> Self {
        YamlError {
            line: span.start.line(),
            col: span.start.col() + 1,
            message: message.into(),
        }
    }

    fn scan(e: &ScanError) -> Self {
        YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: format!(
                "malformed YAML: {}. Fix: correct the file there (a YAML linter shows the same place).",
                e.info()
            ),
        }
    }
}

/// A collection being built.
enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        weight: usize,
    },
    Map {
        map: Map<String, Value>,
        /// Mappings merged in by `<<`, applied at the end (the mapping's own keys win).
        merges: Vec<Map<String, Value>>,
        key: Option<String>,
        anchor: usize,
        weight: usize,
    },
}

/// Every document of `text`, in order (empty documents are `null`).
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Anchor id → (the node, its weight); saphyr numbers anchors from 1.
    let mut anchors: Vec<Option<(Value, usize)>> = Vec::new();
    let mut total = 0usize;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError::scan(&e))?;
        let (value, anchor, weight) = match event {
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(YamlError::at(
                        &span,
                        format!("the YAML nests deeper than {MAX_DEPTH} levels. Fix: flatten the file; no manifest needs that depth."),
                    ));
                }
                total += NODE_BYTES;
                let weight = NODE_BYTES;
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Frame::Seq {
                        items: Vec::new(),
                        anchor,
                        weight,
                    }
                } else {
                    Frame::Map {
                        map: Map::new(),
                        merges: Vec::new(),
                        key: None,
                        anchor,
                        weight,
                    }
                });
                check(total, &span)?;
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq {
                    items,
                    anchor,
                    weight,
                }) => (Value::Array(items), anchor, weight),
                _ => unreachable!("the parser pairs starts and ends"),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map {
                    mut map,
                    merges,
                    anchor,
                    weight,
                    ..
                }) => {
                    for m in merges {
                        for (k, v) in m {
                            map.entry(k).or_insert(v);
                        }
                    }
                    (Value::Object(map), anchor, weight)
                }
                _ => unreachable!("the parser pairs starts and ends"),
            },
            Event::Scalar(text, style, anchor, tag) => {
                let weight = NODE_BYTES + text.len();
                total += weight;
                check(total, &span)?;
                let tag = tag.map(|t| t.suffix.clone());
                (scalar(&text, style, tag.as_deref()), anchor, weight)
            }
            Event::Alias(id) => {
                let Some(Some((v, w))) = anchors.get(id) else {
                    return Err(YamlError::at(
                        &span,
                        "an alias names an anchor not defined before it. Fix: define the anchor (&name) before the alias (*name).",
                    ));
                };
                total += w;
                check(total, &span)?;
                (v.clone(), 0, *w)
            }
            Event::DocumentStart(_) => {
                // A document's anchors are its own; its root goes in this slot.
                anchors.clear();
                docs.push(Value::Null);
                continue;
            }
            Event::DocumentEnd | Event::StreamStart | Event::StreamEnd | Event::Nothing => continue,
        };
        if anchor > 0 {
            if anchors.len() <= anchor {
                anchors.resize(anchor + 1, None);
            }
            anchors[anchor] = Some((value.clone(), weight));
        }
        place(&mut stack, &mut docs, value, weight, &span)?;
    }
    Ok(docs)
}

fn check(total: usize, span: &Span) -> Result<(), YamlError> {
    if total > MAX_BYTES {
        return Err(YamlError::at(
            span,
            format!(
                "the YAML expands to more than {} MiB (aliases repeat what their anchors name: nested aliases, \"billion laughs\", grow without end). Fix: write the values out or use fewer nested aliases; a manifest never needs this much.",
                MAX_BYTES >> 20
            ),
        ));
    }
    Ok(())
}

/// Puts a finished node where it belongs: in the collection being built, or
/// as the root of the current document.
fn place(
    stack: &mut [Frame],
    docs: &mut [Value],
    value: Value,
    weight: usize,
    span: &Span,
) -> Result<(), YamlError> {
    match stack.last_mut() {
        // The document's root.
        None => {
            if let Some(slot) = docs.last_mut() {
                *slot = value;
            }
        }
        Some(Frame::Seq {
            items, weight: w, ..
        }) => {
            items.push(value);
            *w += weight;
        }
        Some(Frame::Map {
            map,
            merges,
            key,
            weight: w,
            ..
        }) => {
            *w += weight;
            match key.take() {
                None => {
                    let k = match value {
                        Value::String(s) => s,
                        Value::Number(n) => n.to_string(),
                        Value::Bool(b) => b.to_string(),
                        Value::Null => String::new(),
                        _ => {
                            return Err(YamlError::at(
                                span,
                                "a mapping key is itself a sequence or a mapping. Fix: use a plain text key.",
                            ))
                        }
                    };
                    *key = Some(k);
                }
                Some(k) if k == "<<" => match value {
                    Value::Object(m) => merges.push(m),
                    Value::Array(list) => {
                        for v in list {
                            if let Value::Object(m) = v {
                                merges.push(m);
                            }
                        }
                    }
                    other => {
                        map.insert(k, other);
                    }
                },
                Some(k) => {
                    map.insert(k, value);
                }
            }
        }
    }
    Ok(())
}

/// A scalar by YAML 1.2's core schema.
fn scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    let plain = style == ScalarStyle::Plain;
    match tag {
        Some("str") => return Value::String(text.to_string()),
        Some("null") => return Value::Null,
        Some("bool" | "int" | "float") => {}
        _ if !plain => return Value::String(text.to_string()),
        _ => {}
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let int = |digits: &str, radix| i64::from_str_radix(digits, radix).ok();
    let parsed = if let Some(h) = text.strip_prefix("0x") {
        int(h, 16)
    } else if let Some(o) = text.strip_prefix("0o") {
        int(o, 8)
    } else if text
        .strip_prefix(['-', '+'])
        .unwrap_or(text)
        .bytes()
        .all(|b| b.is_ascii_digit())
    {
        text.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = parsed {
        return Value::Number(i.into());
    }
    let looks_float = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_float {
        if let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_follow_the_core_schema_and_quotes_keep_text() {
        let d = documents(
            "a: 3\nb: '3'\nc: true\nd: ~\ne: 1.5\nf: hello world\ng: \"0x10\"\nh: 0x10\ni: !!str 7\nj: 1e3\nk: 1.2.3\n",
        )
        .unwrap();
        assert_eq!(
            d,
            vec![
                json!({"a": 3, "b": "3", "c": true, "d": null, "e": 1.5, "f": "hello world",
                "g": "0x10", "h": 16, "i": "7", "j": 1000.0, "k": "1.2.3"})
            ]
        );
    }

    #[test]
    fn documents_anchors_and_merge_keys() {
        let d = documents(
            "x-env: &env\n  A: 1\n  B: 2\nsvc:\n  environment:\n    <<: *env\n    B: 3\n---\nkind: Service\n---\n",
        )
        .unwrap();
        assert_eq!(d.len(), 3, "{d:?}");
        assert_eq!(d[0]["svc"]["environment"], json!({"A": 1, "B": 3}));
        assert_eq!(d[1], json!({"kind": "Service"}));
        assert_eq!(d[2], Value::Null);
        let list = documents("- &a [1, 2]\n- *a\n").unwrap();
        assert_eq!(list, vec![json!([[1, 2], [1, 2]])]);
    }

    #[test]
    fn malformed_yaml_gives_line_and_column() {
        let e = documents("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        assert!(e.message.contains("malformed YAML"), "{e:?}");
        let e = documents("a: 1\n  b: 2\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 4), "{e:?}");
    }

    /// A billion laughs: nine levels of nine aliases each, 9⁹ scalars. The
    /// refusal comes from the budget, before the copy that would pass it.
    #[test]
    fn a_billion_laughs_is_refused_by_the_budget() {
        let e = documents(&billion_laughs()).unwrap_err();
        assert!(e.message.contains("expands to more than 16 MiB"), "{e:?}");
        assert!(e.message.contains("billion laughs"), "{e:?}");
        assert!(e.line > 1, "names the alias that passed the budget: {e:?}");
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let e = documents(&text).unwrap_err();
        assert!(e.message.contains("nests deeper than 128"), "{e:?}");
    }

    /// The classic YAML bomb (as published for libyaml and PyYAML).
    pub fn billion_laughs() -> String {
        let mut s = String::from(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            s.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        s
    }
}
