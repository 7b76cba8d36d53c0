//! A writer of Prometheus's text exposition format (version 0.0.4): families of samples, each
//! family introduced by its `# HELP` and `# TYPE` lines, label values and help texts escaped.
//!
//! Written here rather than taken from a client library because those keep a registry of
//! live metric objects; a scrape here is a one-shot rendering of a snapshot into one buffer,
//! with no allocation per sample.

use std::fmt::Write as _;

/// The type of a metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only grows (resets when its source restarts); its name ends in `_total`.
    Counter,
    /// Goes up and down.
    Gauge,
}

/// An exposition being written into one buffer.
#[derive(Debug, Default)]
pub struct Exposition {
    out: String,
}

impl Exposition {
    /// An empty exposition with room for `bytes` of text.
    pub fn with_capacity(bytes: usize) -> Exposition {
        Exposition {
            out: String::with_capacity(bytes),
        }
    }

    /// Starts a family: its `# HELP` and `# TYPE` lines. Its samples must follow before the
    /// next family (the format wants a family's samples together).
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        self.out.push_str("# HELP ");
        self.out.push_str(name);
        self.out.push(' ');
        escape_into(&mut self.out, help, false);
        self.out.push_str("\n# TYPE ");
        self.out.push_str(name);
        self.out.push_str(match kind {
            Kind::Counter => " counter\n",
            Kind::Gauge => " gauge\n",
        });
    }

    /// One sample: `name{label="value",…} value`. Values are floats, as Prometheus stores
    /// them; whole numbers are written without a fraction (`3`, `-1`).
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.out.push_str(name);
        if !labels.is_empty() {
            self.out.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.out.push(',');
                }
                self.out.push_str(label);
                self.out.push_str("=\"");
                escape_into(&mut self.out, text, true);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        if value.is_nan() {
            self.out.push_str("NaN");
        } else if value.is_infinite() {
            self.out.push_str(if value > 0.0 { "+Inf" } else { "-Inf" });
        } else {
            // Rust prints floats in full, never in exponent form: `1700000000.25`, `3`.
            let _ = write!(self.out, "{value}");
        }
        self.out.push('\n');
    }

    /// The text.
    pub fn finish(self) -> String {
        self.out
    }
}

/// Appends `text` escaped: `\` and newline always, `"` in label values (the format's rules).
fn escape_into(out: &mut String, text: &str, quote: bool) {
    let special = |c: char| c == '\\' || c == '\n' || (quote && c == '"');
    if !text.contains(special) {
        out.push_str(text);
        return;
    }
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '"' if quote => out.push_str("\\\""),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_family_has_help_type_and_samples() {
        let mut e = Exposition::default();
        e.family("x_total", Kind::Counter, "Things done.");
        e.sample("x_total", &[("group", "g"), ("name", "n")], 3.0);
        e.sample("x_total", &[], -1.0);
        e.family("y_seconds", Kind::Gauge, "A time.");
        e.sample("y_seconds", &[], 1.5);
        e.sample("y_seconds", &[], 1_700_000_000.25);
        assert_eq!(
            e.finish(),
            "# HELP x_total Things done.\n# TYPE x_total counter\n\
             x_total{group=\"g\",name=\"n\"} 3\nx_total -1\n\
             # HELP y_seconds A time.\n# TYPE y_seconds gauge\n\
             y_seconds 1.5\ny_seconds 1700000000.25\n"
        );
    }

    #[test]
    fn label_values_escape_backslash_quote_and_newline() {
        let mut e = Exposition::default();
        e.sample("m", &[("name", "a\\b\"c\nd")], 1.0);
        assert_eq!(e.finish(), "m{name=\"a\\\\b\\\"c\\nd\"} 1\n");
    }

    #[test]
    fn help_escapes_backslash_and_newline_but_not_quotes() {
        let mut e = Exposition::default();
        e.family("m", Kind::Gauge, "a \"quoted\" \\ path\nnext");
        assert_eq!(
            e.finish(),
            "# HELP m a \"quoted\" \\\\ path\\nnext\n# TYPE m gauge\n"
        );
    }

    #[test]
    fn special_floats_use_the_formats_spelling() {
        let mut e = Exposition::default();
        e.sample("a", &[], f64::NAN);
        e.sample("b", &[], f64::INFINITY);
        e.sample("c", &[], f64::NEG_INFINITY);
        e.sample("d", &[], 0.0);
        e.sample("e", &[], 1e21);
        e.sample("f", &[], 0.001);
        assert_eq!(
            e.finish(),
            "a NaN\nb +Inf\nc -Inf\nd 0\ne 1000000000000000000000\nf 0.001\n"
        );
    }

    #[test]
    fn unicode_label_values_pass_through() {
        let mut e = Exposition::default();
        e.sample("m", &[("name", "café ☕")], 1.0);
        assert_eq!(e.finish(), "m{name=\"café ☕\"} 1\n");
    }
}
