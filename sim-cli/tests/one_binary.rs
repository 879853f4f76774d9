//! One binary to carry: copied alone into an empty directory, far from the
//! source tree, `microsim` runs its built-in architectures with their
//! built-in scenarios and serves the viewer built into it.

#[path = "common/server.rs"]
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use server::{get, start, BIN};

/// The binary copied into `tmp/bin/`, and an empty `tmp/work/` to run it in.
fn lonely_copy(tmp: &Path) -> (PathBuf, PathBuf) {
    let bin = tmp.join("bin");
    let work = tmp.join("work");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    let copy = bin.join("microsim");
    std::fs::copy(BIN, &copy).unwrap();
    // A process that another test thread forked while the copy was open for
    // writing holds it until its exec: until then Linux refuses to run the
    // copy ("Text file busy"). Wait for that, briefly.
    for _ in 0..100 {
        match Command::new(&copy).arg("--version").output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            r => {
                assert!(r.expect("the copy runs").status.success());
                break;
            }
        }
    }
    (copy, work)
}

fn run(bin: &Path, work: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .current_dir(work)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn runs_built_in_architectures_and_scenarios_from_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let (bin, work) = lonely_copy(tmp.path());
    let out = run(
        &bin,
        &work,
        &[
            "run",
            "netflixoss-resilient",
            "--scenario",
            "zone-outage",
            "--duration",
            "30s",
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The built-in scenario is the file: the same run from the source tree's copy.
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../architectures/scenarios/zone-outage.json");
    let from_file = run(
        &bin,
        &work,
        &[
            "run",
            "netflixoss-resilient",
            "--scenario",
            file.to_str().unwrap(),
            "--duration",
            "30s",
            "--json",
        ],
    );
    assert_eq!(out.stdout, from_file.stdout);
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["faults"], 1);

    let listed = |args: &[&str]| -> Vec<String> {
        let out = run(&bin, &work, args);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let archs = listed(&["list"]);
    assert!(
        archs.len() >= 15 && archs.contains(&"spike-autoscale".to_string()),
        "{archs:?}"
    );
    let lessons = listed(&["lesson", "list"]);
    assert!(
        lessons.len() >= 8 && lessons.iter().any(|l| l.starts_with("zone-outage ")),
        "{lessons:?}"
    );
    let scenarios = listed(&["list", "--scenarios"]);
    assert!(
        scenarios.contains(&"zone-outage".to_string()) && scenarios.len() >= 8,
        "{scenarios:?}"
    );
    let sweeps = listed(&["list", "--sweeps"]);
    assert!(
        sweeps.contains(&"zone-outage-counts".to_string()),
        "{sweeps:?}"
    );

    let out = run(
        &bin,
        &work,
        &["run", "mm1", "--scenario", "no-such-scenario"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("zone-outage") && err.contains("Fix:"),
        "names the built-in ones: {err}"
    );
    assert!(
        std::fs::read_dir(&work).unwrap().next().is_none(),
        "nothing written"
    );
}

#[test]
fn serves_the_built_in_viewer_from_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let (bin, work) = lonely_copy(tmp.path());
    let mut cmd = Command::new(&bin);
    cmd.args(["serve", "--port", "0"]).current_dir(&work);
    let s = start(cmd);

    // The viewer is whole when the tree it was built from had web/ built
    // (scripts/build-web.sh); otherwise `/` says what is missing and the fix.
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
    let built =
        web.join("pkg/sim_wasm_bg.wasm").is_file() && web.join("vendor/d3.min.js").is_file();
    let (status, body) = get(s.port, "/");
    if built {
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("<title>microsim viewer</title>"), "{body}");
        let (status, wasm) = get(s.port, "/pkg/sim_wasm_bg.wasm");
        assert_eq!(status, 200);
        assert!(wasm.starts_with("\0asm"), "a wasm module");
        assert_eq!(get(s.port, "/js/main.js").0, 200);
        assert_eq!(get(s.port, "/vendor/d3.min.js").0, 200);
    } else {
        assert_eq!(status, 503, "{body}");
        assert!(
            body.contains("scripts/build-web.sh") && body.contains("web/pkg/sim_wasm_bg.wasm"),
            "{body}"
        );
    }
    // The same files as the source tree's, and nothing else of it.
    let main = std::fs::read_to_string(web.join("js/main.js")).unwrap();
    assert_eq!(get(s.port, "/js/main.js").1, main);
    for path in [
        "/package.json",
        "/test/",
        "/node_modules/d3/package.json",
        "/../Cargo.toml",
        "/js/../index.html",
        "//index.html",
        "/README.md",
    ] {
        assert_eq!(get(s.port, path).0, 404, "{path}");
    }
    // Architectures and scenarios come from the binary too.
    let (status, index) = get(s.port, "/architectures/index.json");
    assert_eq!(status, 200);
    assert!(
        index.contains("\"netflixoss-resilient\"") && index.contains("\"zone-outage\""),
        "{index}"
    );
    let (status, sc) = get(s.port, "/architectures/scenarios/zone-outage.json");
    assert_eq!((status, sc.contains("zone_outage")), (200, true), "{sc}");
    let (status, lesson) = get(s.port, "/architectures/lessons/zone-outage.json");
    assert_eq!((status, lesson.contains("\"hypotheses\"")), (200, true));

    // The workshop guide at /docs/, when the tree had it built
    // (scripts/build-guide.sh); otherwise a page that says how.
    let book = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/guide/book");
    let (status, page) = get(s.port, "/docs/");
    if book.join("index.html").is_file() {
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("microsim workshop"), "{page}");
        let (status, chapter) = get(s.port, "/docs/lessons/zone-outage.html");
        assert_eq!(status, 200);
        assert!(chapter.contains("A zone goes down"));
    } else {
        assert_eq!(status, 503, "{page}");
        assert!(page.contains("scripts/build-guide.sh"), "{page}");
    }
    assert_eq!(get(s.port, "/docs").0, 301);
    for path in [
        "/docs/../Cargo.toml",
        "/docs/src/intro.md",
        "/docs/book.toml",
    ] {
        assert!(matches!(get(s.port, path).0, 404 | 503), "{path}");
    }
}
