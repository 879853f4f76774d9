//! Spans into *visits* — one service handling one call — and what the visits
//! say about each service and each call between two.
//!
//! A visit starts at a span whose parent belongs to another service (or that
//! has none) and takes in every span of the same service below it (its
//! client and internal spans), so instrumentation inside a service never
//! looks like a call. A visit's **own time** is its duration less the union
//! of its waited-for child visits' intervals — union, not sum, because
//! children run in parallel — each clamped to the visit's own interval. A
//! child reaching outside its parent is **clock skew** (hosts' clocks
//! disagree): counted, and clamped. Consumer children (an async call, a
//! mirror) are not waited for and take nothing from their parent's time.
//! A parent id no span has leaves an **orphan**: its subtree still counts,
//! but not as a request from outside. Parent links that loop (a **cycle**)
//! are cut where the loop closes, and counted. Nothing of this is fatal.

use super::read::{Kind, Spans};

/// One call into a service, and what happened inside it.
#[derive(Debug, Clone)]
pub struct Visit {
    pub service: u32,
    pub start_ns: i64,
    pub end_ns: i64,
    /// The visit that called this one.
    pub caller: Option<u32>,
    /// Its caller waits for it (not a consumer's).
    pub waited: bool,
    /// A request from outside: a trace's root.
    pub root: bool,
    pub error: bool,
    pub instance: Option<u32>,
}

/// The visits of a file, and what could not be taken as written.
#[derive(Debug, Default)]
#[allow(clippy::struct_field_names)]
pub struct Visits {
    pub visits: Vec<Visit>,
    /// Each visit's own time, ns.
    pub own_ns: Vec<i64>,
    /// Each visit's own failure: it failed and no waited-for child did.
    pub own_error: Vec<bool>,
    /// Each visit's child visits, as a range into `children`.
    pub child_range: Vec<(u32, u32)>,
    pub children: Vec<u32>,
    pub orphans: usize,
    pub cycles_cut: usize,
    pub skewed: usize,
}

/// Cuts parent loops, then walks every trace from its roots.
pub fn visits(s: &mut Spans) -> Visits {
    let n = s.spans.len();
    let mut out = Visits::default();
    // 0 unknown, 1 on the path being walked, 2 leads to a root.
    let mut state = vec![0u8; n];
    let mut path: Vec<usize> = Vec::new();
    for start in 0..n {
        let mut i = start;
        loop {
            match state[i] {
                2 => break,
                1 => {
                    // The loop closes at the last span walked.
                    let last: usize = *path.last().expect("on the path");
                    s.spans[last].parent = None;
                    s.spans[last].orphan = true;
                    out.cycles_cut += 1;
                    break;
                }
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            match s.spans[i].parent {
                Some(p) => i = p as usize,
                None => break,
            }
        }
        for &p in &path {
            state[p] = 2;
        }
        path.clear();
    }
    // Children lists, then parents before children.
    let mut first = vec![u32::MAX; n];
    let mut next = vec![u32::MAX; n];
    for i in (0..n).rev() {
        if let Some(p) = s.spans[i].parent {
            next[i] = first[p as usize];
            first[p as usize] = i as u32;
        }
    }
    let mut order: Vec<u32> = (0..n as u32)
        .filter(|&i| s.spans[i as usize].parent.is_none())
        .collect();
    let mut k = 0;
    while k < order.len() {
        let mut c = first[order[k] as usize];
        while c != u32::MAX {
            order.push(c);
            c = next[c as usize];
        }
        k += 1;
    }
    let mut visit_of = vec![u32::MAX; n];
    for &i in &order {
        let sp = &s.spans[i as usize];
        out.orphans += usize::from(sp.orphan && sp.parent.is_none());
        let same = sp
            .parent
            .is_some_and(|p| s.spans[p as usize].service == sp.service);
        if same {
            visit_of[i as usize] = visit_of[sp.parent.expect("same service") as usize];
            continue;
        }
        visit_of[i as usize] = out.visits.len() as u32;
        out.visits.push(Visit {
            service: sp.service,
            start_ns: sp.start_ns,
            end_ns: sp.end_ns,
            caller: sp.parent.map(|p| visit_of[p as usize]),
            waited: sp.kind != Kind::Consumer,
            root: sp.parent.is_none() && !sp.orphan,
            error: sp.error,
            instance: sp.instance,
        });
    }
    // Child visits grouped by caller (stable: in walk order).
    let m = out.visits.len();
    let mut counts = vec![0u32; m + 1];
    for v in &out.visits {
        if let Some(c) = v.caller {
            counts[c as usize + 1] += 1;
        }
    }
    for i in 0..m {
        counts[i + 1] += counts[i];
    }
    out.child_range = (0..m).map(|i| (counts[i], counts[i])).collect();
    out.children = vec![0; counts[m] as usize];
    for (j, v) in out.visits.iter().enumerate() {
        if let Some(c) = v.caller {
            let r = &mut out.child_range[c as usize];
            out.children[r.1 as usize] = j as u32;
            r.1 += 1;
        }
    }
    let mut spans: Vec<(i64, i64)> = Vec::new();
    for (vi, v) in out.visits.iter().enumerate() {
        let (a, b) = out.child_range[vi];
        spans.clear();
        let mut child_failed = false;
        for &c in &out.children[a as usize..b as usize] {
            let cv = &out.visits[c as usize];
            if !cv.waited {
                continue;
            }
            child_failed |= cv.error;
            if cv.start_ns < v.start_ns || cv.end_ns > v.end_ns {
                out.skewed += 1;
            }
            let lo = cv.start_ns.clamp(v.start_ns, v.end_ns);
            let hi = cv.end_ns.clamp(v.start_ns, v.end_ns);
            spans.push((lo, hi));
        }
        out.own_ns.push((v.end_ns - v.start_ns) - union(&mut spans));
        out.own_error.push(v.error && !child_failed);
    }
    out
}

/// The length of the union of intervals.
fn union(spans: &mut [(i64, i64)]) -> i64 {
    spans.sort_unstable();
    let mut total = 0;
    let mut cur: Option<(i64, i64)> = None;
    for &(lo, hi) in spans.iter() {
        cur = match cur {
            Some((a, b)) if lo <= b => Some((a, b.max(hi))),
            Some((a, b)) => {
                total += b - a;
                Some((lo, hi))
            }
            None => Some((lo, hi)),
        };
    }
    total + cur.map_or(0, |(a, b)| b - a)
}

#[cfg(test)]
mod tests {
    use super::super::read::{Span, Spans};
    use super::*;

    fn span(parent: Option<u32>, service: u32, start: i64, end: i64) -> Span {
        Span {
            parent,
            orphan: false,
            service,
            start_ns: start,
            end_ns: end,
            error: false,
            kind: Kind::Server,
            instance: None,
        }
    }

    #[test]
    fn parallel_children_count_once_and_skew_is_clamped() {
        let mut s = Spans {
            spans: vec![
                span(None, 0, 0, 100),
                span(Some(0), 1, 10, 50),
                span(Some(0), 2, 30, 70),
                // Reaches past its parent's end: clock skew.
                span(Some(0), 3, 90, 120),
                // The callee's own client span: part of its visit.
                Span {
                    kind: Kind::Client,
                    ..span(Some(1), 1, 20, 40)
                },
                span(Some(4), 4, 22, 38),
            ],
            ..Spans::default()
        };
        let v = visits(&mut s);
        assert_eq!(v.visits.len(), 5);
        // 100 − (10..70 ∪ 90..100) = 30.
        assert_eq!(v.own_ns[0], 30);
        // Service 1: 40 − 16 (service 4 below its client span).
        let one = v.visits.iter().position(|x| x.service == 1).unwrap();
        assert_eq!(v.own_ns[one], 24);
        assert_eq!(v.skewed, 1);
        assert!(v.visits[0].root);
    }

    #[test]
    fn loops_are_cut_and_missing_parents_are_orphans() {
        let mut s = Spans {
            spans: vec![
                span(Some(1), 0, 0, 10),
                span(Some(0), 1, 0, 10),
                Span {
                    orphan: true,
                    ..span(None, 2, 0, 5)
                },
            ],
            ..Spans::default()
        };
        let v = visits(&mut s);
        assert_eq!(v.cycles_cut, 1);
        assert_eq!(
            v.orphans, 2,
            "the cut span and the one whose parent is missing"
        );
        assert!(v.visits.iter().all(|x| !x.root));
        assert_eq!(union(&mut [(0, 5), (3, 8), (10, 12)]), 10);
    }
}
