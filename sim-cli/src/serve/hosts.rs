//! Which `Host` values the server answers to. A page on another site can
//! point its own DNS name at 127.0.0.1 (DNS rebinding); the browser then
//! treats this server as that site and lets the page read the files and open
//! `/ws`. The browser still sends the site's name in `Host`, so every request
//! (HTTP and the `/ws` upgrade) must name this server there.
//!
//! Answered to: `localhost` and loopback addresses, and the address listened
//! on, each with the listening port (no port means 80); any IP address with
//! that port when listening on every interface (an address cannot be rebound,
//! only a name can); and each `--allow-host NAME` (any port, or the one given
//! with it), for a name that a proxy in front of the server passes on.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// `--allow-host` names (lower case, IPv6 without brackets), with their port if one was given.
pub struct Allowed(Vec<(String, Option<u16>)>);

impl Allowed {
    /// Checks the `--allow-host` values.
    pub fn new(allow: &[String]) -> Result<Allowed, String> {
        allow
            .iter()
            .map(|a| {
                split(a).ok_or_else(|| {
                    format!("--allow-host {a:?}: not a host name. Fix: give the name the browser uses, e.g. --allow-host sim.example.org (or sim.example.org:8443)")
                })
            })
            .collect::<Result<_, _>>()
            .map(Allowed)
    }
}

/// The `Host` values this server answers to.
pub struct Hosts {
    /// The address it listens on.
    bound: SocketAddr,
    allowed: Allowed,
}

/// A `Host` value (or `--allow-host`) split into its host, lower case and an
/// IPv6 address without brackets, and its port. None when it is not one.
fn split(value: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if let Some(v6) = value.strip_prefix('[') {
        let (host, rest) = v6.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        match rest.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if rest.is_empty() => (host, None),
            None => return None,
        }
    } else {
        match value.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        }
    };
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':');
    if host.is_empty() || !host.chars().all(name_char) {
        return None;
    }
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse().ok()?),
        Some(_) => return None,
    };
    Some((host.to_ascii_lowercase(), port))
}

impl Hosts {
    /// The names a server listening on `bound` answers to, and `allowed`.
    pub fn new(bound: SocketAddr, allowed: Allowed) -> Hosts {
        Hosts { bound, allowed }
    }

    /// Whether the `Host` value `value` names this server.
    pub fn allows(&self, value: &str) -> bool {
        let Some((host, port)) = split(value) else {
            return false;
        };
        if self
            .allowed
            .0
            .iter()
            .any(|(name, p)| *name == host && p.is_none_or(|p| Some(p) == port))
        {
            return true;
        }
        // A Host without a port names the scheme's default, 80 for http.
        if port.unwrap_or(80) != self.bound.port() {
            return false;
        }
        if host == "localhost" {
            return true;
        }
        let Ok(ip) = host.parse::<IpAddr>() else {
            return false;
        };
        ip.is_loopback() || ip == self.bound.ip() || self.bound.ip().is_unspecified()
    }
}

fn refuse(status: StatusCode, why: String) -> Response {
    (status, why + "\n").into_response()
}

/// Middleware on every route: the request must name this server (in `Host`,
/// and in the request line when that holds an address).
pub async fn check(State(hosts): State<Arc<Hosts>>, req: Request, next: Next) -> Response {
    let mut given = req.headers().get_all(header::HOST).iter();
    let (Some(host), None) = (given.next(), given.next()) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "a request needs exactly one Host header naming this server, e.g. Host: localhost:8080"
                .to_string(),
        );
    };
    let Ok(host) = host.to_str() else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "the Host header is not text".to_string(),
        );
    };
    let named = std::iter::once(host).chain(req.uri().authority().map(Authority::as_str));
    for name in named {
        if !hosts.allows(name) {
            return refuse(
                StatusCode::MISDIRECTED_REQUEST,
                format!("this server does not answer to Host {name:?} (a page of another site?); if that is the name a proxy gives it, start it with --allow-host NAME"),
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(bound: &str, allow: &[&str]) -> Hosts {
        let allow: Vec<String> = allow.iter().map(ToString::to_string).collect();
        Hosts::new(bound.parse().unwrap(), Allowed::new(&allow).unwrap())
    }

    #[test]
    fn loopback_answers_to_its_own_names_only() {
        let h = hosts("127.0.0.1:8080", &[]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LocalHost:8080",
            "[::1]:8080",
            "127.0.0.2:8080",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example:8080",
            "localhost",
            "127.0.0.1",
            "127.0.0.1:8081",
            "localhost:8080@evil.example",
            "user@localhost:8080",
            "10.0.0.5:8080",
            "",
            "localhost:99999",
            "localhost:",
        ] {
            assert!(!h.allows(bad), "{bad}");
        }
        // Port 80 is the one a Host without a port names.
        let h80 = hosts("127.0.0.1:80", &[]);
        assert!(h80.allows("localhost") && h80.allows("127.0.0.1"));
        assert!(!h80.allows("evil.example"));
    }

    #[test]
    fn another_address_and_allowed_names() {
        let h = hosts(
            "192.168.1.5:8080",
            &["Sim.Example.org", "proxy.example:8443"],
        );
        assert!(h.allows("192.168.1.5:8080"));
        assert!(!h.allows("192.168.1.6:8080"));
        assert!(h.allows("sim.example.org") && h.allows("sim.example.org:443"));
        assert!(h.allows("proxy.example:8443") && !h.allows("proxy.example:8080"));
        assert!(!h.allows("evil.example:8080"));
        // Every interface: any address (no name) with the port.
        let any = hosts("0.0.0.0:8080", &[]);
        assert!(any.allows("192.168.1.5:8080") && any.allows("[fe80::1]:8080"));
        assert!(!any.allows("192.168.1.5:9090") && !any.allows("evil.example:8080"));
        let v6 = hosts("[::1]:8080", &[]);
        assert!(v6.allows("[::1]:8080") && v6.allows("localhost:8080"));
        for bad in ["a b", "", "x@y", "name:port", "evil.example/path"] {
            assert!(Allowed::new(&[bad.to_string()]).is_err(), "{bad}");
        }
    }
}
