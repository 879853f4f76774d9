//! Instance-to-instance call flows: when each pair first talked, how many
//! calls it carried and how many failed. Graph exports (graph.json, GraphML,
//! DOT, Vizceral) are views of this one record.

use rustc_hash::FxHashMap;

use crate::duration::Nanos;
use crate::topology::InstanceId;

/// Calls from one instance to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flow {
    /// First call.
    pub first: Nanos,
    /// Caller instance.
    pub from: InstanceId,
    /// Called instance.
    pub to: InstanceId,
    /// Calls made.
    pub calls: u64,
    /// Calls answered with a failure.
    pub failed: u64,
}

/// All flows of a run, in order of first use.
#[derive(Debug, Default, Clone)]
pub struct Flows {
    index: FxHashMap<u64, u32>,
    flows: Vec<Flow>,
}

impl Flows {
    /// Counts a call and returns the flow's index (to report its outcome later
    /// without another lookup).
    #[inline]
    pub fn call(&mut self, from: InstanceId, to: InstanceId, t: Nanos) -> u32 {
        let next = self.flows.len() as u32;
        let i = *self
            .index
            .entry((u64::from(from) << 32) | u64::from(to))
            .or_insert(next);
        if i == next {
            self.flows.push(Flow {
                first: t,
                from,
                to,
                calls: 0,
                failed: 0,
            });
        }
        self.flows[i as usize].calls += 1;
        i
    }

    /// Counts a failed answer on flow `i`.
    #[inline]
    pub fn failed(&mut self, i: u32) {
        self.flows[i as usize].failed += 1;
    }

    /// Flows in order of first use.
    pub fn all(&self) -> &[Flow] {
        &self.flows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_pair_in_first_use_order() {
        let mut f = Flows::default();
        let a = f.call(1, 2, 10);
        let b = f.call(2, 3, 20);
        assert_eq!(f.call(1, 2, 30), a);
        f.failed(b);
        assert_eq!(
            f.all()[0],
            Flow {
                first: 10,
                from: 1,
                to: 2,
                calls: 2,
                failed: 0
            }
        );
        assert_eq!(f.all()[1].failed, 1);
    }
}
