//! `shutdown`, `reload`, `open` and `version`.

use crate::controller::{exit, CmdResult, Controller};
use crate::rpc::faults;

impl Controller {
    /// Asks `question` in interactive mode; proceeds only on an answer starting with `y`/`Y`.
    fn confirm(&mut self, question: &str) -> Result<bool, crate::controller::Exc> {
        if !self.options.interactive {
            return Ok(true);
        }
        let answer = self.raw_input(question)?;
        Ok(answer.to_lowercase().starts_with('y'))
    }

    /// `shutdown`.
    pub(crate) fn do_shutdown(&mut self, arg: &str) -> CmdResult {
        if !arg.is_empty() {
            self.output("Error: shutdown accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help_shutdown();
            return Ok(false);
        }
        if !self.confirm("Really shut the remote supervisord process down y/N? ")? {
            return Ok(false);
        }
        match self.client().shutdown() {
            Ok(()) => self.output("Shut down"),
            Err(e) => {
                if e.fault_code() == Some(faults::SHUTDOWN_STATE) {
                    self.output("ERROR: already shutting down");
                    return Ok(false);
                }
                if e.fault_code().is_some() {
                    self.exitstatus = exit::GENERIC;
                    return Err(e.into());
                }
                let url = self.options.serverurl.clone();
                match e.connect_errno() {
                    Some(nix::libc::ECONNREFUSED) => {
                        self.exitstatus = exit::GENERIC;
                        self.output(&format!(
                            "ERROR: {url} refused connection (already shut down?)"
                        ));
                    }
                    Some(nix::libc::ENOENT) => {
                        self.exitstatus = exit::GENERIC;
                        self.output(&format!("ERROR: {url} no such file (already shut down?)"));
                    }
                    _ => return Err(e.into()),
                }
            }
        }
        Ok(false)
    }

    /// `reload`.
    pub(crate) fn do_reload(&mut self, arg: &str) -> CmdResult {
        if !arg.is_empty() {
            self.output("Error: reload accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help_reload();
            return Ok(false);
        }
        if !self.confirm("Really restart the remote supervisord process y/N? ")? {
            return Ok(false);
        }
        match self.client().restart() {
            Ok(()) => self.output("Restarted supervisord"),
            Err(e) => {
                if e.fault_code().is_some() {
                    self.exitstatus = exit::GENERIC;
                }
                if e.fault_code() == Some(faults::SHUTDOWN_STATE) {
                    self.output("ERROR: already shutting down");
                } else if let crate::rpc::RpcError::Fault {
                    code: faults::CANT_REREAD,
                    string,
                } = &e
                {
                    // Our daemon refuses to reload a broken config (Python's dies of it): say so
                    // the way `reread` does, one problem per line, not as a raw fault.
                    let msg = format!("ERROR: {string}");
                    self.output(&msg);
                } else {
                    return Err(e.into());
                }
            }
        }
        Ok(false)
    }

    /// `open URL`: switch servers and show their status.
    pub(crate) fn do_open(&mut self, arg: &str) -> CmdResult {
        let url = supervisor_core::pystr::py_strip(arg).to_string();
        let scheme = url
            .split_once(':')
            .map(|(s, _)| s.to_lowercase())
            .unwrap_or_default();
        if scheme != "unix" && scheme != "http" {
            self.output("ERROR: url must be http:// or unix://");
            self.exitstatus = exit::GENERIC;
            return Ok(false);
        }
        self.options.serverurl = url;
        self.reset_client();
        let old = self.exitstatus;
        let r = self.do_status("");
        self.exitstatus = old;
        r
    }

    /// `version`.
    pub(crate) fn do_version(&mut self, arg: &str) -> CmdResult {
        if !arg.is_empty() {
            self.output("Error: version accepts no arguments");
            self.exitstatus = exit::GENERIC;
            self.help_version();
            return Ok(false);
        }
        if !self.upcheck()? {
            return Ok(false);
        }
        let v = self.client().get_supervisor_version()?;
        self.output(&v);
        Ok(false)
    }
}
