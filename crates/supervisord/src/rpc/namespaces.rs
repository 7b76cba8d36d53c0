//! The XML-RPC namespaces a config serves, and finding a method among them.
//!
//! `supervisor.*` and `system.*` are always served (their table is `system::METHODS`). Each
//! `[rpcinterface:x]` naming supervisor_twiddler's factory adds twiddler's methods under `x.`;
//! without one, `twiddler.getAPIVersion` is an unknown method, as in Python, which builds its
//! namespaces from the same sections.

use supervisor_config::model::{Config, RpcKind};

use super::system::{self, MethodDoc};
use super::twiddler::{self, Twiddler};

/// Which family of methods a name belongs to.
#[derive(Debug, Clone, Copy)]
pub enum Family<'a> {
    /// `system.*`.
    System,
    /// `supervisor.*`.
    Supervisor,
    /// A twiddler namespace.
    Twiddler(&'a Twiddler),
}

/// The namespaces one config serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespaces {
    /// Every `[rpcinterface:x]` in config order, as the startup log names them.
    names: Vec<String>,
    /// The twiddler namespaces among them.
    twiddlers: Vec<Twiddler>,
}

impl Default for Namespaces {
    /// `supervisor.*` and `system.*` only.
    fn default() -> Namespaces {
        Namespaces {
            names: vec!["supervisor".into()],
            twiddlers: Vec::new(),
        }
    }
}

impl Namespaces {
    /// The namespaces of `config`'s `[rpcinterface:x]` sections. `supervisor.*` is served
    /// under that name whatever its section is called, and even without one.
    pub fn of(config: &Config) -> Namespaces {
        let mut names = Vec::new();
        let mut twiddlers = Vec::new();
        for rpc in &config.rpcinterfaces {
            match &rpc.kind {
                RpcKind::Supervisor => names.push("supervisor".to_string()),
                RpcKind::Twiddler { whitelist } => {
                    names.push(rpc.name.clone());
                    twiddlers.push(Twiddler {
                        name: rpc.name.clone(),
                        whitelist: whitelist.clone(),
                    });
                }
            }
        }
        if !names.iter().any(|n| n == "supervisor") {
            names.insert(0, "supervisor".into());
        }
        Namespaces { names, twiddlers }
    }

    /// The interfaces the startup log announces (`RPC interface 'x' initialized`), in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The method called `name` (`namespace.method`), if it exists and is public.
    pub fn find(&self, name: &str) -> Option<(Family<'_>, &'static MethodDoc)> {
        let (namespace, method) = name.split_once('.')?;
        match namespace {
            "system" => system::find(name).map(|m| (Family::System, m)),
            "supervisor" => system::find(name).map(|m| (Family::Supervisor, m)),
            _ => {
                let tw = self.twiddlers.iter().find(|t| t.name == namespace)?;
                twiddler::find(method).map(|m| (Family::Twiddler(tw), m))
            }
        }
    }

    /// Every public method name, sorted (`system.listMethods`).
    pub fn method_names(&self) -> Vec<String> {
        let mut names: Vec<String> = system::METHODS.iter().map(|m| m.name.into()).collect();
        for tw in &self.twiddlers {
            names.extend(
                twiddler::METHODS
                    .iter()
                    .map(|m| format!("{}.{}", tw.name, m.name)),
            );
        }
        names.sort();
        names.dedup();
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_twiddler(name: &str) -> Namespaces {
        Namespaces {
            names: vec!["supervisor".into(), name.into()],
            twiddlers: vec![Twiddler {
                name: name.into(),
                whitelist: Vec::new(),
            }],
        }
    }

    #[test]
    fn twiddler_methods_exist_only_when_configured() {
        assert!(Namespaces::default()
            .find("twiddler.getAPIVersion")
            .is_none());
        let ns = with_twiddler("tw");
        assert!(matches!(
            ns.find("tw.getAPIVersion"),
            Some((Family::Twiddler(t), m)) if t.name == "tw" && m.name == "getAPIVersion"
        ));
        assert!(ns.find("twiddler.getAPIVersion").is_none());
        assert!(ns.find("tw._update").is_none());
        assert!(ns.find("tw.getAPIVersion.x").is_none());
        assert!(matches!(
            ns.find("supervisor.getState"),
            Some((Family::Supervisor, _))
        ));
    }

    #[test]
    fn listed_methods_are_sorted_across_namespaces() {
        let names = with_twiddler("a").method_names();
        assert_eq!(names[0], "a.addProgramToGroup");
        assert!(names.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(names.len(), system::METHODS.len() + twiddler::METHODS.len());
    }
}
