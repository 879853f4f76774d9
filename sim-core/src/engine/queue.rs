//! The one event queue: ordered by (time, sequence number), so events at the
//! same virtual instant run in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

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
}

/// A scheduled event; 24 bytes, no heap data.
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

/// Min-queue of events by (time, seq).
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `kind` for `id` at `time`.
    #[inline]
    pub fn push(&mut self, time: Nanos, kind: Kind, id: u32) {
        self.seq += 1;
        self.heap.push(Event {
            key: ((time as u128) << 64) | self.seq as u128,
            id,
            kind,
        });
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Nanos> {
        self.heap.peek().map(Event::time)
    }

    /// Removes the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// No events waiting.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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
}
