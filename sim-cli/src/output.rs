//! Writing outputs whole or not at all, and only where asked.
//!
//! A command's files are written into a staging folder made inside the target
//! folder — named [`STAGING_PREFIX`] and random letters, created exclusively
//! and readable by its owner only, so nothing can be planted in it — and then
//! renamed into place one by one. A rename over a symbolic link replaces the
//! link: it never writes where the link points. On an error the staging folder
//! goes, and so does a target folder the command created. A command killed
//! while writing leaves its staging folder behind; the next one writing into
//! the same folder removes it (a staging folder whose command still runs is
//! locked, and left alone).

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::fail::{shown_path, Fail};

/// The start of a staging folder's name; random letters follow.
pub const STAGING_PREFIX: &str = ".microsim-partial-";
/// How many random letters follow [`STAGING_PREFIX`].
const STAGING_RANDOM: usize = 12;

/// Refuses an `--out` that exists and is not a folder (before a run, so
/// that a long simulation does not end in this error).
pub fn check_out_dir(dir: &Path) -> Result<(), Fail> {
    match fs::metadata(dir) {
        Ok(m) if !m.is_dir() => Err(Fail::input(format!(
            "--out {} exists and is not a folder. Fix: give a folder (it is created if missing), or move the file away.",
            shown_path(dir)
        ))),
        _ => Ok(()),
    }
}

/// Writes `(file name, bytes)` pairs into `dir`, creating it (and missing
/// parents) if needed; a folder created here is removed again on failure.
pub fn write_all(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), Fail> {
    let mut out = Staging::begin(dir)?;
    for (name, bytes) in files {
        let mut w = out.create(name)?;
        w.write_all(bytes)
            .and_then(|()| w.flush())
            .map_err(|e| out.failed(name, &e))?;
    }
    out.commit()
}

/// Files being written into a folder: each goes to the staging folder as it
/// is produced (so an output streams to disk instead of being built in
/// memory), and all are renamed into place at [`Staging::commit`]. Dropped
/// without a commit, it leaves nothing behind: the staging folder goes, and
/// so do the folders it created.
pub struct Staging {
    dir: PathBuf,
    folder: Option<tempfile::TempDir>,
    /// Held until the files are in place: it tells a concurrent command that
    /// this staging folder is in use, not left by a killed run.
    lock: Option<fs::File>,
    /// The folders this created, outermost first.
    created: Vec<PathBuf>,
    names: Vec<String>,
}

impl Staging {
    /// Checks and creates `dir` (with missing parents) and a staging folder in it.
    pub fn begin(dir: &Path) -> Result<Staging, Fail> {
        check_out_dir(dir)?;
        let mut created: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|p| !p.as_os_str().is_empty() && fs::symlink_metadata(p).is_err())
            .map(Path::to_path_buf)
            .collect();
        created.reverse();
        let mut out = Staging {
            dir: dir.to_path_buf(),
            folder: None,
            lock: None,
            created,
            names: Vec::new(),
        };
        fs::create_dir_all(dir).map_err(|e| {
            Fail::input(format!(
                "cannot create the folder {}: {e}. Fix: choose another --out, or create it yourself.",
                shown_path(dir)
            ))
        })?;
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .rand_bytes(STAGING_RANDOM)
            .tempdir_in(dir)
            .map_err(|e| io_fail("write into", dir, &e))?;
        out.lock = lock(staging.path());
        remove_stale(dir, staging.path());
        out.folder = Some(staging);
        Ok(out)
    }

    /// A new file `name`, to be renamed into place at the commit.
    pub fn create(&mut self, name: &str) -> Result<BufWriter<fs::File>, Fail> {
        let final_path = self.dir.join(name);
        if fs::symlink_metadata(&final_path).is_ok_and(|m| m.is_dir()) {
            return Err(Fail::input(format!(
                "{} is a folder, where microsim writes a file. Fix: move the folder away, or choose another folder for the outputs.",
                shown_path(&final_path)
            )));
        }
        let staging = self.folder.as_ref().expect("begun");
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(staging.path().join(name))
            .map_err(|e| io_fail("write", &final_path, &e))?;
        self.names.push(name.to_string());
        Ok(BufWriter::with_capacity(1 << 16, f))
    }

    /// The failure to write file `name`, in the user's words.
    pub fn failed(&self, name: &str, e: &std::io::Error) -> Fail {
        io_fail("write", &self.dir.join(name), e)
    }

    /// Renames every file into place.
    pub fn commit(mut self) -> Result<(), Fail> {
        let staging = self.folder.as_ref().expect("begun").path().to_path_buf();
        for name in &self.names {
            let final_path = self.dir.join(name);
            fs::rename(staging.join(name), &final_path)
                .map_err(|e| io_fail("write", &final_path, &e))?;
        }
        // Empty now; a failure to remove it leaves a folder the next run removes.
        if let Some(s) = self.folder.take() {
            let _ = s.close();
        }
        self.lock = None;
        self.created.clear();
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if let Some(s) = self.folder.take() {
            let _ = s.close();
        }
        // Innermost first; `remove_dir` removes only empty folders, so
        // nothing someone else put there meanwhile is lost.
        for d in self.created.iter().rev() {
            let _ = fs::remove_dir(d);
        }
    }
}

fn io_fail(what: &str, p: &Path, e: &std::io::Error) -> Fail {
    Fail::input(format!(
        "cannot {what} {}: {e}. Fix: check that the folder is writable and the disk has room.",
        shown_path(p)
    ))
}

/// Where `--html` writes: its folder, which must exist, and its file name.
pub struct Target {
    dir: PathBuf,
    name: String,
    shown: String,
}

impl Target {
    /// Checks a file path given with `flag`: its folder exists, and the path is
    /// absent or a regular file (never a folder, a device, a pipe or a link).
    pub fn check(path: &Path, flag: &str) -> Result<Target, Fail> {
        let shown = shown_path(path);
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            // "out/" names a folder, though Path::file_name says "out".
            .filter(|_| {
                !path
                    .as_os_str()
                    .to_string_lossy()
                    .ends_with(std::path::is_separator)
            })
            .ok_or_else(|| {
                Fail::input(format!(
                    "{flag} {shown} does not name a file. Fix: give a file name, e.g. {flag} report.html."
                ))
            })?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        match fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Fail::input(format!(
                    "{flag} {shown}: {} is not a folder. Fix: choose a path inside a folder.",
                    shown_path(&dir)
                )))
            }
            Err(_) => {
                let d = shown_path(&dir);
                return Err(Fail::input(format!(
                    "{flag} {shown}: the folder {d} does not exist. Fix: create it first (mkdir -p {d}), or choose another {flag}."
                )));
            }
        }
        if let Ok(m) = fs::symlink_metadata(path) {
            if !m.is_file() {
                return Err(Fail::input(format!(
                    "{flag} {shown} exists and is {}; microsim replaces only regular files. Fix: {}",
                    what_it_is(path, &m),
                    if m.is_dir() {
                        format!("give a file name inside it, e.g. {flag} {shown}/report.html.")
                    } else if m.file_type().is_symlink() {
                        format!("give the path it points to, remove the link, or choose another {flag}.")
                    } else {
                        format!("choose another {flag}, e.g. {flag} report.html.")
                    }
                )));
            }
        }
        Ok(Target {
            dir,
            name: name.to_string(),
            shown,
        })
    }

    /// Writes the file (checked again: the run took a while).
    pub fn write(&self, flag: &str, bytes: &[u8]) -> Result<(), Fail> {
        let again = Target::check(&self.dir.join(&self.name), flag)?;
        write_all(&again.dir, &[(&again.name, bytes)])
    }

    /// The path as messages show it.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// "a folder", "a symbolic link (to /etc/passwd)", "a character device".
fn what_it_is(path: &Path, m: &fs::Metadata) -> String {
    let t = m.file_type();
    if t.is_symlink() {
        return match fs::read_link(path) {
            Ok(to) => format!("a symbolic link (to {})", shown_path(&to)),
            Err(_) => "a symbolic link".into(),
        };
    }
    if t.is_dir() {
        return "a folder".into();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() || t.is_block_device() {
            return "a device".into();
        }
        if t.is_fifo() {
            return "a named pipe".into();
        }
        if t.is_socket() {
            return "a socket".into();
        }
    }
    "not a regular file".into()
}

/// Locks a staging folder for as long as the returned handle lives.
#[cfg(unix)]
fn lock(dir: &Path) -> Option<fs::File> {
    use rustix::fs::{flock, FlockOperation};
    let f = fs::File::open(dir).ok()?;
    flock(&f, FlockOperation::NonBlockingLockExclusive).ok()?;
    Some(f)
}

#[cfg(not(unix))]
fn lock(_dir: &Path) -> Option<fs::File> {
    None
}

/// Removes staging folders left in `dir` by killed commands: folders (not
/// links) named exactly as this module names them, owned by the same user
/// as `own`, and not locked by a command still writing.
#[cfg(unix)]
fn remove_stale(dir: &Path, own: &Path) {
    use std::os::unix::fs::MetadataExt;
    let Ok(me) = fs::symlink_metadata(own).map(|m| m.uid()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix(STAGING_PREFIX))
            .is_some_and(|r| {
                r.len() == STAGING_RANDOM && r.chars().all(|c| c.is_ascii_alphanumeric())
            });
        let dir_of_mine = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == me);
        if ours && dir_of_mine && path != own {
            // The lock is held while the folder is removed, so that no other
            // command takes it for stale at the same time.
            if let Some(_held) = lock(&path) {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

#[cfg(not(unix))]
fn remove_stale(_dir: &Path, _own: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn staging_dirs(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(".microsim-")
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn stale_staging_folders_go_and_live_ones_and_lookalikes_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let stale = d.join(format!("{STAGING_PREFIX}AbCdEf123456"));
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join("summary.json"), "{").unwrap();
        // A command still writing holds its lock.
        let live = d.join(format!("{STAGING_PREFIX}LiveLive1234"));
        fs::create_dir(&live).unwrap();
        let held = lock(&live).expect("locked");
        // Names that are not exactly a staging folder's, and a file.
        let lookalikes = [
            format!("{STAGING_PREFIX}notes"),
            format!("{STAGING_PREFIX}AbCdEf123456x"),
            ".microsim-AbCdEf123456".to_string(),
        ];
        for n in &lookalikes {
            fs::create_dir(d.join(n)).unwrap();
        }
        let file = d.join(format!("{STAGING_PREFIX}FileFile1234"));
        fs::write(&file, "mine").unwrap();

        write_all(d, &[("a.txt", b"new")]).unwrap();
        assert_eq!(fs::read(d.join("a.txt")).unwrap(), b"new");
        assert!(
            !stale.exists(),
            "the killed run's staging folder is removed"
        );
        assert!(live.exists(), "a locked staging folder is left alone");
        for n in &lookalikes {
            assert!(d.join(n).is_dir(), "{n} is not ours");
        }
        assert_eq!(fs::read(&file).unwrap(), b"mine");
        drop(held);
        write_all(d, &[("a.txt", b"again")]).unwrap();
        assert!(!live.exists(), "unlocked, it is stale");
        assert_eq!(staging_dirs(d).len(), lookalikes.len() + 1);
    }

    #[test]
    fn a_folder_in_the_way_fails_before_any_file_moves() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        fs::create_dir(d.join("b.txt")).unwrap();
        let e = write_all(d, &[("a.txt", b"1"), ("b.txt", b"2")]).unwrap_err();
        assert!(e.message.contains("b.txt is a folder"), "{}", e.message);
        assert!(!d.join("a.txt").exists(), "nothing moved");
        assert!(staging_dirs(d).is_empty(), "no staging folder left");
    }
}
