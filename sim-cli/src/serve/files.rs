//! Architectures and scenarios by name, never by path: the HTTP routes and
//! the WebSocket's `start` both resolve names here, so nothing outside the
//! architectures directory (and the FILE given on the command line) is read.

use std::path::{Path, PathBuf};

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

/// Reads `dir/<name>.json` when `name` is valid, the file regular and not huge.
async fn read_named(dir: &Path, name: &str) -> Option<String> {
    if !valid_name(name) {
        return None;
    }
    let path = dir.join(format!("{name}.json"));
    let meta = tokio::fs::metadata(&path).await.ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    tokio::fs::read_to_string(&path).await.ok()
}

impl Library {
    pub fn new(dir: Option<PathBuf>, file: Option<(String, String)>) -> Library {
        Library { dir, file }
    }

    /// Where the files come from, for a log line.
    pub fn describe(&self) -> String {
        match &self.dir {
            Some(d) => d.display().to_string(),
            None => "the built-in set".to_string(),
        }
    }

    /// `{"architectures": [...], "scenarios": [...]}`, sorted names without `.json`.
    pub fn index(&self) -> serde_json::Value {
        let mut archs: Vec<String> = archs::BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
        let mut scenarios = Vec::new();
        if let Some(d) = &self.dir {
            archs.extend(names_in(d));
            scenarios = names_in(&d.join("scenarios"));
        }
        if let Some((n, _)) = &self.file {
            archs.push(n.clone());
        }
        archs.sort();
        archs.dedup();
        serde_json::json!({ "architectures": archs, "scenarios": scenarios })
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
            if let Some(text) = read_named(d, name).await {
                return Some(text);
            }
        }
        archs::built_in(name).map(str::to_string)
    }

    /// The text of a scenario in the directory's scenarios/.
    pub async fn scenario(&self, name: &str) -> Option<String> {
        read_named(&self.dir.as_ref()?.join("scenarios"), name).await
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
    }
}
