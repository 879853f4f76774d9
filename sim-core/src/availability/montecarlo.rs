//! One Monte Carlo replication: every instance and zone fails and is repaired
//! in virtual time, and each entry point's servable share of requests is
//! integrated over the run.
//!
//! Up and down times are exponential: a component with availability A and mean
//! repair time MTTR stays up for a mean MTTR·A/(1−A), so its long-run up share
//! is A. Each component starts in its steady state (up with probability A, and
//! by memorylessness the time to its next change is again exponential), so a
//! replication of any length is an unbiased estimate of the steady state.
//!
//! At every instant the model's own structure function ([`Structure::served`])
//! is applied to the current state: a service is up in a region when at least
//! `quorum` of its instances there are up and their zones are up. Only when a
//! service crosses its quorum does the servable share change, so events are
//! cheap. Time is integer milliseconds, events are ordered by (time, sequence),
//! draws come from the seeded [`Purpose::Faults`] stream and logarithms from
//! libm: one seed, one result, on every platform. No threads here; the CLI
//! runs replications in parallel.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::analytic::{insert, remove, Bits, Structure};
use super::Model;
use crate::rng::{Purpose, Stream};
use crate::topology::{ServiceId, ANY_ZONE, GLOBAL};

/// Milliseconds in a year of 365.25 days.
pub const MS_PER_YEAR: f64 = 365.25 * 24.0 * 3600.0 * 1000.0;
const MS_PER_HOUR: f64 = 3600.0 * 1000.0;

/// The shortest virtual time, in years, one replication may simulate; front
/// ends refuse shorter ones (`--simulate YEARS` below this many years per
/// replication).
///
/// Why one year: the figures are long-run shares of time, and the failures
/// that decide them are rare. A four-nines component with 1 h repairs (an ELB)
/// fails about once a year, a five-nines one once a decade; replications much
/// shorter than a year mostly see none of them, score exactly 1, and the
/// spread between replications that the confidence interval is built on says
/// nothing. One year per replication is a floor, not a recommendation: the
/// README's check uses 500.
pub const MIN_YEARS_PER_REPLICATION: f64 = 1.0;

/// The seed of replication `i` under a run's `seed`: well mixed (splitmix64),
/// so replications of nearby seeds never share streams.
pub fn replication_seed(seed: u64, i: u64) -> u64 {
    let mut z = seed ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One component's failures: an alternating renewal process, up for
/// exponential times of mean MTTR·A/(1−A) and down for exponential times of
/// mean MTTR, so its long-run up share is A. Durations are whole units of the
/// caller's clock (milliseconds here; nanoseconds of run time in the engine,
/// where `RunOptions::failures` divides them by its acceleration), at least
/// one, so time always advances. Draws are the inverse CDF on libm from the
/// caller's stream: one seed, one sequence, on every platform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpDown {
    availability: f64,
    mean_up: f64,
    mean_down: f64,
}

impl UpDown {
    /// The process of a component with availability `a` and mean repair time
    /// `mttr_h` hours, on a clock with `units_per_hour`.
    pub fn new(a: f64, mttr_h: f64, units_per_hour: f64) -> UpDown {
        let down = mttr_h * units_per_hour;
        UpDown {
            availability: a,
            mean_up: down * a / (1.0 - a),
            mean_down: down,
        }
    }

    /// Whether it ever fails (availability below 1).
    pub fn fails(&self) -> bool {
        self.availability < 1.0
    }

    /// The steady state: up with probability A, and (memorylessness) the time
    /// to its first change drawn as a whole stay in that state. Returns (up,
    /// units until the change).
    pub fn start(&self, rng: &mut Stream) -> (bool, u64) {
        let up = rng.chance(self.availability);
        (up, self.lasts(rng, up))
    }

    /// How long the component stays up (or down) once it enters that state.
    pub fn lasts(&self, rng: &mut Stream, up: bool) -> u64 {
        let mean = if up { self.mean_up } else { self.mean_down };
        ((-mean * libm::log(1.0 - rng.uniform())) as u64).max(1)
    }
}

/// One replication's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Replication {
    /// Share of time each entry point could serve (in `topo.entry_points` order).
    pub served: Vec<f64>,
    /// Failure and repair events processed.
    pub events: u64,
}

/// Per-region state of the services.
struct Region {
    up: Bits,
    /// Current servable share per entry point.
    served: Vec<f64>,
}

/// Runs one replication of `years` of virtual time.
pub fn replicate(m: &Model, years: f64, seed: u64) -> Replication {
    let topo = &m.topo;
    let st: &Structure = &m.structure;
    let mut rng = Stream::new(seed, Purpose::Faults);
    let horizon = (years * MS_PER_YEAR).max(1.0) as u64;
    let n_inst = topo.instances.len();
    let n_regions = topo.regions.len().max(1);
    let z = topo.zones as usize;

    // Effective up count per (service, region slot); slot 0 for global nodes.
    let slot_base: Vec<usize> = topo
        .services
        .iter()
        .scan(0usize, |acc, s| {
            let b = *acc;
            *acc += s.regions as usize;
            Some(b)
        })
        .collect();
    let slot_of = |i: usize| {
        let inst = topo.instances[i];
        let r = if inst.region == GLOBAL {
            0
        } else {
            inst.region as usize
        };
        slot_base[inst.service as usize] + r
    };
    let zone_of = |i: usize| {
        let inst = topo.instances[i];
        (inst.zone != ANY_ZONE && inst.region != GLOBAL)
            .then(|| inst.region as usize * z + inst.zone as usize)
    };
    let n_slots = topo.services.iter().map(|s| s.regions as usize).sum();
    let mut count = vec![0u32; n_slots];
    let mut zone_members: Vec<Vec<u32>> = vec![Vec::new(); n_regions * z];
    for i in 0..n_inst {
        if let Some(zz) = zone_of(i) {
            zone_members[zz].push(i as u32);
        }
    }

    // A component at availability 1 never fails.
    let inst_proc: Vec<UpDown> = (0..topo.services.len())
        .map(|s| UpDown::new(m.instance_availability[s], m.mttr_h[s], MS_PER_HOUR))
        .collect();
    let zone_proc = UpDown::new(m.zone_availability, m.zone_mttr_h, MS_PER_HOUR);

    let mut queue: BinaryHeap<Reverse<(u64, u64, u32)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut schedule = |q: &mut BinaryHeap<Reverse<(u64, u64, u32)>>, at: u64, item: u32| {
        if at < horizon {
            q.push(Reverse((at, seq, item)));
            seq += 1;
        }
    };

    // Initial steady state: zones first, then instances.
    let mut zone_up = vec![true; n_regions * z];
    if zone_proc.fails() {
        for (zz, up) in zone_up.iter_mut().enumerate() {
            let (u, t) = zone_proc.start(&mut rng);
            *up = u;
            schedule(&mut queue, t, (n_inst + zz) as u32);
        }
    }
    let mut inst_up = vec![true; n_inst];
    for i in 0..n_inst {
        let p = inst_proc[topo.instances[i].service as usize];
        if p.fails() {
            let (u, t) = p.start(&mut rng);
            inst_up[i] = u;
            schedule(&mut queue, t, i as u32);
        }
        if inst_up[i] && zone_of(i).is_none_or(|zz| zone_up[zz]) {
            count[slot_of(i)] += 1;
        }
    }

    // Which slot each service uses in region r (r modulo its regions).
    let slot_in = |s: usize, r: usize| slot_base[s] + r % topo.services[s].regions as usize;
    let service_up =
        |count: &[u32], s: usize, r: usize| count[slot_in(s, r)] >= topo.services[s].quorum;
    let entries = &topo.entry_points;
    let mut regions: Vec<Region> = (0..n_regions)
        .map(|r| {
            let mut up = st.no_services();
            for s in 0..topo.services.len() {
                if service_up(&count, s, r) {
                    insert(&mut up, s as ServiceId);
                }
            }
            let served = entries.iter().map(|&e| st.served(e, &up)).collect();
            Region { up, served }
        })
        .collect();
    let mean_served = |regions: &[Region], k: usize| {
        regions.iter().map(|r| r.served[k]).sum::<f64>() / regions.len() as f64
    };
    let mut current: Vec<f64> = (0..entries.len())
        .map(|k| mean_served(&regions, k))
        .collect();
    let mut integral = vec![0.0f64; entries.len()];
    let mut now = 0u64;
    let mut events = 0u64;
    let mut touched: Vec<usize> = Vec::new();

    while let Some(Reverse((t, _, item))) = queue.pop() {
        let dt = (t - now) as f64;
        for (acc, c) in integral.iter_mut().zip(&current) {
            *acc += c * dt;
        }
        now = t;
        events += 1;
        touched.clear();
        let item = item as usize;
        if item < n_inst {
            let s = topo.instances[item].service as usize;
            inst_up[item] = !inst_up[item];
            if zone_of(item).is_none_or(|zz| zone_up[zz]) {
                let c = &mut count[slot_of(item)];
                if inst_up[item] {
                    *c += 1;
                } else {
                    *c -= 1;
                }
                touched.push(s);
            }
            let next = t + inst_proc[s].lasts(&mut rng, inst_up[item]);
            schedule(&mut queue, next, item as u32);
        } else {
            let zz = item - n_inst;
            zone_up[zz] = !zone_up[zz];
            for &i in &zone_members[zz] {
                let i = i as usize;
                if inst_up[i] {
                    let c = &mut count[slot_of(i)];
                    if zone_up[zz] {
                        *c += 1;
                    } else {
                        *c -= 1;
                    }
                    touched.push(topo.instances[i].service as usize);
                }
            }
            let next = t + zone_proc.lasts(&mut rng, zone_up[zz]);
            schedule(&mut queue, next, item as u32);
        }
        touched.sort_unstable();
        touched.dedup();
        let mut changed = false;
        for (r, reg) in regions.iter_mut().enumerate() {
            let mut flipped = false;
            for &s in &touched {
                let up = service_up(&count, s, r);
                if up != reg.up.has(s as ServiceId) {
                    if up {
                        insert(&mut reg.up, s as ServiceId);
                    } else {
                        remove(&mut reg.up, s as ServiceId);
                    }
                    flipped = true;
                }
            }
            if flipped {
                for (k, &e) in entries.iter().enumerate() {
                    reg.served[k] = st.served(e, &reg.up);
                }
                changed = true;
            }
        }
        if changed {
            for (k, c) in current.iter_mut().enumerate() {
                *c = mean_served(&regions, k);
            }
        }
    }
    let dt = (horizon - now) as f64;
    for (acc, c) in integral.iter_mut().zip(&current) {
        *acc += c * dt;
    }
    Replication {
        served: integral.iter().map(|x| x / horizon as f64).collect(),
        events,
    }
}

/// Mean and 95 % confidence interval (Student's t over replications) of one
/// entry point's simulated availability.
///
/// The interval is clamped to [0, 1]. Student's t is symmetric about the mean
/// and knows nothing of the bound: with rare failures most replications score
/// exactly 1, the mean sits just below it, and mean + half-width went past it
/// (1.0000316 was printed). An availability cannot lie outside [0, 1], so
/// clamping loses no coverage: the clamped interval holds the true figure
/// whenever the symmetric one did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// Mean over replications.
    pub mean: f64,
    /// Lower end of the 95 % interval.
    pub ci95_low: f64,
    /// Upper end of the 95 % interval.
    pub ci95_high: f64,
    /// Replications averaged.
    pub replications: usize,
}

/// Combines replications (in a fixed order, so the result does not depend on
/// how they were scheduled) into one estimate per entry point.
pub fn estimate(reps: &[Replication]) -> Vec<Estimate> {
    let n = reps.len();
    let k = reps.first().map_or(0, |r| r.served.len());
    (0..k)
        .map(|e| {
            let served: Vec<f64> = reps.iter().map(|r| r.served[e]).collect();
            let (mean, half) = crate::interval::mean_ci95(&served);
            Estimate {
                mean,
                ci95_low: (mean - half).clamp(0.0, 1.0),
                ci95_high: (mean + half).clamp(0.0, 1.0),
                replications: n,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::load_arch;
    use crate::topology::BuildOptions;

    #[test]
    fn one_instance_is_up_its_availability() {
        let text = r#"{"arch":"t","services":[{"name":"s","package":"store","count":1,"availability":0.9,"mttr_h":1}]}"#;
        let m = Model::new(&load_arch(text).unwrap(), &BuildOptions::default()).unwrap();
        let reps: Vec<_> = (0..20)
            .map(|i| replicate(&m, 20.0, replication_seed(3, i)))
            .collect();
        let e = estimate(&reps)[0];
        // 400 years of a 0.9 component with 1 h outages: sd of the mean ≈ 3e-4.
        assert!(e.ci95_low <= 0.9 && 0.9 <= e.ci95_high, "{e:?}");
        assert!(e.ci95_high - e.ci95_low < 0.005, "{e:?}");
    }

    #[test]
    fn seeds_are_distinct_and_mixed() {
        assert_ne!(replication_seed(1, 0), replication_seed(0, 1));
        assert_ne!(replication_seed(1, 1), replication_seed(2, 0));
    }
}
