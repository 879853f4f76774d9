//! Probabilistically Bounded Staleness: the chance that a read begun `t`
//! after a write was acknowledged misses it, under the WARS model of
//! P. Bailis, S. Venkataraman, M. J. Franklin, J. M. Hellerstein and
//! I. Stoica, "Probabilistically Bounded Staleness for Practical Partial
//! Quorums", PVLDB 5(8), 2012, §4.
//!
//! WARS: a write goes to all N replicas; replica i stores it after W_i and
//! its acknowledgement takes A_i back; the write commits when the W-th
//! acknowledgement arrives. A read begun t later reaches replica i after R_i
//! (the moment the replica reads) and its answer takes S_i back; the read is
//! consistent when a replica it hears had stored the write by the moment it
//! read. The paper's reads go to all N and take the first R answers
//! ([`Reads::FirstOfAll`]); Cassandra's coordinator asks only R replicas
//! ([`Reads::Chosen`], chosen among equals at random) — the engine's choice.
//!
//! Computed by Monte Carlo, as the paper does, from the leg samplers the
//! caller gives — independently of the engine, which is checked against it
//! (`sim-core/tests/replication.rs`).

use crate::rng::Stream;

/// Which replicas a read hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// It asks all N and takes the first R answers (the paper's WARS).
    FirstOfAll,
    /// It asks R replicas chosen at random and waits for them all (Cassandra).
    Chosen,
}

/// The four legs of WARS, in milliseconds, sampled by the caller.
pub trait Legs {
    /// W: write request to stored.
    fn w(&mut self, rng: &mut Stream) -> f64;
    /// A: acknowledgement back.
    fn a(&mut self, rng: &mut Stream) -> f64;
    /// R: read request to read.
    fn r(&mut self, rng: &mut Stream) -> f64;
    /// S: read answer back.
    fn s(&mut self, rng: &mut Stream) -> f64;
}

/// Dynamo's N, R, W: replicas, replies a read waits for, acknowledgements a
/// write waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorums {
    /// Replicas of a key.
    pub n: usize,
    /// Replicas a read hears.
    pub r: usize,
    /// Acknowledgements a write waits for.
    pub w: usize,
}

/// The probability that a read begun `t_ms` after commit is stale, under
/// quorums `q`, from `trials` trials.
pub fn stale_probability(
    q: Quorums,
    t_ms: f64,
    reads: Reads,
    legs: &mut impl Legs,
    trials: u32,
    rng: &mut Stream,
) -> f64 {
    let Quorums { n, r, w } = q;
    assert!(r >= 1 && w >= 1 && r <= n && w <= n);
    let mut stored = vec![0.0; n];
    let mut acks = vec![0.0; n];
    let mut order: Vec<(f64, usize)> = Vec::with_capacity(n);
    let mut stale = 0u32;
    for _ in 0..trials {
        for i in 0..n {
            stored[i] = legs.w(rng);
            acks[i] = stored[i] + legs.a(rng);
        }
        acks.sort_unstable_by(f64::total_cmp);
        let start = acks[w - 1] + t_ms;
        order.clear();
        match reads {
            Reads::FirstOfAll => {
                for (i, &st) in stored.iter().enumerate() {
                    let at = start + legs.r(rng);
                    let fresh = st <= at;
                    order.push((at - start + legs.s(rng), usize::from(fresh) + 2 * i));
                }
                order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
            }
            Reads::Chosen => {
                // R distinct replicas at random (a partial Fisher–Yates).
                let mut ids: Vec<usize> = (0..n).collect();
                for k in 0..r {
                    let j = k + (rng.uniform() * (n - k) as f64) as usize;
                    ids.swap(k, j.min(n - 1));
                    let i = ids[k];
                    let at = start + legs.r(rng);
                    order.push((0.0, usize::from(stored[i] <= at)));
                }
            }
        }
        if !order[..r].iter().any(|&(_, tag)| tag & 1 == 1) {
            stale += 1;
        }
    }
    f64::from(stale) / f64::from(trials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    struct Exp(f64);
    impl Legs for Exp {
        fn w(&mut self, rng: &mut Stream) -> f64 {
            -self.0 * libm::log(1.0 - rng.uniform())
        }
        fn a(&mut self, rng: &mut Stream) -> f64 {
            self.w(rng)
        }
        fn r(&mut self, rng: &mut Stream) -> f64 {
            self.w(rng)
        }
        fn s(&mut self, rng: &mut Stream) -> f64 {
            self.w(rng)
        }
    }

    #[test]
    fn strict_quorums_are_never_stale_and_partial_ones_fade() {
        let mut rng = Stream::new(1, Purpose::Replication);
        for reads in [Reads::FirstOfAll, Reads::Chosen] {
            let p = |r, w, t, rng: &mut Stream| {
                stale_probability(Quorums { n: 3, r, w }, t, reads, &mut Exp(1.0), 20_000, rng)
            };
            assert_eq!(p(2, 2, 0.0, &mut rng), 0.0);
            assert_eq!(p(1, 3, 0.0, &mut rng), 0.0);
            let now = p(1, 1, 0.0, &mut rng);
            let later = p(1, 1, 5.0, &mut rng);
            assert!(now > 0.05 && later < now / 10.0, "{reads:?}: {now} {later}");
        }
    }

    #[test]
    fn one_replica_one_write_by_hand() {
        // N = 2, R = W = 1, a read to a random replica at t = 0 with W and A
        // exponential (mean 1) and R, S zero: the write commits at the first
        // of two acks; the other replica (chosen with probability 1/2) stores
        // later than the commit with probability P(W₂ > W₁ + A₁ | first ack is 1's) ...
        // checked here only for its limits: t = ∞ is never stale.
        struct Fixed;
        impl Legs for Fixed {
            fn w(&mut self, rng: &mut Stream) -> f64 {
                -libm::log(1.0 - rng.uniform())
            }
            fn a(&mut self, _: &mut Stream) -> f64 {
                0.0
            }
            fn r(&mut self, _: &mut Stream) -> f64 {
                0.0
            }
            fn s(&mut self, _: &mut Stream) -> f64 {
                0.0
            }
        }
        let mut rng = Stream::new(2, Purpose::Replication);
        // A = R = S = 0: commit at min(W1, W2); the read asks a random
        // replica at once, stale iff it is the slower one: probability 1/2.
        let p = stale_probability(
            Quorums { n: 2, r: 1, w: 1 },
            0.0,
            Reads::Chosen,
            &mut Fixed,
            40_000,
            &mut rng,
        );
        assert!((p - 0.5).abs() < 0.01, "{p}");
        // Asking both and taking the first answer (both answer at once, in
        // replica order) is stale only when replica 0 is the slower: 1/2 too;
        // at t = 1 the slower has stored with probability 1 − e^(−1).
        let p = stale_probability(
            Quorums { n: 2, r: 1, w: 1 },
            1.0,
            Reads::Chosen,
            &mut Fixed,
            40_000,
            &mut rng,
        );
        let want = 0.5 * libm::exp(-1.0);
        assert!((p - want).abs() < 0.01, "{p} vs {want}");
        assert_eq!(
            stale_probability(
                Quorums { n: 2, r: 1, w: 1 },
                1e9,
                Reads::Chosen,
                &mut Fixed,
                1000,
                &mut rng
            ),
            0.0
        );
    }
}
