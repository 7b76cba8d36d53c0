//! Python's `shlex`, in the two configurations Supervisor uses:
//!
//! * [`split`]: `shlex.split(s)` (POSIX mode, whitespace splitting, no comments), used to turn
//!   `command=` into an argv;
//! * [`env_tokens`]: the non-POSIX `shlex.shlex(s)` lexer with `wordchars += '/.+-():'`, whose
//!   tokens `environment=` parsing consumes.
//!
//! Both follow CPython 3.11's `shlex.read_token` state machine; the `shlex` crate implements
//! POSIX sh rules instead, which differ in details Python users can observe.

/// Why a string could not be split. The messages are Python's `ValueError` texts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShlexError {
    /// A quote was opened and never closed.
    #[error("No closing quotation")]
    NoClosingQuotation,
    /// The input ended right after a backslash.
    #[error("No escaped character")]
    NoEscapedCharacter,
}

/// Python's whitespace set for `shlex` (only these four, not all Unicode whitespace).
fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between tokens.
    Space,
    /// Inside a word.
    Word,
    /// Inside a quoted part opened by this character.
    Quote(char),
    /// After a backslash; the state to return to.
    Escape(EscFrom),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EscFrom {
    Word,
    DoubleQuote,
}

/// Python's `shlex.split(s)`: POSIX quoting (`'…'` literal, `"…"` with `\"`, `\\`, `\$`… kept
/// as Python keeps them), backslash escapes outside quotes, splitting on space, tab, CR and LF.
pub fn split(s: &str) -> Result<Vec<String>, ShlexError> {
    let mut tokens = Vec::new();
    let mut token = String::new();
    // Whether the current token had a quoted part (so an empty token like '' still counts).
    let mut quoted = false;
    let mut state = State::Space;
    for c in s.chars() {
        match state {
            State::Space | State::Word => {
                if is_ws(c) {
                    if state == State::Word || quoted {
                        tokens.push(std::mem::take(&mut token));
                        quoted = false;
                    }
                    state = State::Space;
                } else if c == '\\' {
                    state = State::Escape(EscFrom::Word);
                } else if c == '\'' || c == '"' {
                    state = State::Quote(c);
                    quoted = true;
                } else {
                    token.push(c);
                    state = State::Word;
                }
            }
            State::Quote(q) => {
                if c == q {
                    state = State::Word;
                } else if q == '"' && c == '\\' {
                    state = State::Escape(EscFrom::DoubleQuote);
                } else {
                    token.push(c);
                }
            }
            State::Escape(from) => {
                // Inside double quotes only the quote and the backslash itself can be escaped;
                // otherwise the backslash stays.
                if from == EscFrom::DoubleQuote && c != '\\' && c != '"' {
                    token.push('\\');
                }
                token.push(c);
                state = match from {
                    EscFrom::Word => State::Word,
                    EscFrom::DoubleQuote => State::Quote('"'),
                };
            }
        }
    }
    match state {
        State::Quote(_) => return Err(ShlexError::NoClosingQuotation),
        State::Escape(_) => return Err(ShlexError::NoEscapedCharacter),
        State::Word => tokens.push(token),
        State::Space => {
            if quoted {
                tokens.push(token);
            }
        }
    }
    Ok(tokens)
}

/// Word characters of Supervisor's `environment=` lexer: ASCII letters, digits, `_` and
/// `/.+-():`.
fn is_env_wordchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '/' | '.' | '+' | '-' | '(' | ')' | ':')
}

/// One token of the non-POSIX lexer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvToken {
    /// A run of word characters (quotes met inside a word are kept as part of it).
    Word(String),
    /// A quoted string, including its quotes (`"x y"`).
    Quoted(String),
    /// Any other single character (`=`, `,`, `;`, `$`, …).
    Punct(char),
}

impl EnvToken {
    /// The token's text, as Python's lexer returns it.
    pub fn text(&self) -> String {
        match self {
            EnvToken::Word(s) | EnvToken::Quoted(s) => s.clone(),
            EnvToken::Punct(c) => c.to_string(),
        }
    }
}

/// The tokens of Python's non-POSIX `shlex.shlex(s)` with `wordchars += '/.+-():'`, as used by
/// Supervisor's `dict_of_key_value_pairs`.
///
/// Non-POSIX details kept: `#` discards the rest of its line but does not end a word (the word
/// continues on the next line); quotes inside a word are ordinary word characters; there are no
/// escapes; a character that is neither whitespace, word character nor quote is a token by itself.
pub fn env_tokens(s: &str) -> Result<Vec<EnvToken>, ShlexError> {
    let chars: Vec<char> = s.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    // Skips to just after the next newline (Python's `readline()` on the stream).
    let skip_line = |i: &mut usize| {
        while *i < chars.len() {
            let c = chars[*i];
            *i += 1;
            if c == '\n' {
                break;
            }
        }
    };
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if is_ws(c) {
            continue;
        }
        if c == '#' {
            skip_line(&mut i);
            continue;
        }
        if is_env_wordchar(c) {
            let mut word = String::from(c);
            while i < chars.len() {
                let c = chars[i];
                if is_ws(c) {
                    i += 1;
                    break;
                }
                if c == '#' {
                    i += 1;
                    skip_line(&mut i);
                    continue;
                }
                if is_env_wordchar(c) || c == '\'' || c == '"' {
                    word.push(c);
                    i += 1;
                    continue;
                }
                // Any other character ends the word and becomes the next token.
                break;
            }
            tokens.push(EnvToken::Word(word));
            continue;
        }
        if c == '\'' || c == '"' {
            let mut quoted = String::from(c);
            loop {
                let Some(&q) = chars.get(i) else {
                    return Err(ShlexError::NoClosingQuotation);
                };
                i += 1;
                quoted.push(q);
                if q == c {
                    break;
                }
            }
            tokens.push(EnvToken::Quoted(quoted));
            continue;
        }
        tokens.push(EnvToken::Punct(c));
    }
    Ok(tokens)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> Vec<String> {
        split(s).unwrap()
    }

    #[test]
    fn split_like_python() {
        let cases: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("/bin/echo a b", &["/bin/echo", "a", "b"]),
            ("/bin/echo\na\n  b", &["/bin/echo", "a", "b"]),
            ("bash -c 'foo ; bar'", &["bash", "-c", "foo ; bar"]),
            ("a\"b c\"d", &["ab cd"]),
            ("''", &[""]),
            ("a '' b", &["a", "", "b"]),
            ("x''", &["x"]),
            ("\"a\\\"b\"", &["a\"b"]),
            ("\"a\\$b\\\\\"", &["a\\$b\\"]),
            ("'a\\b'", &["a\\b"]),
            ("a\\ b", &["a b"]),
            ("a\\'b", &["a'b"]),
            ("a#b #c", &["a#b", "#c"]),
            ("a\x0bb", &["a\x0bb"]),
            ("\u{e9}t\u{e9} x", &["\u{e9}t\u{e9}", "x"]),
        ];
        for (input, want) in cases {
            assert_eq!(sp(input), *want, "split({input:?})");
        }
    }

    #[test]
    fn split_errors() {
        assert_eq!(split("'abc"), Err(ShlexError::NoClosingQuotation));
        assert_eq!(split("a \"b"), Err(ShlexError::NoClosingQuotation));
        assert_eq!(split("abc\\"), Err(ShlexError::NoEscapedCharacter));
        assert_eq!(split("\"abc\\"), Err(ShlexError::NoEscapedCharacter));
        assert_eq!(
            ShlexError::NoClosingQuotation.to_string(),
            "No closing quotation"
        );
        assert_eq!(
            ShlexError::NoEscapedCharacter.to_string(),
            "No escaped character"
        );
    }

    fn texts(s: &str) -> Vec<String> {
        env_tokens(s).unwrap().iter().map(EnvToken::text).collect()
    }

    #[test]
    fn env_tokens_like_python() {
        let cases: &[(&str, &[&str])] = &[
            ("A=1,B=2", &["A", "=", "1", ",", "B", "=", "2"]),
            (" A = 1 ; B = 2 ", &["A", "=", "1", ";", "B", "=", "2"]),
            (
                "A=\"x y\",B='z,w'",
                &["A", "=", "\"x y\"", ",", "B", "=", "'z,w'"],
            ),
            ("A=/usr/bin:/bin", &["A", "=", "/usr/bin:/bin"]),
            ("A=$HOME", &["A", "=", "$", "HOME"]),
            ("A=x\"y z\"", &["A", "=", "x\"y", "z\""]),
            ("A=x#c\nB", &["A", "=", "xB"]),
            ("#all\nA=1", &["A", "=", "1"]),
            ("A=\u{e9}", &["A", "=", "\u{e9}"]),
            ("A=\"a\\\"b", &["A", "=", "\"a\\\"", "b"]),
        ];
        for (input, want) in cases {
            assert_eq!(texts(input), *want, "env_tokens({input:?})");
        }
        // No escapes: the backslash does not protect the quote; a quote inside a word is a word char.
        assert_eq!(texts("A=\"a\\\"b\""), ["A", "=", "\"a\\\"", "b\""]);
    }
}
