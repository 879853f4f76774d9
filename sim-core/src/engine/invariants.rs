//! What must hold of a simulation at any instant between events. Checked at
//! the end of every run in debug builds and at the end of every engine test,
//! so a bookkeeping slip (a request counted twice, a call record leaked, a
//! queue whose length and list disagree) fails loudly instead of skewing a
//! figure a little.

use super::calls::flag;
use super::{Call, Simulation, NONE, NO_TRACK, PEER};
use crate::metrics::{Stats, END_TO_END};
use crate::topology::ServiceId;

impl Simulation {
    /// Checks the engine's invariants; the error names the first one broken.
    ///
    /// - per service and end to end: requests = ok + failed + in flight, where
    ///   in flight are the calls in the slab counted there whose outcome is not
    ///   recorded yet (at the end of a run these are the `unanswered`), and the
    ///   latency histogram holds one value per answer;
    /// - the entry points' own counts add up to the end-to-end requests and ok;
    /// - the time series adds up to the same requests and answers (while it
    ///   holds every row);
    /// - the call slab's live count equals its slots minus its free list;
    /// - every instance's queue length equals the length of its linked list,
    ///   a dead instance that refuses holds nothing, and no instance has more
    ///   busy workers than its concurrency;
    /// - calls nobody waits for (mirrors, async calls) are calls in flight
    ///   like any other, with a caller, no parent, and a detached dependency;
    /// - a non-blocking instance's parked count equals its calls parked
    ///   (which hold no worker: workers are counted apart), only non-blocking
    ///   servers park, and working + queued + parked stays within
    ///   `max_outstanding`;
    /// - per version track, the same accounts as a service's; the version
    ///   weights of a service add up, every running place has a track and
    ///   every off place none;
    /// - no event is scheduled before the current time;
    /// - every cache instance's LRU is well linked and within its capacity, a
    ///   dead one holds nothing, and the time series counts the same cache
    ///   reads as the run.
    pub fn check_invariants(&self) -> Result<(), String> {
        let occupied = self
            .calls
            .occupied()
            .ok_or("the call slab's free list has a cycle")?;
        let live = occupied.iter().filter(|&&o| o).count();
        if live != self.calls.live() {
            return Err(format!(
                "the call slab counts {} calls in flight but {live} slots are not free",
                self.calls.live()
            ));
        }
        self.check_accounts(&occupied)?;
        let parked = self.check_detached_and_parked(&occupied)?;
        self.check_queues(&parked)?;
        self.check_versions()?;
        self.check_caches()?;
        self.check_replication(&occupied)?;
        if let Some(t) = self.queue.peek_time() {
            if t < self.now {
                return Err(format!(
                    "an event is scheduled at {t} ns, before now ({} ns)",
                    self.now
                ));
            }
        }
        Ok(())
    }

    /// The service a counted call was counted at.
    fn counted_at(&self, c: &Call) -> ServiceId {
        if c.inst != NONE {
            return self.topo.instances[c.inst as usize].service;
        }
        let caller = self.topo.instances[c.caller as usize].service;
        if c.to_own_service() {
            caller
        } else {
            self.topo.services[caller as usize].deps[c.dep as usize].target
        }
    }

    fn check_accounts(&self, occupied: &[bool]) -> Result<(), String> {
        let n = self.topo.services.len();
        let mut in_flight = vec![0u64; n];
        let mut track_flying = vec![0u64; self.versions.stats.len()];
        let mut roots = 0u64;
        for (i, _) in occupied.iter().enumerate().filter(|(_, &o)| o) {
            let c = &self.calls[i as u32];
            if c.has(flag::COUNTED) && !c.has(flag::RECORDED) {
                let sid = self.counted_at(c);
                in_flight[sid as usize] += 1;
                if c.track != NO_TRACK {
                    let f = self
                        .versions
                        .fleet_of(sid)
                        .ok_or("a call to a service without versions has a track")?;
                    track_flying[(self.versions.fleets[f].base + u32::from(c.track)) as usize] += 1;
                }
            }
            if c.is_root() {
                roots += 1;
            }
        }
        let check = |name: &str, s: &Stats, flying: u64, series: Option<(u64, u64)>| {
            if s.requests != s.answered() + flying {
                return Err(format!(
                    "{name}: {} requests but {} ok + {} failed + {flying} in flight",
                    s.requests,
                    s.ok,
                    s.failed()
                ));
            }
            if s.latency.len() != s.answered() {
                return Err(format!(
                    "{name}: {} latencies recorded for {} answers",
                    s.latency.len(),
                    s.answered()
                ));
            }
            // (Service rows drained to metrics.csv, or not kept, cannot be summed.)
            if let Some((requests, answered)) = series {
                if (requests, answered) != (s.requests, s.answered()) {
                    return Err(format!(
                        "{name}: the time series counts {requests} requests and {answered} answers, the summary {} and {}",
                        s.requests,
                        s.answered()
                    ));
                }
            }
            Ok(())
        };
        for (sid, s) in self.stats.iter().enumerate() {
            let name = &self.topo.services[sid].name;
            check(name, s, in_flight[sid], self.series.totals(sid as u32))?;
        }
        for (g, (s, track)) in self
            .versions
            .stats
            .iter()
            .zip(self.topo.tracks())
            .enumerate()
        {
            let svc = &self.topo.services[track.service as usize];
            let name = match track.version {
                Some(v) => format!("{} version {}", svc.name, svc.versions[v as usize].name),
                None => format!("{} baseline group", svc.name),
            };
            let series = self.series.totals(self.versions.series_base + g as u32);
            check(&name, s, track_flying[g], series)?;
        }
        check(
            "end to end",
            &self.end_to_end,
            roots,
            self.series.totals(END_TO_END),
        )?;
        let (requests, ok) = self
            .entries
            .iter()
            .fold((0, 0), |(r, o), e| (r + e.requests, o + e.ok));
        if (requests, ok) != (self.end_to_end.requests, self.end_to_end.ok) {
            return Err(format!(
                "the entry points count {requests} requests and {ok} ok, end to end {} and {}",
                self.end_to_end.requests, self.end_to_end.ok
            ));
        }
        Ok(())
    }

    /// Detached calls are well formed; returns the parked calls per instance
    /// (those of the instance's current life: a death leaves older ones stale).
    fn check_detached_and_parked(&self, occupied: &[bool]) -> Result<Vec<u32>, String> {
        let mut parked = vec![0u32; self.inst.len()];
        for (i, _) in occupied.iter().enumerate().filter(|(_, &o)| o) {
            let c = &self.calls[i as u32];
            if c.has(flag::DETACHED) {
                let caller = self.topo.instances[c.caller as usize].service;
                let dep = self.topo.services[caller as usize].deps.get(c.dep as usize);
                if c.parent != NONE || c.dep == PEER || dep.is_none_or(|d| d.detached.is_none()) {
                    return Err(format!(
                        "call {i} is detached but has a parent or is not a detached dependency's"
                    ));
                }
            }
            if c.has(flag::PARKED) {
                let st = &self.inst[c.inst as usize];
                let svc = self.topo.instances[c.inst as usize].service;
                if !self.topo.services[svc as usize].nonblocking {
                    return Err(format!(
                        "call {i} is parked on instance {}, whose server is blocking",
                        c.inst
                    ));
                }
                if c.gen == st.gen && st.down == 0 {
                    parked[c.inst as usize] += 1;
                }
            }
        }
        Ok(parked)
    }

    fn check_queues(&self, parked: &[u32]) -> Result<(), String> {
        let cap = self.calls.capacity();
        for (id, st) in self.inst.iter().enumerate() {
            let svc = &self.topo.services[self.topo.instances[id].service as usize];
            let (mut len, mut last, mut q) = (0usize, NONE, st.head);
            while q != NONE {
                len += 1;
                if len > cap {
                    return Err(format!("instance {id}: its wait list has a cycle"));
                }
                last = q;
                q = self.calls[q].next;
            }
            if last != st.tail {
                return Err(format!(
                    "instance {id}: the wait list ends at call {last} but its tail is {}",
                    st.tail
                ));
            }
            let up = st.down == 0;
            if up && len != st.queued as usize {
                return Err(format!(
                    "instance {id}: {} queued but {len} calls on its list",
                    st.queued
                ));
            }
            if !up && !st.hang && (len > 0 || st.busy > 0 || st.parked > 0) {
                return Err(format!(
                    "instance {id} is down refusing but holds {len} calls, {} workers and {} parked",
                    st.busy, st.parked
                ));
            }
            if st.parked != parked[id] {
                return Err(format!(
                    "instance {id}: {} parked but {} calls parked on it",
                    st.parked, parked[id]
                ));
            }
            let held = u64::from(st.busy) + u64::from(st.queued) + u64::from(st.parked);
            if svc.nonblocking && held > u64::from(svc.max_outstanding) {
                return Err(format!(
                    "instance {id}: {held} requests outstanding, max_outstanding {}",
                    svc.max_outstanding
                ));
            }
            let (concurrency, _) = self.worker_limits(id as u32, self.topo.instances[id].service);
            if st.busy > concurrency {
                return Err(format!(
                    "instance {id}: {} workers busy, concurrency {concurrency}",
                    st.busy
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::duration::SEC;
    use crate::run::{Input, RunOptions, RunSpec};

    /// A run paused in the middle, with calls queued and in flight.
    fn mid_run() -> super::Simulation {
        let arch = r#"{"arch":"t","traffic":{"rate":2000},"services":[
            {"name":"db","package":"store","count":1,"concurrency":1,"service_time":{"dist":"exponential","mean_ms":0.45}},
            {"name":"app","package":"karyon","count":2,"dependencies":["db"]}]}"#;
        let o = RunOptions {
            duration: 2 * SEC,
            ..RunOptions::default()
        };
        let mut sim = RunSpec::new(Input::new("t", arch), None, o)
            .unwrap()
            .simulation();
        // Stop at the first millisecond with a queue at db (ρ = 0.9: soon).
        let mut t = 0;
        while sim.inst[0].queued == 0 && t < SEC {
            t += crate::duration::MS;
            sim.run_until(t);
        }
        assert!(
            sim.in_flight() > 0 && sim.inst[0].queued > 0,
            "the check must see traffic"
        );
        sim.check_invariants().unwrap();
        sim
    }

    #[test]
    fn each_broken_invariant_is_caught() {
        let mut s = mid_run();
        s.stats[0].requests += 1;
        assert!(s.check_invariants().unwrap_err().starts_with("db: "));

        let mut s = mid_run();
        s.inst[0].queued += 1;
        assert!(s.check_invariants().unwrap_err().contains("queued but"));

        let mut s = mid_run();
        s.end_to_end.ok += 1;
        let e = s.check_invariants().unwrap_err();
        assert!(e.starts_with("end to end: "), "{e}");

        let mut s = mid_run();
        let head = s.inst[0].head;
        s.calls[head].flags |= super::flag::RECORDED;
        assert!(s.check_invariants().unwrap_err().contains("in flight"));

        let mut s = mid_run();
        s.calls.free(s.inst[0].head);
        assert!(s.check_invariants().is_err(), "a queued call freed");

        let mut s = mid_run();
        s.now = s.queue.peek_time().unwrap() + 1;
        assert!(s.check_invariants().unwrap_err().contains("before now"));

        let mut s = mid_run();
        s.entries[0].ok += 1;
        assert!(s.check_invariants().unwrap_err().contains("entry points"));

        let mut s = mid_run();
        s.inst[0].busy = 5;
        assert!(s.check_invariants().unwrap_err().contains("workers busy"));
    }

    /// A non-blocking api mirroring to a slow shadow, paused with requests
    /// parked and mirror copies in flight.
    fn mid_run_detached_and_parked() -> (super::Simulation, u32, u32) {
        let arch = r#"{"arch":"t","traffic":{"rate":500},"services":[
            {"name":"db","package":"store","count":1,"service_time":{"dist":"constant","mean_ms":20}},
            {"name":"shadow","package":"store","count":1,"service_time":{"dist":"constant","mean_ms":50}},
            {"name":"app","package":"karyon","count":1,"concurrency":2,"io":"nonblocking","max_outstanding":100,
             "dependencies":["db",{"service":"shadow","mirror":50}]}]}"#;
        let mut sim = RunSpec::new(Input::new("t", arch), None, RunOptions::default())
            .unwrap()
            .simulation();
        sim.run_until(SEC);
        let app = 2u32;
        let parked = sim.inst[app as usize].parked;
        let detached = (0..sim.calls.capacity() as u32)
            .find(|&c| {
                sim.calls.occupied().unwrap()[c as usize] && sim.calls[c].has(super::flag::DETACHED)
            })
            .expect("mirror copies in flight");
        assert!(parked > 5, "{parked} parked: the check must see them");
        sim.check_invariants().unwrap();
        (sim, app, detached)
    }

    #[test]
    fn broken_parking_and_detached_calls_are_caught() {
        let (mut s, app, _) = mid_run_detached_and_parked();
        s.inst[app as usize].parked -= 1;
        assert!(s.check_invariants().unwrap_err().contains("parked but"));

        let (mut s, app, _) = mid_run_detached_and_parked();
        s.topo.services[2].max_outstanding = s.inst[app as usize].parked - 1;
        let e = s.check_invariants().unwrap_err();
        assert!(e.contains("max_outstanding"), "{e}");

        let (mut s, _, _) = mid_run_detached_and_parked();
        s.topo.services[2].nonblocking = false;
        let e = s.check_invariants().unwrap_err();
        assert!(e.contains("whose server is blocking"), "{e}");

        let (mut s, _, c) = mid_run_detached_and_parked();
        s.calls[c].parent = 0;
        let e = s.check_invariants().unwrap_err();
        assert!(e.contains("detached but has a parent"), "{e}");
    }

    #[test]
    fn a_finished_run_holds_them() {
        let mut s = mid_run();
        s.run();
        s.check_invariants().unwrap();
        assert_eq!(s.in_flight(), 0);
    }
}
