//! Replicated stores' repair and loss: read repair after a read that found
//! replicas behind, a replica's ephemeral storage dying with its process
//! (and the acknowledged writes left with no copy), and periodic
//! anti-entropy repair.

use super::{Coord, NONE, WRITE_TIMEOUT};
use crate::engine::{Kind, Simulation};
use crate::replication::Storage;
use crate::topology::InstanceId;

impl Simulation {
    /// After read `co`, replicas it heard answer an older version than the
    /// newest get the newest, in the background.
    pub(super) fn read_repair(&mut self, co: Coord) {
        let st = co.store as usize;
        let coordinator = self.calls[co.call].inst;
        for j in 0..128u32 {
            if co.heard & (1u128 << j) == 0 {
                continue;
            }
            let held = self.repl.stores[st]
                .table
                .held(co.key, j as usize, &self.repl.epochs);
            if held < co.best {
                let to = self.repl.stores[st].table.slots(co.key)[j as usize].inst;
                self.repl.stores[st].counts.read_repairs += 1;
                self.send_replica(
                    co.call,
                    coordinator,
                    to,
                    NONE,
                    j as u8,
                    true,
                    co.best,
                    WRITE_TIMEOUT,
                );
            }
        }
    }

    /// Instance `id` died: if it is a replica with ephemeral storage, its
    /// copies are gone — and an acknowledged write with no other copy (and
    /// none on its way) is lost.
    pub(in crate::engine) fn storage_dies(&mut self, id: InstanceId) {
        let sid = self.topo.instances[id as usize].service;
        let st = self.repl.of[sid as usize];
        if st == NONE || self.repl.stores[st as usize].cfg.storage != Storage::Ephemeral {
            return;
        }
        self.repl.epochs[id as usize] = self.repl.epochs[id as usize].wrapping_add(1);
        let n = self.repl.stores[st as usize].table.len() as u32;
        for k in 0..n {
            let table = &self.repl.stores[st as usize].table;
            let s = *table.state(k);
            if s.latest == 0 || s.lost || !table.slots(k).iter().any(|x| x.inst == id) {
                continue;
            }
            if !table.stored(k, s.latest, &self.repl.epochs) {
                if s.flying > 0 {
                    self.repl.stores[st as usize].table.state_mut(k).at_risk = true;
                } else {
                    self.lose(st, k);
                }
            }
        }
    }

    /// Anti-entropy repair of store `st`: every live replica of every key
    /// gets the newest live copy it can reach; then the next pass is due.
    pub(in crate::engine) fn anti_entropy(&mut self, st: u32) {
        let store = &self.repl.stores[st as usize];
        let Some(every) = store.cfg.anti_entropy else {
            return;
        };
        let n = store.table.len() as u32;
        let mut repaired = 0u64;
        for k in 0..n {
            let table = &self.repl.stores[st as usize].table;
            let slots = table.slots(k);
            let mut newest = (0u64, NONE);
            for (j, s) in slots.iter().enumerate() {
                let v = table.held(k, j, &self.repl.epochs);
                if self.inst[s.inst as usize].down == 0 && v > newest.0 {
                    newest = (v, s.inst);
                }
            }
            if newest.0 == 0 {
                continue;
            }
            for j in 0..slots.len() {
                let table = &self.repl.stores[st as usize].table;
                let to = table.slots(k)[j].inst;
                if table.held(k, j, &self.repl.epochs) < newest.0
                    && self.inst[to as usize].down == 0
                    && !self.chaos.cut(&self.topo, newest.1, to)
                {
                    self.repl.stores[st as usize]
                        .table
                        .apply(k, j, newest.0, &self.repl.epochs);
                    repaired += 1;
                }
            }
        }
        self.repl.stores[st as usize].counts.repaired += repaired;
        let next = self.now.saturating_add(every);
        if next < self.cfg.duration {
            self.queue.push(next, Kind::Repair, st);
        }
    }

    /// Schedules each store's first anti-entropy pass.
    pub(in crate::engine) fn schedule_repairs(&mut self) {
        for (st, s) in self.repl.stores.iter().enumerate() {
            if let Some(every) = s.cfg.anti_entropy {
                if every < self.cfg.duration {
                    self.queue.push(every, Kind::Repair, st as u32);
                }
            }
        }
    }
}
