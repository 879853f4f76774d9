//! Writing outputs whole or not at all: every file goes to a temporary name in
//! the target directory first and is renamed into place once all are written.

use std::fs;
use std::path::Path;

use crate::fail::Fail;

/// Writes `(file name, bytes)` pairs into `dir`, creating it if needed.
pub fn write_all(dir: &Path, files: &[(&str, &[u8])]) -> Result<(), Fail> {
    let io = |what: &str, p: &Path, e: std::io::Error| {
        Fail::input(format!("cannot {what} {}: {e}.", p.display()))
    };
    if dir.exists() && !dir.is_dir() {
        return Err(Fail::input(format!(
            "--out {} exists and is not a directory. Fix: choose another --out.",
            dir.display()
        )));
    }
    fs::create_dir_all(dir).map_err(|e| io("create directory", dir, e))?;
    let mut staged = Vec::new();
    for (name, bytes) in files {
        let tmp = dir.join(format!(".{name}.partial"));
        if let Err(e) = fs::write(&tmp, bytes) {
            for (t, _) in &staged {
                let _ = fs::remove_file(t);
            }
            let _ = fs::remove_file(&tmp);
            return Err(io("write", &tmp, e));
        }
        staged.push((tmp, dir.join(name)));
    }
    for (k, (tmp, dst)) in staged.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, dst) {
            // Leave no temporary files behind (the ones renamed already are complete).
            for (t, _) in &staged[k..] {
                let _ = fs::remove_file(t);
            }
            return Err(io("rename into", dst, e));
        }
    }
    Ok(())
}
