//! `microsim lesson run NAME --html FILE`: a lesson on one page, as a
//! teacher projects it — title, story, the question, what to look for, the
//! runs' figures side by side, each steady-state hypothesis held or broken,
//! every run's end-to-end p99 and error rate overlaid on one time axis with
//! the faults shaded, and the answer folded away until asked for. The same
//! figures as the terminal's table ([`crate::lesson::figures`]); the charts
//! are the compare page's ([`crate::charts::overlay_svg`]).

use std::fmt::Write as _;

use sim_core::export::graphml::xml_escape;
use sim_core::lesson::{hypothesis, Lesson};

use crate::charts::{overlay_svg, p99_and_errors, Overlay, Points};
use crate::fail::Fail;
use crate::lesson::Ran;

/// The page of lesson `l` after its runs `ran`: `rows` are its figures,
/// `outcomes` its hypotheses' outcomes, in the lesson's order.
pub fn page(
    l: &Lesson,
    ran: &[Ran],
    rows: &[(String, Vec<String>)],
    outcomes: &[hypothesis::Outcome],
) -> Result<String, Fail> {
    let s = &l.spec;
    let e = |t: &str| xml_escape(t);
    let lines: Vec<(Points, Points)> = ran
        .iter()
        .map(|r| {
            let series = r.finished.sim.series();
            p99_and_errors(series.end_to_end_rows(), series.width() as f64 / 1e9)
        })
        .collect();
    let faults: Vec<(f64, f64)> = ran.iter().flat_map(|r| r.finished.faults.clone()).collect();
    let chart = |caption: &str, y: &str, pick: fn(&(Points, Points)) -> Points| {
        overlay_svg(&Overlay {
            caption: caption.to_string(),
            y_desc: y,
            lines: s
                .runs
                .iter()
                .zip(&lines)
                .map(|(r, l)| (r.name.clone(), pick(l)))
                .collect(),
            faults: faults.clone(),
        })
        .map_err(|e| Fail::internal(format!("cannot draw the charts: {e}")))
    };
    let p99 = chart("end-to-end p99 of each run", "latency (ms)", |l| {
        l.0.clone()
    })?;
    let errors = chart(
        "end-to-end error rate of each run (faults shaded)",
        "failed requests (%)",
        |l| l.1.clone(),
    )?;
    let mut body = String::new();
    let _ = writeln!(body, "<h1>{}</h1>", e(&s.title));
    for p in &s.story {
        let _ = writeln!(body, "<p>{}</p>", e(p));
    }
    let _ = writeln!(
        body,
        "<p class=\"question\"><b>Question:</b> {}</p>",
        e(&s.question)
    );
    let _ = writeln!(body, "<h2>What to look for</h2><ul>");
    for p in &s.look_for {
        let _ = writeln!(body, "<li>{}</li>", e(p));
    }
    let _ = writeln!(body, "</ul><h2>The runs</h2><table><tr><th></th>");
    for r in &s.runs {
        let _ = write!(body, "<th>{}</th>", e(&r.name));
    }
    body.push_str("</tr>\n");
    let mut row = |name: &str, cells: &[String]| {
        let _ = write!(body, "<tr><td>{}</td>", e(name));
        for c in cells {
            let _ = write!(body, "<td>{}</td>", e(c));
        }
        body.push_str("</tr>\n");
    };
    let archs: Vec<String> = s.runs.iter().map(|r| r.architecture.clone()).collect();
    row("architecture", &archs);
    let scenarios: Vec<String> = s
        .runs
        .iter()
        .map(|r| r.scenario.clone().unwrap_or_else(|| "-".into()))
        .collect();
    row("scenario", &scenarios);
    for (name, cells) in rows {
        row(name, cells);
    }
    let _ = writeln!(body, "</table><h2>Steady-state hypotheses</h2><ul>");
    for (h, o) in s.hypotheses.iter().zip(outcomes) {
        let _ = writeln!(
            body,
            "<li class=\"{}\"><b>{}</b> {}: {}</li>",
            if o.held { "held" } else { "broken" },
            if o.held { "held" } else { "BROKEN" },
            e(&h.title),
            e(&hypothesis::describe(h, o))
        );
    }
    let _ = writeln!(
        body,
        "</ul><p>{} of {} held.</p>",
        outcomes.iter().filter(|o| o.held).count(),
        outcomes.len()
    );
    let _ = writeln!(body, "<h2>p99 over time</h2><figure>{p99}</figure>");
    let _ = writeln!(body, "<h2>Errors over time</h2><figure>{errors}</figure>");
    if let Some(a) = &s.answer {
        let _ = writeln!(
            body,
            "<details><summary>Answer</summary><p>{}</p></details>",
            e(a)
        );
    }
    Ok(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>microsim lesson: {title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; line-height: 1.45; }}
table {{ border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }}
th, td {{ padding: 4px 8px; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
.question {{ font-size: 1.15em; background: #f4f4f8; padding: 0.6em 1em; }}
.held b {{ color: #176c2c; }} .broken b {{ color: #b3261e; }}
figure {{ margin: 2em 0; }}
</style></head><body>
{body}</body></html>
"#,
        title = e(&s.title)
    ))
}
