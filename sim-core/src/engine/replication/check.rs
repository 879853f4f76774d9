//! The invariants of replicated stores, checked with the engine's.

use crate::engine::calls::flag;
use crate::engine::{Simulation, REPLICA};

impl Simulation {
    /// Replication's invariants: a waiting coordinator's request is in flight
    /// and waits on it alone; a key's flying writes match the replica writes
    /// in flight that have not stored; a key's acknowledged version is one
    /// that was given out.
    pub(in crate::engine) fn check_replication(&self, occupied: &[bool]) -> Result<(), String> {
        if !self.repl.any() {
            return Ok(());
        }
        for (id, co) in self.repl.coords.iter().enumerate() {
            if co.done {
                continue;
            }
            let c = co.call as usize;
            if !occupied.get(c).copied().unwrap_or(false)
                || self.calls[co.call].span != co.span
                || self.calls[co.call].pending != 1
            {
                return Err(format!(
                    "coordinator {id} waits for replicas of a request that is gone or not waiting"
                ));
            }
        }
        let mut flying: Vec<Vec<u32>> = self
            .repl
            .stores
            .iter()
            .map(|s| vec![0; s.table.len()])
            .collect();
        for (i, _) in occupied.iter().enumerate().filter(|(_, &o)| o) {
            let c = &self.calls[i as u32];
            if c.dep != REPLICA || !c.has(flag::WRITE) || self.repl.tags[i].applied {
                continue;
            }
            if c.has(flag::DONE) {
                continue;
            }
            let sid = self.topo.instances[c.inst as usize].service;
            let st = self.repl.of[sid as usize] as usize;
            let k = self.repl.stores[st]
                .table
                .find(self.calls.key(i as u32))
                .ok_or("a replica write's key is not in its store's table")?;
            flying[st][k as usize] += 1;
        }
        for (st, s) in self.repl.stores.iter().enumerate() {
            for k in 0..s.table.len() as u32 {
                let state = s.table.state(k);
                if state.flying != flying[st][k as usize] {
                    return Err(format!(
                        "key {} of store {} has {} replica writes flying but {} are in flight",
                        state.key, s.sid, state.flying, flying[st][k as usize]
                    ));
                }
                if state.latest > self.repl.seq {
                    return Err(format!(
                        "key {} acknowledged a version never written",
                        state.key
                    ));
                }
            }
        }
        Ok(())
    }
}
