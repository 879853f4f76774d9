//! What a container image (or a name) says a service is: the rule compose and
//! Kubernetes imports share for packages, and for what is no part of the
//! request path at all.

use sim_core::model::Package;

/// What an image is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A service on the request path, with this package.
    Serves(Package),
    /// Tracing, metrics or dashboards: beside the request path, never on it
    /// (services send spans and metrics to it, they do not wait for it).
    Observability,
    /// Generates load: its targets are the entry points.
    LoadGenerator,
}

/// Images of data stores: leaves of the call graph.
const STORES: [&str; 20] = [
    "mongo",
    "mysql",
    "mariadb",
    "postgres",
    "cassandra",
    "scylla",
    "cockroach",
    "couchdb",
    "couchbase",
    "elasticsearch",
    "opensearch",
    "etcd",
    "neo4j",
    "influxdb",
    "clickhouse",
    "minio",
    "rabbitmq",
    "kafka",
    "nats",
    "spanner",
];
/// Images of in-memory caches.
const CACHES: [&str; 4] = ["memcached", "redis", "valkey", "keydb"];
/// Reverse proxies and gateways: each request goes to one backend.
const PROXIES: [&str; 8] = [
    "nginx",
    "openresty",
    "envoy",
    "haproxy",
    "traefik",
    "caddy",
    "httpd",
    "kong",
];
const OBSERVABILITY: [&str; 10] = [
    "jaeger",
    "zipkin",
    "prometheus",
    "grafana",
    "otel-collector",
    "opentelemetry",
    "cadvisor",
    "node-exporter",
    "loki",
    "tempo",
];
const LOAD_GENERATORS: [&str; 7] = [
    "loadgen", "load-gen", "locust", "k6", "vegeta", "jmeter", "wrk",
];

/// An image's own name: `docker.io/library/redis:7-alpine` is `redis`.
fn base(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let name = last.split(['@', ':']).next().unwrap_or(last);
    name.to_ascii_lowercase()
}

/// What `image` (or, without one, the service's `name`) is. The image's
/// repository counts too (`jaegertracing/all-in-one` is tracing).
pub fn classify(image: Option<&str>, name: &str) -> Kind {
    let words: Vec<String> = match image {
        Some(i) => vec![base(i), i.to_ascii_lowercase()],
        None => vec![name.to_ascii_lowercase()],
    };
    let has = |list: &[&str]| words.iter().any(|w| list.iter().any(|k| w.contains(k)));
    let name_l = name.to_ascii_lowercase();
    if has(&LOAD_GENERATORS) || LOAD_GENERATORS.iter().any(|k| name_l.contains(k)) {
        Kind::LoadGenerator
    } else if has(&OBSERVABILITY) {
        Kind::Observability
    } else if has(&CACHES) {
        Kind::Serves(Package::Cache)
    } else if has(&STORES) {
        Kind::Serves(Package::Store)
    } else if has(&PROXIES) {
        Kind::Serves(Package::Zuul)
    } else {
        Kind::Serves(Package::Karyon)
    }
}

/// Why a package was chosen, for the notes.
pub fn why(kind: Kind) -> &'static str {
    match kind {
        Kind::Serves(Package::Cache) => "an in-memory cache image: a leaf (package cache)",
        Kind::Serves(Package::Store) => "a data store or broker image: a leaf (package store)",
        Kind::Serves(Package::Zuul) => {
            "a reverse proxy image: each request goes to one backend (package zuul)"
        }
        Kind::Observability => "tracing or metrics: beside the request path, not on it",
        Kind::LoadGenerator => "a load generator: the services it calls are the entry points",
        Kind::Serves(_) => "a service: calls every dependency per request (package karyon)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_say_what_a_service_is() {
        let k = |i: &str| classify(Some(i), "x");
        assert_eq!(k("mongo:4.4.6"), Kind::Serves(Package::Store));
        assert_eq!(
            k("docker.io/library/redis:7-alpine"),
            Kind::Serves(Package::Cache)
        );
        assert_eq!(k("memcached"), Kind::Serves(Package::Cache));
        assert_eq!(
            k("yg397/openresty-thrift:xenial"),
            Kind::Serves(Package::Zuul)
        );
        assert_eq!(k("jaegertracing/all-in-one:1.62"), Kind::Observability);
        assert_eq!(
            k("gcr.io/google-samples/microservices-demo/cartservice:v0.10.1"),
            Kind::Serves(Package::Karyon)
        );
        assert_eq!(classify(None, "loadgenerator"), Kind::LoadGenerator);
        assert_eq!(
            classify(Some("example/shop/loadgenerator:v1"), "loadgenerator"),
            Kind::LoadGenerator
        );
        assert_eq!(classify(None, "user-mongodb"), Kind::Serves(Package::Store));
    }
}
