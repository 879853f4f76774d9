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
        let mut s = String::from(file);
        if let Some((l, c)) = self.position {
            s.push_str(&format!(":{l}:{c}"));
        }
        s.push_str(": ");
        s.push_str(&self.to_string());
        s
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.path.is_empty() {
            write!(f, "at {}: ", self.path)?;
        }
        write!(f, "{}", self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " Fix: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for InputError {}

/// A number for a message, short whatever its size: `12`, `0.25`, `1.5e12`,
/// never 309 digits.
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
    fn renders_file_position_and_hint() {
        let mut e = InputError::at("services[1].count", "count is negative").hint("use 0 or more");
        e.position = Some((3, 7));
        assert_eq!(
            e.render("a.json"),
            "a.json:3:7: at services[1].count: count is negative Fix: use 0 or more"
        );
    }
}
