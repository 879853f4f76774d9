//! `microsim lesson`: every shipped lesson holds (so lessons are tests of
//! their architectures), a broken hypothesis exits 1, and bad lessons exit 2
//! naming the file and the JSON path.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_microsim");

fn microsim(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn names() -> Vec<String> {
    let o = microsim(&["lesson", "list"]);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
        .lines()
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect()
}

#[test]
fn every_shipped_lesson_holds() {
    let names = names();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures/lessons");
    assert_eq!(names.len(), std::fs::read_dir(dir).unwrap().count());
    assert!(names.len() >= 8, "{names:?}");
    for name in names {
        let o = microsim(&["lesson", "run", &name, "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("{name}: {e}: {}", stderr(&o)));
        let broken: Vec<&str> = v["hypotheses"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["held"] != true)
            .map(|h| h["text"].as_str().unwrap())
            .collect();
        assert!(broken.is_empty(), "{name}: broken: {broken:?}");
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        assert_eq!(v["held"], true);
        // Every run ran the whole of its duration with the lesson's seed.
        for r in v["runs"].as_array().unwrap() {
            assert_eq!(r["summary"]["seed"], 1, "{name}");
            assert!(r["summary"]["end_to_end"]["requests"].as_u64().unwrap() > 0);
        }
    }
}

#[test]
fn show_tells_the_story_and_keeps_the_answer_for_later() {
    let o = microsim(&["lesson", "show", "zone-outage"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("Question:") && text.contains("three availability zones"));
    assert!(text.contains("microsim run netflixoss-resilient --scenario zone-outage"));
    assert!(!text.contains("Answer:"), "{text}");
    let o = microsim(&["lesson", "show", "zone-outage", "--answer"]);
    assert!(stdout(&o).contains("Answer:"));
}

/// A lesson file of one's own, with an architecture beside it.
fn own_lesson(dir: &Path, hypotheses: &str) -> String {
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures/mm1.json"),
        dir.join("queue.json"),
    )
    .unwrap();
    let lesson = format!(
        r#"{{"title": "M/M/1", "story": ["One server at 80 % load."], "question": "How long is the wait?",
            "runs": [{{"name": "q", "architecture": "queue", "options": {{"duration": "20s"}}}}],
            "hypotheses": {hypotheses}}}"#
    );
    let path = dir.join("lesson.json");
    std::fs::write(&path, lesson).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_broken_hypothesis_exits_1_and_says_which() {
    let tmp = tempfile::tempdir().unwrap();
    // M/M/1 at 80 %: a mean of 5 ms, so "below 1 ms" breaks and "above 1 ms" holds.
    let path = own_lesson(
        tmp.path(),
        r#"[{"title": "waits exceed the service time", "run": "q", "metric": "end_to_end.latency_ms.mean", "comparison": ">", "value": 1},
            {"title": "no queueing at all", "run": "q", "metric": "end_to_end.latency_ms.mean", "comparison": "<", "value": 1}]"#,
    );
    let o = microsim(&["lesson", "run", &path]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("held    waits exceed the service time"),
        "{text}"
    );
    assert!(text.contains("BROKEN  no queueing at all"), "{text}");
    assert!(text.contains("1 of 2 held."), "{text}");
    assert!(
        stderr(&o).contains("1 of 2 hypotheses broken"),
        "{}",
        stderr(&o)
    );
}

/// `--html` writes the lesson as one page, even when a hypothesis breaks
/// (the page says which), and refuses a target it cannot write before running.
#[test]
fn a_lesson_run_writes_its_page() {
    let tmp = tempfile::tempdir().unwrap();
    let path = own_lesson(
        tmp.path(),
        r#"[{"title": "waits exceed the service time", "run": "q", "metric": "end_to_end.latency_ms.mean", "comparison": ">", "value": 1},
            {"title": "no queueing at all", "run": "q", "metric": "end_to_end.latency_ms.mean", "comparison": "<", "value": 1}]"#,
    );
    let html = tmp.path().join("lesson.html");
    let o = microsim(&["lesson", "run", &path, "--html", html.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let page = std::fs::read_to_string(&html).unwrap();
    for want in [
        "<h1>M/M/1</h1>",
        "One server at 80 % load.",
        "How long is the wait?",
        "<b>held</b> waits exceed the service time",
        "<b>BROKEN</b> no queueing at all",
        "end_to_end.latency_ms.mean",
        "<svg",
        "1 of 2 held.",
    ] {
        assert!(page.contains(want), "{want:?} missing from the page");
    }
    let nowhere = tmp.path().join("lesson.json").join("page.html");
    let o = microsim(&["lesson", "run", &path, "--html", nowhere.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--html"), "{}", stderr(&o));
}

#[test]
fn bad_lessons_exit_2_naming_the_file_and_path() {
    let tmp = tempfile::tempdir().unwrap();
    let good_h = r#"[{"title": "t", "run": "q", "metric": "end_to_end.success", "comparison": ">=", "value": 0.5}]"#;
    let path = own_lesson(tmp.path(), good_h);
    assert!(microsim(&["lesson", "run", &path]).status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    let cases = [
        (
            text.replace(r#""architecture": "queue""#, r#""architecture": "nope""#),
            "runs[0].architecture",
        ),
        (
            text.replace("end_to_end.success", "end_to_end.sucess"),
            "hypotheses[0]",
        ),
        (
            text.replace(r#""run": "q", "metric""#, r#""run": "p", "metric""#),
            "hypotheses[0].run",
        ),
        (
            text.replace(r#""duration": "20s""#, r#""duration": "-1s""#),
            "runs[0].options.duration",
        ),
        (text.replace("\"title\": \"M/M/1\",", ""), "title"),
        (text[..text.len() - 5].to_string(), "lesson.json:3:"),
    ];
    for (bad, place) in cases {
        std::fs::write(&path, &bad).unwrap();
        let o = microsim(&["lesson", "run", &path]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{place}: {e}");
        assert!(
            e.contains("lesson.json") && e.contains(place),
            "{place}: {e}"
        );
        assert!(e.contains("Fix:") || e.contains("fix"), "{place}: {e}");
        assert!(!e.contains("panicked"), "{e}");
    }
    let o = microsim(&["lesson", "run", "no-such-lesson"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("zone-outage"),
        "lists the built-in lessons"
    );
}
