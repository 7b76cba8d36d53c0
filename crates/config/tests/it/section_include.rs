//! `[include]` (spec §1.5.10): globbing relative to the main file, sorted reading, the messages
//! Python logs, `%(here)s` per file, errors in included files.

use std::path::Path;

use crate::support::*;
use supervisor_config::host::RealHost;
use supervisor_config::{load, resolved};

const MAIN: &str = "[supervisord]\n[include]\nfiles = conf.d/*.conf other/%(host_node_name)s.ini\n";

#[test]
fn globs_are_sorted_relative_and_reported() {
    let host = host()
        .file(
            "/etc/sv/conf.d/b.conf",
            "[program:b]\ncommand=/bin/b %(here)s\n",
        )
        .file("/etc/sv/conf.d/a.conf", "[program:a]\ncommand=/bin/a\n")
        .file(
            "/etc/sv/conf.d/.hidden.conf",
            "[program:hidden]\ncommand=/bin/h\n",
        )
        .file(
            "/etc/sv/other/node1.ini",
            "[program:n]\ncommand=/bin/n %(here)s\n",
        )
        .dir("/etc/sv/other/sub");
    let loaded = load_on(host, MAIN).expect("loads");
    assert_eq!(
        loaded.infos,
        vec![
            "Included extra file \"/etc/sv/conf.d/a.conf\" during parsing",
            "Included extra file \"/etc/sv/conf.d/b.conf\" during parsing",
            "Included extra file \"/etc/sv/other/node1.ini\" during parsing",
        ]
    );
    let commands: Vec<String> = loaded
        .config
        .groups
        .iter()
        .map(|g| g.processes[0].command.clone())
        .collect();
    assert_eq!(
        commands,
        ["/bin/a", "/bin/b /etc/sv/conf.d", "/bin/n /etc/sv/other"]
    );
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn unmatched_pattern_is_a_warning() {
    let loaded = ok("[supervisord]\n[include]\nfiles=nothing/*.conf /abs/x.conf\n");
    assert_eq!(
        messages(&loaded.warnings),
        vec![
            "No file matches via include \"/etc/sv/nothing/*.conf\"",
            "No file matches via include \"/abs/x.conf\"",
        ]
    );
    assert_eq!(loaded.warnings[0].line, Some(3));
}

#[test]
fn here_in_the_main_file_is_replaced_as_text() {
    // Quirk Q28 (copied): with [include], `%(here)s` is replaced textually, so even `%%(here)s`
    // loses its meaning.
    let conf = "[supervisord]\nidentifier=%%(here)s\n[include]\nfiles=\n";
    let errs = errors(conf);
    assert!(
        errs[0].message.contains("is badly formatted"),
        "{}",
        errs[0].message
    );
    let loaded = ok("[supervisord]\nidentifier=%(here)s\n[include]\nfiles=\n");
    assert_eq!(loaded.config.supervisord.identifier, "/etc/sv");
}

#[test]
fn included_files_override_and_extend_sections() {
    let host = host().file(
        "/etc/sv/conf.d/over.conf",
        "[program:a]\nautostart=false\n[program:c]\ncommand=/bin/c\n",
    );
    let conf = "[supervisord]\n[program:a]\ncommand=/bin/a\n[include]\nfiles=conf.d/*.conf\n";
    let loaded = load_on(host, conf).unwrap();
    let groups = &loaded.config.groups;
    assert_eq!(groups.len(), 2);
    assert!(!groups[0].processes[0].autostart);
}

#[test]
fn include_without_files() {
    let errs = errors("[supervisord]\n[include]\n");
    assert_eq!(
        messages(&errs),
        vec![".ini file has [include] section, but no files setting"]
    );
    assert_eq!(errs[0].line, Some(2));
}

#[test]
fn include_files_expansion_error() {
    let errs = errors("[supervisord]\n[include]\nfiles=%(program_name)s.conf\n");
    assert_eq!(
        messages(&errs),
        vec![
            "Format string '%(program_name)s.conf' for 'include.files' contains names \
             ('program_name') which cannot be expanded. Available names: ENV_FOO, ENV_HOME, \
             here, host_node_name"
        ]
    );
}

#[test]
fn parse_errors_in_included_files_name_them() {
    let host = host()
        .file("/etc/sv/conf.d/1.conf", "[program:x]\ngarbage line\n")
        .file(
            "/etc/sv/conf.d/2.conf",
            "[program:y]\ncommand=/bin/y\n\nmore garbage\n",
        );
    let errs = errors_on(host, "[supervisord]\n[include]\nfiles=conf.d/*.conf\n");
    assert_eq!(
        messages(&errs),
        vec![
            "Source contains parsing errors: '/etc/sv/conf.d/1.conf'\n\t[line  2]: 'garbage line\\n'",
            "Source contains parsing errors: '/etc/sv/conf.d/2.conf'\n\t[line  4]: 'more garbage\\n'",
        ]
    );
    assert_eq!(
        errs[0].file.as_deref(),
        Some(Path::new("/etc/sv/conf.d/1.conf"))
    );
    assert_eq!(errs[1].line, Some(4));
}

#[test]
fn errors_in_included_sections_name_the_included_file() {
    let host = host().file(
        "/etc/sv/conf.d/x.conf",
        "[program:x]\ncommand=/bin/x\nstartsecs=soon\n",
    );
    let errs = errors_on(host, "[supervisord]\n[include]\nfiles=conf.d/*.conf\n");
    assert_eq!(
        errs[0].python_message(),
        "invalid literal for int() with base 10: 'soon' in section 'program:x' (file: \
         '/etc/sv/conf.d/x.conf')"
    );
    assert_eq!(
        (errs[0].file.as_deref(), errs[0].line),
        (Some(Path::new("/etc/sv/conf.d/x.conf")), Some(3))
    );
}

#[test]
fn nested_include_sections_are_ignored_with_a_warning() {
    let host = host()
        .file(
            "/etc/sv/conf.d/a.conf",
            "[include]\nfiles=../deeper/*.conf\n",
        )
        .file("/etc/sv/deeper/d.conf", "[program:d]\ncommand=/bin/d\n");
    let loaded = load_on(host, "[supervisord]\n[include]\nfiles=conf.d/*.conf\n").unwrap();
    assert!(loaded.config.groups.is_empty());
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].message.contains("includes do not nest"));
}

#[test]
fn real_files_in_a_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("conf.d")).unwrap();
    std::fs::write(
        root.join("supervisord.conf"),
        "[supervisord]\nlogfile=%(here)s/sv.log\n[include]\nfiles=conf.d/*.conf\n",
    )
    .unwrap();
    std::fs::write(
        root.join("conf.d/web.conf"),
        "[program:web]\ncommand=/bin/web --root=%(here)s\n",
    )
    .unwrap();
    let mut context = ctx();
    context.tmpdir = std::env::temp_dir();
    let loaded = load(&root.join("supervisord.conf"), &context, &RealHost).unwrap();
    let v = resolved::to_json(&loaded.config);
    let root = root.to_string_lossy();
    assert_eq!(v["supervisord"]["logfile"], format!("{root}/sv.log"));
    assert_eq!(
        v["groups"][0]["processes"][0]["command"],
        format!("/bin/web --root={root}/conf.d")
    );
}
