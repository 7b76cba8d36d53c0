//! Capture mode's building blocks: Supervisor's tokens, the search for a token cut between two
//! reads, and the buffer that keeps the end of what was captured.
//!
//! Deliberate fix of a Supervisor quirk (Q43): the buffer keeps exactly the last
//! `capture_maxbytes` bytes.

/// Supervisor's capture-mode start token.
pub const BEGIN_TOKEN: &[u8] = b"<!--XSUPERVISOR:BEGIN-->";
/// Supervisor's capture-mode end token.
pub const END_TOKEN: &[u8] = b"<!--XSUPERVISOR:END-->";

/// A byte buffer that keeps only the last `max` bytes written (Supervisor's `BoundIO`, exact).
#[derive(Debug, Default)]
pub(super) struct BoundBuffer {
    /// How many bytes are kept.
    pub(super) max: usize,
    /// The kept bytes.
    pub(super) buf: Vec<u8>,
}

impl BoundBuffer {
    /// Appends `data`, dropping the oldest bytes beyond `max`.
    pub(super) fn write(&mut self, data: &[u8]) {
        if data.len() >= self.max {
            self.buf.clear();
            self.buf.extend_from_slice(&data[data.len() - self.max..]);
            return;
        }
        let excess = (self.buf.len() + data.len()).saturating_sub(self.max);
        self.buf.drain(..excess);
        self.buf.extend_from_slice(data);
    }
}

/// Length of the longest proper prefix of `token` that `data` ends with (asynchat's
/// `find_prefix_at_end`).
pub(super) fn prefix_at_end(data: &[u8], token: &[u8]) -> usize {
    (1..token.len())
        .rev()
        .find(|&l| data.ends_with(&token[..l]))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_at_end_like_asynchat() {
        assert_eq!(prefix_at_end(b"abc<!--XSUP", BEGIN_TOKEN), 8);
        assert_eq!(prefix_at_end(b"abc<", BEGIN_TOKEN), 1);
        assert_eq!(prefix_at_end(b"abc", BEGIN_TOKEN), 0);
        // A whole token at the end is not a proper prefix.
        assert_eq!(prefix_at_end(BEGIN_TOKEN, BEGIN_TOKEN), 0);
    }

    #[test]
    fn bound_buffer_keeps_exactly_the_last_bytes() {
        let mut b = BoundBuffer {
            max: 5,
            buf: Vec::new(),
        };
        b.write(b"abc");
        b.write(b"def");
        assert_eq!(b.buf, b"bcdef");
        b.write(b"0123456789");
        assert_eq!(b.buf, b"56789");
    }
}
