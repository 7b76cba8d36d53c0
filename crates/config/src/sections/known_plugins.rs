//! Python plugins that configs name, and what to use instead.
//!
//! A Rust daemon cannot import Python code, so a `supervisor.rpcinterface_factory`,
//! `supervisor.ctl_factory` or `result_handler` naming a Python module is refused. The refusal
//! is only useful if it says what to do: for the plugins people actually use, this table names
//! the native option or command that does the same job, or says plainly that there is none.
//! Plugins used as an event listener's `command` (superlance, supervisor-stdout's listener) are
//! ordinary programs and run as they are.

/// Which kind of spec a section names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// `supervisor.rpcinterface_factory` of `[rpcinterface:x]`.
    RpcInterface,
    /// `supervisor.ctl_factory` of `[ctlplugin:x]`.
    CtlPlugin,
    /// `result_handler` of `[eventlistener:x]`.
    ResultHandler,
}

/// One known plugin module.
struct Known {
    /// The module part of the spec (before `:`).
    module: &'static str,
    /// Where the module is used.
    slot: Slot,
    /// The PyPI package and what it does, as one phrase.
    what: &'static str,
    /// What to do instead, as one sentence.
    instead: &'static str,
}

/// Child output on supervisord's own stdout (`docker logs`), natively.
const STDOUT_INSTEAD: &str = "give each [program:x] stdout_logfile=/dev/stdout and \
     stdout_logfile_maxbytes=0, and stderr_logfile=/dev/stderr and stderr_logfile_maxbytes=0 \
     or redirect_stderr=true; then remove this [eventlistener:x]";

/// supervisor_cache has no counterpart, in the daemon or in supervisorctl.
const CACHE_INSTEAD: &str = "there is no native key/value store; keep such data outside \
     supervisord, in a file or a small service run as a [program:x], and remove this section";

const KNOWN: &[Known] = &[
    Known {
        module: "supervisor_stdlog",
        slot: Slot::ResultHandler,
        what: "supervisor-stdlog relays child output to supervisord's stdout",
        instead: STDOUT_INSTEAD,
    },
    Known {
        module: "supervisor_stdout",
        slot: Slot::ResultHandler,
        what: "supervisor-stdout relays child output to supervisord's stdout",
        instead: STDOUT_INSTEAD,
    },
    Known {
        module: "supervisor_twiddler.resulthandler",
        slot: Slot::ResultHandler,
        what: "supervisor_twiddler's handler writes a listener's STDIN: result to a process",
        instead: "have the listener call supervisor.sendProcessStdin itself, at the \
             SUPERVISOR_SERVER_URL in its environment, answer OK, and remove result_handler",
    },
    Known {
        module: "supervisor_twiddler.rpcinterface",
        slot: Slot::RpcInterface,
        what: "supervisor_twiddler's twiddler.* namespace is built in",
        instead: "use supervisor.rpcinterface_factory = \
             supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface",
    },
    Known {
        module: "supervisor_cache.rpcinterface",
        slot: Slot::RpcInterface,
        what: "supervisor_cache stores key/value data in supervisord",
        instead: CACHE_INSTEAD,
    },
    Known {
        module: "supervisor_cache.controllerplugin",
        slot: Slot::CtlPlugin,
        what: "supervisor_cache's cache_* commands store key/value data in supervisord",
        instead: CACHE_INSTEAD,
    },
    Known {
        module: "supervisorwildcards.controllerplugin",
        slot: Slot::CtlPlugin,
        what: "supervisor-wildcards adds mstart/mstop/mrestart with name patterns",
        instead: "there are no name patterns; put the processes you act on together in a \
             [group:x] and use start/stop/restart x:*, or name them all, as in restart a b c; \
             and remove this section",
    },
    Known {
        module: "supervisorserialrestart.controllerplugin",
        slot: Slot::CtlPlugin,
        what: "supervisor-serialrestart restarts processes one after the other",
        instead: "there is no serialrestart command; restart one name at a time from the \
             shell, as in: for p in a b c; do supervisorctl restart \"$p\"; done; and remove \
             this section",
    },
];

/// What to say about `spec` (`module:attr`) refused in `slot`: the known plugin's native
/// equivalent, or the general rule.
pub(crate) fn hint(slot: Slot, spec: &str) -> String {
    let module = spec.split_once(':').map_or(spec, |(m, _)| m).trim();
    if let Some(k) = KNOWN.iter().find(|k| k.slot == slot && k.module == module) {
        return format!(
            "supervisor-rs cannot load Python code; {}: {}",
            k.what, k.instead
        );
    }
    let general = match slot {
        Slot::RpcInterface => {
            "the factories provided are supervisor.rpcinterface:make_main_rpcinterface and \
             supervisor_twiddler.rpcinterface:make_twiddler_rpcinterface"
        }
        Slot::CtlPlugin => "supervisorctl has no plugins; remove this section",
        Slot::ResultHandler => {
            "the only result handler is supervisor.dispatchers:default_handler, with which the \
             listener answers RESULT 2\\nOK or RESULT 4\\nFAIL itself"
        }
    };
    format!("supervisor-rs cannot load Python code; {general}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_modules_name_their_equivalent_and_others_the_rule() {
        let h = hint(Slot::ResultHandler, "supervisor_stdlog:log_handler");
        assert!(h.contains("stdout_logfile=/dev/stdout"), "{h}");
        assert!(h.contains("stdout_logfile_maxbytes=0"), "{h}");
        // The module decides, whatever the function.
        assert_eq!(h, hint(Slot::ResultHandler, "supervisor_stdlog:other"));
        // A module is only known in the slot it is made for.
        assert!(hint(Slot::RpcInterface, "supervisor_stdlog:log_handler")
            .contains("make_main_rpcinterface"));
        assert!(hint(Slot::ResultHandler, "mymod:handler").contains("default_handler"));
        assert!(hint(Slot::CtlPlugin, "x:y").contains("no plugins"));
    }
}
