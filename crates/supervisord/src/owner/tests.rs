//! The owner API on configs whose programs never start (`autostart=false`, no log files): name
//! resolution, errors, group order, the reread diff, add/remove and `update`, without spawning
//! anything. A small loop stands in for [`run`](super::run): it runs each job, then the
//! watchers, as the real loop does after every input.

use std::path::Path;
use std::sync::{Arc, Mutex};

use supervisor_config::host::FakeHost;
use supervisor_config::load::{load, LoadContext};
use supervisor_config::model::Config;
use supervisor_core::ProcessState;

use super::{new, ApiError, Applied, GroupChange, Owner, SignalArg, Supervisor};
use crate::events::Journal;
use crate::spawn::DaemonContext;

fn config(programs: &str) -> Config {
    let text = format!("[supervisord]\n{programs}");
    let host = FakeHost::new()
        .dir("/tmp")
        .file("/etc/supervisord.conf", text);
    let ctx = LoadContext {
        environment: Default::default(),
        host_node_name: "test".into(),
        cwd: "/".into(),
        tmpdir: "/tmp".into(),
        euid: 1000,
    };
    load(Path::new("/etc/supervisord.conf"), &ctx, &host)
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
    let reloader = Box::new(move || Ok(on_disk.lock().unwrap().clone()));
    let (mut sup, owner, mut inputs) = new(running, ctx, reloader, Journal::new(100));
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
