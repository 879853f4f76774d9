//! JSON text to typed specs, with errors that name line:column, the JSON path,
//! and a likely fix (a missing comma, the nearest known key or package name).

use serde::de::DeserializeOwned;

use super::spec::ArchSpec;
use crate::error::{did_you_mean, quoted, InputError, QUOTE_MAX};

/// What an architecture file is, for a file that is something else.
pub const ARCH_SHAPE: Shape = Shape {
    what: "an architecture file is one JSON object {\"arch\": …, \"services\": […]}",
    wrap: "if the array holds the services, put it in an object: {\"arch\": \"name\", \"services\": [ … ]}.",
};

/// What a microsim input is, for one that is not a JSON object: what it should
/// be, and how to turn an array into it.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// "an architecture file is one JSON object {…}".
    pub what: &'static str,
    /// The fix for a top-level array.
    pub wrap: &'static str,
}

/// Parses an architecture file (no semantic checks; see [`super::validate`]).
pub fn parse_arch(text: &str) -> Result<ArchSpec, InputError> {
    parse_object(text, ARCH_SHAPE)
}

/// Parses any microsim JSON input into `T`, mapping serde's errors to [`InputError`].
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, InputError> {
    parse_object(
        text,
        Shape {
            what: "the input is one JSON object {…}",
            wrap: "write one JSON object {…}.",
        },
    )
}

/// Parses a microsim input, which is one JSON object, into `T`.
///
/// A UTF-8 byte-order mark at the start is skipped: it carries nothing in
/// UTF-8, RFC 8259 lets a parser ignore it, and Windows editors add it unseen,
/// so refusing it would ask people to fix what they cannot see. Anything but
/// an object at the top (an array, a string, a number) is refused in words
/// that say what the file should be (`shape`), not in serde's type names.
pub fn parse_object<T: DeserializeOwned>(text: &str, shape: Shape) -> Result<T, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(e) = not_an_object(text, shape) {
        return Err(e);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        explain(
            if path == "." || path == "?" {
                String::new()
            } else {
                path
            },
            &inner,
        )
    })?;
    de.end().map_err(|e| explain(String::new(), &e))?;
    Ok(value)
}

/// The error for a text whose first value is not an object, if it is not.
fn not_an_object(text: &str, shape: Shape) -> Option<InputError> {
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .chars()
        .next();
    let kind = match first {
        None => "an empty file",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('-' | '0'..='9') => "a number",
        Some('t' | 'f') => "true or false",
        Some('n') => "null",
        // An object, or a syntax error that serde locates better.
        Some(_) => return None,
    };
    let hint = if first == Some('[') {
        shape.wrap
    } else {
        "write one JSON object; `microsim schema` describes its keys."
    };
    Some(InputError::at("", format!("{}, not {kind}.", shape.what)).hint(hint))
}

/// Turns a serde_json error into one located, actionable message.
fn explain(path: String, e: &serde_json::Error) -> InputError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; we print the position ourselves.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let position = (e.line() > 0).then(|| (e.line(), e.column()));
    let hint = hint_for(&path, &message, e);
    // The hint carries the list of accepted names; keep the message short.
    let message = match message.find(", expected one of") {
        Some(i) if hint.is_some() => message[..i].to_string(),
        _ => message,
    };
    let mut err = InputError {
        path,
        position,
        message: sentence(&clip_values(&message)),
        hint: None,
    };
    if let Some(h) = hint {
        err = err.hint(h);
    }
    err
}

/// serde quotes what the file said whole (`unknown field \`…\``, `invalid
/// type: string "…"`): each quoted part is cut after [`QUOTE_MAX`] characters,
/// with its length, as [`quoted`] cuts the values this crate quotes.
fn clip_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(1024));
    // The delimiter of the quoted part we are in, its characters shown and in all.
    let mut open: Option<char> = None;
    let (mut kept, mut total) = (0usize, 0usize);
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        let Some(d) = open else {
            out.push(c);
            if c == '`' || c == '"' {
                (open, kept, total) = (Some(c), 0, 0);
            }
            continue;
        };
        if c == d {
            if total > kept {
                out.push_str(&format!("…{c} ({total} characters)"));
            } else {
                out.push(c);
            }
            open = None;
            continue;
        }
        total += 1;
        // Keep an escape and what it escapes together (Rust's debug form of a string).
        let escaped = (c == '\\' && d == '"').then(|| chars.next()).flatten();
        if kept < QUOTE_MAX {
            kept += 1;
            out.push(c);
            out.extend(escaped);
        }
    }
    if total > kept && open.is_some() {
        out.push('…');
    }
    out
}

fn sentence(m: &str) -> String {
    let mut s = m.to_string();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

fn hint_for(path: &str, message: &str, e: &serde_json::Error) -> Option<String> {
    use serde_json::error::Category;
    if let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    {
        let (word, tail) = rest.split_once('`')?;
        let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
        let what = if message.starts_with("unknown field") {
            "key"
        } else {
            "value"
        };
        return Some(match did_you_mean(word, expected.iter().copied()) {
            Some(best) => format!("did you mean \"{best}\"?"),
            None if expected.is_empty() => format!("remove the {what} {}.", quoted(word)),
            None => format!("use one of: {}.", expected.join(", ")),
        });
    }
    match e.classify() {
        Category::Syntax if message.contains("expected `,` or") => {
            Some("a comma is probably missing between the previous value and this one.".into())
        }
        Category::Syntax if message.contains("trailing comma") => {
            Some("remove the comma before the closing bracket.".into())
        }
        Category::Syntax => {
            Some("check the JSON syntax at this position (quotes, commas, brackets).".into())
        }
        Category::Eof => Some("the file ends too early: close every { and [.".into()),
        Category::Data
            if (path.contains("profile.steps[") || path.contains("profile.ramp["))
                && (message.contains("expected a tuple of size 2")
                    || message.contains("invalid type")) =>
        {
            Some("write each point of a profile as a pair [time with a unit, requests per second], e.g. [\"30s\", 400].".into())
        }
        Category::Data if message.contains("expected a tuple of size 2") => {
            Some("write each histogram bin as a pair [upper_ms, count], e.g. [5, 40].".into())
        }
        Category::Data if message.contains("invalid type") => {
            Some("check the type of this value against `microsim schema`.".into())
        }
        Category::Data if message.starts_with("missing field `") => {
            let field = message.split('`').nth(1)?;
            Some(format!(
                "add the key \"{field}\" here; `microsim schema` lists what each object needs."
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_comma_names_line_column_and_fix() {
        let text = "{\n  \"arch\": \"x\"\n  \"services\": []\n}";
        let e = parse_arch(text).unwrap_err();
        assert_eq!(e.position, Some((3, 3)));
        assert!(e.message.contains("expected `,`"), "{e}");
        assert!(e.hint.unwrap().contains("comma"));
    }

    #[test]
    fn unknown_extension_key_suggests_the_right_one() {
        let text =
            r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1,"concurency":4}]}"#;
        let e = parse_arch(text).unwrap_err();
        assert_eq!(e.path, "services[0].concurency");
        assert!(e.message.contains("unknown field `concurency`"), "{e}");
        assert_eq!(e.hint.as_deref(), Some("did you mean \"concurrency\"?"));
    }

    #[test]
    fn unknown_package_lists_or_suggests() {
        let text = r#"{"arch":"x","services":[{"name":"a","package":"karyn","count":1}]}"#;
        let e = parse_arch(text).unwrap_err();
        assert_eq!(e.path, "services[0].package");
        assert_eq!(e.hint.as_deref(), Some("did you mean \"karyon\"?"));
        let text = r#"{"arch":"x","services":[{"name":"a","package":"unknown","count":1}]}"#;
        let e = parse_arch(text).unwrap_err();
        assert!(e.hint.unwrap().starts_with("use one of: denominator"));
    }

    #[test]
    fn dependency_objects_report_their_own_keys() {
        let text = r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1,
            "dependencies":["b", {"service":"b","critcal":false}]}]}"#;
        let e = parse_arch(text).unwrap_err();
        assert_eq!(e.path, "services[0].dependencies[1].critcal");
        assert_eq!(e.hint.as_deref(), Some("did you mean \"critical\"?"));
    }

    #[test]
    fn trailing_garbage_and_truncation_are_errors() {
        assert!(parse_arch(r#"{"arch":"x","services":[]} x"#).is_err());
        let e = parse_arch(r#"{"arch":"x","services":["#).unwrap_err();
        assert!(e.hint.unwrap().contains("ends too early"));
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let text = r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1}]}"#;
        let with = parse_arch(&format!("\u{feff}{text}")).unwrap();
        assert_eq!(with.arch, "x");
        // Positions are counted as an editor shows them, without the mark.
        let e = parse_arch("\u{feff}{\"arch\": 1}").unwrap_err();
        assert_eq!(e.position, Some((1, 10)), "{e}");
    }

    #[test]
    fn anything_but_an_object_is_refused_in_words() {
        let e = parse_arch(r#"[{"name":"a","package":"karyon","count":1}]"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "an architecture file is one JSON object {\"arch\": …, \"services\": […]}, not an array. \
             Fix: if the array holds the services, put it in an object: {\"arch\": \"name\", \"services\": [ … ]}."
        );
        for (text, kind) in [
            ("  \"x\"", "not a string"),
            ("\n12", "not a number"),
            ("true", "not true or false"),
            ("null", "not null"),
            ("", "not an empty file"),
            ("\u{feff} \n", "not an empty file"),
        ] {
            let e = parse_arch(text).unwrap_err().to_string();
            assert!(e.contains(kind) && !e.contains("ArchSpec"), "{text:?}: {e}");
        }
        let e = parse_json::<serde_json::Value>("[]").unwrap_err();
        assert!(e.message.contains("not an array"), "{e}");
    }

    #[test]
    fn what_the_file_said_is_cut_and_escaped() {
        let key = "k".repeat(1 << 20);
        let e = parse_arch(&format!(r#"{{"arch":"x","{key}":1,"services":[]}}"#))
            .unwrap_err()
            .to_string();
        assert!(e.len() < 600, "{} bytes", e.len());
        assert!(e.contains("(1048576 characters)"), "{e}");
        let e = parse_arch(&format!(
            r#"{{"arch":"x","services":[{{"name":"a","package":"karyon","count":"{key}"}}]}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(e.len() < 600 && e.contains("invalid type: string"), "{e}");
        let e = parse_arch(r#"{"arch":"x","a\u001b[2J\u0007":1,"services":[]}"#)
            .unwrap_err()
            .to_string();
        assert!(!e.chars().any(crate::error::breaks_text), "{e:?}");
        assert!(e.contains(r"unknown field `a\u001b[2J\u0007`"), "{e}");
    }

    #[test]
    fn distribution_keys_are_checked() {
        let ok = r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1,
            "service_time":{"dist":"exponential","mean_ms":1}}]}"#;
        assert!(parse_arch(ok).is_ok());
        let bad = r#"{"arch":"x","services":[{"name":"a","package":"karyon","count":1,
            "service_time":{"dist":"exponential","mean":1}}]}"#;
        let e = parse_arch(bad).unwrap_err();
        assert!(e.message.contains("mean"), "{e}");
    }
}
