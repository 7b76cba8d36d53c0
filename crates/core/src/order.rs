//! Ordering of groups and processes, and the reload diff, over any config type.
//!
//! Start order is ascending `(priority, name)` (Python's `Config.__lt__`); stop order is its
//! exact reverse, so higher priority numbers stop first (fix Q8: Python's `stopAllProcesses`
//! stops in ascending order despite its docs). The reload diff is Python's `diff_to_active`:
//! groups compared by name, "changed" meaning the configs are not equal, so the daemon can use
//! its real config types with their own `PartialEq` (which must treat `AUTO` log paths as
//! equal to anything, as Supervisor does).

use std::cmp::Ordering;
use std::collections::HashMap;

/// Something with a name: a group or process config.
pub trait Named {
    /// The group or process name.
    fn name(&self) -> &str;
}

/// Something with a name and a `priority` (lower starts first).
pub trait Prioritized: Named {
    /// The configured `priority` (default 999).
    fn priority(&self) -> i64;
}

impl<T: Named + ?Sized> Named for &T {
    fn name(&self) -> &str {
        (**self).name()
    }
}

impl<T: Prioritized + ?Sized> Prioritized for &T {
    fn priority(&self) -> i64 {
        (**self).priority()
    }
}

/// Compare two items in start order: by priority, then by name.
pub fn start_cmp<T: Prioritized + ?Sized>(a: &T, b: &T) -> Ordering {
    a.priority()
        .cmp(&b.priority())
        .then_with(|| a.name().cmp(b.name()))
}

/// Sort `items` into start order: ascending `(priority, name)`.
pub fn sort_for_start<T: Prioritized>(items: &mut [T]) {
    items.sort_by(|a, b| start_cmp(a, b));
}

/// Sort `items` into stop order: descending `(priority, name)`, the reverse of start order.
pub fn sort_for_stop<T: Prioritized>(items: &mut [T]) {
    items.sort_by(|a, b| start_cmp(b, a));
}

/// References to `items` in start order.
pub fn start_order<T: Prioritized>(items: &[T]) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    sort_for_start(&mut v);
    v
}

/// References to `items` in stop order.
pub fn stop_order<T: Prioritized>(items: &[T]) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    sort_for_stop(&mut v);
    v
}

/// The processes of one group in Supervisor's start order: ascending priority, ties in the
/// given (config) order. Python sorts its `Subprocess` objects, which compare by priority
/// alone, with a stable sort; unlike groups, names do not break ties.
pub fn members_for_start<T: Prioritized>(items: &[T]) -> Vec<&T> {
    let mut v: Vec<&T> = items.iter().collect();
    v.sort_by_key(|item| item.priority());
    v
}

/// The processes of one group in Supervisor's stop order: the exact reverse of
/// [`members_for_start`] (Python sorts, then reverses).
pub fn members_for_stop<T: Prioritized>(items: &[T]) -> Vec<&T> {
    let mut v = members_for_start(items);
    v.reverse();
    v
}

/// The ordered shutdown of supervisord (spec §3.4): groups are stopped one at a time, highest
/// priority number first, and the next group is only signalled once every process of the
/// current one is in a stopped state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopSequence {
    /// Group names still to stop, in start order (the next one is at the end).
    remaining: Vec<String>,
}

impl StopSequence {
    /// A sequence over `groups` (any order; they are sorted here).
    pub fn new<T: Prioritized>(groups: &[T]) -> StopSequence {
        StopSequence {
            remaining: start_order(groups)
                .into_iter()
                .map(|g| g.name().to_owned())
                .collect(),
        }
    }

    /// The group to stop now, after dropping the groups `is_stopped` says are done; `None`
    /// when every group is stopped. Call it again after every state change: sending the stop
    /// to a group that is already stopping is harmless ([`crate::Event::StopAll`] is
    /// idempotent).
    pub fn current(&mut self, mut is_stopped: impl FnMut(&str) -> bool) -> Option<&str> {
        while let Some(last) = self.remaining.last() {
            if is_stopped(last) {
                self.remaining.pop();
            } else {
                break;
            }
        }
        self.remaining.last().map(String::as_str)
    }

    /// Group names not yet known to be stopped, next first.
    pub fn remaining(&self) -> impl Iterator<Item = &str> {
        self.remaining.iter().rev().map(String::as_str)
    }
}

/// The result of comparing the running group configs with newly read ones
/// (`reloadConfig` / `supervisorctl reread`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReloadDiff {
    /// Groups only in the new configs, in the new configs' order.
    pub added: Vec<String>,
    /// Groups in both whose configs differ, in the new configs' order.
    pub changed: Vec<String>,
    /// Groups only in the running configs, in the running configs' order.
    pub removed: Vec<String>,
}

/// Compare running group configs (`current`) with newly read ones (`new`) by name.
pub fn reload_diff<C: Named + PartialEq>(current: &[C], new: &[C]) -> ReloadDiff {
    let cur: HashMap<&str, &C> = current.iter().map(|c| (c.name(), c)).collect();
    let new_names: HashMap<&str, &C> = new.iter().map(|c| (c.name(), c)).collect();
    ReloadDiff {
        added: new
            .iter()
            .filter(|c| !cur.contains_key(c.name()))
            .map(|c| c.name().to_owned())
            .collect(),
        changed: new
            .iter()
            .filter(|c| cur.get(c.name()).is_some_and(|old| *old != *c))
            .map(|c| c.name().to_owned())
            .collect(),
        removed: current
            .iter()
            .filter(|c| !new_names.contains_key(c.name()))
            .map(|c| c.name().to_owned())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct G {
        name: &'static str,
        priority: i64,
        command: &'static str,
    }

    impl Named for G {
        fn name(&self) -> &str {
            self.name
        }
    }

    impl Prioritized for G {
        fn priority(&self) -> i64 {
            self.priority
        }
    }

    fn g(name: &'static str, priority: i64) -> G {
        G {
            name,
            priority,
            command: "cmd",
        }
    }

    fn names<T: Named>(v: &[T]) -> Vec<&str> {
        v.iter().map(Named::name).collect()
    }

    #[test]
    fn start_order_is_ascending_priority_then_name() {
        let items = [g("c", 999), g("b", 10), g("a", 999), g("z", -5), g("d", 10)];
        assert_eq!(names(&start_order(&items)), ["z", "b", "d", "a", "c"]);
        let mut owned = items.to_vec();
        sort_for_start(&mut owned);
        assert_eq!(names(&owned), ["z", "b", "d", "a", "c"]);
    }

    #[test]
    fn stop_order_is_the_reverse_of_start_order() {
        let items = [g("c", 999), g("b", 10), g("a", 999), g("z", -5), g("d", 10)];
        assert_eq!(names(&stop_order(&items)), ["c", "a", "d", "b", "z"]);
        let mut owned = items.to_vec();
        sort_for_stop(&mut owned);
        assert_eq!(names(&owned), ["c", "a", "d", "b", "z"]);
        let ordered = start_order(&items);
        let mut start: Vec<&str> = names(&ordered);
        start.reverse();
        assert_eq!(start, names(&stop_order(&items)));
    }

    #[test]
    fn members_order_by_priority_alone_keeping_config_order_for_ties() {
        let items = [g("b", 5), g("a", 5), g("z", 1), g("c", 5)];
        assert_eq!(names(&members_for_start(&items)), ["z", "b", "a", "c"]);
        assert_eq!(names(&members_for_stop(&items)), ["c", "a", "b", "z"]);
    }

    #[test]
    fn stop_sequence_stops_one_group_at_a_time_highest_priority_first() {
        let groups = [g("low", 1), g("high", 900), g("mid", 50), g("mid2", 50)];
        let mut seq = StopSequence::new(&groups);
        assert_eq!(
            seq.remaining().collect::<Vec<_>>(),
            ["high", "mid2", "mid", "low"]
        );
        let mut stopped: Vec<&str> = vec![];
        assert_eq!(seq.current(|n| stopped.contains(&n)), Some("high"));
        // Still stopping: the same group again.
        assert_eq!(seq.current(|n| stopped.contains(&n)), Some("high"));
        stopped.push("high");
        // Groups that are already stopped are skipped in the same call.
        stopped.push("mid2");
        assert_eq!(seq.current(|n| stopped.contains(&n)), Some("mid"));
        stopped.extend(["mid", "low"]);
        assert_eq!(seq.current(|n| stopped.contains(&n)), None);
        assert_eq!(seq.remaining().count(), 0);
        assert_eq!(StopSequence::new::<G>(&[]).current(|_| false), None);
    }

    #[test]
    fn reload_diff_by_name_and_equality() {
        let current = [g("keep", 1), g("gone", 2), g("edit", 3), g("prio", 4)];
        let mut edited = g("edit", 3);
        edited.command = "other";
        let new = [
            g("fresh", 9),
            edited,
            g("keep", 1),
            g("prio", 5),
            g("new2", 0),
        ];
        let diff = reload_diff(&current, &new);
        assert_eq!(
            diff,
            ReloadDiff {
                added: vec!["fresh".into(), "new2".into()],
                changed: vec!["edit".into(), "prio".into()],
                removed: vec!["gone".into()],
            }
        );
    }

    #[test]
    fn reload_diff_of_identical_configs_is_empty() {
        let current = [g("a", 1), g("b", 2)];
        assert_eq!(reload_diff(&current, &current), ReloadDiff::default());
        let none: [G; 0] = [];
        assert_eq!(
            reload_diff(&none, &current).added,
            vec!["a".to_owned(), "b".to_owned()]
        );
        assert_eq!(
            reload_diff(&current, &none).removed,
            vec!["a".to_owned(), "b".to_owned()]
        );
    }
}
