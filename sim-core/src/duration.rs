//! Durations as people write them in files and flags ("500ms", "10s", "2m", "1h").
//!
//! Virtual time is integer nanoseconds ([`Nanos`]); this module is the one place
//! that turns text into it, so flags and scenario files accept the same forms.

use crate::error::{quoted, InputError};

/// Virtual time and durations, in nanoseconds.
pub type Nanos = u64;

/// Nanoseconds per millisecond.
pub const MS: Nanos = 1_000_000;
/// Nanoseconds per second.
pub const SEC: Nanos = 1_000_000_000;

/// Longest duration accepted anywhere: 100 days of virtual time.
pub const MAX_DURATION: Nanos = 100 * 24 * 3600 * SEC;

/// Parses a duration with a unit, such as `250ms`, `10s`, `1.5m`, `2h` or `1m30s`.
///
/// A bare number is refused: "10" could mean seconds or milliseconds, and a
/// silent guess is worse than an error.
pub fn parse_duration(text: &str) -> Result<Nanos, InputError> {
    let t = text.trim();
    let bad = |why: &str| {
        InputError::at("", format!("bad duration {}: {why}.", quoted(text)))
            .hint("write a number with a unit, e.g. \"500ms\", \"10s\", \"2m\" or \"1h\"")
    };
    if t.is_empty() {
        return Err(bad("it is empty"));
    }
    // No duration is written in more than a few dozen characters; the parsers'
    // own messages would quote all of a longer text.
    if t.len() > 64 {
        return Err(bad("it is too long to be a duration"));
    }
    if t.parse::<f64>().is_ok() {
        return Err(bad("it has no unit"));
    }
    // Accept decimals ("1.5s") which humantime does not, by scaling to ms first.
    if let Some((num, unit)) = split_decimal(t) {
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" | "min" => 60e9,
            "h" => 3600e9,
            _ => return Err(bad(&format!("unknown unit {}", quoted(unit)))),
        };
        let ns = num * scale;
        if !(0.0..=MAX_DURATION as f64).contains(&ns) {
            return Err(bad("it is negative or longer than 100 days"));
        }
        return Ok(ns as Nanos);
    }
    let d = humantime::parse_duration(t).map_err(|e| bad(&e.to_string()))?;
    let ns = d.as_nanos();
    if ns > u128::from(MAX_DURATION) {
        return Err(bad("it is longer than 100 days"));
    }
    Ok(ns as Nanos)
}

/// Splits "1.5s" into (1.5, "s") when the text is one decimal number and one unit.
fn split_decimal(t: &str) -> Option<(f64, &str)> {
    let end = t.find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))?;
    let (num, unit) = t.split_at(end);
    if !num.contains('.') && !num.starts_with('-') {
        return None;
    }
    if unit.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((num.parse().ok()?, unit.trim()))
}

/// Formats nanoseconds as the shortest exact unit string ("1500ms", "10s").
pub fn format_duration(ns: Nanos) -> String {
    for (unit, scale) in [
        ("h", 3600 * SEC),
        ("m", 60 * SEC),
        ("s", SEC),
        ("ms", MS),
        ("us", 1_000),
    ] {
        if ns >= scale && ns % scale == 0 {
            return format!("{}{unit}", ns / scale);
        }
    }
    format!("{ns}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("500ms").unwrap(), 500 * MS);
        assert_eq!(parse_duration("10s").unwrap(), 10 * SEC);
        assert_eq!(parse_duration("2m").unwrap(), 120 * SEC);
        assert_eq!(parse_duration("1h").unwrap(), 3600 * SEC);
        assert_eq!(parse_duration("1m30s").unwrap(), 90 * SEC);
        assert_eq!(parse_duration("1.5s").unwrap(), 1500 * MS);
    }

    #[test]
    fn refuses_bad_durations() {
        let long = "1".repeat(1 << 20) + "s";
        for bad in [
            "",
            "10",
            "ten seconds",
            "10x",
            "-5s",
            "1000d",
            "1.5parsecs",
            &long,
        ] {
            let e = parse_duration(bad).unwrap_err();
            assert!(e.message.contains("bad duration"), "{bad}: {e}");
            assert!(e.hint.is_some());
            assert!(e.to_string().len() < 400, "a short message: {e}");
        }
        let e = parse_duration("1\u{1b}[2Js").unwrap_err().to_string();
        assert!(!e.contains('\u{1b}') && e.contains("\\u001b"), "{e}");
    }

    #[test]
    fn formats_round_trip() {
        for ns in [10 * SEC, 1500 * MS, 2 * 3600 * SEC, 7] {
            assert_eq!(parse_duration(&format_duration(ns)).unwrap(), ns);
        }
    }
}
