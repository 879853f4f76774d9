//! `microsim serve`: static files, the architecture routes, hosts and
//! redirects, against the real binary on a free port (the WebSocket protocol:
//! `serve_ws.rs`).

#[path = "common/server.rs"]
mod server;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use server::*;

#[test]
fn serves_the_viewer_and_refuses_traversal() {
    // root/Cargo.toml sits right outside the viewer directory root/web.
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("Cargo.toml"),
        "[package]\nname = \"secret\"\n",
    )
    .unwrap();
    let web = root.path().join("web");
    std::fs::create_dir(&web).unwrap();
    std::fs::write(
        web.join("index.html"),
        "<!doctype html><title>viewer</title>",
    )
    .unwrap();
    let s = serve(&web, &[]);
    let (status, body) = get(s.port, "/");
    assert_eq!(status, 200);
    assert!(body.contains("<title>viewer</title>"), "{body}");
    let (status, body) = get(s.port, "/index.html");
    assert_eq!((status, body.contains("viewer")), (200, true));
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
        "/%2e%2e%2fCargo.toml",
        "/../../../../../../etc/passwd",
        "/..%5cCargo.toml",
        "/architectures/..%2f..%2fCargo.toml",
        "/architectures/scenarios/..%2fnetflixoss.json",
        "/architectures/%2e%2e.json",
    ] {
        let (status, body) = get(s.port, path);
        assert_ne!(status, 200, "{path} answered {body}");
        assert!(
            !body.contains("[package]") && !body.contains("[workspace]") && !body.contains("root:"),
            "{path} leaked {body}"
        );
    }
    let (status, _) = get(s.port, "/no-such-file.js");
    assert_eq!(status, 404);
}

#[test]
fn binds_localhost_by_default_and_another_host_when_told() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    assert!(
        s.line.starts_with("listening on http://127.0.0.1:") && s.port != 0,
        "{}",
        s.line
    );
    let any = serve(web.path(), &["--host", "0.0.0.0"]);
    assert!(
        any.line.starts_with("listening on http://0.0.0.0:"),
        "{}",
        any.line
    );
    assert_eq!(get(any.port, "/").0, 200);
}

#[test]
fn lists_and_serves_architectures_and_config() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let index = get_json(s.port, "/architectures/index.json");
    let archs: Vec<&str> = index["architectures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(archs.contains(&"netflixoss"), "{index}");
    assert!(archs.windows(2).all(|w| w[0] < w[1]), "sorted: {index}");
    assert!(!archs.contains(&"index"));
    assert!(index["scenarios"]
        .as_array()
        .unwrap()
        .contains(&json!("zone-outage")));
    let arch = get_json(s.port, "/architectures/netflixoss.json");
    assert!(arch["services"].is_array());
    let sc = get_json(s.port, "/architectures/scenarios/zone-outage.json");
    assert!(sc["faults"].is_array());
    assert_eq!(get(s.port, "/architectures/nope.json").0, 404);
    assert_eq!(
        get_json(s.port, "/config.json"),
        json!({"default_arch": "netflixoss", "native": true})
    );
}

#[test]
fn a_file_given_is_the_default_and_served_by_its_stem() {
    let web = web_dir();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tiny_shop.json");
    let text = TINY_SHOP;
    std::fs::write(&file, text).unwrap();
    let s = serve(web.path(), &[file.to_str().unwrap()]);
    assert_eq!(
        get_json(s.port, "/config.json"),
        json!({"default_arch": "tiny_shop", "native": true})
    );
    assert_eq!(get(s.port, "/architectures/tiny_shop.json").1, text);
    let index = get_json(s.port, "/architectures/index.json");
    assert!(index["architectures"]
        .as_array()
        .unwrap()
        .contains(&json!("tiny_shop")));
    let mut ws = connect(s.port);
    send(&mut ws, json!({"type":"start","arch":"tiny_shop"}));
    let topo = next(&mut ws);
    assert_eq!(topo["topology"]["arch"], "tiny", "{topo}");
}

#[test]
fn serves_a_run_directory_at_out() {
    let web = web_dir();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("report.html"), "<p>the report</p>").unwrap();
    let s = serve(web.path(), &["--out-dir", out.path().to_str().unwrap()]);
    let (status, body) = get(s.port, "/out/report.html");
    assert_eq!((status, body.as_str()), (200, "<p>the report</p>"));
    assert_eq!(get(s.port, "/out").0, 308, "/out redirects to /out/");
    std::fs::write(out.path().join("index.html"), "run index").unwrap();
    assert_eq!(get(s.port, "/out/"), (200, "run index".to_string()));
    assert_ne!(get(s.port, "/out/../index.html").0, 200);
    let (status, body) = get(s.port, "/out/%2e%2e/index.html");
    assert!(status != 200 || !body.contains("viewer"), "{body}");
    assert_eq!(get(s.port, "/out/report.html/").0, 404);
}

#[test]
fn closes_connections_that_never_finish_their_headers() {
    let web = web_dir();
    let s = serve(web.path(), &[]);
    let open = |bytes: &str| {
        let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
        c.write_all(bytes.as_bytes()).unwrap();
        c
    };
    // A WebSocket is past its headers: it stays open however long it idles.
    let mut ws = connect(s.port);
    // Nothing at all, half a request line, and headers without their end.
    let stalled = [
        open(""),
        open("GET /index.ht"),
        open(&format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n", s.port)),
    ];
    // The server closes each after its header timeout (10 s); the test
    // waits far longer than that before it calls a connection kept open.
    for mut c in stalled {
        c.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut rest = Vec::new();
        match c.read_to_end(&mut rest) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
            Err(e) => panic!("the server kept a stalled connection open: {e}"),
        }
    }
    assert_eq!(get(s.port, "/").0, 200, "and it still serves");
    start_netflixoss(&mut ws);
}

#[test]
fn answers_only_requests_that_name_this_server() {
    // A page of another site whose name resolves to 127.0.0.1 (DNS
    // rebinding) sends its own name in Host: nothing may answer it, not the
    // viewer, the routes, --out-dir, nor the WebSocket.
    let web = web_dir();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("report.html"), "<p>the report</p>").unwrap();
    let s = serve(
        web.path(),
        &[
            "--out-dir",
            out.path().to_str().unwrap(),
            "--allow-host",
            "sim.example.org",
        ],
    );
    let port = s.port;
    let foreign = [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("user@127.0.0.1:{port}"),
    ];
    for path in [
        "/",
        "/index.html",
        "/config.json",
        "/architectures/index.json",
        "/architectures/netflixoss.json",
        "/out/report.html",
        "/no-such-file.js",
    ] {
        for host in &foreign {
            let (status, text) = exchange(
                port,
                &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
            );
            assert_eq!(status, 421, "{path} for {host}: {text}");
            assert!(text.contains("--allow-host"), "says what to do: {text}");
        }
    }
    for host in &foreign {
        assert_eq!(
            status_of(port, &upgrade_request(host)),
            421,
            "/ws for {host}"
        );
    }
    // A foreign name in the request line counts too, and a Host is needed.
    let absolute = format!(
        "GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    assert_eq!(exchange(port, &absolute).0, 421);
    let (status, text) = exchange(port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 400, "{text}");
    let (status, text) = exchange(
        port,
        &format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 400, "{text}");

    // Its own names answer, and so does the one allowed.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        "sim.example.org".to_string(),
        "sim.example.org:443".to_string(),
    ] {
        let (status, text) = exchange(
            port,
            &format!("GET /out/report.html HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        );
        assert_eq!(status, 200, "{host}: {text}");
        assert_eq!(
            status_of(port, &upgrade_request(&host)),
            101,
            "/ws for {host}"
        );
    }

    let bad = Command::new(BIN)
        .args(["serve", "--port", "0", "--allow-host", "a b", "--web"])
        .arg(web.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--allow-host"));
}

/// The Location header of a raw answer, if any.
fn location(text: &str) -> Option<String> {
    text.split("\r\n\r\n").next()?.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("location")
            .then(|| value.trim().to_string())
    })
}

#[cfg(unix)]
#[test]
fn serves_no_symlink_or_dotfile_from_any_folder() {
    use std::os::unix::fs::symlink;
    // root/secret.txt and root/elsewhere/ lie outside every served folder;
    // each folder holds symlinks to them, a symlinked directory, and dotfiles.
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    std::fs::write(r.join("secret.txt"), "the secret").unwrap();
    std::fs::create_dir(r.join("elsewhere")).unwrap();
    std::fs::write(r.join("elsewhere/secret.txt"), "the secret").unwrap();
    std::fs::write(r.join("elsewhere/index.html"), "the secret").unwrap();
    let web = r.join("web");
    let out = r.join("out");
    let archs = r.join("archs");
    for d in [&web, &out, &archs] {
        std::fs::create_dir_all(d.join("sub")).unwrap();
        std::fs::write(d.join("index.html"), "<title>viewer</title>").unwrap();
        std::fs::write(d.join("sub/ok.txt"), "fine").unwrap();
        symlink(r.join("secret.txt"), d.join("secret.txt")).unwrap();
        symlink("/etc/passwd", d.join("passwd")).unwrap();
        symlink(r.join("elsewhere"), d.join("far")).unwrap();
        std::fs::write(d.join(".env"), "the secret").unwrap();
        std::fs::create_dir(d.join(".git")).unwrap();
        std::fs::write(d.join(".git/config"), "the secret").unwrap();
    }
    let arch = TINY_SHOP;
    std::fs::write(archs.join("mine.json"), arch).unwrap();
    std::fs::write(r.join("outside.json"), arch).unwrap();
    symlink(r.join("outside.json"), archs.join("linked.json")).unwrap();
    std::fs::write(archs.join(".hidden.json"), arch).unwrap();
    std::fs::write(r.join("elsewhere/far.json"), r#"{"faults":[]}"#).unwrap();
    symlink(r.join("elsewhere"), archs.join("scenarios")).unwrap();

    let s = serve(
        &web,
        &[
            "--out-dir",
            out.to_str().unwrap(),
            "--architectures",
            archs.to_str().unwrap(),
        ],
    );
    for prefix in ["", "/out"] {
        assert_eq!(
            get(s.port, &format!("{prefix}/sub/ok.txt")),
            (200, "fine".to_string())
        );
        for path in [
            "/secret.txt",
            "/passwd",
            "/far/secret.txt",
            "/far/",
            "/far",
            "/.env",
            "/%2eenv",
            "/.git/config",
            "/.git/",
        ] {
            let (status, body) = get(s.port, &format!("{prefix}{path}"));
            assert_eq!(status, 404, "{prefix}{path} answered {body}");
            assert!(
                !body.contains("secret") && !body.contains("root:"),
                "{body}"
            );
        }
    }
    // The architectures folder: by name, and never through a symlink.
    assert_eq!(get(s.port, "/architectures/mine.json").0, 200);
    for path in [
        "/architectures/linked.json",
        "/architectures/.hidden.json",
        "/architectures/scenarios/far.json",
    ] {
        assert_eq!(get(s.port, path).0, 404, "{path}");
    }
    let index = get_json(s.port, "/architectures/index.json").to_string();
    assert!(
        index.contains("\"mine\"") && !index.contains("linked") && !index.contains("far"),
        "{index}"
    );
    let mut ws = connect(s.port);
    send(&mut ws, json!({"type":"start","arch":"linked"}));
    assert_eq!(
        next(&mut ws)["type"],
        "error",
        "a symlinked architecture runs"
    );
    send(
        &mut ws,
        json!({"type":"start","arch":"mine","scenario":"far"}),
    );
    assert_eq!(
        next(&mut ws)["type"],
        "error",
        "a scenario through a symlink runs"
    );
}

#[test]
fn redirects_stay_on_this_server() {
    let web = web_dir();
    std::fs::create_dir(web.path().join("js")).unwrap();
    std::fs::write(web.path().join("js/index.html"), "js").unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::create_dir(out.path().join("sub")).unwrap();
    std::fs::write(out.path().join("sub/index.html"), "sub").unwrap();
    let s = serve(web.path(), &["--out-dir", out.path().to_str().unwrap()]);
    let port = s.port;
    let fetch = |path: &str| {
        exchange(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"),
        )
    };
    // Empty segments would make a Location that names another site (//js/).
    for path in [
        "//js",
        "//js/",
        "///js",
        "/out//sub",
        "//out/sub",
        "/js//",
        "/%2f/js",
        "/\\js",
    ] {
        let (status, text) = fetch(path);
        let to = location(&text).unwrap_or_default();
        assert!(
            !to.starts_with("//") && !to.starts_with("/\\") && !to.contains("://"),
            "{path} redirects to {to}: {text}"
        );
        assert!(status == 404 || status == 400, "{path}: {text}");
    }
    // A directory without its slash redirects to itself with one, under its mount.
    for (path, to) in [
        ("/js", "/js/"),
        ("/out", "/out/"),
        ("/out/sub", "/out/sub/"),
    ] {
        let (status, text) = fetch(path);
        assert!((300..400).contains(&status), "{path}: {text}");
        assert_eq!(location(&text).as_deref(), Some(to), "{path}: {text}");
    }
    assert_eq!(get(port, "/out/sub/"), (200, "sub".to_string()));
}

#[test]
fn bad_file_or_missing_viewer_exits_2() {
    let web = web_dir();
    let out = Command::new(BIN)
        .args(["serve", "no-such-architecture", "--port", "0", "--web"])
        .arg(web.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-architecture"), "{err}");
    assert!(out.stdout.is_empty(), "nothing listened");

    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--port", "0", "--web"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("scripts/build-web.sh"), "{err}");
}
