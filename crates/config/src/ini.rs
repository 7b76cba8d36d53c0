//! The INI dialect of `supervisord.conf`: Python's `configparser.RawConfigParser` with
//! `inline_comment_prefixes=(';', '#')` and `strict=False`, keeping the file and line of every
//! section header and key.
//!
//! The reader reproduces CPython 3.11's `_read` state machine line by line, including its less
//! obvious corners: inline comments are searched in rounds (one occurrence of each prefix per
//! round), a line that cannot be parsed does not end the value above it, and blank lines inside a
//! value are kept until the final right-strip.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use supervisor_core::pystr::{py_isspace, py_repr, py_strip};

/// The name of the section whose keys every other section inherits.
pub const DEFAULT_SECTION: &str = "DEFAULT";

/// One `key = value` of a section, with where it was (last) set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The value: continuation lines joined with `\n`, trailing blank lines removed.
    pub value: String,
    /// The file the winning line came from.
    pub file: PathBuf,
    /// The 1-based line number of the key's line.
    pub line: usize,
}

/// A section: its header position and its entries (keys lower-cased, in first-seen order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The name between the brackets, case kept.
    pub name: String,
    /// The file of the first header for this name.
    pub file: PathBuf,
    /// The 1-based line of the first header for this name.
    pub line: usize,
    entries: Vec<(String, Entry)>,
}

impl Section {
    fn new(name: &str, file: &Path, line: usize) -> Self {
        Section {
            name: name.to_owned(),
            file: file.to_path_buf(),
            line,
            entries: Vec::new(),
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    /// The entry of `key` (looked up lower-cased), without `[DEFAULT]` fallback.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        let key = key.to_lowercase();
        self.position(&key).map(|i| &self.entries[i].1)
    }

    /// The section's own keys (lower-cased), in first-seen order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }

    /// The section's own entries, in first-seen order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, e)| (k.as_str(), e))
    }

    /// Sets `key` (already lower-cased): an existing key keeps its position, a new one goes last.
    fn set(&mut self, key: &str, entry: Entry) {
        match self.position(key) {
            Some(i) => self.entries[i].1 = entry,
            None => self.entries.push((key.to_owned(), entry)),
        }
    }
}

/// Why a file could not be read into a [`Document`]. The messages are Python's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IniError {
    /// Lines that are neither a header, an option, a comment nor a continuation (all of them).
    #[error("{}", parse_message(.file, .bad_lines))]
    Parse {
        /// The file, as given to [`Document::read_str`].
        file: PathBuf,
        /// `(line number, raw line including its newline)` of every bad line.
        bad_lines: Vec<(usize, String)>,
    },
    /// A non-comment line before the first section header.
    #[error(
        "File contains no section headers.\nfile: {}, line: {line}\n{}",
        py_repr(&.file.to_string_lossy()),
        py_repr(.text)
    )]
    MissingSectionHeader {
        /// The file, as given to [`Document::read_str`].
        file: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// The raw line including its newline.
        text: String,
    },
}

fn parse_message(file: &Path, bad_lines: &[(usize, String)]) -> String {
    let mut msg = format!(
        "Source contains parsing errors: {}",
        py_repr(&file.to_string_lossy())
    );
    for (n, text) in bad_lines {
        msg.push_str(&format!("\n\t[line {n:2}]: {}", py_repr(text)));
    }
    msg
}

impl IniError {
    /// The file the error is in.
    pub fn file(&self) -> &Path {
        match self {
            IniError::Parse { file, .. } | IniError::MissingSectionHeader { file, .. } => file,
        }
    }

    /// The (first) offending line number, 1-based.
    pub fn line(&self) -> usize {
        match self {
            IniError::Parse { bad_lines, .. } => bad_lines.first().map_or(0, |(n, _)| *n),
            IniError::MissingSectionHeader { line, .. } => *line,
        }
    }
}

/// A parsed configuration: sections in first-seen order, duplicates merged, `[DEFAULT]` apart.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Document {
    sections: Vec<Section>,
    /// Where each section is in `sections`, by name: lookups stay O(1) with 10,000 programs.
    index: HashMap<String, usize>,
    defaults: Option<Section>,
}

/// Which section the parser is writing into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Target {
    Default,
    Section(usize),
}

/// Splits text into lines the way Python's text-mode file iteration does (universal newlines:
/// `\r\n`, `\r` and `\n` all end a line and become `\n`); each line keeps its `\n`.
fn universal_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => {
                cur.push('\n');
                lines.push(std::mem::take(&mut cur));
            }
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                cur.push('\n');
                lines.push(std::mem::take(&mut cur));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Where an inline comment starts, by Python's round-based search: each round advances every
/// prefix to its next occurrence and stops at the first round where some occurrence is at the
/// line start or after whitespace (taking the leftmost such occurrence of that round).
fn inline_comment_start(chars: &[char]) -> Option<usize> {
    const PREFIXES: [char; 2] = [';', '#'];
    let mut last: [Option<usize>; 2] = [Some(0), Some(0)];
    let mut first_round = true;
    loop {
        let mut found: Option<usize> = None;
        let mut active = false;
        for (slot, prefix) in last.iter_mut().zip(PREFIXES) {
            let Some(from) = *slot else { continue };
            let start = if first_round { 0 } else { from + 1 };
            let next = chars
                .get(start..)
                .and_then(|rest| rest.iter().position(|&c| c == prefix))
                .map(|i| i + start);
            match next {
                None => *slot = None,
                Some(i) => {
                    *slot = Some(i);
                    active = true;
                    if i == 0 || py_isspace(chars[i - 1]) {
                        found = Some(found.map_or(i, |f: usize| f.min(i)));
                    }
                }
            }
        }
        first_round = false;
        if found.is_some() || !active {
            return found;
        }
    }
}

/// Matches Python's `SECTCRE` (`\[(?P<header>.+)\]`, anchored at the start only): the header is
/// everything up to the *last* `]` that leaves a non-empty name.
fn match_section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    if end == 0 {
        return None;
    }
    Some(&rest[..end])
}

/// Matches Python's `OPTCRE` (`(?P<option>.*?)\s*(?P<vi>=|:)\s*(?P<value>.*)$`): the key ends at
/// the first `=` or `:`; returns `(raw key, raw value)`.
fn match_option(value: &str) -> Option<(&str, &str)> {
    let d = value.find(['=', ':'])?;
    let key = value[..d].trim_end_matches(py_isspace);
    let val = value[d + 1..].trim_start_matches(py_isspace);
    Some((key, val))
}

impl Document {
    /// An empty document.
    pub fn new() -> Self {
        Document::default()
    }

    /// Reads one file's text into the document (like `RawConfigParser.read`); on error the
    /// document is unchanged.
    pub fn read_str(&mut self, text: &str, file: &Path) -> Result<(), IniError> {
        let mut work = self.clone();
        work.read_into(text, file)?;
        *self = work;
        Ok(())
    }

    fn target_mut(&mut self, t: Target) -> &mut Section {
        match t {
            Target::Default => self
                .defaults
                .as_mut()
                .expect("DEFAULT section exists once targeted"),
            Target::Section(i) => &mut self.sections[i],
        }
    }

    fn read_into(&mut self, text: &str, file: &Path) -> Result<(), IniError> {
        let mut cursect: Option<Target> = None;
        // The option the next continuation line appends to; `Some("")` is Python's falsy ''.
        let mut optname: Option<String> = None;
        let mut indent_level = 0usize;
        // Pieces of every value set during this read, joined at the end like
        // `_join_multiline_values`.
        let mut pending: HashMap<(Target, String), Vec<String>> = HashMap::new();
        let mut bad_lines: Vec<(usize, String)> = Vec::new();

        for (idx, line) in universal_lines(text).into_iter().enumerate() {
            let lineno = idx + 1;
            let chars: Vec<char> = line.chars().collect();
            let mut comment_start = inline_comment_start(&chars);
            let stripped_line = py_strip(&line);
            if stripped_line.starts_with('#') || stripped_line.starts_with(';') {
                comment_start = Some(0);
            }
            let before_comment: String = match comment_start {
                Some(i) => chars[..i].iter().collect(),
                None => line.clone(),
            };
            let value = py_strip(&before_comment);
            let live_opt = optname.as_deref().filter(|o| !o.is_empty());

            if value.is_empty() {
                // Blank lines belong to the value being read (joined as "\n"), but a comment-only
                // line does not.
                if comment_start.is_none() {
                    if let (Some(t), Some(o)) = (cursect, live_opt) {
                        if let Some(pieces) = pending.get_mut(&(t, o.to_owned())) {
                            pieces.push(String::new());
                        }
                    }
                }
                continue;
            }

            let cur_indent = chars.iter().position(|&c| !py_isspace(c)).unwrap_or(0);
            if let (Some(t), Some(o), true) = (cursect, live_opt, cur_indent > indent_level) {
                if let Some(pieces) = pending.get_mut(&(t, o.to_owned())) {
                    pieces.push(value.to_owned());
                }
                continue;
            }

            indent_level = cur_indent;
            if let Some(header) = match_section_header(value) {
                let t = if header == DEFAULT_SECTION {
                    if self.defaults.is_none() {
                        self.defaults = Some(Section::new(header, file, lineno));
                    }
                    Target::Default
                } else {
                    Target::Section(self.add_section(header, file, lineno))
                };
                cursect = Some(t);
                optname = None;
                continue;
            }
            let Some(t) = cursect else {
                return Err(IniError::MissingSectionHeader {
                    file: file.to_path_buf(),
                    line: lineno,
                    text: line,
                });
            };
            match match_option(value) {
                Some((key, val)) => {
                    if key.is_empty() {
                        bad_lines.push((lineno, line.clone()));
                    }
                    let key = key.to_lowercase();
                    let val = py_strip(val).to_owned();
                    self.target_mut(t).set(
                        &key,
                        Entry {
                            value: val.clone(),
                            file: file.to_path_buf(),
                            line: lineno,
                        },
                    );
                    pending.insert((t, key.clone()), vec![val]);
                    optname = Some(key);
                }
                None => bad_lines.push((lineno, line.clone())),
            }
        }

        for ((t, key), pieces) in pending {
            let joined = pieces.join("\n");
            let joined = joined.trim_end_matches(py_isspace).to_owned();
            let sect = self.target_mut(t);
            if let Some(i) = sect.position(&key) {
                sect.entries[i].1.value = joined;
            }
        }
        if bad_lines.is_empty() {
            Ok(())
        } else {
            Err(IniError::Parse {
                file: file.to_path_buf(),
                bad_lines,
            })
        }
    }

    /// `RawConfigParser.add_section`, except that an existing section is kept; returns its
    /// index. `file` and `line` say where it is reported to come from (a section built at run
    /// time has no real position).
    pub fn add_section(&mut self, name: &str, file: &Path, line: usize) -> usize {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        self.index.insert(name.to_owned(), self.sections.len());
        self.sections.push(Section::new(name, file, line));
        self.sections.len() - 1
    }

    /// `RawConfigParser.set(section, key, value)` (adding the section if missing): the key is
    /// lower-cased and the value stored as given, not stripped.
    pub fn set(&mut self, section: &str, key: &str, value: &str, file: &Path, line: usize) {
        let i = self.add_section(section, file, line);
        self.sections[i].set(
            &key.to_lowercase(),
            Entry {
                value: value.to_owned(),
                file: file.to_path_buf(),
                line,
            },
        );
    }

    /// Sections in first-seen order, excluding `[DEFAULT]`.
    pub fn sections(&self) -> impl Iterator<Item = &Section> {
        self.sections.iter()
    }

    /// The section called `name` (case-sensitive); `[DEFAULT]` is not a section.
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.get(*self.index.get(name)?)
    }

    /// Whether a section called `name` exists (`RawConfigParser.has_section`).
    pub fn has_section(&self, name: &str) -> bool {
        self.section(name).is_some()
    }

    /// The `[DEFAULT]` section, if any file had one.
    pub fn defaults(&self) -> Option<&Section> {
        self.defaults.as_ref()
    }

    /// Value lookup with `[DEFAULT]` fallback, as `RawConfigParser.get` does (key lower-cased).
    /// `section` may be `"DEFAULT"` itself.
    pub fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        let from_defaults = || self.defaults.as_ref().and_then(|d| d.get(key));
        if section == DEFAULT_SECTION {
            return from_defaults();
        }
        self.section(section)?.get(key).or_else(from_defaults)
    }

    /// Keys of a section including inherited `[DEFAULT]` keys (own keys first, as
    /// `RawConfigParser.options` orders them). Empty for an unknown section.
    pub fn options(&self, section: &str) -> Vec<String> {
        let Some(sect) = self.section(section) else {
            return Vec::new();
        };
        let mut keys: Vec<String> = sect.keys().map(str::to_owned).collect();
        if let Some(d) = &self.defaults {
            for k in d.keys() {
                if sect.position(k).is_none() {
                    keys.push(k.to_owned());
                }
            }
        }
        keys
    }

    /// Supervisor's `expand_here`: in every section, each value (own or inherited from
    /// `[DEFAULT]`) containing the literal text `%(here)s` gets it replaced by `here` and is
    /// stored in the section itself. Values already replaced by an earlier call no longer contain
    /// the text, so each call only affects what was read since (or what `[DEFAULT]` provides).
    pub fn expand_here(&mut self, here: &str) {
        const HERE_FORMAT: &str = "%(here)s";
        let defaults = self.defaults.clone();
        for sect in &mut self.sections {
            let mut updates: Vec<(String, Entry)> = Vec::new();
            let inherited = defaults
                .iter()
                .flat_map(|d| d.entries.iter())
                .filter(|(k, _)| sect.position(k).is_none());
            for (key, entry) in sect.entries.iter().chain(inherited) {
                if entry.value.contains(HERE_FORMAT) {
                    let mut e = entry.clone();
                    e.value = e.value.replace(HERE_FORMAT, here);
                    updates.push((key.clone(), e));
                }
            }
            for (key, e) in updates {
                sect.set(&key, e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Document, IniError> {
        let mut d = Document::new();
        d.read_str(text, Path::new("/etc/sv.conf"))?;
        Ok(d)
    }

    fn val(d: &Document, s: &str, k: &str) -> Option<String> {
        d.get(s, k).map(|e| e.value.clone())
    }

    #[test]
    fn equals_and_colon_delimiters() {
        let d = parse("[a]\nx = 1\ny: 2\nz=a=b\nw : c:d\nv=\n").unwrap();
        assert_eq!(val(&d, "a", "x").as_deref(), Some("1"));
        assert_eq!(val(&d, "a", "y").as_deref(), Some("2"));
        assert_eq!(val(&d, "a", "z").as_deref(), Some("a=b"));
        assert_eq!(val(&d, "a", "w").as_deref(), Some("c:d"));
        assert_eq!(val(&d, "a", "v").as_deref(), Some(""));
        let e = d.get("a", "y").unwrap();
        assert_eq!((e.line, e.file.as_path()), (3, Path::new("/etc/sv.conf")));
    }

    #[test]
    fn first_delimiter_wins_even_if_colon() {
        let d = parse("[a]\nurl: http://x=1\nk=v:w\n").unwrap();
        assert_eq!(val(&d, "a", "url").as_deref(), Some("http://x=1"));
        assert_eq!(val(&d, "a", "k").as_deref(), Some("v:w"));
    }

    #[test]
    fn continuation_lines_and_blank_lines() {
        let d = parse("[a]\ncommand=/bin/echo\n  a\n\n  b\n\n\nnext=1\n").unwrap();
        assert_eq!(
            val(&d, "a", "command").as_deref(),
            Some("/bin/echo\na\n\nb")
        );
        assert_eq!(val(&d, "a", "next").as_deref(), Some("1"));
        // A comment line inside a value is dropped and adds no blank line.
        let d = parse("[a]\nk=1\n  # c\n  2\n").unwrap();
        assert_eq!(val(&d, "a", "k").as_deref(), Some("1\n2"));
        // Continuation must be indented deeper than the option line.
        let d = parse("[a]\n  k=1\n  j=2\n   more\n").unwrap();
        assert_eq!(val(&d, "a", "k").as_deref(), Some("1"));
        assert_eq!(val(&d, "a", "j").as_deref(), Some("2\nmore"));
    }

    #[test]
    fn inline_comments_need_preceding_whitespace() {
        let d = parse("[a]\nc=echo hi;there\nd=a#b # c\ne=bash -c 'foo ; bar'\nf=x\t;y\n").unwrap();
        assert_eq!(val(&d, "a", "c").as_deref(), Some("echo hi;there"));
        assert_eq!(val(&d, "a", "d").as_deref(), Some("a#b"));
        assert_eq!(val(&d, "a", "e").as_deref(), Some("bash -c 'foo"));
        assert_eq!(val(&d, "a", "f").as_deref(), Some("x"));
    }

    #[test]
    fn inline_comment_rounds_quirk() {
        // Round 1 sees ';' at 1 (no space before) and '#' at 7 (space before): the comment
        // starts at 7 although " ;c" at 4 would also qualify.
        let d = parse("[s]\nk=a;b ;c #d\n").unwrap();
        assert_eq!(val(&d, "s", "k").as_deref(), Some("a;b ;c"));
    }

    #[test]
    fn case_rules() {
        let d = parse("[Program:X]\nCOMMAND=ls\n").unwrap();
        assert!(d.section("program:x").is_none());
        assert!(d.section("Program:X").is_some());
        assert_eq!(val(&d, "Program:X", "command").as_deref(), Some("ls"));
        assert_eq!(val(&d, "Program:X", "CoMmAnD").as_deref(), Some("ls"));
        assert_eq!(
            d.section("Program:X").unwrap().keys().collect::<Vec<_>>(),
            ["command"]
        );
    }

    #[test]
    fn section_header_forms() {
        let d = parse("[ spaced ]\n[a]b]\n[c] trailing\n").unwrap();
        let names: Vec<&str> = d.sections().map(|s| s.name.as_str()).collect();
        assert_eq!(names, [" spaced ", "a]b", "c"]);
    }

    #[test]
    fn duplicate_sections_and_keys_merge() {
        let d = parse("[a]\nx=1\ny=2\n[b]\n[a]\nx=3\nz=4\nx=5\n").unwrap();
        let a = d.section("a").unwrap();
        assert_eq!(a.line, 1);
        assert_eq!(a.keys().collect::<Vec<_>>(), ["x", "y", "z"]);
        assert_eq!(val(&d, "a", "x").as_deref(), Some("5"));
        assert_eq!(d.get("a", "x").unwrap().line, 8);
        assert_eq!(d.sections().count(), 2);
    }

    #[test]
    fn second_file_merges_into_sections() {
        let mut d = Document::new();
        d.read_str("[a]\nx=1\n", Path::new("/main.conf")).unwrap();
        d.read_str("[a]\nx=2\n[b]\ny=3\n", Path::new("/inc.conf"))
            .unwrap();
        let e = d.get("a", "x").unwrap();
        assert_eq!(
            (e.value.as_str(), e.file.as_path(), e.line),
            ("2", Path::new("/inc.conf"), 2)
        );
        assert_eq!(d.section("a").unwrap().file, Path::new("/main.conf"));
        assert_eq!(d.section("b").unwrap().file, Path::new("/inc.conf"));
    }

    #[test]
    fn default_section_inheritance() {
        let d = parse("[DEFAULT]\nd=1\nx=0\n[a]\nx=2\n").unwrap();
        assert_eq!(d.sections().count(), 1);
        assert!(d.section("DEFAULT").is_none());
        assert_eq!(val(&d, "a", "d").as_deref(), Some("1"));
        assert_eq!(val(&d, "a", "x").as_deref(), Some("2"));
        assert_eq!(d.options("a"), ["x", "d"]);
        assert_eq!(val(&d, "DEFAULT", "x").as_deref(), Some("0"));
        assert!(d.get("nosuch", "d").is_none());
        assert!(d.options("nosuch").is_empty());
    }

    #[test]
    fn parse_errors_list_every_bad_line() {
        let err = parse("[a]\nx=1\ngarbage line\n  continued\nok=1\nmore garbage\n").unwrap_err();
        // "  continued" continues x (the bad line does not end the value).
        assert_eq!(
            err,
            IniError::Parse {
                file: PathBuf::from("/etc/sv.conf"),
                bad_lines: vec![(3, "garbage line\n".into()), (6, "more garbage\n".into())],
            }
        );
        assert_eq!(
            err.to_string(),
            "Source contains parsing errors: '/etc/sv.conf'\n\t[line  3]: 'garbage line\\n'\n\t[line  6]: 'more garbage\\n'"
        );
        assert_eq!(err.line(), 3);
    }

    #[test]
    fn empty_key_is_an_error() {
        let err = parse("[a]\n= x\n: y").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Source contains parsing errors: '/etc/sv.conf'\n\t[line  2]: '= x\\n'\n\t[line  3]: ': y'"
        );
    }

    #[test]
    fn error_leaves_document_unchanged() {
        let mut d = Document::new();
        d.read_str("[a]\nx=1\n", Path::new("/a")).unwrap();
        let before = d.clone();
        assert!(d.read_str("[a]\nx=2\nbad\n", Path::new("/b")).is_err());
        assert_eq!(d, before);
    }

    #[test]
    fn missing_section_header() {
        let err = parse("; comment\n\nkey=value\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "File contains no section headers.\nfile: '/etc/sv.conf', line: 3\n'key=value\\n'"
        );
        assert_eq!(err.line(), 3);
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let d = parse("[a]\r\nx=1\r\n  2\ry=3").unwrap();
        assert_eq!(val(&d, "a", "x").as_deref(), Some("1\n2"));
        assert_eq!(val(&d, "a", "y").as_deref(), Some("3"));
    }

    #[test]
    fn expand_here_replaces_once_per_read() {
        let mut d = Document::new();
        d.read_str(
            "[DEFAULT]\nd=%(here)s/d\n[a]\nx=%(here)s/x\ny=%%(here)s\n",
            Path::new("/m/main.conf"),
        )
        .unwrap();
        d.expand_here("/m");
        assert_eq!(val(&d, "a", "x").as_deref(), Some("/m/x"));
        assert_eq!(val(&d, "a", "y").as_deref(), Some("%/m"));
        assert_eq!(val(&d, "a", "d").as_deref(), Some("/m/d"));
        // The DEFAULT value itself stays unexpanded: later sections get their own directory.
        d.read_str(
            "[b]\nz=%(here)s/z\n[a]\nw=%(here)s\n",
            Path::new("/i/inc.conf"),
        )
        .unwrap();
        d.expand_here("/i");
        assert_eq!(val(&d, "a", "x").as_deref(), Some("/m/x"));
        assert_eq!(val(&d, "a", "w").as_deref(), Some("/i"));
        assert_eq!(val(&d, "b", "z").as_deref(), Some("/i/z"));
        assert_eq!(val(&d, "b", "d").as_deref(), Some("/i/d"));
        assert_eq!(val(&d, "DEFAULT", "d").as_deref(), Some("%(here)s/d"));
        assert_eq!(
            d.section("a").unwrap().keys().collect::<Vec<_>>(),
            ["x", "y", "d", "w"]
        );
    }
}
