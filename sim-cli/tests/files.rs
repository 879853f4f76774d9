//! How outputs reach the disk: through a staging folder with an unpredictable
//! name, renamed into place; never through a planted link, never over a
//! device or a folder, into no folder `report` was not told exists, and
//! leaving nothing behind when a run fails or is killed.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::microsim;

/// Everything in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `microsim args` under a 1 KiB limit on the size of a file it writes
/// (`ulimit -f`): the first write past it fails with EFBIG when `catch` (the
/// signal ignored), or kills the process with SIGXFSZ otherwise — a run
/// killed in the middle of writing, without timing anything.
#[cfg(unix)]
fn limited(catch: bool, args: &[&str]) -> Output {
    let script = if catch {
        "trap '' XFSZ; ulimit -f 2; exec \"$0\" \"$@\""
    } else {
        "ulimit -f 2; exec \"$0\" \"$@\""
    };
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_microsim"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[cfg(unix)]
#[test]
fn links_planted_in_the_output_folder_are_replaced_never_written_through() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    let victim = tmp.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    // The temporary name older versions used, and a final name.
    symlink(&victim, out.join(".summary.json.partial")).unwrap();
    symlink(&victim, out.join("graph.json")).unwrap();
    let o = microsim(&[
        "run",
        "mm1",
        "--duration",
        "1s",
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    let graph = fs::symlink_metadata(out.join("graph.json")).unwrap();
    assert!(graph.is_file(), "the link itself was replaced by the file");
    assert!(fs::read_to_string(out.join("summary.json"))
        .unwrap()
        .starts_with('{'));
}

#[cfg(unix)]
#[test]
fn a_run_killed_while_writing_is_cleaned_up_by_the_next_run() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let dir = out.to_str().unwrap();
    let args = ["run", "mm1", "--duration", "1s", "-q", "--out", dir];
    let killed = limited(false, &args);
    assert_eq!(
        killed.status.code(),
        None,
        "killed by SIGXFSZ: {}",
        err(&killed)
    );
    let left = names(&out);
    assert_eq!(left.len(), 1, "only a staging folder is left: {left:?}");
    assert!(left[0].starts_with(".microsim-partial-"), "{left:?}");
    // A folder of the user's with a similar name is not ours to remove.
    fs::create_dir(out.join(".microsim-partial-notes")).unwrap();

    let o = microsim(&args);
    assert!(o.status.success(), "{}", err(&o));
    let after = names(&out);
    assert!(
        after
            .iter()
            .all(|n| !n.starts_with('.') || n == ".microsim-partial-notes"),
        "the killed run's staging folder is gone: {after:?}"
    );
    assert!(after.contains(&"summary.json".to_string()), "{after:?}");
}

#[cfg(unix)]
#[test]
fn a_failed_write_leaves_neither_files_nor_the_folders_it_created() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("new").join("out");
    let o = limited(
        true,
        &[
            "run",
            "mm1",
            "--duration",
            "1s",
            "-q",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("cannot write") && e.contains("Fix:"), "{e}");
    assert!(
        !e.contains(".microsim-partial-"),
        "names the output, not the staging file: {e}"
    );
    assert!(
        names(tmp.path()).is_empty(),
        "no folder left: {:?}",
        names(tmp.path())
    );

    // Into a folder that existed: it stays, empty as it was.
    let existing = tmp.path().join("existing");
    fs::create_dir(&existing).unwrap();
    let o = limited(
        true,
        &[
            "run",
            "mm1",
            "--duration",
            "1s",
            "-q",
            "--out",
            existing.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(names(&existing).is_empty(), "{:?}", names(&existing));
}

/// `report --html page` with `setup` done first: exit 2 before running,
/// with every `want` in one paragraph, and the page's folder unchanged.
fn report_refused(page: &Path, want: &[&str]) {
    let parent = page.parent().unwrap();
    let before = parent.exists().then(|| names(parent));
    let o = microsim(&[
        "report",
        "mm1",
        "--duration",
        "1s",
        "-q",
        "--html",
        page.to_str().unwrap(),
    ]);
    let e = err(&o);
    assert_eq!(o.status.code(), Some(2), "{e}");
    for w in want {
        assert!(e.contains(w), "expected {w:?} in: {e}");
    }
    assert!(e.contains("Fix:"), "{e}");
    assert_eq!(e.trim_end().lines().count(), 1, "one paragraph: {e}");
    assert!(o.stdout.is_empty(), "refused before the run: {e}");
    assert_eq!(parent.exists().then(|| names(parent)), before);
}

#[test]
fn report_writes_only_regular_files_in_folders_that_exist() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let missing = d.join("missing");
    report_refused(
        &missing.join("r.html"),
        &["the folder", "missing does not exist", "mkdir -p"],
    );
    assert!(!missing.exists(), "no folder is created");

    fs::create_dir(d.join("folder")).unwrap();
    report_refused(
        &d.join("folder"),
        &["exists and is a folder", "folder/report.html"],
    );
    report_refused(&d.join("folder/"), &["does not name a file"]);

    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        let victim = d.join("victim.txt");
        fs::write(&victim, "precious").unwrap();
        symlink(&victim, d.join("link.html")).unwrap();
        report_refused(
            &d.join("link.html"),
            &["is a symbolic link (to ", "victim.txt)"],
        );
        assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
        // A device, through a link so that this test never touches /dev even
        // if the check were gone; and a named pipe.
        symlink("/dev/null", d.join("null.html")).unwrap();
        report_refused(&d.join("null.html"), &["symbolic link (to /dev/null)"]);
        assert!(fs::symlink_metadata(d.join("null.html"))
            .unwrap()
            .file_type()
            .is_symlink());
        let fifo = d.join("pipe.html");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        report_refused(&fifo, &["is a named pipe", "replaces only regular files"]);
    }

    // A regular file is replaced, and nothing else is left in its folder.
    let page: PathBuf = d.join("folder").join("report.html");
    fs::write(&page, "old").unwrap();
    let o = microsim(&[
        "report",
        "mm1",
        "--duration",
        "1s",
        "-q",
        "--html",
        page.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(fs::read_to_string(&page)
        .unwrap()
        .starts_with("<!doctype html>"));
    assert_eq!(names(&d.join("folder")), ["report.html"]);
}
