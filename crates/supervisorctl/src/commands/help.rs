//! `help` and every command's help text (Python's `help_*` methods, verbatim).

use crate::controller::{CmdResult, Controller};

/// The topic list `help` prints (cmd.Cmd's `print_topics`, columns for 80 characters).
const TOPICS: &str = "
default commands (type help <topic>):
=====================================
add    exit      open  reload  restart   start   tail   
avail  fg        pid   remove  shutdown  status  update 
clear  maintail  quit  reread  signal    stop    version

";

/// The help text of `topic` (without the final newline), if it has one.
pub fn help_text(topic: &str) -> Option<&'static str> {
    Some(match topic {
        "help" => "help\t\tPrint a list of available actions\nhelp <action>\tPrint help for <action>",
        "add" => "add <name> [...]\tActivates any updates in config for process/group",
        "avail" => "avail\t\t\tDisplay all configured processes",
        "clear" => {
            "clear <name>\t\tClear a process' log files.\nclear <name> <name>\tClear multiple process' log files\nclear all\t\tClear all process' log files"
        }
        "exit" => "exit\tExit the supervisor shell.",
        "fg" => "fg <process>\tConnect to a process in foreground mode\n\t\tCtrl-C to exit",
        "maintail" => {
            "maintail -f \tContinuous tail of supervisor main log file (Ctrl-C to exit)\nmaintail -100\tlast 100 *bytes* of supervisord main log file\nmaintail\tlast 1600 *bytes* of supervisor main log file\n"
        }
        "open" => {
            "open <url>\tConnect to a remote supervisord process.\n\t\t(for UNIX domain socket, use unix:///socket/path)"
        }
        "pid" => {
            "pid\t\t\tGet the PID of supervisord.\npid <name>\t\tGet the PID of a single child process by name.\npid all\t\t\tGet the PID of every child process, one per line."
        }
        "quit" => "quit\tExit the supervisor shell.",
        "reload" => "reload \t\tRestart the remote supervisord.",
        "remove" => "remove <name> [...]\tRemoves process/group from active config",
        "reread" => "reread \t\t\tReload the daemon's configuration files without add/remove",
        "restart" => {
            "restart <name>\t\tRestart a process\nrestart <gname>:*\tRestart all processes in a group\nrestart <name> <name>\tRestart multiple processes or groups\nrestart all\t\tRestart all processes\nNote: restart does not reread config files. For that, see reread and update."
        }
        "shutdown" => "shutdown \tShut the remote supervisord down.",
        "signal" => {
            "signal <signal name> <name>\t\tSignal a process\nsignal <signal name> <gname>:*\t\tSignal all processes in a group\nsignal <signal name> <name> <name>\tSignal multiple processes or groups\nsignal <signal name> all\t\tSignal all processes"
        }
        "start" => {
            "start <name>\t\tStart a process\nstart <gname>:*\t\tStart all processes in a group\nstart <name> <name>\tStart multiple processes or groups\nstart all\t\tStart all processes"
        }
        "status" => {
            "status <name>\t\tGet status for a single process\nstatus <gname>:*\tGet status for all processes in a group\nstatus <name> <name>\tGet status for multiple named processes\nstatus\t\t\tGet all process status info"
        }
        "stop" => {
            "stop <name>\t\tStop a process\nstop <gname>:*\t\tStop all processes in a group\nstop <name> <name>\tStop multiple processes or groups\nstop all\t\tStop all processes"
        }
        "tail" => {
            "tail [-f] <name> [stdout|stderr] (default stdout)\nEx:\ntail -f <name>\t\tContinuous tail of named process stdout\n\t\t\tCtrl-C to exit.\ntail -100 <name>\tlast 100 *bytes* of process stdout\ntail <name> stderr\tlast 1600 *bytes* of process stderr"
        }
        // Ours (supervisor-rs); the topic list above stays Python's.
        "top" => {
            "top\t\t\tCPU and memory of every process tree, refreshed until Ctrl-C\ntop <name> <gname>:*\tThe same for some processes or groups\n(needs supervisor-rs's supervisord; one table when not on a terminal)"
        }
        "update" => {
            "update\t\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate all\t\tReload config and add/remove as necessary, and will restart affected programs\nupdate <gname> [...]\tUpdate specific groups"
        }
        "version" => "version\t\t\tShow the version of the remote supervisord process",
        _ => return None,
    })
}

impl Controller {
    fn print_help(&mut self, topic: &str) {
        if let Some(text) = help_text(topic) {
            self.output(text);
        }
    }

    /// `help [topic]`.
    pub(crate) fn do_help(&mut self, arg: &str) -> CmdResult {
        if arg.is_empty() {
            self.out.raw(TOPICS.as_bytes());
        } else if help_text(arg).is_some() {
            self.print_help(arg);
        } else {
            self.output(&format!("*** No help on {arg}"));
        }
        Ok(false)
    }

    pub(crate) fn help_start(&mut self) {
        self.print_help("start");
    }
    pub(crate) fn help_stop(&mut self) {
        self.print_help("stop");
    }
    pub(crate) fn help_restart(&mut self) {
        self.print_help("restart");
    }
    pub(crate) fn help_signal(&mut self) {
        self.print_help("signal");
    }
    pub(crate) fn help_clear(&mut self) {
        self.print_help("clear");
    }
    pub(crate) fn help_tail(&mut self) {
        self.print_help("tail");
    }
    pub(crate) fn help_maintail(&mut self) {
        self.print_help("maintail");
    }
    pub(crate) fn help_fg(&mut self) {
        self.print_help("fg");
    }
    pub(crate) fn help_avail(&mut self) {
        self.print_help("avail");
    }
    pub(crate) fn help_reread(&mut self) {
        self.print_help("reread");
    }
    pub(crate) fn help_shutdown(&mut self) {
        self.print_help("shutdown");
    }
    pub(crate) fn help_reload(&mut self) {
        self.print_help("reload");
    }
    pub(crate) fn help_version(&mut self) {
        self.print_help("version");
    }
}
