//! The browser viewer built into the binary: web/'s page, style, scripts, D3
//! and the wasm engine as they were when `microsim` was compiled, so `microsim
//! serve` works from any directory with nothing beside it (`--web DIR` serves
//! a directory instead, for working on the page).
//!
//! Only names in the embedded set are answered — a lookup by exact name, so no
//! path can lead outside it. A binary built before `scripts/build-web.sh` made
//! the generated parts (web/pkg, web/vendor) lacks them: then `/` answers a
//! page that says what is missing and how to build it, rather than a viewer
//! that fails in the browser's console.

use std::fmt::Write as _;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use rust_embed::RustEmbed;

/// Rebuild when the embedded files come or go (see build.rs).
const _STAMP: &str = env!("MICROSIM_EMBED_STAMP");

/// web/ as it was when this binary was built.
#[derive(RustEmbed)]
#[folder = "../web/"]
#[include = "index.html"]
#[include = "split.html"]
#[include = "style.css"]
#[include = "js/*.js"]
#[include = "pkg/*.js"]
#[include = "pkg/*.wasm"]
#[include = "vendor/*.js"]
struct Assets;

/// The workshop guide (docs/guide/book, built by `scripts/build-guide.sh`),
/// served at `/docs/`.
#[derive(RustEmbed)]
#[folder = "../docs/guide/"]
#[include = "book/**/*"]
struct Guide;

/// What the page cannot work without; web/pkg and web/vendor are built by
/// `scripts/build-web.sh` (the rest is in the repository).
const NEEDED: &[&str] = &[
    "index.html",
    "js/main.js",
    "vendor/d3.min.js",
    "pkg/sim_wasm.js",
    "pkg/sim_wasm_bg.wasm",
];

/// The needed files this binary was built without.
pub fn missing() -> Vec<&'static str> {
    NEEDED
        .iter()
        .copied()
        .filter(|f| Assets::get(f).is_none())
        .collect()
}

/// What to do about missing files, for the page and the log.
pub fn fix() -> &'static str {
    "in the microsim source tree run scripts/build-web.sh, then cargo build --release -p sim-cli \
     (or serve a built viewer directory with --web DIR)"
}

/// The page shown at `/` when the viewer is incomplete.
fn incomplete(missing: &[&str]) -> Response {
    let list: String = missing.iter().fold(String::new(), |mut out, f| {
        let _ = write!(out, "<li><code>web/{f}</code></li>");
        out
    });
    let page = format!(
        "<!doctype html><meta charset=\"utf-8\"><title>microsim viewer: not built</title>\
         <h1>The viewer was not built into this microsim</h1>\
         <p>This binary was compiled without these files of the viewer:</p><ul>{list}</ul>\
         <p>Fix: {}.</p>\
         <p>The native simulation (<code>/ws</code>) and <code>/out/</code> work without them.</p>",
        fix()
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}

/// Answers a GET or HEAD for the viewer's files.
pub async fn answer(req: Request) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "only GET and HEAD here\n",
        )
            .into_response();
    }
    let path = req.uri().path();
    if path == "/docs" {
        return (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, "/docs/")],
        )
            .into_response();
    }
    if let Some(rest) = path.strip_prefix("/docs/") {
        let name = if rest.is_empty() || rest.ends_with('/') {
            format!("book/{rest}index.html")
        } else {
            format!("book/{rest}")
        };
        return match Guide::get(&name) {
            Some(file) => file_response(&req, file),
            None if Guide::get("book/index.html").is_none() => guide_missing(),
            None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
        };
    }
    let name = if path == "/" {
        let missing = missing();
        if !missing.is_empty() {
            return incomplete(&missing);
        }
        "index.html"
    } else {
        // Exact names only: "//x", "/js/../x" or "/js/%2e" name nothing here.
        path.strip_prefix('/').unwrap_or("")
    };
    let Some(file) = Assets::get(name) else {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    };
    file_response(&req, file)
}

/// `/docs/` when the binary was built without the guide.
fn guide_missing() -> Response {
    let page = "<!doctype html><meta charset=\"utf-8\"><title>microsim guide: not built</title>\
        <h1>The workshop guide was not built into this microsim</h1>\
        <p>Fix: in the microsim source tree run <code>scripts/build-guide.sh</code> \
        (it needs <code>mdbook</code>), then <code>cargo build --release -p sim-cli</code>.</p>";
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}

/// An embedded file, with its type, an ETag and `no-cache` (HEAD: its length).
fn file_response(req: &Request, file: rust_embed::EmbeddedFile) -> Response {
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..12]));
    let fresh = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if req.method() == Method::HEAD {
        let mut r = Response::new(Body::empty());
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(file.data.len()));
        r
    } else {
        Response::new(Body::from(file.data.into_owned()))
    };
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(file.metadata.mimetype()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
