//! The project's architectures, scenarios and lessons, built into the binary
//! (every `architectures/*.json`, `architectures/scenarios/*.json`,
//! `architectures/lessons/*.json` and `architectures/sweeps/*.json` at compile time), so `microsim run netflixoss-resilient --scenario zone-outage` works
//! from any directory, with the source tree nowhere near.
//!
//! A name is a file's stem. A path that exists always wins over a name, so a
//! file of one's own is never shadowed by a built-in of the same name.

use rust_embed::RustEmbed;

/// architectures/ as it was when this binary was built.
#[derive(RustEmbed)]
#[folder = "../architectures/"]
#[include = "*.json"]
struct Files;

/// The architecture run when no file is given.
pub const DEFAULT: &str = "netflixoss";

/// The names of the files directly in `dir` ("" for the top level), sorted.
fn names_in(dir: &str) -> Vec<String> {
    let mut names: Vec<String> = Files::iter()
        .filter_map(|path| {
            let rest = if dir.is_empty() {
                path.as_ref()
            } else {
                path.strip_prefix(dir)?.strip_prefix('/')?
            };
            let name = rest.strip_suffix(".json")?;
            (!name.contains('/') && name != "index").then(|| name.to_string())
        })
        .collect();
    names.sort();
    names
}

/// The text of `dir/name.json`, when built in and a plain name.
fn text(dir: &str, name: &str) -> Option<&'static str> {
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let path = if dir.is_empty() {
        format!("{name}.json")
    } else {
        format!("{dir}/{name}.json")
    };
    match Files::get(&path)?.data {
        // Always borrowed: the files are embedded in debug builds too.
        std::borrow::Cow::Borrowed(bytes) => std::str::from_utf8(bytes).ok(),
        std::borrow::Cow::Owned(_) => None,
    }
}

/// Names of the built-in architectures, sorted.
pub fn names() -> Vec<String> {
    names_in("")
}

/// Looks a built-in architecture up by name.
pub fn built_in(name: &str) -> Option<&'static str> {
    text("", name)
}

/// Names of the built-in scenarios, sorted.
pub fn scenario_names() -> Vec<String> {
    names_in("scenarios")
}

/// Looks a built-in scenario up by name (`zone-outage`, or `zone-outage.json`).
pub fn scenario(name: &str) -> Option<&'static str> {
    text("scenarios", name.strip_suffix(".json").unwrap_or(name))
}

/// Names of the built-in lessons, sorted.
pub fn lesson_names() -> Vec<String> {
    names_in("lessons")
}

/// Looks a built-in lesson up by name.
pub fn lesson(name: &str) -> Option<&'static str> {
    text("lessons", name.strip_suffix(".json").unwrap_or(name))
}

/// Names of the built-in sweeps, sorted.
pub fn sweep_names() -> Vec<String> {
    names_in("sweeps")
}

/// Looks a built-in sweep up by name.
pub fn sweep(name: &str) -> Option<&'static str> {
    text("sweeps", name.strip_suffix(".json").unwrap_or(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What is built in is what lies in the source tree's architectures/.
    #[test]
    fn every_file_of_the_tree_is_built_in() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../architectures"));
        let stems = |d: &std::path::Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(d)
                .unwrap()
                .flatten()
                .filter_map(|e| {
                    e.file_name()
                        .to_str()?
                        .strip_suffix(".json")
                        .map(str::to_string)
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(names(), stems(dir));
        assert_eq!(scenario_names(), stems(&dir.join("scenarios")));
        assert_eq!(lesson_names(), stems(&dir.join("lessons")));
        assert_eq!(sweep_names(), stems(&dir.join("sweeps")));
        assert!(names().len() >= 10 && scenario_names().len() >= 5);
        assert!(built_in(DEFAULT).unwrap().contains("\"arch\""));
        assert_eq!(scenario("zone-outage"), scenario("zone-outage.json"));
        assert!(scenario("zone-outage").is_some());
        for bad in ["", "../netflixoss", "scenarios/zone-outage", ".x", "nope"] {
            assert_eq!(built_in(bad), None, "{bad}");
        }
    }
}
