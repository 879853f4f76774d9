//! A directory served read-only (the viewer, `--out-dir`): only what really
//! lies inside it. tower-http's `ServeDir` follows symlinks, serves dotfiles
//! and answers `GET //js` with `location: //js/` (a protocol-relative URL,
//! i.e. another site), and it cannot be told otherwise; so the path is
//! checked here and tower-http's `ServeFile` only sends the file found
//! (content type by `mime_guess`, ranges, conditional requests, HEAD).
//!
//! A URL path is split at '/' and each segment percent-decoded; it must be a
//! [`plain_segment`] (no `..`, no dotfile, no encoded separator) and no step
//! may be a symlink ([`walk`]). An empty segment (`//`) is 404 rather than
//! normalised, so no answer ever echoes one. A directory asked for with its
//! trailing slash gives its index.html; without it, a redirect to the same
//! path with one, which starts with a single '/' and a plain name.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use percent_encoding::percent_decode_str;
use tower_http::services::ServeFile;

use super::files::{plain_segment, walk};

/// One directory, mounted at a URL prefix.
#[derive(Clone)]
pub struct StaticDir {
    root: Arc<Path>,
    /// The URL path it is served under: "" for `/`, "/out" for `/out/`.
    mount: &'static str,
}

/// What a URL path names in a directory.
#[derive(Debug, PartialEq)]
enum Target {
    File(PathBuf),
    /// A directory asked for without its trailing slash: where it is (`path/`).
    Directory(String),
    /// Nothing to serve: not there, hidden, behind a symlink, or not a plain path.
    Missing,
}

/// What `path` (the URL path below the mount, starting with '/') names in `root`.
fn resolve(root: &Path, path: &str) -> Target {
    let Some(rest) = path.strip_prefix('/') else {
        return Target::Missing;
    };
    let want_dir = rest.is_empty() || rest.ends_with('/');
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let mut names = Vec::new();
    if !rest.is_empty() {
        for raw in rest.split('/') {
            match percent_decode_str(raw).decode_utf8() {
                Ok(name) if plain_segment(&name) => names.push(name),
                _ => return Target::Missing,
            }
        }
    } else if path.len() > 1 {
        return Target::Missing; // "//"
    }
    let names: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    let Some((found, meta)) = walk(root, &names) else {
        return Target::Missing;
    };
    match (meta.is_dir(), meta.is_file(), want_dir) {
        (true, _, true) => match walk(&found, &["index.html"]) {
            Some((index, meta)) if meta.is_file() => Target::File(index),
            _ => Target::Missing,
        },
        // Every segment is plain, so this starts with "/" and a name: it
        // stays on this server.
        (true, _, false) => Target::Directory(format!("{path}/")),
        (false, true, false) => Target::File(found),
        // A file with a slash after it, or a device, fifo or socket.
        _ => Target::Missing,
    }
}

impl StaticDir {
    pub fn new(root: &Path, mount: &'static str) -> StaticDir {
        StaticDir {
            root: Arc::from(root),
            mount,
        }
    }

    /// Answers a GET or HEAD for a path under the mount.
    pub async fn answer(self, req: Request) -> Response {
        if req.method() != Method::GET && req.method() != Method::HEAD {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "GET, HEAD")],
                "only GET and HEAD here\n",
            )
                .into_response();
        }
        let Some(path) = req.uri().path().strip_prefix(self.mount) else {
            return not_found();
        };
        let (root, path) = (self.root.clone(), path.to_string());
        let found = tokio::task::spawn_blocking(move || resolve(&root, &path)).await;
        match found {
            Ok(Target::File(file)) => match ServeFile::new(file).try_call(req).await {
                Ok(res) => res.map(Body::new),
                Err(e) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot read the file: {e}\n"),
                )
                    .into_response(),
            },
            Ok(Target::Directory(slash)) => {
                Redirect::temporary(&format!("{}{slash}", self.mount)).into_response()
            }
            Ok(Target::Missing) => not_found(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// root/web is served; root/secret and root/elsewhere/ lie outside it.
    fn tree() -> (tempfile::TempDir, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let web = root.path().join("web");
        std::fs::create_dir_all(web.join("js")).unwrap();
        std::fs::create_dir_all(web.join("empty")).unwrap();
        std::fs::create_dir_all(web.join(".git")).unwrap();
        std::fs::create_dir_all(root.path().join("elsewhere")).unwrap();
        std::fs::write(web.join("index.html"), "viewer").unwrap();
        std::fs::write(web.join("js/main.js"), "js").unwrap();
        std::fs::write(web.join("js/index.html"), "js index").unwrap();
        std::fs::write(web.join("a b.txt"), "spaced").unwrap();
        std::fs::write(web.join(".env"), "TOKEN=1").unwrap();
        std::fs::write(web.join(".git/config"), "git").unwrap();
        std::fs::write(root.path().join("secret"), "secret").unwrap();
        std::fs::write(root.path().join("elsewhere/index.html"), "far").unwrap();
        symlink(root.path().join("secret"), web.join("secret")).unwrap();
        symlink("/etc/passwd", web.join("passwd")).unwrap();
        symlink(root.path().join("elsewhere"), web.join("far")).unwrap();
        symlink(web.join("index.html"), web.join("js/alias.html")).unwrap();
        symlink(root.path().join("secret"), web.join("empty/index.html")).unwrap();
        (root, web)
    }

    #[test]
    fn serves_what_is_inside() {
        let (_root, web) = tree();
        assert_eq!(resolve(&web, "/"), Target::File(web.join("index.html")));
        assert_eq!(
            resolve(&web, "/index.html"),
            Target::File(web.join("index.html"))
        );
        assert_eq!(
            resolve(&web, "/js/main.js"),
            Target::File(web.join("js/main.js"))
        );
        assert_eq!(
            resolve(&web, "/js/"),
            Target::File(web.join("js/index.html"))
        );
        assert_eq!(
            resolve(&web, "/a%20b.txt"),
            Target::File(web.join("a b.txt"))
        );
        assert_eq!(resolve(&web, "/js"), Target::Directory("/js/".to_string()));
    }

    #[test]
    fn refuses_symlinks_dotfiles_and_odd_paths() {
        let (_root, web) = tree();
        for path in [
            // Symlinks: to a file outside, to /etc/passwd, a directory, one
            // inside the tree, an index.html.
            "/secret",
            "/passwd",
            "/far/",
            "/far/index.html",
            "/far",
            "/js/alias.html",
            "/empty/",
            // Hidden names, and traversal however it is spelled.
            "/.env",
            "/.git/config",
            "/.git/",
            "/%2eenv",
            "/..",
            "/../secret",
            "/%2e%2e/secret",
            "/js/..%2f..%2fsecret",
            "/js%2fmain.js",
            "/js%5cmain.js",
            "/./index.html",
            // Empty segments: never echoed in a redirect.
            "//",
            "//js",
            "//js/",
            "/js//main.js",
            "/js//",
            // Not there, a file with a slash, bad encodings.
            "/nope",
            "/index.html/",
            "/%ff",
            "/a%00b",
            "",
        ] {
            assert_eq!(resolve(&web, path), Target::Missing, "{path:?}");
        }
    }
}
