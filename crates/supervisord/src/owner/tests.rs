//! The owner API on configs whose programs never start (`autostart=false`, no log files): name
//! resolution, errors, group order, the reread diff, add/remove and `update`, without spawning
//! anything. A small loop stands in for [`run`](super::run): it runs each job, then the
//! watchers, as the real loop does after every input.

use std::path::Path;
use std::sync::{Arc, Mutex};

use supervisor_config::host::FakeHost;
use supervisor_config::load::{load, LoadContext};
use supervisor_config::model::Config;
use supervisor_config::runtime_program::processes_from_options;
use supervisor_core::ProcessState;

use super::{new, ApiError, Applied, GroupChange, Owner, ProgramOptions, SignalArg, Supervisor};
use crate::events::Journal;
use crate::spawn::DaemonContext;

fn load_ctx() -> LoadContext {
    LoadContext {
        environment: Default::default(),
        host_node_name: "test".into(),
        cwd: "/".into(),
        tmpdir: "/tmp".into(),
        euid: 1000,
    }
}

fn config(programs: &str) -> Config {
    let text = format!("[supervisord]\n{programs}");
    let host = FakeHost::new()
        .dir("/tmp")
        .file("/etc/supervisord.conf", text);
    load(Path::new("/etc/supervisord.conf"), &load_ctx(), &host)
        .expect("valid config")
        .config
}

/// A program that never starts and logs nowhere.
fn program(name: &str, priority: i64, command: &str) -> String {
    format!(
        "[program:{name}]\ncommand={command}\nautostart=false\npriority={priority}\n\
         stdout_logfile=NONE\nstderr_logfile=NONE\n"
    )
}

/// An owner on `running`, whose rereads load whatever `on_disk` holds at the time.
fn owner(running: Config, on_disk: Arc<Mutex<Config>>) -> (Owner, tokio::task::JoinHandle<()>) {
    let ctx = DaemonContext::new(Vec::new(), 1000, "/".into());
    let reloader: super::Reloader =
        std::sync::Arc::new(move || Ok(on_disk.lock().unwrap().clone()));
    let program_reader = Box::new(
        |config: &Config, group: &str, program: &str, options: &[(String, String)]| {
            let host = FakeHost::new().dir("/tmp");
            processes_from_options(config, &load_ctx(), &host, group, program, options)
                .map_err(|d| d.python_message())
        },
    );
    let (mut sup, owner, mut inputs) =
        new(running, ctx, reloader, program_reader, Journal::new(100));
    sup.add_all_groups();
    let task = tokio::spawn(async move {
        let sup: &mut Supervisor = &mut sup;
        while let Some(job) = inputs.jobs.recv().await {
            job(sup);
            sup.run_watchers();
        }
    });
    (owner, task)
}

#[tokio::test]
async fn names_resolve_like_supervisor_and_errors_carry_them() {
    let cfg = config(&(program("a", 1, "/bin/true") + &program("b", 2, "/bin/true")));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    let state = owner.process("a", |v| v.state()).await.unwrap();
    assert_eq!(state, ProcessState::Stopped);
    assert_eq!(
        owner
            .process("a:a", |v| v.name().to_string())
            .await
            .unwrap(),
        "a"
    );
    for bad in ["zz", "a:zz", "a:*", "a:"] {
        assert_eq!(
            owner.process(bad, |_| ()).await.unwrap_err(),
            ApiError::BadName(bad.into()),
            "{bad}"
        );
    }
    // A whole group named by `g:*` keeps the namespec in its error.
    assert_eq!(
        owner.stop_process("zz:*", true).await.unwrap_err(),
        ApiError::BadName("zz:*".into())
    );
    assert_eq!(
        owner.stop_group("zz", true).await.unwrap_err(),
        ApiError::BadName("zz".into())
    );
    assert_eq!(
        owner.stop_process("a", true).await.unwrap_err(),
        ApiError::NotRunning("a".into())
    );
    // Stopping a group of stopped processes reports nothing (they are skipped).
    assert_eq!(
        owner.stop_process("a:*", true).await.unwrap(),
        Applied::Each(vec![])
    );
    assert_eq!(
        owner
            .signal_process("a", SignalArg::Invalid("BOGUS".into()))
            .await
            .unwrap_err(),
        ApiError::BadSignal("BOGUS".into())
    );
    assert_eq!(
        owner.send_stdin("a", b"x".to_vec()).await.unwrap_err(),
        ApiError::NotRunning("a".into())
    );
}

#[tokio::test]
async fn a_command_that_cannot_run_is_refused_before_the_state_is_looked_at() {
    let cfg = config(&(program("gone", 1, "/nonexistent/binary") + &program("dir", 1, "/tmp")));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    assert!(matches!(
        owner.start_process("gone", true).await,
        Err(ApiError::NoFile(Some(_)))
    ));
    assert!(matches!(
        owner.start_process("dir", true).await,
        Err(ApiError::NotExecutable(_))
    ));
    let all = owner.start_all(false).await.unwrap();
    let mut names: Vec<_> = all.iter().map(|r| r.member.namespec.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["dir", "gone"]);
    assert!(all.iter().all(|r| r.result.is_err()));
}

#[tokio::test]
async fn reread_and_update_touch_only_what_changed() {
    let before = config(
        &(program("keep", 1, "/bin/true")
            + &program("edit", 2, "/bin/true")
            + &program("gone", 3, "/bin/true")),
    );
    let after = config(
        &(program("keep", 1, "/bin/true")
            + &program("edit", 2, "/bin/false")
            + &program("fresh", 4, "/bin/true")),
    );
    let on_disk = Arc::new(Mutex::new(after.clone()));
    let (owner, _task) = owner(before, Arc::clone(&on_disk));

    let diff = owner.reread().await.unwrap();
    assert_eq!(diff.added, ["fresh"]);
    assert_eq!(diff.changed, ["edit"]);
    assert_eq!(diff.removed, ["gone"]);
    // After a reread, adding a group comes from the reread config.
    assert_eq!(
        owner.add_group("keep").await.unwrap_err(),
        ApiError::AlreadyAdded("keep".into())
    );

    let done = owner.update(&[]).await.unwrap();
    let summary: Vec<_> = done
        .iter()
        .map(|u| (u.group.as_str(), u.change, u.result.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("gone", GroupChange::Removed, Ok(())),
            ("edit", GroupChange::Changed, Ok(())),
            ("fresh", GroupChange::Added, Ok(())),
        ]
    );
    let groups: Vec<_> = owner
        .processes()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.namespec)
        .collect();
    assert_eq!(groups, ["edit", "fresh", "keep"]);
    let command = |name: &'static str| {
        let owner = owner.clone();
        async move {
            let entries = owner.config().await.unwrap();
            entries
                .into_iter()
                .find(|e| e.process.name == name)
                .map(|e| e.process.command.clone())
        }
    };
    assert_eq!(command("edit").await.as_deref(), Some("/bin/false"));
    // Nothing left to do: a second update changes nothing.
    assert_eq!(owner.update(&[]).await.unwrap(), []);
    // A group removed by hand can come back from the latest config read.
    owner.remove_group("keep").await.unwrap();
    owner.add_group("keep").await.unwrap();
    assert_eq!(
        owner.remove_group("nope").await.unwrap_err(),
        ApiError::BadName("nope".into())
    );
}

#[tokio::test]
async fn update_can_be_limited_to_named_groups() {
    let before = config(&program("a", 1, "/bin/true"));
    let after = config(&(program("b", 1, "/bin/true") + &program("c", 1, "/bin/true")));
    let (owner, _task) = owner(before, Arc::new(Mutex::new(after)));
    let done = owner.update(&["c".to_string()]).await.unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(
        (done[0].group.as_str(), done[0].change),
        ("c", GroupChange::Added)
    );
    let names: Vec<_> = owner
        .processes()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, ["a", "c"]);
}

#[tokio::test]
async fn nothing_but_remote_events_while_shutting_down() {
    let cfg = config(&program("a", 1, "/bin/true"));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    owner.shutdown().await.unwrap();
    assert_eq!(owner.state().await.unwrap_err(), ApiError::ShuttingDown);
    assert_eq!(
        owner.start_all(true).await.unwrap_err(),
        ApiError::ShuttingDown
    );
    assert_eq!(
        owner.peek_state().await.unwrap().mood,
        supervisor_core::SupervisorState::Shutdown
    );
    owner.remote_event("t".into(), "d".into()).await.unwrap();
}

#[tokio::test]
async fn logs_clear_for_one_process_or_a_whole_group() {
    let programs = program("a", 1, "/bin/true") + &program("b", 2, "/bin/true");
    let cfg = config(&(programs + "[group:g]\nprograms=a,b\n"));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    assert_eq!(owner.clear_process_logs("g:a").await, Ok(Applied::One));
    let Applied::Each(results) = owner.clear_process_logs("g:*").await.unwrap() else {
        panic!("a group clears each of its processes");
    };
    let names: Vec<_> = results.iter().map(|r| r.member.namespec.as_str()).collect();
    assert_eq!(names, ["g:a", "g:b"]);
    assert!(results.iter().all(|r| r.result.is_ok()));
    for bad in ["zz:*", "g:zz", "a"] {
        assert_eq!(
            owner.clear_process_logs(bad).await,
            Err(ApiError::BadName(bad.into())),
            "{bad}"
        );
    }
}

/// Options of a program that never starts and logs nowhere, for twiddler's calls.
fn quiet(command: &str) -> ProgramOptions {
    let pairs = [
        ("command", command),
        ("autostart", "false"),
        ("stdout_logfile", "NONE"),
        ("stderr_logfile", "NONE"),
    ];
    ProgramOptions::Pairs(
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    )
}

async fn namespecs(owner: &Owner) -> Vec<String> {
    let all = owner.processes().await.unwrap();
    all.into_iter().map(|p| p.namespec).collect()
}

#[tokio::test]
async fn twiddler_adds_and_removes_programs_of_a_running_group() {
    let cfg = config(&("[group:g]\nprograms=a\n".to_string() + &program("a", 1, "/bin/true")));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    owner
        .add_program_to_group("g", "p", quiet("/bin/p"))
        .await
        .unwrap();
    assert_eq!(namespecs(&owner).await, ["g:a", "g:p"]);
    // Before any reread the running group's config is the latest one: getAllConfigInfo shows it.
    let names: Vec<_> = owner.config().await.unwrap();
    assert!(names.iter().any(|e| e.process.name == "p" && e.inuse));
    // Twiddler's faults, in its order of checks.
    let cases = [
        (
            "nosuch",
            "q",
            quiet("/bin/q"),
            ApiError::BadGroup("nosuch".into()),
        ),
        ("g", "p", quiet("/bin/p"), ApiError::BadName("p".into())),
        ("g", "a", quiet("/bin/a"), ApiError::BadName("a".into())),
        (
            "g",
            "q",
            ProgramOptions::Pairs(vec![]),
            ApiError::BadProgram(Some(
                "program section program:q does not specify a command in section \
                 'program:q' (file: '/etc/supervisord.conf')"
                    .into(),
            )),
        ),
        (
            "g",
            "q",
            ProgramOptions::Invalid(None),
            ApiError::BadProgram(None),
        ),
    ];
    for (group, program, options, error) in cases {
        assert_eq!(
            owner
                .add_program_to_group(group, program, options)
                .await
                .unwrap_err(),
            error,
            "{group}:{program}"
        );
    }
    // The file does not have it: a reread finds the group changed.
    assert_eq!(owner.reread().await.unwrap().changed, ["g"]);
    owner.remove_process_from_group("g", "p").await.unwrap();
    assert_eq!(namespecs(&owner).await, ["g:a"]);
    assert_eq!(
        owner.remove_process_from_group("g", "p").await.unwrap_err(),
        ApiError::BadName("p".into())
    );
    assert_eq!(
        owner.remove_process_from_group("x", "p").await.unwrap_err(),
        ApiError::BadGroup("x".into())
    );
    // Any stopped process can go, even one from the file.
    owner.remove_process_from_group("g", "a").await.unwrap();
    assert!(namespecs(&owner).await.is_empty());
    assert_eq!(owner.group_names().await.unwrap(), ["g"]);
}

#[tokio::test]
async fn group_names_come_in_the_order_groups_were_added() {
    let cfg = config(&(program("a", 1, "/bin/true") + &program("b", 2, "/bin/true")));
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    assert_eq!(owner.group_names().await.unwrap(), ["a", "b"]);
    owner.remove_group("a").await.unwrap();
    owner.add_group("a").await.unwrap();
    assert_eq!(owner.group_names().await.unwrap(), ["b", "a"]);
}

#[tokio::test]
async fn twiddler_leaves_pools_alone() {
    let cfg = config("[eventlistener:pool]\ncommand=/bin/cat\nevents=TICK_60\nautostart=false\n");
    let (owner, _task) = owner(cfg.clone(), Arc::new(Mutex::new(cfg)));
    let err = owner
        .add_program_to_group("pool", "p", quiet("/bin/p"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, ApiError::Failed(Some(m)) if m.contains("event listener pool")),
        "{err:?}"
    );
}
