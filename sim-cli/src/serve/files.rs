//! Architectures and scenarios by name, never by path: the HTTP routes and
//! the WebSocket's `start` both resolve names here, so nothing outside the
//! built-in set, the `--architectures` directory and the FILE given on the
//! command line is read.
//! Also [`walk`], which every served directory goes through: no symlinks and
//! no hidden names below the directory given.

use std::fs::Metadata;
use std::path::{Component, Path, PathBuf};

use crate::archs;

/// Largest architecture or scenario file served or run (bytes).
const MAX_FILE: u64 = 16 << 20;

/// Whether `name` is a plain file name: [A-Za-z0-9_.-]+, not starting with a dot.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Whether `name` is one path segment naming something inside a directory:
/// not empty, no separator, not hidden (dotfiles, `.` and `..` all start with '.').
pub fn plain_segment(name: &str) -> bool {
    let mut parts = Path::new(name).components();
    !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && matches!(
            (parts.next(), parts.next()),
            (Some(Component::Normal(_)), None)
        )
}

/// `root/names[0]/names[1]/...` and the metadata of the last, when every name
/// is a [`plain_segment`], each step before the last is a directory, and no
/// step below `root` is a symlink (which could lead anywhere on the machine,
/// e.g. to /etc/passwd). `root` itself is what the command line gave.
pub fn walk(root: &Path, names: &[&str]) -> Option<(PathBuf, Metadata)> {
    let mut path = root.to_path_buf();
    let mut meta = std::fs::metadata(root).ok()?;
    for name in names {
        if !meta.is_dir() || !plain_segment(name) {
            return None;
        }
        path.push(name);
        meta = std::fs::symlink_metadata(&path).ok()?;
        if meta.file_type().is_symlink() {
            return None;
        }
    }
    Some((path, meta))
}

/// `name` for `name.json` when the whole is a valid name.
pub fn json_name(file: &str) -> Option<&str> {
    let name = file.strip_suffix(".json")?;
    (valid_name(file) && !name.is_empty()).then_some(name)
}

/// A file stem made into a valid name (other characters become `-`).
pub fn sanitize_name(stem: &str) -> String {
    let s: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_start_matches('.').to_string();
    if s.is_empty() {
        "architecture".to_string()
    } else {
        s
    }
}

/// Where architectures and scenarios come from.
pub struct Library {
    /// Directory of `<name>.json` architectures with `scenarios/<name>.json`.
    dir: Option<PathBuf>,
    /// The FILE given on the command line: (name, text).
    file: Option<(String, String)>,
}

/// The names of the `*.json` files in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let file = e.file_name().into_string().ok()?;
            json_name(&file).map(str::to_string)
        })
        .filter(|n| n != "index")
        .collect();
    names.sort();
    names
}

/// Reads `root/<sub>/<name>.json` when `name` is valid, nothing on the way
/// below `root` a symlink (see [`walk`]), and the file regular and not huge.
async fn read_named(root: &Path, sub: Option<&str>, name: &str) -> Option<String> {
    if !valid_name(name) {
        return None;
    }
    let root = root.to_path_buf();
    let names: Vec<String> = sub
        .map(str::to_string)
        .into_iter()
        .chain([format!("{name}.json")])
        .collect();
    tokio::task::spawn_blocking(move || {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let (path, meta) = walk(&root, &names)?;
        if !meta.is_file() || meta.len() > MAX_FILE {
            return None;
        }
        std::fs::read_to_string(path).ok()
    })
    .await
    .ok()?
}

impl Library {
    pub fn new(dir: Option<PathBuf>, file: Option<(String, String)>) -> Library {
        Library { dir, file }
    }

    /// Where the files come from, for a log line.
    pub fn describe(&self) -> String {
        match &self.dir {
            Some(d) => format!("{} and the built-in set", d.display()),
            None => "the built-in set".to_string(),
        }
    }

    /// `{"architectures": [...], "scenarios": [...], "lessons": [...]}`, sorted
    /// names without `.json`.
    pub fn index(&self) -> serde_json::Value {
        let mut archs = archs::names();
        let mut scenarios = archs::scenario_names();
        let mut lessons = archs::lesson_names();
        if let Some(d) = &self.dir {
            archs.extend(names_in(d));
            for (sub, list) in [("scenarios", &mut scenarios), ("lessons", &mut lessons)] {
                if let Some((path, meta)) = walk(d, &[sub]) {
                    if meta.is_dir() {
                        list.extend(names_in(&path));
                    }
                }
                list.sort();
                list.dedup();
            }
        }
        if let Some((n, _)) = &self.file {
            archs.push(n.clone());
        }
        archs.sort();
        archs.dedup();
        serde_json::json!({ "architectures": archs, "scenarios": scenarios, "lessons": lessons })
    }

    /// The text of an architecture: the FILE, else the directory's, else a built-in.
    pub async fn architecture(&self, name: &str) -> Option<String> {
        if !valid_name(name) {
            return None;
        }
        if let Some((n, text)) = &self.file {
            if n == name {
                return Some(text.clone());
            }
        }
        if let Some(d) = &self.dir {
            if let Some(text) = read_named(d, None, name).await {
                return Some(text);
            }
        }
        archs::built_in(name).map(str::to_string)
    }

    /// The text of a scenario: the directory's scenarios/, else a built-in.
    pub async fn scenario(&self, name: &str) -> Option<String> {
        self.in_sub("scenarios", name, archs::scenario).await
    }

    /// The text of a lesson: the directory's lessons/, else a built-in.
    pub async fn lesson(&self, name: &str) -> Option<String> {
        self.in_sub("lessons", name, archs::lesson).await
    }

    async fn in_sub(
        &self,
        sub: &str,
        name: &str,
        built_in: fn(&str) -> Option<&'static str>,
    ) -> Option<String> {
        if !valid_name(name) {
            return None;
        }
        if let Some(d) = &self.dir {
            if let Some(text) = read_named(d, Some(sub), name).await {
                return Some(text);
            }
        }
        built_in(name).map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain() {
        assert!(valid_name("netflixoss"));
        assert!(valid_name("zone-outage.v2_x"));
        for bad in ["", "..", ".hidden", "a/b", "a\\b", "a b", "%2e", "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(json_name("lamp.json"), Some("lamp"));
        assert_eq!(json_name(".json"), None);
        assert_eq!(json_name("../x.json"), None);
        assert_eq!(json_name("lamp"), None);
        assert_eq!(sanitize_name("my arch"), "my-arch");
        assert_eq!(sanitize_name(".."), "architecture");
        for ok in ["a", "index.html", "a b", "x.json", "é"] {
            assert!(plain_segment(ok), "{ok}");
        }
        for bad in ["", ".", "..", ".env", "a/b", "/a", "a\\b", "a\0b", "..."] {
            assert!(!plain_segment(bad), "{bad:?}");
        }
    }

    #[cfg(unix)]
    /// Architectures under `root`: a real one, one symlinked to a file
    /// outside, a scenarios/ that is a symlink, and a hidden one.
    fn tricky_library() -> (tempfile::TempDir, Library) {
        let root = tempfile::tempdir().unwrap();
        let lib = root.path().join("lib");
        let outside = root.path().join("outside");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::create_dir_all(outside.join("scenarios")).unwrap();
        let arch = archs::built_in(archs::DEFAULT).unwrap();
        std::fs::write(lib.join("mine.json"), arch).unwrap();
        std::fs::write(lib.join(".hidden.json"), arch).unwrap();
        std::fs::write(outside.join("secret.json"), "{\"secret\":1}").unwrap();
        std::fs::write(outside.join("scenarios/far.json"), "{\"faults\":[]}").unwrap();
        std::os::unix::fs::symlink(outside.join("secret.json"), lib.join("linked.json")).unwrap();
        std::os::unix::fs::symlink(outside.join("scenarios"), lib.join("scenarios")).unwrap();
        (root, Library::new(Some(lib), None))
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn symlinks_and_hidden_files_are_not_architectures() {
        let (_root, lib) = tricky_library();
        assert!(lib.architecture("mine").await.is_some());
        assert_eq!(lib.architecture("linked").await, None, "a symlinked file");
        assert_eq!(lib.architecture(".hidden").await, None);
        assert_eq!(
            lib.scenario("far").await,
            None,
            "through a symlinked scenarios/"
        );
        let index = lib.index();
        let listed = index.to_string();
        assert!(listed.contains("\"mine\""), "{index}");
        for absent in ["linked", "hidden", "far"] {
            assert!(!listed.contains(absent), "{absent} listed: {index}");
        }
    }
}
