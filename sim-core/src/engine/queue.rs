//! The one event queue: ordered by (time, sequence number), so events at the
//! same virtual instant run in the order they were scheduled.
//!
//! Most events are scheduled a *fixed* delay ahead: a network hop (three
//! distinct latencies) or a dependency's timeout. Events pushed with the same
//! delay come out in push order, so each such delay gets a FIFO lane instead of
//! a place in the binary heap; only random delays (service times, backoff) go
//! to the heap. The next event is the least (time, seq) key among the heap's
//! top and the lanes' fronts, so the order is exactly that of one big heap —
//! but the heap stays small (timeouts that almost never fire used to fill it).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

use crate::duration::Nanos;

/// What happens when an event fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A new request arrives at entry point `id` (index into entry points).
    Entry,
    /// Call `id` reaches its instance.
    Arrive,
    /// Call `id` finished its own work on a worker.
    WorkDone,
    /// The answer to call `id` reaches the caller.
    Reply,
    /// Call `id` was delayed by a latency fault and now queues for a worker.
    Admit,
    /// The caller of call `id` stops waiting for it.
    Timeout,
    /// Retry `id` leaves the caller after its backoff.
    Send,
    /// Fault `id` of the scenario starts.
    Fault,
    /// Fault `id` of the scenario heals.
    Heal,
    /// The random-kill process of fault `id` strikes again.
    Monkey,
    /// Instance `id` comes back (a heal of its kill, or its replacement).
    Restart,
    /// Clients poll service discovery.
    Discovery,
    /// Autoscaler `id` (a service in a region) evaluates.
    Scale,
    /// Instance `id`, started by an autoscaler, has booted.
    Ready,
    /// Instance `id` (or, past the instances, zone `id − instances`) fails or
    /// is repaired (`RunOptions::failures`).
    Failure,
    /// Deployment `id` of the scenario starts.
    Deploy,
    /// A timer of deployment `id` (a pause, a ramp step, a judge's window) fires.
    Rollout,
    /// A sampling step of deployment `id`'s analysis ends.
    Sample,
    /// Anti-entropy repair of replicated store `id` (index among the stores).
    Repair,
}

/// A scheduled event; 32 bytes (a u128 key aligns to 16), no heap data.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    /// (time << 64) | seq: one integer compare orders by time, then FIFO.
    key: u128,
    /// Call id or entry index.
    pub id: u32,
    /// What to do.
    pub kind: Kind,
}

impl Event {
    /// Virtual time of the event.
    #[inline]
    pub fn time(&self) -> Nanos {
        (self.key >> 64) as Nanos
    }
}

impl PartialEq for Event {
    fn eq(&self, o: &Self) -> bool {
        self.key == o.key
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Event {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, o: &Self) -> Ordering {
        o.key.cmp(&self.key)
    }
}

/// Fixed delays that get their own FIFO lane (more go to the heap).
const MAX_LANES: usize = 12;

/// Min-queue of events by (time, seq).
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
    lanes: Vec<(Nanos, VecDeque<Event>)>,
    seq: u64,
}

/// Where the next event is: the heap, or lane `i`.
#[derive(Debug, Clone, Copy)]
pub struct Source(usize);

const HEAP: usize = usize::MAX;

impl EventQueue {
    #[inline]
    fn event(&mut self, time: Nanos, kind: Kind, id: u32) -> Event {
        self.seq += 1;
        Event {
            key: (u128::from(time) << 64) | u128::from(self.seq),
            id,
            kind,
        }
    }

    /// Schedules `kind` for `id` at `time`.
    #[inline]
    pub fn push(&mut self, time: Nanos, kind: Kind, id: u32) {
        let e = self.event(time, kind, id);
        self.heap.push(e);
    }

    /// Schedules `kind` for `id` a fixed `delay` after `now`, the current time
    /// (which never decreases): such events share a FIFO lane per delay.
    #[inline]
    pub fn push_after(&mut self, now: Nanos, delay: Nanos, kind: Kind, id: u32) {
        let e = self.event(now.saturating_add(delay), kind, id);
        if let Some(l) = self.lanes.iter_mut().find(|l| l.0 == delay) {
            l.1.push_back(e);
        } else if self.lanes.len() < MAX_LANES {
            self.lanes.push((delay, VecDeque::from([e])));
        } else {
            self.heap.push(e);
        }
    }

    /// Key and place of the next event, if any.
    #[inline]
    pub fn peek(&self) -> Option<(Nanos, Source)> {
        let mut best = self.heap.peek().map(|e| (e.key, HEAP));
        for (i, l) in self.lanes.iter().enumerate() {
            if let Some(e) = l.1.front() {
                if best.is_none_or(|(k, _)| e.key < k) {
                    best = Some((e.key, i));
                }
            }
        }
        best.map(|(k, src)| ((k >> 64) as Nanos, Source(src)))
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.peek().map(|(t, _)| t)
    }

    /// Removes the event [`EventQueue::peek`] found.
    #[inline]
    pub fn take(&mut self, src: Source) -> Event {
        if src.0 == HEAP {
            self.heap.pop().expect("peeked")
        } else {
            self.lanes[src.0].1.pop_front().expect("peeked")
        }
    }

    /// Removes the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<Event> {
        let (_, src) = self.peek()?;
        Some(self.take(src))
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len() + self.lanes.iter().map(|l| l.1.len()).sum::<usize>()
    }

    /// No events waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_fifo() {
        let mut q = EventQueue::default();
        q.push(5, Kind::Arrive, 1);
        q.push(3, Kind::Arrive, 2);
        q.push(5, Kind::Reply, 3);
        q.push(3, Kind::WorkDone, 4);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|e| e.id).collect();
        assert_eq!(order, vec![2, 4, 1, 3]);
    }

    #[test]
    fn lanes_and_heap_interleave_as_one_queue() {
        let mut q = EventQueue::default();
        q.push_after(0, 5, Kind::Arrive, 1); // t=5
        q.push(5, Kind::Reply, 2); // t=5, later seq
        q.push_after(1, 3, Kind::Arrive, 3); // t=4
        q.push_after(2, 5, Kind::Arrive, 4); // t=7
        q.push(6, Kind::WorkDone, 5);
        for d in 100..120 {
            q.push_after(0, d, Kind::Timeout, d as u32); // more delays than lanes
        }
        assert_eq!(q.len(), 25);
        let order: Vec<u32> = std::iter::from_fn(|| q.pop()).map(|e| e.id).collect();
        let mut want = vec![3, 1, 2, 5, 4];
        want.extend(100..120);
        assert_eq!(order, want);
    }
}
