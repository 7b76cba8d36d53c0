//! HTTP Basic authentication, as Supervisor checks it: plain or `{SHA}`-hashed passwords.

use base64::Engine;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// The credentials a listener requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The exact user name.
    pub username: String,
    /// The password: plain text, or `{SHA}` followed by the hex SHA-1 of the password.
    pub password: String,
}

/// The outcome of checking an `Authorization` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The credentials match.
    Allowed,
    /// Missing header, other scheme, malformed value or wrong credentials: answer 401.
    Denied,
}

impl Credentials {
    /// Checks the value of an `Authorization` header (if any) against these credentials.
    ///
    /// Every malformed header (bad base64, no `:`, not UTF-8) is a plain denial: Supervisor
    /// answers some of these with 400 or 500 (quirk Q33), which only confuses clients.
    pub fn check(&self, header: Option<&[u8]>) -> Verdict {
        let Some(header) = header else {
            return Verdict::Denied;
        };
        let Some(encoded) = strip_basic(header) else {
            return Verdict::Denied;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded) else {
            return Verdict::Denied;
        };
        let Ok(decoded) = String::from_utf8(decoded) else {
            return Verdict::Denied;
        };
        let Some((user, password)) = decoded.split_once(':') else {
            return Verdict::Denied;
        };
        let user_ok = same(user.as_bytes(), self.username.as_bytes());
        let password_ok = match self.password.strip_prefix("{SHA}") {
            Some(expected_hex) => {
                let digest = Sha1::digest(password.as_bytes());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                same(hex.as_bytes(), expected_hex.as_bytes())
            }
            None => same(password.as_bytes(), self.password.as_bytes()),
        };
        if bool::from(user_ok & password_ok) {
            Verdict::Allowed
        } else {
            Verdict::Denied
        }
    }
}

/// Whether two secrets are equal, in a time that depends on neither: `ct_eq` on slices returns
/// at once when the lengths differ (telling an attacker the length), so the fixed-size digests
/// are compared instead.
fn same(given: &[u8], expected: &[u8]) -> subtle::Choice {
    Sha1::digest(given).ct_eq(&Sha1::digest(expected))
}

/// Returns the credentials part of `Basic <b64>` (scheme case-insensitive, as medusa accepts).
fn strip_basic(header: &[u8]) -> Option<&[u8]> {
    let header = header.trim_ascii();
    let (scheme, rest) = header.split_at(header.iter().position(|b| *b == b' ')?);
    if !scheme.eq_ignore_ascii_case(b"basic") {
        return None;
    }
    Some(rest.trim_ascii())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(user_pass: &str) -> Vec<u8> {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(user_pass)
        )
        .into_bytes()
    }

    fn creds(password: &str) -> Credentials {
        Credentials {
            username: "user".into(),
            password: password.into(),
        }
    }

    #[test]
    fn plain_password() {
        let c = creds("123");
        assert_eq!(c.check(Some(&header("user:123"))), Verdict::Allowed);
        assert_eq!(c.check(Some(&header("user:1234"))), Verdict::Denied);
        assert_eq!(c.check(Some(&header("User:123"))), Verdict::Denied);
        assert_eq!(c.check(None), Verdict::Denied);
    }

    #[test]
    fn secrets_of_any_length_compare_by_value() {
        assert!(bool::from(same(b"123", b"123")));
        for other in [&b""[..], b"12", b"1234", b"124", b"123\0"] {
            assert!(!bool::from(same(other, b"123")), "{other:?}");
        }
    }

    #[test]
    fn password_may_contain_colons() {
        let c = creds("a:b:c");
        assert_eq!(c.check(Some(&header("user:a:b:c"))), Verdict::Allowed);
    }

    #[test]
    fn sha_password_matches_supervisors_docs_example() {
        let c = creds("{SHA}82ab876d1387bfafe46cc1c8a2ef074eae50cb1d");
        assert_eq!(c.check(Some(&header("user:thepassword"))), Verdict::Allowed);
        assert_eq!(c.check(Some(&header("user:other"))), Verdict::Denied);
    }

    #[test]
    fn malformed_headers_are_denied_not_errors() {
        let c = creds("123");
        assert_eq!(c.check(Some(b"Basic !!!notbase64")), Verdict::Denied);
        assert_eq!(c.check(Some(&header("nocolon"))), Verdict::Denied);
        assert_eq!(c.check(Some(b"Bearer abc")), Verdict::Denied);
        assert_eq!(c.check(Some(b"Basic")), Verdict::Denied);
        assert_eq!(c.check(Some(b"")), Verdict::Denied);
    }
}
