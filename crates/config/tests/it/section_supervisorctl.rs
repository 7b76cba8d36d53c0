//! `[supervisorctl]` (spec §1.5.4) as supervisorctl reads it ([`load_ctl`]), and as an optional
//! part of the daemon's [`load`].

use std::path::{Path, PathBuf};

use crate::support::*;
use supervisor_config::host::FakeHost;
use supervisor_config::{load_ctl, Diagnostics};

fn ctl(text: &str) -> Result<supervisor_config::model::Supervisorctl, Diagnostics> {
    let host = host().file(CONF, text);
    load_ctl(Path::new(CONF), &ctx(), &host)
}

#[test]
fn defaults() {
    let c = ctl("[supervisorctl]\n").unwrap();
    assert_eq!(c.serverurl, "http://localhost:9001");
    assert_eq!(c.username, None);
    assert_eq!(c.password, None);
    assert_eq!(c.prompt, "supervisor");
    assert_eq!(c.history_file, None);
    assert!(c.ctlplugins.is_empty());
}

#[test]
fn valid_values() {
    let c = ctl(
        "[supervisorctl]\nserverurl=unix://%(here)s/../run//sv.sock\nusername=%(ENV_FOO)s\n\
         password=secret\nprompt=mysv\nhistory_file=~/.sc_history\n",
    )
    .unwrap();
    assert_eq!(c.serverurl, "unix:///etc/run/sv.sock");
    assert_eq!(c.username.as_deref(), Some("foo-value"));
    assert_eq!(c.password.as_deref(), Some("secret"));
    assert_eq!(c.prompt, "mysv");
    assert_eq!(c.history_file, Some(PathBuf::from("/root/.sc_history")));
    let c = ctl("[supervisorctl]\nserverurl=http://127.0.0.1:9001\nhistory_file=\n").unwrap();
    assert_eq!(c.serverurl, "http://127.0.0.1:9001");
    assert_eq!(c.history_file, None);
}

#[test]
fn default_section_values_apply() {
    let c = ctl("[DEFAULT]\nprompt=from-default\n[supervisorctl]\n").unwrap();
    assert_eq!(c.prompt, "from-default");
}

#[test]
fn include_is_not_followed() {
    let host = host()
        .file(CONF, "[include]\nfiles=conf.d/*.conf\n")
        .file("/etc/sv/conf.d/ctl.conf", "[supervisorctl]\nprompt=x\n");
    let err = load_ctl(Path::new(CONF), &ctx(), &host).unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec![".ini file does not include supervisorctl section"]
    );
}

#[test]
fn invalid_values_and_their_messages() {
    let err = ctl("[supervisorctl]\nprompt=%(here)s\n").unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec![
            "Format string '%(here)s' for 'supervisorctl.prompt' contains names ('here') which \
             cannot be expanded. Available names: ENV_FOO, ENV_HOME"
        ]
    );
    assert_eq!(err.errors[0].line, Some(2));
    let err = ctl("[supervisorctl]\nserverurl=%(nope)s\n").unwrap_err();
    assert!(err.errors[0]
        .message
        .ends_with("Available names: ENV_FOO, ENV_HOME, here"));
}

#[test]
fn missing_file_and_section() {
    let host = FakeHost::new();
    let err = load_ctl(Path::new("/nope.conf"), &ctx(), &host).unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec!["could not find config file /nope.conf"]
    );
    let err = ctl("[supervisord]\n").unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec![".ini file does not include supervisorctl section"]
    );
}

#[test]
fn ctl_plugins_cannot_be_loaded() {
    let err = ctl("[supervisorctl]\n[ctlplugin:x]\nsupervisor.ctl_factory=mod:make\n").unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec!["mod:make cannot be resolved within [ctlplugin:x]"]
    );
    assert!(err.errors[0].hint.is_some());
    let err = ctl("[supervisorctl]\n[ctlplugin:x]\nfoo=1\n").unwrap_err();
    assert_eq!(
        messages(&err.errors),
        vec!["section [ctlplugin:x] does not specify a supervisor.ctl_factory"]
    );
}

#[test]
fn the_daemon_reads_it_leniently() {
    let loaded = ok(
        "[supervisord]\n[supervisorctl]\nserverurl=unix:///tmp/s.sock\n\
                     [ctlplugin:x]\nsupervisor.ctl_factory=mod:make\n",
    );
    let c = loaded.config.supervisorctl.expect("section present");
    assert_eq!(c.serverurl, "unix:///tmp/s.sock");
    let loaded = ok("[supervisord]\n[supervisorctl]\nprompt=%(nope)s\n");
    assert!(loaded.config.supervisorctl.is_some());
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].message.contains("supervisorctl.prompt"));
    assert!(ok("[supervisord]\n").config.supervisorctl.is_none());
}
