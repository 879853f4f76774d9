//! Which other service an environment value names: the one inference that
//! docker-compose and Kubernetes imports share.
//!
//! Services find each other by name: compose puts every service on a network
//! where its name resolves, Kubernetes gives every Service a DNS name
//! (`cart`, `cart.shop`, `cart.shop.svc.cluster.local`), and twelve-factor
//! applications take those names from their environment (Online Boutique's
//! `PRODUCT_CATALOG_SERVICE_ADDR=productcatalogservice:3550`,
//! `MONGO_URL=mongodb://user-mongodb:27017/users`). A value is read as a list
//! of addresses (split on commas, semicolons and spaces); each is a URL
//! (`scheme://[user@]host[:port][/path]`) or `host[:port]`. A bare word
//! (`redis-cart`) counts only under a key that says it holds an address
//! (`*_HOST`, `*_ADDR`, `*_URL`, …), so `MODE=cart` does not make a call.

/// Key endings that say a value is an address.
const ADDRESS_KEYS: [&str; 14] = [
    "_ADDR",
    "_ADDRESS",
    "_HOST",
    "_HOSTNAME",
    "_HOSTS",
    "_SERVER",
    "_SERVERS",
    "_SERVICE",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_DSN",
    "_BROKER",
    "_BROKERS",
];

/// One dependency found in an environment: the service, and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The service named.
    pub service: String,
    /// `env KEY=VALUE`, for the notes.
    pub how: String,
}

/// Host names an environment value gives, lower-cased, in order.
pub fn hosts(key: &str, value: &str) -> Vec<String> {
    let upper = key.to_ascii_uppercase();
    let address_key = upper == "HOST" || ADDRESS_KEYS.iter().any(|k| upper.ends_with(k));
    value
        .split([',', ';', ' ', '\t', '\n'])
        .filter(|t| !t.is_empty())
        .filter_map(|token| {
            let (rest, explicit) = match token.split_once("://") {
                Some((scheme, rest)) if !scheme.is_empty() => (rest, true),
                _ => (token, false),
            };
            let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
            let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            let (host, has_port) = match host_port.rsplit_once(':') {
                Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => (h, true),
                _ => (host_port, false),
            };
            let plausible = !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
                && host.bytes().any(|b| b.is_ascii_alphabetic());
            (plausible && (explicit || has_port || address_key)).then(|| host.to_ascii_lowercase())
        })
        .collect()
}

/// The known service a host name is, if any: the name itself, or the first
/// label of a Kubernetes DNS name (`cart.shop.svc.cluster.local` is `cart`).
pub fn resolve<'a>(host: &str, known: &'a [String]) -> Option<&'a String> {
    let first = host.split('.').next().unwrap_or(host);
    known
        .iter()
        .find(|k| k.eq_ignore_ascii_case(host))
        .or_else(|| known.iter().find(|k| k.eq_ignore_ascii_case(first)))
}

/// The services `from`'s environment names (each once, the first way it was
/// found), never `from` itself. `known` are the names a host may resolve to;
/// `target` maps such a name to the service called (a Kubernetes Service to
/// the workload behind it).
pub fn env_dependencies(
    from: &str,
    env: &[(String, String)],
    known: &[String],
    target: impl Fn(&str) -> Option<String>,
) -> Vec<Named> {
    let mut out: Vec<Named> = Vec::new();
    for (key, value) in env {
        for host in hosts(key, value) {
            let Some(service) = resolve(&host, known).and_then(|k| target(k)) else {
                continue;
            };
            if service != from && !out.iter().any(|n| n.service == service) {
                let shown: String = value.chars().take(60).collect();
                let cut = if value.chars().count() > 60 {
                    "…"
                } else {
                    ""
                };
                out.push(Named {
                    service,
                    how: format!("env {key}={shown}{cut}"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_urls_and_lists_name_hosts() {
        assert_eq!(
            hosts("PRODUCT_CATALOG_SERVICE_ADDR", "productcatalogservice:3550"),
            ["productcatalogservice"]
        );
        assert_eq!(
            hosts(
                "MONGO_URL",
                "mongodb://admin:pw@user-mongodb:27017/users?x=1"
            ),
            ["user-mongodb"]
        );
        assert_eq!(
            hosts("X", "http://Text-Service:9090/api, cache:11211"),
            ["text-service", "cache"]
        );
        assert_eq!(hosts("REDIS_HOST", "redis-cart"), ["redis-cart"]);
        assert!(
            hosts("MODE", "cart").is_empty(),
            "a bare word needs an address key"
        );
        assert!(hosts("PORT", "8080").is_empty());
        assert!(
            hosts("TIMEOUT", "10:30").is_empty(),
            "no letters: not a host"
        );
        assert!(hosts("JAVA_OPTS", "-Xmx1g -Dfoo=bar").is_empty());
    }

    #[test]
    fn kubernetes_dns_names_resolve_to_their_first_label() {
        let known = vec!["cartservice".to_string(), "redis-cart".to_string()];
        assert_eq!(
            resolve("cartservice.shop.svc.cluster.local", &known),
            Some(&known[0])
        );
        assert_eq!(resolve("redis-cart", &known), Some(&known[1]));
        assert_eq!(resolve("example.com", &known), None);
    }

    #[test]
    fn each_dependency_once_and_never_itself() {
        let known: Vec<String> = ["a", "b"].iter().map(ToString::to_string).collect();
        let env = vec![
            ("A_ADDR".to_string(), "a:1".to_string()),
            ("B_URL".to_string(), "http://b/x".to_string()),
            ("B_HOST".to_string(), "b".to_string()),
        ];
        let got = env_dependencies("a", &env, &known, |k| Some(k.to_string()));
        assert_eq!(
            got,
            vec![Named {
                service: "b".into(),
                how: "env B_URL=http://b/x".into()
            }]
        );
    }
}
