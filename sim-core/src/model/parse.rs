//! JSON text to typed specs, with errors that name line:column, the JSON path,
//! and a likely fix (a missing comma, the nearest known key or package name).

use serde::de::DeserializeOwned;

use super::spec::ArchSpec;
use crate::error::{did_you_mean, InputError};

/// Parses an architecture file (no semantic checks; see [`super::validate`]).
pub fn parse_arch(text: &str) -> Result<ArchSpec, InputError> {
    parse_json(text)
}

/// Parses any microsim JSON input into `T`, mapping serde's errors to [`InputError`].
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, InputError> {
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

/// Turns a serde_json error into one located, actionable message.
fn explain(path: String, e: &serde_json::Error) -> InputError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; we print the position ourselves.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let position = (e.line() > 0).then(|| (e.line(), e.column()));
    let hint = hint_for(&message, e);
    // The hint carries the list of accepted names; keep the message short.
    let message = match message.find(", expected one of") {
        Some(i) if hint.is_some() => message[..i].to_string(),
        _ => message,
    };
    let mut err = InputError {
        path,
        position,
        message: sentence(&message),
        hint: None,
    };
    if let Some(h) = hint {
        err = err.hint(h);
    }
    err
}

fn sentence(m: &str) -> String {
    let mut s = m.to_string();
    if !s.ends_with('.') {
        s.push('.');
    }
    s
}

fn hint_for(message: &str, e: &serde_json::Error) -> Option<String> {
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
            None if expected.is_empty() => format!("remove the {what} \"{word}\"."),
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
        Category::Data if message.contains("expected a tuple of size 2") => {
            Some("write each histogram bin as a pair [upper_ms, count], e.g. [5, 40].".into())
        }
        Category::Data if message.contains("invalid type") => {
            Some("check the type of this value against `microsim schema`.".into())
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
