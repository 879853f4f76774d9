//! The journal of finished runs: one JSON line per run, appended and flushed
//! as each run ends, so a sweep killed at any moment resumes where it was.
//!
//! Each process appends to its own file (`journal.jsonl`, or
//! `journal-shard-I-of-N.jsonl` for a shard), so shards sharing a folder
//! never write into one file; a sweep reads every `journal*.jsonl` of its
//! folder. A line is written with one `write` call on a file opened for
//! appending: a kill leaves at most one line cut short, which does not parse
//! and is skipped (its run is done again), and the next line starts on a
//! line of its own.

use std::fs;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use sim_core::sweep::Row;

use crate::fail::{shown_path, Fail};

/// An open journal, appended to.
pub struct Journal {
    file: fs::File,
    path: PathBuf,
}

/// The journal's file name for a shard (or the whole sweep).
pub fn name(shard: Option<(usize, usize)>) -> String {
    match shard {
        Some((i, n)) => format!("journal-shard-{i}-of-{n}.jsonl"),
        None => "journal.jsonl".into(),
    }
}

impl Journal {
    /// Opens (or creates) `dir/name` for appending, ending a line cut short.
    pub fn open(dir: &Path, name: &str) -> Result<Journal, Fail> {
        let path = dir.join(name);
        let mut file = fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(|e| io_fail(&path, &e))?;
        let len = file.metadata().map_err(|e| io_fail(&path, &e))?.len();
        if len > 0 {
            let mut last = [0u8];
            file.seek(SeekFrom::Start(len - 1))
                .and_then(|_| file.read_exact(&mut last))
                .map_err(|e| io_fail(&path, &e))?;
            if last[0] != b'\n' {
                file.write_all(b"\n").map_err(|e| io_fail(&path, &e))?;
            }
        }
        Ok(Journal { file, path })
    }

    /// Appends one finished run and flushes it to the operating system, so
    /// it survives the process being killed.
    pub fn append(&mut self, row: &Row) -> Result<(), Fail> {
        let mut line = row.to_json();
        line.push('\n');
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
            .map_err(|e| io_fail(&self.path, &e))
    }
}

/// Every row in the journals of `dir` (in no particular order; a run may
/// appear twice if two processes ran it: the caller keeps one).
pub fn read_all(dir: &Path) -> Result<Vec<Row>, Fail> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(Vec::new());
    };
    let mut names: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|x| x == "jsonl")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("journal"))
        })
        .collect();
    names.sort();
    let mut rows = Vec::new();
    for p in names {
        let text = fs::read_to_string(&p).map_err(|e| io_fail(&p, &e))?;
        rows.extend(text.lines().filter_map(Row::from_json));
    }
    Ok(rows)
}

fn io_fail(p: &Path, e: &std::io::Error) -> Fail {
    Fail::input(format!(
        "cannot use the sweep's journal {}: {e}. Fix: check that the folder is writable and the disk has room.",
        shown_path(p)
    ))
}
