//! A shift's ramp: the weights move linearly from where they were to where
//! they are asked, in up to a hundred ticks of at least a second (as
//! Flagger's and Argo Rollouts' step weights do, with the steps computed).

use super::{Next, Outcome};
use crate::duration::Nanos;
use crate::engine::Simulation;
use crate::topology::PPM;

/// A ramp in progress.
#[derive(Debug, Clone)]
pub(in crate::engine) struct Ramp {
    /// Weights (ppm per track) it started from.
    pub from: Vec<u32>,
    /// Weights it goes to.
    pub to: Vec<u32>,
    /// Ticks done.
    pub done: u64,
    /// Ticks in all.
    pub ticks: u64,
    /// Time between ticks.
    pub every: Nanos,
}

impl Simulation {
    /// One tick of a shift's ramp.
    pub(super) fn ramp_tick(&mut self, id: usize) {
        let r = self.rollouts.list[id].ramp.as_mut().expect("a ramp");
        r.done += 1;
        let (w, last, every) = (
            blend(&r.from, &r.to, r.done, r.ticks),
            r.done == r.ticks,
            r.every,
        );
        self.apply_weights(id, &w);
        if last {
            self.end_rollout(id, Outcome::Done);
        } else {
            self.set_timer(id, self.now + every, Next::Ramp);
        }
    }
}

/// Weights `k`/`n` of the way from `from` to `to`, in whole ppm adding up to
/// a million (the remainder to the track gaining most, the first on a tie).
fn blend(from: &[u32], to: &[u32], k: u64, n: u64) -> Vec<u32> {
    let mut w: Vec<u32> = from
        .iter()
        .zip(to)
        .map(|(&a, &b)| {
            let (a, b) = (i128::from(a), i128::from(b));
            (a + (b - a) * i128::from(k) / i128::from(n)) as u32
        })
        .collect();
    let sum: u32 = w.iter().sum();
    let gain = (0..w.len())
        .max_by_key(|&i| (i64::from(to[i]) - i64::from(from[i]), std::cmp::Reverse(i)))
        .unwrap_or(0);
    w[gain] = w[gain] + PPM - sum;
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ramp_blends_in_whole_ppm_that_add_up() {
        let from = [PPM, 0, 0];
        let to = [900_000, 100_000, 0];
        assert_eq!(blend(&from, &to, 0, 3), from);
        assert_eq!(blend(&from, &to, 3, 3), to);
        let mid = blend(&from, &to, 1, 3);
        assert_eq!(mid, [966_667, 33_333, 0]);
        // A third of the way to an even split of two: 666 667 + 166 666 +
        // 166 666 leaves one ppm, to the first of those gaining most.
        let mid = blend(&from, &[0, 500_000, 500_000], 1, 3);
        assert_eq!(
            mid,
            [666_667, 166_667, 166_666],
            "the remainder to the one gaining"
        );
    }
}
