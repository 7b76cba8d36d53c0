//! `[rpcinterface:x]` (spec §1.5.11): the standard factory and supervisor_twiddler's are
//! accepted; anything else is an error naming the factory.

use supervisor_config::model::RpcKind;

use crate::support::*;

#[test]
fn standard_factory_is_accepted() {
    let loaded = ok("[supervisord]\n[rpcinterface:supervisor]\n\
                     supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n");
    let rpc = &loaded.config.rpcinterfaces;
    assert_eq!(rpc.len(), 1);
    assert_eq!(rpc[0].name, "supervisor");
    assert_eq!(
        rpc[0].factory,
        "supervisor.rpcinterface:make_main_rpcinterface"
    );
    assert!(rpc[0].extras.is_empty());
}

#[test]
fn no_section_means_no_interfaces() {
    assert!(ok("[supervisord]\n").config.rpcinterfaces.is_empty());
}

#[test]
fn extra_keys_are_kept_expanded() {
    let loaded = ok("[supervisord]\n[rpcinterface:supervisor]\n\
                     supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
                     retries = %(ENV_FOO)s\n");
    assert_eq!(
        loaded.config.rpcinterfaces[0].extras["retries"],
        "foo-value"
    );
}

#[test]
fn other_factories_are_errors() {
    let errs = errors(
        "[supervisord]\n[rpcinterface:x]\nsupervisor.rpcinterface_factory = nosuch.module:f\n",
    );
    assert_eq!(
        messages(&errs),
        vec!["nosuch.module:f cannot be resolved within [rpcinterface:x]"]
    );
    let e = &errs[0];
    assert_eq!(
        (e.line, e.option.as_deref()),
        (Some(3), Some("supervisor.rpcinterface_factory"))
    );
    assert!(e
        .hint
        .as_deref()
        .unwrap()
        .contains("make_main_rpcinterface"));
}

#[test]
fn missing_factory() {
    let errs = errors("[supervisord]\n[rpcinterface:x]\nfoo=bar\n");
    assert_eq!(
        messages(&errs),
        vec!["section [rpcinterface:x] does not specify a supervisor.rpcinterface_factory"]
    );
    assert_eq!(errs[0].line, Some(2));
}

/// supervisor_twiddler's factory asks for our native `twiddler.*` namespace (issue 21 item 5).
const TWIDDLER: &str = "supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface";

#[test]
fn twiddler_factory_is_accepted_with_its_whitelist() {
    let loaded = ok(&format!(
        "[supervisord]\n[rpcinterface:twiddler]\nsupervisor.rpcinterface_factory = {TWIDDLER}\n"
    ));
    let rpc = &loaded.config.rpcinterfaces[0];
    assert_eq!(rpc.name, "twiddler");
    assert_eq!(rpc.kind, RpcKind::Twiddler { whitelist: vec![] });
    // Python's list_of_strings: split on commas, each stripped; the section's name is the
    // namespace.
    let loaded = ok(&format!(
        "[supervisord]\n[rpcinterface:tw]\nsupervisor.rpcinterface_factory = {TWIDDLER}\n\
         whitelist = getGroupNames, log\n"
    ));
    let rpc = &loaded.config.rpcinterfaces[0];
    assert_eq!(rpc.name, "tw");
    assert_eq!(
        rpc.kind,
        RpcKind::Twiddler {
            whitelist: vec!["getGroupNames".into(), "log".into()]
        }
    );
}

#[test]
fn twiddler_takes_no_other_option() {
    let errs = errors(&format!(
        "[supervisord]\n[rpcinterface:tw]\nsupervisor.rpcinterface_factory = {TWIDDLER}\n\
         foo = 1\n"
    ));
    assert_eq!(messages(&errs), vec!["Could not make tw rpc interface"]);
    let e = &errs[0];
    assert_eq!(
        (e.line, e.section.as_deref(), e.option.as_deref()),
        (Some(4), Some("rpcinterface:tw"), Some("foo"))
    );
    assert!(e.hint.as_deref().unwrap().contains("whitelist"));
}
