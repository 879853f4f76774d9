//! `microsim serve`: the browser viewer over HTTP, and a WebSocket that streams
//! a native simulation for runs too large for the browser.
//!
//! Routes:
//! - `/` and below: the viewer built into the binary ([`viewer`]), or with
//!   `--web DIR` that directory (static, see [`static_dir`]: no traversal,
//!   no symlinks, no dotfiles);
//! - `/config.json`: the architecture the page opens first;
//! - `/architectures/index.json`, `/architectures/<name>.json`,
//!   `/architectures/scenarios/<name>.json`, `/architectures/lessons/<name>.json`: architectures, scenarios and lessons by
//!   name only (see [`files`]);
//! - `/out/`: a run's output directory, read-only like the viewer's, when
//!   `--out-dir` is given;
//! - `/ws`: the live simulation protocol (see [`ws`]).
//!
//! Every request must name this server in `Host` (see [`hosts`]), and send
//! its headers within [`HEADER_TIMEOUT`].

mod files;
mod hosts;
mod run;
mod static_dir;
mod viewer;
mod ws;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use clap::Args;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;

use crate::fail::{fancy_stderr, Fail};
use crate::run::{read_arch, spec};

pub use files::Library;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Architecture the page opens first: a path, or a built-in name (see `microsim list`). Default: netflixoss.
    pub file: Option<String>,
    /// TCP port; 0 picks any free port (the chosen one is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. Only 127.0.0.1 (this machine) unless you say otherwise, e.g. 0.0.0.0 for every interface.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Serve the viewer from this directory (with index.html) instead of the one built into microsim.
    #[arg(long, value_name = "DIR")]
    pub web: Option<PathBuf>,
    /// Also offer the architecture files (and scenarios/) of this directory by name, beside the built-in ones
    /// (a file here wins over a built-in of the same name).
    #[arg(long, value_name = "DIR")]
    pub architectures: Option<PathBuf>,
    /// Also serve this directory (e.g. `microsim run --out DIR`'s outputs) read-only at /out/.
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Also answer requests for NAME (or NAME:PORT), e.g. the name a proxy in front of the server passes on.
    /// Without it only localhost and the address listened on are answered, so that no other site's page can.
    #[arg(long, value_name = "NAME")]
    pub allow_host: Vec<String>,
}

/// How long a client has to send a request's headers, counted from when the
/// server starts waiting for them (on a new connection, and between requests
/// on a kept-alive one); then the connection is closed. A browser sends its
/// headers at once, so 10 s is ample even over a slow network, while a client
/// that sends half a request and stalls holds a connection no longer.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// What every request handler shares.
pub struct AppState {
    /// Architectures and scenarios by name.
    pub library: Library,
    /// Name of the architecture the page opens first.
    pub default_arch: String,
}

/// The viewer directory given with --web, checked (None: the built-in viewer).
fn find_web(arg: Option<&std::path::Path>) -> Result<Option<PathBuf>, Fail> {
    let Some(d) = arg else { return Ok(None) };
    if d.join("index.html").is_file() {
        Ok(Some(d.to_path_buf()))
    } else {
        Err(Fail::input(format!(
            "--web {}: there is no index.html in that directory. Fix: give the viewer directory (build it with scripts/build-web.sh), or leave --web out for the viewer built into microsim.",
            d.display()
        )))
    }
}

/// The directory given with --architectures, checked (None: the built-in set only).
fn find_architectures(arg: Option<&std::path::Path>) -> Result<Option<PathBuf>, Fail> {
    let Some(d) = arg else { return Ok(None) };
    if d.is_dir() {
        Ok(Some(d.to_path_buf()))
    } else {
        Err(Fail::input(format!(
            "--architectures {}: not a directory. Fix: give the directory holding the architecture JSON files (and scenarios/), e.g. architectures.",
            d.display()
        )))
    }
}

/// Loads FILE (as `microsim run` would, so errors read the same) and returns
/// its name for the page and its text.
fn default_arch(file: Option<&str>) -> Result<(String, Option<String>), Fail> {
    let Some(given) = file else {
        return Ok((crate::archs::DEFAULT.to_string(), None));
    };
    let (shown, text) = read_arch(Some(given))?;
    spec((&shown, &text), None, sim_core::RunOptions::default())?;
    if crate::archs::built_in(given).is_some() && !std::path::Path::new(given).is_file() {
        // A built-in name: the library serves it already.
        return Ok((given.to_string(), None));
    }
    let stem = std::path::Path::new(given)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok((files::sanitize_name(&stem), Some(text)))
}

pub fn serve(a: &ServeArgs) -> Result<(), Fail> {
    let (name, text) = default_arch(a.file.as_deref())?;
    let web = find_web(a.web.as_deref())?;
    let arch_dir = find_architectures(a.architectures.as_deref())?;
    if let Some(d) = &a.out_dir {
        if !d.is_dir() {
            return Err(Fail::input(format!(
                "--out-dir {}: not a directory. Fix: give the directory `microsim run --out DIR` wrote, e.g. out.",
                d.display()
            )));
        }
    }
    let state = Arc::new(AppState {
        library: Library::new(arch_dir, text.map(|t| (name.clone(), t))),
        default_arch: name,
    });
    let allowed = hosts::Allowed::new(&a.allow_host).map_err(Fail::input)?;
    let mut app = Router::new()
        .route("/config.json", get(config))
        .route("/architectures/{name}", get(architecture))
        .route("/architectures/scenarios/{name}", get(scenario))
        .route("/architectures/lessons/{name}", get(lesson))
        .route("/ws", get(ws::upgrade));
    if let Some(d) = &a.out_dir {
        // "/out" itself redirects, so that relative links in out/index.html work.
        let out = static_dir::StaticDir::new(d, "/out");
        let answer = move |req: Request| out.clone().answer(req);
        app = app
            .route("/out", get(|| async { Redirect::permanent("/out/") }))
            .route("/out/", get(answer.clone()))
            .route("/out/{*path}", get(answer));
    }
    let app = match &web {
        Some(dir) => {
            let viewer = static_dir::StaticDir::new(dir, "");
            app.fallback(move |req: Request| viewer.clone().answer(req))
        }
        None => app.fallback(viewer::answer),
    }
    .with_state(state.clone());
    let missing = if web.is_none() {
        viewer::missing()
    } else {
        Vec::new()
    };

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Fail::internal(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        let addr = SocketAddr::new(a.host, a.port);
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
            Fail::input(format!(
                "cannot listen on {addr}: {e}. Fix: choose another --port (0 picks a free one), or stop what uses it."
            ))
        })?;
        let bound = listener
            .local_addr()
            .map_err(|e| Fail::internal(format!("cannot read the bound address: {e}")))?;
        let hosts = Arc::new(hosts::Hosts::new(bound, allowed));
        let app = app.layer(axum::middleware::from_fn_with_state(hosts, hosts::check));
        {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            // Scripts and tests read the port from this one line.
            let _ = writeln!(out, "listening on http://{bound}");
            let _ = out.flush();
        }
        if !missing.is_empty() {
            eprintln!(
                "note: this microsim was built without the viewer's {}; the page says so. Fix: {}.",
                missing.join(", "),
                viewer::fix()
            );
        }
        if fancy_stderr() {
            eprintln!(
                "viewer from {}; architectures from {}; Ctrl-C to stop",
                web.as_ref().map_or("this binary".to_string(), |d| d.display().to_string()),
                state.library.describe()
            );
        }
        accept(&listener, &app).await;
        Ok(())
    })
}

/// Serves each connection on its own task, for ever: HTTP/1 with upgrades
/// (for `/ws`) and the [`HEADER_TIMEOUT`]. What axum::serve does, plus the
/// timeout, which it cannot be given.
async fn accept(listener: &tokio::net::TcpListener, app: &Router) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                // A client that gave up before it was accepted is no matter;
                // anything else (e.g. out of file descriptors) is told, and
                // the loop waits a little before trying again.
                if !matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                ) {
                    eprintln!("error: cannot accept a connection: {e}");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            // A client's error (or its timeout) ends its own connection only.
            let _ = connection.await;
        });
    }
}

/// A JSON body that the page must not cache.
fn json_response(body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

fn not_found(what: &str) -> Response {
    (StatusCode::NOT_FOUND, format!("{what} not found\n")).into_response()
}

async fn config(State(s): State<Arc<AppState>>) -> Response {
    json_response(serde_json::json!({ "default_arch": s.default_arch, "native": true }).to_string())
}

/// `/architectures/index.json` or `/architectures/<name>.json`.
async fn architecture(State(s): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    if file == "index.json" {
        let s = s.clone();
        return match tokio::task::spawn_blocking(move || s.library.index()).await {
            Ok(v) => json_response(v.to_string()),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    }
    let Some(name) = files::json_name(&file) else {
        return not_found("architecture");
    };
    match s.library.architecture(name).await {
        Some(text) => json_response(text),
        None => not_found("architecture"),
    }
}

/// `/architectures/scenarios/<name>.json`.
async fn scenario(State(s): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    let text = match files::json_name(&file) {
        Some(name) => s.library.scenario(name).await,
        None => None,
    };
    text.map_or_else(|| not_found("scenario"), json_response)
}

/// `/architectures/lessons/<name>.json`.
async fn lesson(State(s): State<Arc<AppState>>, Path(file): Path<String>) -> Response {
    let text = match files::json_name(&file) {
        Some(name) => s.library.lesson(name).await,
        None => None,
    };
    text.map_or_else(|| not_found("lesson"), json_response)
}
