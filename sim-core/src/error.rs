//! Errors in user input: where it is, what is wrong, how to fix it.
//!
//! Every problem with an architecture or scenario file becomes one [`InputError`]
//! so the CLI can print a single paragraph naming the file, the place (JSON path
//! and, for syntax errors, line:column) and a suggestion, and exit with code 2.

use std::fmt;

/// A problem with user input, located as precisely as the parser allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// JSON path of the offending value, e.g. `services[3].count` (empty for the whole file).
    pub path: String,
    /// 1-based line and column for syntax and type errors, when known.
    pub position: Option<(usize, usize)>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl InputError {
    /// An error at a JSON path with no line information (semantic errors).
    pub fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputError {
            path: path.into(),
            position: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a suggestion to the error.
    #[must_use]
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Renders the error as one paragraph prefixed by the file name.
    pub fn render(&self, file: &str) -> String {
        let mut s = shown(file);
        if let Some((l, c)) = self.position {
            s.push_str(&format!(":{l}:{c}"));
        }
        s.push_str(": ");
        s.push_str(&self.to_string());
        s
    }
}

impl fmt::Display for InputError {
    // Values in messages went through `quoted` already; escaping again here is
    // the net for text that did not (serde's messages, JSON paths with a key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "at {}: ", shown(&self.path))?;
        }
        write!(f, "{}", escaped(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, " Fix: {}", escaped(h))?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// A figure microsim computed, for a message or a table: rounded to three
/// decimals or three significant digits, short whatever its size (`12`,
/// `0.25`, `1.50e12`, never 309 digits). A value the user wrote goes through
/// [`num`] instead, which never rounds.
pub fn compact(x: f64) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        return format!("{x:.2e}");
    }
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Returns the candidate closest to `word` when it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Longest user value a message quotes whole, in characters.
pub const QUOTE_MAX: usize = 80;

/// Longest file name or JSON path a message shows whole, in characters.
pub const SHOWN_MAX: usize = 160;

/// Whether `c` breaks the text it is put in: a control character (it moves the
/// cursor, rings the bell or starts a terminal escape; XML forbids most), a
/// bidirectional override or isolate (it reorders what a reader sees), a line
/// or paragraph separator, or a noncharacter XML refuses (U+FFFE, U+FFFF).
pub fn breaks_text(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FFFE}'
                | '\u{FFFF}'
        )
}

/// A user's value as a message quotes it: in double quotes, escaped as a JSON
/// string would be (`"a\u0007b"`, `"say \"hi\""`), so it can be searched for
/// in the file, and cut after [`QUOTE_MAX`] characters with its length, so a
/// megabyte of name gives a line, not a megabyte: `"aaaa…" (1048576 characters)`.
pub fn quoted(value: &str) -> String {
    let mut s = String::from("\"");
    for (shown, c) in value.chars().enumerate() {
        if shown == QUOTE_MAX {
            s.push_str(&format!("…\" ({} characters)", value.chars().count()));
            return s;
        }
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c => push_escaped(&mut s, c),
        }
    }
    s.push('"');
    s
}

/// `text` with every character that [`breaks_text`] escaped (`\u0007`, `\n`);
/// nothing else changes.
pub fn escaped(text: &str) -> String {
    if !text.chars().any(breaks_text) {
        return text.to_string();
    }
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        push_escaped(&mut s, c);
    }
    s
}

/// A file name or JSON path as a message shows it, unquoted: escaped as
/// [`escaped`], and when longer than [`SHOWN_MAX`] characters cut in the
/// middle, keeping its start and its end (where the file name is).
pub fn shown(text: &str) -> String {
    let n = text.chars().count();
    if n <= SHOWN_MAX {
        return escaped(text);
    }
    let head: String = text.chars().take(SHOWN_MAX / 4).collect();
    let tail: String = text.chars().skip(n - SHOWN_MAX / 2).collect();
    format!("{}…{} ({n} characters)", escaped(&head), escaped(&tail))
}

fn push_escaped(s: &mut String, c: char) {
    match c {
        '\n' => s.push_str("\\n"),
        '\r' => s.push_str("\\r"),
        '\t' => s.push_str("\\t"),
        c if breaks_text(c) => s.push_str(&format!("\\u{:04x}", u32::from(c))),
        c => s.push(c),
    }
}

/// A user's number as a message quotes it: exactly as Rust prints it when
/// that is short (`0.5`, `100`, `1.0000001`), in exponent form otherwise
/// (`1e308`, not 309 digits; `1e-9`, not `0.000000001`). Never rounded: a
/// message about a value out of range must show the value that is.
pub fn num(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-6..1e15).contains(&a) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_short() {
        assert_eq!(compact(12.0), "12");
        assert_eq!(compact(0.25), "0.25");
        assert_eq!(compact(1e308), "1.00e308");
        assert_eq!(compact(1.5e12), "1.50e12");
        assert_eq!(compact(f64::INFINITY), "inf");
    }

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            did_you_mean("concurency", ["concurrency", "queue"]),
            Some("concurrency")
        );
        assert_eq!(did_you_mean("zzz", ["concurrency", "queue"]), None);
    }

    #[test]
    fn quoted_values_are_escaped_and_cut() {
        assert_eq!(quoted("web"), "\"web\"");
        assert_eq!(
            quoted("a\u{7}b\"c\\\n\u{202e}"),
            r#""a\u0007b\"c\\\n\u202e""#
        );
        let long = "é".repeat(1 << 20);
        let q = quoted(&long);
        assert!(q.ends_with("…\" (1048576 characters)"), "{q}");
        assert_eq!(q.chars().filter(|&c| c == 'é').count(), QUOTE_MAX);
    }

    #[test]
    fn rendering_escapes_what_was_not_quoted_and_cuts_long_paths() {
        let e = InputError::at("services[0].\u{1b}[31m", "bad \u{7}").hint("x\u{85}");
        let r = e.render("f\n.json");
        assert_eq!(
            r,
            r"f\n.json: at services[0].\u001b[31m: bad \u0007 Fix: x\u0085"
        );
        let long = format!("/tmp/{}/a.json", "d".repeat(5000));
        let r = InputError::at("", "bad.").render(&long);
        assert!(
            r.len() < 300 && r.contains("d/a.json (5012 characters)"),
            "{r}"
        );
    }

    #[test]
    fn values_print_as_written_unless_huge_or_tiny() {
        assert_eq!(num(1e308), "1e308");
        assert_eq!(num(-2.5e20), "-2.5e20");
        assert_eq!(num(1e-9), "1e-9");
        assert_eq!(num(10_000_000.0), "10000000");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn renders_file_position_and_hint() {
        let mut e = InputError::at("services[1].count", "count is negative").hint("use 0 or more");
        e.position = Some((3, 7));
        assert_eq!(
            e.render("a.json"),
            "a.json:3:7: at services[1].count: count is negative Fix: use 0 or more"
        );
    }
}
