//! The config writer: every daemon's `supervisord.conf` is [`Config::text`] of the directory
//! it runs in. Each area starts from [`Config::default`] (what the daemon tests use) and
//! changes what it needs: an inet server, `loglevel`, an `identifier`, a `[supervisorctl]`
//! section, no `[rpcinterface:supervisor]`.

use std::path::Path;

/// An `[inet_http_server]` section.
#[derive(Debug, Clone)]
pub struct Inet {
    /// The port on 127.0.0.1.
    pub port: u16,
    /// Basic-auth user.
    pub user: String,
    /// Basic-auth password.
    pub password: String,
    /// More lines for the section.
    pub extra: String,
}

/// What goes into a test daemon's config.
#[derive(Debug, Clone)]
pub struct Config {
    /// An `[unix_http_server]` on `DIR/s.sock`.
    pub unix: bool,
    /// An `[inet_http_server]`.
    pub inet: Option<Inet>,
    /// `childlogdir`, relative to the directory (`""`: the directory itself).
    pub childlogdir: &'static str,
    /// `[supervisord] loglevel` (`None`: the default).
    pub loglevel: Option<String>,
    /// `[supervisord] identifier` (`None`: the default).
    pub identifier: Option<String>,
    /// More `[supervisord]` lines.
    pub supervisord: String,
    /// The `[rpcinterface:supervisor]` section.
    pub rpcinterface: bool,
    /// A `[supervisorctl]` section pointing at the UNIX socket.
    pub supervisorctl: bool,
    /// Program (and other) sections, appended; `{dir}` stands for the directory.
    pub programs: String,
}

impl Default for Config {
    /// The daemon tests' config: UNIX socket, `childlogdir=DIR/logs`, `loglevel=debug`, the
    /// RPC interface.
    fn default() -> Config {
        Config {
            unix: true,
            inet: None,
            childlogdir: "logs",
            loglevel: Some("debug".into()),
            identifier: None,
            supervisord: String::new(),
            rpcinterface: true,
            supervisorctl: false,
            programs: String::new(),
        }
    }
}

impl Config {
    /// The config file's text for a daemon in `dir`.
    pub fn text(&self, dir: &Path) -> String {
        let d = dir.display();
        let mut t = String::new();
        if self.unix {
            t += &format!("[unix_http_server]\nfile={d}/s.sock\n\n");
        }
        if let Some(i) = &self.inet {
            t += &format!(
                "[inet_http_server]\nport=127.0.0.1:{}\nusername={}\npassword={}\n{}\n",
                i.port, i.user, i.password, i.extra
            );
        }
        let childlogdir = match self.childlogdir {
            "" => dir.to_path_buf(),
            sub => dir.join(sub),
        };
        t += &format!(
            "[supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
             childlogdir={}\n",
            childlogdir.display()
        );
        if let Some(level) = &self.loglevel {
            t += &format!("loglevel={level}\n");
        }
        if let Some(id) = &self.identifier {
            t += &format!("identifier={id}\n");
        }
        t += &self.supervisord;
        t += "\n";
        if self.rpcinterface {
            t += "[rpcinterface:supervisor]\n\
                  supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n";
        }
        if self.supervisorctl {
            t += &format!("[supervisorctl]\nserverurl=unix://{d}/s.sock\n\n");
        }
        t + &self.programs.replace("{dir}", &d.to_string())
    }
}
