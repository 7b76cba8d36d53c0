//! The interactive shell: Python's `cmd.Cmd.cmdloop` with GNU readline's editing, history file
//! and Tab completion of commands and of process and group names.
//!
//! On a terminal (stdin and stdout both TTYs, as Python's `input()` requires to use readline)
//! lines come from rustyline; otherwise the prompt is written to stdout and lines are read from
//! stdin, byte for byte what Python does with piped input.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use rustyline::completion::Completer;
use rustyline::config::{CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::MemHistory;
use rustyline::validate::Validator;
use rustyline::{Context, Editor, Helper};

use crate::controller::{Controller, COMMANDS};
use crate::input::ReadError;
use crate::options::ClientOptions;
use crate::rpc::{Client, ProcessInfo};
use crate::signals;

/// Characters that end a word for completion: GNU readline's defaults minus `:`, `*` and `-`,
/// which supervisorctl removes so `group:*` and `my-prog` complete as one word.
const DELIMS: &str = " \t\n\"\\'`@$><=;|&{(";

/// Completion state: its own connection and the process list cached until the next command.
pub struct Completion {
    client: RefCell<Client>,
    infos: RefCell<Option<Vec<ProcessInfo>>>,
}

impl Completion {
    fn new(options: &ClientOptions) -> Completion {
        Completion {
            client: RefCell::new(Client::new(
                &options.serverurl,
                options.username.as_deref(),
                options.password.as_deref(),
            )),
            infos: RefCell::new(None),
        }
    }

    fn infos(&self) -> Vec<ProcessInfo> {
        let mut cache = self.infos.borrow_mut();
        if cache.is_none() {
            *cache = Some(
                self.client
                    .borrow_mut()
                    .get_all_process_info()
                    .unwrap_or_default(),
            );
        }
        cache.clone().unwrap_or_default()
    }
}

/// Python's `Controller.complete`: candidates (each with a trailing space) for `text`, the word
/// being completed, given the whole line.
pub fn candidates(
    line: &str,
    text: &str,
    infos: &mut dyn FnMut() -> Vec<ProcessInfo>,
) -> Vec<String> {
    let actions = || {
        let mut v: Vec<String> = Vec::new();
        for a in std::iter::once("help").chain(COMMANDS.iter().copied()) {
            let c = format!("{a} ");
            if a.starts_with(text) && !v.contains(&c) {
                v.push(c);
            }
        }
        v
    };
    if line.trim().is_empty() {
        return actions();
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let action = words[0];
    if words.len() == 1 && !line.ends_with(' ') {
        return actions();
    }
    // Python tests `action in ('help')`, a substring test on the string "help".
    if "help".contains(action) {
        return actions();
    }
    if ["add", "remove", "update"].contains(&action) {
        let mut groups: Vec<String> = Vec::new();
        for i in infos() {
            if !groups.contains(&i.group) {
                groups.push(i.group);
            }
        }
        return groups
            .into_iter()
            .filter(|g| g.starts_with(text))
            .map(|g| format!("{g} "))
            .collect();
    }
    if [
        "clear", "fg", "pid", "restart", "signal", "start", "status", "stop", "tail",
    ]
    .contains(&action)
    {
        let mut procs: Vec<String> = Vec::new();
        for i in infos() {
            if text.contains(':') || i.name != i.group {
                procs.push(format!("{}:{}", i.group, i.name));
                let all = format!("{}:*", i.group);
                if !procs.contains(&all) {
                    procs.push(all);
                }
            } else {
                procs.push(i.name);
            }
        }
        return procs
            .into_iter()
            .filter(|p| p.starts_with(text))
            .map(|p| format!("{p} "))
            .collect();
    }
    Vec::new()
}

impl Completer for Completion {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let start = line[..pos]
            .char_indices()
            .rev()
            .find(|(_, c)| DELIMS.contains(*c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let text = &line[start..pos];
        Ok((start, candidates(line, text, &mut || self.infos())))
    }
}

impl Hinter for Completion {
    type Hint = String;
}
impl Highlighter for Completion {}
impl Validator for Completion {}
impl Helper for Completion {}

/// rustyline plus our history list (written as plain lines, GNU readline's file format).
pub struct LineEditor {
    editor: Editor<Completion, MemHistory>,
    history: Vec<String>,
}

impl LineEditor {
    fn new(options: &ClientOptions) -> Option<LineEditor> {
        let config = Config::builder()
            .completion_type(CompletionType::List)
            .auto_add_history(false)
            .history_ignore_dups(false)
            .ok()?
            .max_history_size(100_000)
            .ok()?
            .build();
        let mut editor =
            Editor::with_history(config.clone(), MemHistory::with_config(&config)).ok()?;
        editor.set_helper(Some(Completion::new(options)));
        Some(LineEditor {
            editor,
            history: Vec::new(),
        })
    }

    /// Reads a line with `prompt`, adding non-empty lines to the history (as Python's `input()`
    /// does with readline).
    pub fn read_line(&mut self, prompt: &str) -> Result<String, ReadError> {
        match self.editor.readline(prompt) {
            Ok(line) => {
                if !line.is_empty() {
                    let _ = self.editor.add_history_entry(line.as_str());
                    self.history.push(line.clone());
                }
                Ok(line)
            }
            Err(ReadlineError::Interrupted) => Err(ReadError::Interrupted),
            Err(_) => Err(ReadError::Eof),
        }
    }

    /// Forgets cached completion data and follows the current server URL and credentials.
    fn refresh(&mut self, options: &ClientOptions) {
        self.editor.set_helper(Some(Completion::new(options)));
    }

    fn load_history(&mut self, path: &Path) {
        let Ok(text) = std::fs::read(path) else {
            return;
        };
        for line in String::from_utf8_lossy(&text).lines() {
            let _ = self.editor.add_history_entry(line);
            self.history.push(line.to_string());
        }
    }

    fn save_history(&self, path: &Path) {
        let mut text = String::new();
        for line in &self.history {
            text.push_str(line);
            text.push('\n');
        }
        let _ = std::fs::write(path, text);
    }
}

/// Runs the shell until `quit`, `exit`, EOF or Ctrl-C (Python's `exec_cmdloop`).
pub fn run(ctl: &mut Controller) {
    let tty = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    if tty {
        ctl.editor = LineEditor::new(&ctl.options);
    }
    let history: Option<PathBuf> = ctl.options.history_file.clone();
    if let (Some(editor), Some(path)) = (&mut ctl.editor, &history) {
        editor.load_history(path);
    }
    // Ctrl-C during a command ends the shell, as KeyboardInterrupt does in Python.
    signals::catch_interrupts();
    let mut first = true;
    loop {
        let line = if first {
            first = false;
            "status".to_string()
        } else {
            let prompt = format!("{}> ", ctl.options.prompt);
            match ctl.raw_input(&prompt) {
                Ok(line) => line,
                Err(ReadError::Eof) => "EOF".to_string(),
                Err(ReadError::Interrupted) => {
                    ctl.output("");
                    break;
                }
            }
        };
        match ctl.onecmd(&line) {
            Ok(true) => break,
            Ok(false) => {}
            Err(_) => {
                ctl.output("");
                break;
            }
        }
        if signals::interrupted() {
            ctl.output("");
            break;
        }
        let options = ctl.options.clone();
        if let Some(editor) = &mut ctl.editor {
            editor.refresh(&options);
        }
    }
    ctl.out.flush();
    if let (Some(editor), Some(path)) = (&ctl.editor, &history) {
        editor.save_history(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(group: &str, name: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            group: group.into(),
            state: 20,
            statename: "RUNNING".into(),
            description: String::new(),
            pid: 1,
        }
    }

    fn complete(line: &str, text: &str) -> Vec<String> {
        let mut infos = || vec![info("solo", "solo"), info("g", "a"), info("g", "b")];
        candidates(line, text, &mut infos)
    }

    #[test]
    fn completes_actions() {
        assert_eq!(complete("", ""), {
            let mut v = vec!["help ".to_string()];
            v.extend(
                COMMANDS
                    .iter()
                    .filter(|c| **c != "help")
                    .map(|c| format!("{c} ")),
            );
            v
        });
        assert_eq!(complete("st", "st"), vec!["start ", "status ", "stop "]);
        assert_eq!(
            complete("help st", "st"),
            vec!["start ", "status ", "stop "]
        );
    }

    #[test]
    fn completes_processes_and_groups() {
        assert_eq!(
            complete("status ", ""),
            vec!["solo ", "g:a ", "g:* ", "g:b "]
        );
        assert_eq!(complete("stop g", "g"), vec!["g:a ", "g:* ", "g:b "]);
        assert_eq!(complete("stop so", "so"), vec!["solo "]);
        assert_eq!(
            complete("stop solo:", "solo:"),
            vec!["solo:solo ", "solo:* "]
        );
        assert_eq!(complete("update ", ""), vec!["solo ", "g "]);
        assert!(complete("version ", "").is_empty());
    }
}
