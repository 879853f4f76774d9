//! A lesson: a story told with runs, and the steady-state hypotheses that say
//! what the runs must show.
//!
//! Workshops teach by before and after: the same traffic and the same fault
//! against two architectures (or one architecture under two scenarios), a
//! question put to the room, and the figures that answer it. A lesson file
//! holds all of that, so a teacher can run it (`microsim lesson run NAME`),
//! the viewer can show its story, and CI can hold an architecture to it: each
//! hypothesis is checked against its run's summary, in the manner of the
//! Chaos Toolkit's *steady-state hypothesis* (a probe, a tolerance, held or
//! broken), and a broken one fails the command.
//!
//! ```json
//! {"title": "A zone goes down",
//!  "story": ["Netflix runs every service in three zones …"],
//!  "question": "Which requests fail, and for how long?",
//!  "look_for": ["the failures stop at the next discovery poll"],
//!  "runs": [{"name": "before", "architecture": "netflixoss", "scenario": "zone-outage"},
//!           {"name": "after", "architecture": "netflixoss-resilient", "scenario": "zone-outage"}],
//!  "hypotheses": [{"title": "the resilient one rides it out", "run": "after",
//!                  "metric": "end_to_end.success", "comparison": ">=", "value": 0.999}]}
//! ```
//!
//! Runs name architectures and scenarios; resolving the names is the front
//! end's business (sim-core reads no files). This module checks the shape;
//! [`hypothesis`] evaluates a hypothesis against summaries.

pub mod hypothesis;

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{num, quoted, InputError};
use crate::model::{parse_object, Shape};
use crate::run::RunOptions;

pub use hypothesis::{metric, Comparison, Outcome};

/// Most runs in one lesson: a lesson compares (up to the ten steps of a
/// migration), it is not a sweep.
pub const MAX_RUNS: usize = 10;
/// Most hypotheses in one lesson.
pub const MAX_HYPOTHESES: usize = 20;
/// Most paragraphs of story, and of things to look for.
pub const MAX_PARAGRAPHS: usize = 20;
/// Longest text of one field, in characters.
pub const MAX_TEXT: usize = 4000;

/// A lesson as written.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonSpec {
    /// One line: what the lesson teaches.
    pub title: String,
    /// The story, in paragraphs: where the lesson comes from and what is at stake.
    pub story: Vec<String>,
    /// The question to put to the room before the runs.
    pub question: String,
    /// What to look at in the figures, the charts and the viewer.
    #[serde(default)]
    pub look_for: Vec<String>,
    /// The answer, told after the runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Seed of every run (1); `--seed` overrides it. Every run gets the same
    /// seed, so they see the same traffic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// The runs, compared side by side (1 to 10).
    pub runs: Vec<RunEntry>,
    /// What the runs must show (1 to 20).
    pub hypotheses: Vec<HypothesisSpec>,
}

/// One run of a lesson.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunEntry {
    /// Its column's name, e.g. "before" (letters, digits, `-`, `_`).
    pub name: String,
    /// A built-in architecture's name (`microsim list`) or a file beside the lesson.
    pub architecture: String,
    /// A built-in scenario's name (`microsim list --scenarios`) or a file beside the lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// Run options as the server's `start` takes them: `duration` ("60s"),
    /// `rate`, `scale`, `regions`, `failures`, … (not `seed`: the lesson's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A steady-state hypothesis: a figure of one run, compared with a value or
/// with a multiple of another run's figure.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HypothesisSpec {
    /// What it claims, in words.
    pub title: String,
    /// The run it is about.
    pub run: String,
    /// A figure of summary.json by its dotted path, e.g. `end_to_end.latency_ms.p99`
    /// or `services.zuul.failed`; `….success` is `ok / requests` of that object.
    pub metric: String,
    /// `>=`, `>`, `<=` or `<`.
    pub comparison: Comparison,
    /// A number, or `{"run": …, "metric": …, "times": 0.5}`: another run's figure times a factor.
    pub value: ValueSpec,
}

/// The right-hand side of a hypothesis.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ValueSpec {
    /// A fixed number.
    Number(f64),
    /// Another run's figure, times a factor.
    Figure(FigureRef),
}

/// Another run's figure.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FigureRef {
    /// The run.
    pub run: String,
    /// Its figure, as `metric` above.
    pub metric: String,
    /// Factor (1).
    #[serde(default = "one")]
    pub times: f64,
}

fn one() -> f64 {
    1.0
}

/// A checked lesson: the spec, and each run's options.
#[derive(Debug, Clone)]
pub struct Lesson {
    /// As written.
    pub spec: LessonSpec,
    /// Each run's options (defaults of `microsim run`, then the run's own,
    /// then the lesson's seed).
    pub options: Vec<RunOptions>,
}

/// JSON Schema of the lesson format.
pub fn schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(LessonSpec)).expect("schema serializes")
}

/// Parses and checks a lesson (the shape: names, counts, references between
/// runs and hypotheses, run options). Architectures and scenarios are the
/// caller's to resolve.
pub fn parse_lesson(text: &str) -> Result<Lesson, InputError> {
    let spec: LessonSpec = parse_object(
        text,
        Shape {
            what: "a lesson is one JSON object {\"title\": …, \"story\": […], \"question\": …, \"runs\": […], \"hypotheses\": […]}",
            wrap: "put the lesson in an object with title, story, question, runs and hypotheses.",
        },
    )?;
    text_field("title", &spec.title, true)?;
    text_field("question", &spec.question, true)?;
    paragraphs("story", &spec.story, true)?;
    paragraphs("look_for", &spec.look_for, false)?;
    if let Some(a) = &spec.answer {
        text_field("answer", a, true)?;
    }
    count("runs", spec.runs.len(), MAX_RUNS, "give each run as {\"name\": \"before\", \"architecture\": \"netflixoss\", \"scenario\": \"zone-outage\"}.")?;
    count(
        "hypotheses",
        spec.hypotheses.len(),
        MAX_HYPOTHESES,
        "say what the runs must show, e.g. {\"title\": …, \"run\": \"after\", \"metric\": \"end_to_end.success\", \"comparison\": \">=\", \"value\": 0.999}.",
    )?;
    let mut names = BTreeSet::new();
    let mut options = Vec::with_capacity(spec.runs.len());
    for (i, r) in spec.runs.iter().enumerate() {
        let at = |k: &str| format!("runs[{i}].{k}");
        let ok_name = !r.name.is_empty()
            && r.name.len() <= 40
            && r.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok_name {
            return Err(InputError::at(
                at("name"),
                format!("{} is not a run name.", quoted(&r.name)),
            )
            .hint("use up to 40 letters, digits, '-' or '_', e.g. \"before\"."));
        }
        if !names.insert(r.name.as_str()) {
            return Err(InputError::at(
                at("name"),
                format!("a second run is called {}.", quoted(&r.name)),
            )
            .hint("give each run its own name."));
        }
        text_field(&at("architecture"), &r.architecture, true)?;
        if let Some(s) = &r.scenario {
            text_field(&at("scenario"), s, true)?;
        }
        let mut o = serde_json::Map::new();
        if let Some(given) = &r.options {
            if given.contains_key("seed") {
                return Err(InputError::at(
                    at("options.seed"),
                    "a run of a lesson cannot have its own seed.",
                )
                .hint("set \"seed\" once for the lesson: its runs see the same traffic."));
            }
            o.clone_from(given);
        }
        o.insert("seed".into(), spec.seed.unwrap_or(1).into());
        let json = serde_json::Value::Object(o).to_string();
        let run_options = RunOptions::from_json(&json).map_err(|mut e| {
            e.path = if e.path.is_empty() {
                at("options")
            } else {
                format!("{}.{}", at("options"), e.path)
            };
            e
        })?;
        options.push(run_options);
    }
    let known = |path: String, run: &str| -> Result<(), InputError> {
        if names.contains(run) {
            return Ok(());
        }
        Err(InputError::at(
            path,
            format!("{} is not a run of this lesson.", quoted(run)),
        )
        .hint(format!(
            "use one of: {}.",
            names.iter().copied().collect::<Vec<_>>().join(", ")
        )))
    };
    for (i, h) in spec.hypotheses.iter().enumerate() {
        let at = |k: &str| format!("hypotheses[{i}].{k}");
        text_field(&at("title"), &h.title, true)?;
        known(at("run"), &h.run)?;
        hypothesis::check_path(&at("metric"), &h.metric)?;
        match &h.value {
            ValueSpec::Number(v) if !v.is_finite() => {
                return Err(
                    InputError::at(at("value"), format!("{} is not a number.", num(*v)))
                        .hint("give a finite number."),
                );
            }
            ValueSpec::Number(_) => {}
            ValueSpec::Figure(f) => {
                known(at("value.run"), &f.run)?;
                hypothesis::check_path(&at("value.metric"), &f.metric)?;
                if !f.times.is_finite() || f.times.abs() > 1e12 {
                    return Err(InputError::at(
                        at("value.times"),
                        format!("{} is not a usable factor.", num(f.times)),
                    )
                    .hint("give a finite factor, e.g. 0.5."));
                }
            }
        }
    }
    Ok(Lesson { spec, options })
}

fn text_field(path: &str, text: &str, required: bool) -> Result<(), InputError> {
    if required && text.trim().is_empty() {
        return Err(InputError::at(path, "is empty.").hint("write it: a lesson is read by people."));
    }
    if text.chars().count() > MAX_TEXT {
        return Err(InputError::at(
            path,
            format!(
                "is {} characters long; at most {MAX_TEXT}.",
                text.chars().count()
            ),
        )
        .hint("split it into paragraphs, or say it shorter."));
    }
    Ok(())
}

fn paragraphs(path: &str, list: &[String], required: bool) -> Result<(), InputError> {
    if (required && list.is_empty()) || list.len() > MAX_PARAGRAPHS {
        return Err(InputError::at(
            path,
            format!("{} paragraphs; 1 to {MAX_PARAGRAPHS}.", list.len()),
        )
        .hint("give a list of paragraphs, each a string."));
    }
    for (i, p) in list.iter().enumerate() {
        text_field(&format!("{path}[{i}]"), p, true)?;
    }
    Ok(())
}

fn count(path: &str, n: usize, max: usize, fix: &str) -> Result<(), InputError> {
    if n == 0 || n > max {
        return Err(InputError::at(path, format!("{n} given; a lesson has 1 to {max}.")).hint(fix));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"title": "t", "story": ["s"], "question": "q",
        "runs": [{"name": "before", "architecture": "netflixoss", "scenario": "zone-outage",
                  "options": {"duration": "10s"}},
                 {"name": "after", "architecture": "netflixoss-resilient"}],
        "hypotheses": [{"title": "h", "run": "after", "metric": "end_to_end.success",
                        "comparison": ">=", "value": 0.99},
                       {"title": "k", "run": "after", "metric": "end_to_end.failed",
                        "comparison": "<", "value": {"run": "before", "metric": "end_to_end.failed", "times": 0.5}}]}"#;

    #[test]
    fn a_good_lesson_gives_each_run_the_lessons_seed_and_its_options() {
        let l = parse_lesson(GOOD).unwrap();
        assert_eq!(l.options.len(), 2);
        assert_eq!(l.options[0].duration, 10 * crate::duration::SEC);
        assert_eq!(l.options[1], RunOptions::default());
        assert_eq!((l.options[0].seed, l.options[1].seed), (1, 1));
    }

    #[test]
    fn mistakes_are_named_by_their_path() {
        let cases = [
            (GOOD.replace(r#""title": "t""#, r#""title": " ""#), "title"),
            (GOOD.replace(r#""story": ["s"]"#, r#""story": []"#), "story"),
            (
                GOOD.replace(r#""name": "after""#, r#""name": "before""#),
                "runs[1].name",
            ),
            (
                GOOD.replace(r#""name": "after""#, r#""name": "a b""#),
                "runs[1].name",
            ),
            (
                GOOD.replace(r#""duration": "10s""#, r#""duration": "10""#),
                "runs[0].options.duration",
            ),
            (
                GOOD.replace(r#""duration": "10s""#, r#""seed": 3"#),
                "runs[0].options.seed",
            ),
            (
                GOOD.replace(
                    r#""run": "after", "metric": "end_to_end.success""#,
                    r#""run": "later", "metric": "end_to_end.success""#,
                ),
                "hypotheses[0].run",
            ),
            (
                GOOD.replace(r#""run": "before", "metric""#, r#""run": "x", "metric""#),
                "hypotheses[1].value.run",
            ),
            (
                GOOD.replace("end_to_end.success", "end_to_end..success"),
                "hypotheses[0].metric",
            ),
            (
                GOOD.replace(r#""times": 0.5"#, r#""times": 1e300"#),
                "hypotheses[1].value.times",
            ),
            (
                GOOD.replace(r#"">=""#, r#""=>""#),
                "hypotheses[0].comparison",
            ),
        ];
        for (text, path) in cases {
            let e = parse_lesson(&text).unwrap_err();
            assert!(e.path.starts_with(path), "{path}: {e}");
            assert!(!e.to_string().is_empty());
        }
        let none = GOOD.replace(
            &GOOD[GOOD.find(r#""hypotheses""#).unwrap()..GOOD.rfind('}').unwrap()],
            r#""hypotheses": []"#,
        );
        assert_eq!(parse_lesson(&none).unwrap_err().path, "hypotheses");
    }
}
