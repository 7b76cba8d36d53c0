//! The event history's promise, checked on random histories: ids increase by one per event, and
//! a resume never leaves a silent gap: it yields every event after the client's id, in order,
//! or a reset that counts exactly what is gone.

use proptest::prelude::*;
use supervisor_core::events::{EventHistory, HistoryLimits, Resume};

/// A history with random limits, fed random-sized events; the values pushed are their expected
/// ids, so every answer can be checked against the truth.
fn history() -> impl Strategy<Value = (EventHistory<u64>, u64)> {
    (
        0usize..20,
        1usize..200,
        1u64..1_000_000,
        prop::collection::vec(0usize..40, 0..60),
    )
        .prop_map(|(events, bytes, first, sizes)| {
            let mut h = EventHistory::new(HistoryLimits { events, bytes }, first);
            for (i, size) in sizes.iter().enumerate() {
                let id = h.push(first + i as u64, *size);
                assert_eq!(id, first + i as u64, "ids increase by one");
            }
            (h, first)
        })
}

proptest! {
    #[test]
    fn resumes_are_complete_or_explicit((h, first) in history(), probe in 0u64..80) {
        // Probe ids around this history's range: foreign ones below and above, and its own.
        let after = (first - 1).saturating_sub(10) + probe;
        let last = h.last_id();
        match h.since(after) {
            Resume::Events(events) => {
                let got: Vec<(u64, u64)> = events.map(|(id, v)| (id, *v)).collect();
                // Exactly the ids after `after`, each with its own event.
                prop_assert!(after >= first - 1 && after <= last);
                let want: Vec<(u64, u64)> = (after + 1..=last).map(|id| (id, id)).collect();
                prop_assert_eq!(got, want);
            }
            Resume::Reset(gap) => {
                prop_assert_eq!(gap.resume_after, h.oldest_id() - 1);
                match gap.missed {
                    // Ours: something after `after` is gone, and the count is exact.
                    Some(missed) => {
                        prop_assert!(after >= first - 1 && after < gap.resume_after);
                        prop_assert_eq!(missed, gap.resume_after - after);
                    }
                    // Foreign: an id this history never gave out.
                    None => prop_assert!(after < first - 1 || after > last),
                }
                // Continuing from the reset is complete again.
                let Resume::Events(rest) = h.since(gap.resume_after) else {
                    panic!("resuming at {} is not complete", gap.resume_after);
                };
                prop_assert_eq!(rest.count() as u64, last - gap.resume_after);
            }
        }
    }

    #[test]
    fn limits_hold_and_only_the_oldest_go((h, first) in history()) {
        let limits = h.limits();
        prop_assert!(h.len() <= limits.events);
        prop_assert!(h.bytes() <= limits.bytes);
        // What is kept is the newest run of events, ending at the last id.
        prop_assert_eq!(h.oldest_id() + h.len() as u64, h.last_id() + 1);
        prop_assert!(h.oldest_id() >= first);
    }
}
