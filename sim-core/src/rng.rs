//! Seeded, independent pseudo-random streams: one per purpose, so adding a
//! random draw for one purpose (say, routing) never shifts another (arrivals).
//!
//! PCG-64 (rand_pcg) with the seed as state and the purpose as stream selector;
//! no OS randomness ever reaches the simulation.
//!
//! A [`Stream`] is a rand_core 0.10 [`Rng`] (through [`TryRng`] with an
//! infallible error), so any `rand_distr::Distribution` can draw from it.

use core::convert::Infallible;

use rand_core::{Rng, TryRng};
use rand_pcg::Pcg64;

/// What a stream is used for; each purpose draws from its own sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Purpose {
    /// Inter-arrival gaps at entry points.
    Arrivals = 1,
    /// Choice of dependency and instance.
    Routing = 2,
    /// Service times.
    Work = 3,
    /// Probabilistic calls and cache hits.
    Behaviour = 4,
    /// Trace and span identifiers.
    Ids = 5,
    /// Faults (chaos).
    Faults = 6,
    /// Failures and repairs by MTBF/MTTR during a run (`RunOptions::failures`):
    /// a stream of its own, so turning them on shifts no other draw.
    Failures = 7,
    /// Whether a request sends its shadow copies and async calls (`mirror`,
    /// `async` with a probability): a stream of its own, so adding one to a
    /// file shifts no other dependency's draws.
    Detached = 8,
    /// Keys and the read/write coin of keyed requests ([`crate::keys`]):
    /// drawn only in runs whose file declares `keys`.
    Keys = 9,
    /// Which version of a service a call goes to, and which requests a
    /// version's defect fails: drawn only for services with versions.
    Versions = 10,
    /// Which replicas a replicated store's read asks among equals: drawn
    /// only for stores with `replication`.
    Replication = 11,
}

/// One random stream.
#[derive(Debug, Clone)]
pub struct Stream(Pcg64);

impl Stream {
    /// The stream for `purpose` under `seed`.
    pub fn new(seed: u64, purpose: Purpose) -> Self {
        // splitmix64 spreads nearby seeds (1, 2, 3) over the state space.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let state = (u128::from(z) << 64) | u128::from(seed);
        Stream(Pcg64::new(state, purpose as u128))
    }

    /// 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1) with 53 bits of precision.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        unit_f64(self.next_u64())
    }

    /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        let n64 = u64::from(n);
        loop {
            let m = (self.next_u64() >> 32) * n64;
            let low = m as u32;
            if low >= n || low >= (n.wrapping_neg() % n) {
                return (m >> 32) as u32;
            }
        }
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        p >= 1.0 || (p > 0.0 && self.uniform() < p)
    }
}

/// 64 random bits to a uniform value in [0, 1): the top 53 bits times 2^-53.
///
/// The one formula behind [`Stream::uniform`] and the samplers of
/// [`crate::dist`], so a sampler drawing from a stream sees the values the
/// engine always drew. Exact arithmetic: the same bits on every target.
#[inline]
pub fn unit_f64(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// rand_core's fallible interface, never failing: with `Error = Infallible`
/// rand_core provides [`Rng`] for `Stream`, which is what `rand_distr` and
/// `rand` samplers take. Every method forwards to the PCG-64 underneath, so
/// `Rng::next_u64` on a stream is exactly [`Stream::next_u64`].
impl TryRng for Stream {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(Rng::next_u32(&mut self.0))
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(Rng::next_u64(&mut self.0))
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        Rng::fill_bytes(&mut self.0, dst);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: Vec<u64> = (0..4)
            .map(|_| Stream::new(7, Purpose::Work).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut w = Stream::new(7, Purpose::Work);
        let mut r = Stream::new(7, Purpose::Routing);
        let mut s8 = Stream::new(8, Purpose::Work);
        let x = w.next_u64();
        assert_ne!(x, r.next_u64());
        assert_ne!(x, s8.next_u64());
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut s = Stream::new(1, Purpose::Routing);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[s.below(3) as usize] += 1;
        }
        // Each cell ~ Binomial(30000, 1/3): sd ≈ 82; 5 sd = 410.
        assert!(
            counts.iter().all(|&c| (i64::from(c) - 10_000).abs() < 410),
            "{counts:?}"
        );
    }

    #[test]
    fn the_rng_traits_draw_the_streams_own_values() {
        // A generic caller (as rand_distr is) sees the same sequence.
        fn draw<R: Rng + ?Sized>(r: &mut R) -> u64 {
            r.next_u64()
        }
        let mut a = Stream::new(9, Purpose::Work);
        let mut b = a.clone();
        for _ in 0..100 {
            assert_eq!(a.next_u64(), Rng::next_u64(&mut b));
        }
        assert_eq!(a.next_u64(), draw(&mut b));
    }

    #[test]
    fn uniform_stays_in_unit_interval() {
        let mut s = Stream::new(3, Purpose::Work);
        for _ in 0..10_000 {
            let u = s.uniform();
            assert!((0.0..1.0).contains(&u));
        }
    }
}
