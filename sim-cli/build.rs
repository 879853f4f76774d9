//! Rebuilds the binary when the files it embeds (`src/archs.rs`,
//! `src/serve/viewer.rs`, the guide) are added or removed, not only when they change:
//! rust-embed makes Cargo track the files it found, but a file that appears
//! later — web/pkg after `scripts/build-web.sh` — would otherwise be missing
//! from the binary until something else changed. The stamp (names, sizes and
//! modification times of what is embedded) changes exactly then.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;

/// Directories whose files are embedded (the include patterns pick among them).
const ROOTS: &[&str] = &["../web", "../architectures", "../docs/guide"];
/// Below web/, only these are embedded; the rest (node_modules, tests) is not stamped.
const WEB_PARTS: &[&str] = &[
    "index.html",
    "split.html",
    "style.css",
    "js",
    "pkg",
    "vendor",
];

fn stamp(path: &Path, h: &mut DefaultHasher) {
    let Ok(meta) = std::fs::metadata(path) else {
        return;
    };
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            stamp(&p, h);
        }
    } else {
        path.hash(h);
        meta.len().hash(h);
        meta.modified().ok().hash(h);
    }
}

fn main() {
    let mut h = DefaultHasher::new();
    for root in ROOTS {
        println!("cargo:rerun-if-changed={root}");
    }
    for part in WEB_PARTS {
        stamp(&Path::new("../web").join(part), &mut h);
    }
    stamp(Path::new("../architectures"), &mut h);
    stamp(Path::new("../docs/guide/book"), &mut h);
    println!("cargo:rustc-env=MICROSIM_EMBED_STAMP={:016x}", h.finish());
}
