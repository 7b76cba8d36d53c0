//! `strip_ansi`: Supervisor's removal of ANSI escape sequences from child output.

use std::borrow::Cow;

/// The bytes that end an escape sequence in Supervisor's scanner.
const TERMINATORS: &[u8] = b"HfABCDRsuJKhlpm";

/// Removes every sequence that starts with `ESC [` up to and including the first terminator
/// byte (`H f A B C D R s u J K h l p m`) after it, exactly as Supervisor's `stripEscapes` does:
/// chunk-local, so an unterminated sequence swallows the rest of the chunk. Returns the input
/// unchanged (borrowed) when it has no `ESC [`.
pub fn strip_ansi(data: &[u8]) -> Cow<'_, [u8]> {
    let finder = memchr::memmem::find(data, b"\x1b[");
    let Some(first) = finder else {
        return Cow::Borrowed(data);
    };
    let mut out = Vec::with_capacity(data.len());
    let mut start = first;
    out.extend_from_slice(&data[..first]);
    loop {
        // `start` is at an ESC; the terminator search begins after the `[`.
        let body = &data[start + 2..];
        let Some(end) = body.iter().position(|b| TERMINATORS.contains(b)) else {
            return Cow::Owned(out);
        };
        let resume = start + 2 + end + 1;
        match memchr::memmem::find(&data[resume..], b"\x1b[") {
            Some(next) => {
                out.extend_from_slice(&data[resume..resume + next]);
                start = resume + next;
            }
            None => {
                out.extend_from_slice(&data[resume..]);
                return Cow::Owned(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    fn strip(data: &[u8]) -> Vec<u8> {
        strip_ansi(data).into_owned()
    }

    #[test]
    fn removes_colour_and_cursor_sequences() {
        assert_eq!(strip(b"\x1b[31mred\x1b[0m plain"), b"red plain");
        assert_eq!(strip(b"a\x1b[2Jb\x1b[1;1Hc"), b"abc");
        assert_eq!(strip(b"\x1b[?25lhidden\x1b[?25h"), b"hidden");
    }

    #[test]
    fn leaves_other_bytes_untouched() {
        assert_eq!(strip(b"no escapes \xff\x00\n"), b"no escapes \xff\x00\n");
        assert!(matches!(
            strip_ansi(b"plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        // A lone ESC not followed by '[' is not a sequence.
        assert_eq!(strip(b"a\x1bmb"), b"a\x1bmb");
    }

    #[test]
    fn unterminated_sequence_drops_rest_of_chunk() {
        assert_eq!(strip(b"keep\x1b[31;1 xyz"), b"keep");
        // ...and ends at the first terminator byte, even inside ordinary text.
        assert_eq!(strip(b"keep\x1b[31;1 and the rest"), b"keepe rest");
        assert_eq!(strip(b"x\x1b["), b"x");
    }

    #[test]
    fn first_terminator_wins_even_if_odd() {
        // 'm' inside text ends the sequence where Python's scanner ends it.
        assert_eq!(strip(b"\x1b[1;Xmore"), b"ore");
        // The '[' itself is never a terminator; an ESC inside a sequence is skipped over.
        assert_eq!(strip(b"\x1b[\x1b[mZ"), b"Z");
    }

    #[test]
    fn matches_python_reference_on_samples() {
        // Outputs computed with supervisor.dispatchers.stripEscapes (4.3.0).
        assert_eq!(strip(b"\x1b[0;32mOK\x1b[0m\n"), b"OK\n");
        assert_eq!(strip(b"\x1b[K\x1b[1A\x1b[2K"), b"");
    }
}
