//! Fire-and-forget calls: shadow traffic (`"mirror": PERCENT`) and async
//! calls (`"async": true`).
//!
//! Both are calls nobody waits for. They go out with the first stage of the
//! caller's plan, after its own work; the caller's stage does not count them,
//! so its answer never waits for them, and whatever they answer — late,
//! failed, never — never reaches it: their failures are not the caller's
//! ([`super::on_failure`] says [`super::OnFailure::Detached`], and the
//! availability analysis never needs them). They are ordinary calls for
//! everything else: counted in amplification and [`super::fan_out`], served,
//! timed and recorded by the callee, drawn in the graphs, and each holds a
//! call record (counted in `max_calls`) until its answer comes back to the
//! caller's instance and is dropped.
//!
//! - **Shadow traffic** follows Envoy's route-level `request_mirror_policies`
//!   (envoyproxy.io, `config.route.v3.RouteAction.RequestMirrorPolicy`): a
//!   `runtime_fraction` of the requests on a route is copied to another
//!   cluster, "fire and forget": Envoy does not wait for the shadow cluster
//!   to respond before returning the response from the primary cluster, and
//!   the shadow's response is discarded. The copy's `Host`/`Authority` header
//!   is suffixed `-shadow`, which the traces show as the span's `http.host`.
//!   Here the route is the caller: `mirror` percent of the requests it
//!   handles (a router: the requests it routes) send one copy each.
//! - **Async calls** are events published to a consumer: made with their
//!   `probability` and `calls` like any dependency, never waited for.
//!
//! Timeouts, retries, breakers, bulkheads, fallbacks and zone-aware routing
//! act on answers the caller reads, so a detached dependency refuses them
//! (`crate::model` says so at the key's path).

use crate::rng::Stream;
use crate::topology::Service;

use super::Launch;

/// How a dependency is called when nobody waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detached {
    /// `"async": true`: an event published, fire-and-forget.
    Async,
    /// `"mirror": PERCENT`: a shadow copy of the caller's request.
    Mirror,
}

impl Detached {
    /// The key that made the dependency detached, as the file writes it.
    pub fn key(self) -> &'static str {
        match self {
            Detached::Async => "async",
            Detached::Mirror => "mirror",
        }
    }
}

/// Adds to `out` the detached calls one request of `svc` makes: each
/// detached dependency with its probability (a mirror's percentage) and
/// `calls`. Draws only for detached dependencies, from their own stream, so
/// a file without them draws nothing here.
pub fn plan_detached(svc: &Service, rng: &mut Stream, out: &mut Vec<Launch>) {
    for (i, d) in svc.deps.iter().enumerate() {
        if d.detached.is_some() && rng.chance(d.probability) {
            out.extend(std::iter::repeat_n(Launch::Dep(i as u16), d.calls as usize));
        }
    }
}

/// Whether a dependency as written is detached, and how.
pub fn detached_of(o: &crate::model::CallSpec) -> Option<Detached> {
    if o.mirror.is_some() {
        Some(Detached::Mirror)
    } else if o.is_async {
        Some(Detached::Async)
    } else {
        None
    }
}
