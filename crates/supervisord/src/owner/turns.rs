//! Fairness between the owner's inputs: no input takes more than [`BUDGET`] turns in a row
//! while another one is waiting.
//!
//! The loop's `select!` is biased, for an order that matters (a child's exit before a deadline
//! that is due at the same time, see `mod.rs`), and a biased select lets the first busy input
//! take every turn: a listener flooding its stdout kept the captures' notices first in line and
//! starved signals and jobs for as long as it wrote (issue 20: 45 s without an RPC answer,
//! SIGTERM ignored). [`Turns`] counts an input's turns in a row; at the budget that input sits
//! out one turn and whatever else is ready goes first. If nothing else is, the turn ends empty
//! and the input goes on, so waiting work costs one extra turn per budget, never a stall.

/// One of the inputs the owner's loop waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Input {
    /// A child reaped by the reaper.
    Exit,
    /// A notice from a log capture (output for events, end of output, write failures).
    Notice,
    /// A signal to the daemon.
    Signal,
    /// A job from a front end or the TICK timer.
    Job,
    /// The earliest deadline of a state machine.
    Deadline,
}

/// How many turns in a row one input may take while others wait. Each turn is bounded work (a
/// notice carries at most 128 KiB of output), so a job waits at most this many of them.
pub(super) const BUDGET: u32 = 16;

/// Which input took the last turns, and how many in a row.
#[derive(Debug, Default)]
pub(super) struct Turns {
    last: Option<Input>,
    streak: u32,
}

impl Turns {
    /// Whether `input` may be taken this turn.
    pub(super) fn allows(&self, input: Input) -> bool {
        !(self.last == Some(input) && self.streak >= BUDGET)
    }

    /// Whether deadlines may be handled this turn: only when exits may be too, so that an exit
    /// that is waiting is always handled before a deadline ("exited too quickly" is judged on
    /// the real exit time).
    pub(super) fn allows_deadlines(&self) -> bool {
        self.allows(Input::Exit) && self.allows(Input::Deadline)
    }

    /// Whether an input sits out this turn (a turn that finds nothing else ready then ends
    /// empty, through [`idle`](Self::idle)).
    pub(super) fn holding(&self) -> bool {
        self.streak >= BUDGET
    }

    /// `input` took this turn.
    pub(super) fn took(&mut self, input: Input) {
        if self.last == Some(input) {
            self.streak += 1;
        } else {
            self.last = Some(input);
            self.streak = 1;
        }
    }

    /// Nothing but the input sitting out was ready: it may go on.
    pub(super) fn idle(&mut self) {
        self.last = None;
        self.streak = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_sits_out_one_turn_after_its_budget() {
        let mut turns = Turns::default();
        for _ in 0..BUDGET {
            assert!(turns.allows(Input::Notice));
            turns.took(Input::Notice);
        }
        assert!(!turns.allows(Input::Notice));
        assert!(turns.holding());
        assert!(turns.allows(Input::Job));
        turns.took(Input::Job);
        assert!(
            turns.allows(Input::Notice),
            "another input went: the streak ends"
        );
        assert!(!turns.holding());
    }

    #[test]
    fn an_idle_turn_lets_the_busy_input_go_on() {
        let mut turns = Turns::default();
        for _ in 0..BUDGET {
            turns.took(Input::Notice);
        }
        turns.idle();
        assert!(turns.allows(Input::Notice));
    }

    #[test]
    fn deadlines_wait_while_exits_sit_out() {
        let mut turns = Turns::default();
        for _ in 0..BUDGET {
            turns.took(Input::Exit);
        }
        assert!(
            !turns.allows_deadlines(),
            "a waiting exit goes before a deadline"
        );
        assert!(turns.allows(Input::Job));
        turns.took(Input::Job);
        assert!(turns.allows_deadlines());
    }
}
