//! Architectures built into the binary, so `microsim run` works from any directory.

/// (name, JSON) of the project's own architectures.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "netflixoss",
        include_str!("../../architectures/netflixoss.json"),
    ),
    ("lamp", include_str!("../../architectures/lamp.json")),
    ("mm1", include_str!("../../architectures/mm1.json")),
    ("mmc", include_str!("../../architectures/mmc.json")),
];

/// The architecture run when no file is given.
pub const DEFAULT: &str = "netflixoss";

/// Looks a built-in architecture up by name.
pub fn built_in(name: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
