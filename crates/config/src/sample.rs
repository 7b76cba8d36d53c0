//! The sample configuration printed by `echo_supervisord_conf`.
//!
//! It has the sections, option lines and values of Python Supervisor 4.3.0's sample (which
//! lines are commented out, and the example value on each line, are facts users and scripts rely
//! on: `tests/it/echo_conf.rs` compares them with Python's output), with explanations written for
//! supervisor-rs.

/// The text `echo_supervisord_conf` prints.
pub const SAMPLE_CONF: &str = r#"; Sample supervisord.conf, printed by supervisor-rs's echo_supervisord_conf.
;
; supervisor-rs reads the same configuration format as Supervisor 4.3, so this file works with
; either. Lines starting with ';' are comments; remove the ';' to turn an option on. Unless its
; comment says otherwise, a commented-out line shows the option's default value. Options whose
; comment starts with "supervisor-rs:" are ours; Python's supervisord ignores them.
;
; How values are read:
;  - There is no shell expansion: "$HOME" stays "$HOME". Write %(ENV_HOME)s to use an
;    environment variable. "~" is expanded only in file and directory paths.
;  - Values are taken as written; quotes mean something only in environment= and in
;    command= (which is split into words the way a POSIX shell would).
;  - A comment after a value needs whitespace before its ';' or '#': in "a=b ;note" the
;    value is "b", in "a=b;note" the value is "b;note".
;  - That rule applies inside commands too: command=sh -c 'x ; y' ends at " ;", so the
;    command becomes "sh -c 'x". Write such commands without a space before the ';'.
;  - A literal percent sign is written %%.
;
; About /tmp:
;  The paths below point into /tmp only so that this file works on any machine as it is.
;  Many systems clean /tmp from time to time, and if the socket file of [unix_http_server]
;  disappears, supervisorctl can no longer reach supervisord. Use permanent paths for real
;  deployments.

[unix_http_server]
file=/tmp/supervisor.sock   ; the socket file supervisorctl connects to
;chmod=0700                 ; permissions of the socket file (default 0700)
;chown=nobody:nogroup       ; owner of the socket file, as user:group
;username=user              ; ask clients for this user name (default: no authentication)
;password=123               ; and this password; {SHA} plus a hex SHA-1 digest also works
;legacy_web_actions=false   ; supervisor-rs: true lets the web page act on old GET links
;metrics_auth=true          ; supervisor-rs: false serves /metrics (only it) without a password

; Think twice before enabling the TCP server below. It speaks plain HTTP (no
; encryption), needs no password unless username= and password= are set, and anyone who
; can reach it can start, stop and read the output of every program. Bind it to localhost
; or to a network you fully trust, never to the internet.

;[inet_http_server]         ; the TCP server; off unless this section is enabled
;port=127.0.0.1:9001        ; host:port to listen on; *:port listens on every interface
;username=user              ; ask clients for this user name (default: no authentication)
;password=123               ; and this password
;legacy_web_actions=false   ; supervisor-rs: true lets the web page act on old GET links
;metrics_auth=true          ; supervisor-rs: false serves /metrics (only it) without a password

[supervisord]
logfile=/tmp/supervisord.log ; the daemon's own log; default supervisord.log in the cwd
logfile_maxbytes=50MB        ; rotate the log at this size, 0 never rotates; default 50MB
logfile_backups=10           ; rotated logs to keep, 0 keeps none; default 10
loglevel=info                ; critical, error, warn, info, debug, trace, blather; default info
pidfile=/tmp/supervisord.pid ; where the daemon writes its pid; default supervisord.pid
nodaemon=false               ; true keeps supervisord in the foreground; default false
silent=false                 ; true stops copying the log to stdout; default false
minfds=1024                  ; file descriptors that must be available to start; default 1024
minprocs=200                 ; processes that must be available to start; default 200
;umask=022                   ; umask of the daemon; default 022
;user=supervisord            ; account to switch to when started as root
;identifier=supervisor       ; name reported over RPC and in events; default supervisor
;directory=/tmp              ; directory to change to when daemonizing; default: stay
;nocleanup=true              ; keep old AUTO child logs at start; default false
;childlogdir=/tmp            ; directory for AUTO child logs; default: the temp directory
;environment=KEY="value"     ; variables added to the environment of every program
;strip_ansi=false            ; remove ANSI escape sequences from child logs; default false
;event_history=1000          ; supervisor-rs: events /api/v1/events keeps for clients that reconnect

; supervisorctl and the web interface control supervisord through this XML-RPC interface,
; so keep this section. supervisor-rs implements the supervisor.* interface itself and
; cannot load Python plugins; the factory below is the only one it accepts.

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

; supervisorctl reads this section to find supervisord: point serverurl at one of the
; servers configured above.

[supervisorctl]
serverurl=unix:///tmp/supervisor.sock ; unix:// followed by the socket file's path
;serverurl=http://127.0.0.1:9001 ; or http://host:port of the TCP server
;username=chris              ; the server's username, if it has one
;password=123                ; the server's password, if it has one
;prompt=mysupervisor         ; the interactive shell's prompt; default supervisor
;history_file=~/.sc_history  ; remember shell commands in this file

; A program section with every option it accepts. Write one [program:NAME] section for
; each program supervisord should run; numprocs runs several copies of one section.
; (An [fcgi-program:NAME] section takes the same options plus socket, socket_backlog,
; socket_owner and socket_mode, and hands its processes a shared listening socket.)

;[program:theprogramname]
;command=/bin/cat              ; what to run, with arguments; looked up in PATH if no '/'
;process_name=%(program_name)s ; name of each process; include %(process_num)s if numprocs > 1
;numprocs=1                    ; number of copies to run (default 1)
;directory=/tmp                ; working directory of the process (default: not changed)
;umask=022                     ; umask of the process (default: inherited)
;priority=999                  ; lower values start first and stop last (default 999)
;autostart=true                ; start when supervisord starts (default true)
;startsecs=1                   ; seconds it must stay up to count as started (default 1)
;startretries=3                ; failed starts in a row before giving up (default 3)
;autorestart=unexpected        ; restart after it exits: true, false, unexpected (default)
;exitcodes=0                   ; exit codes that are expected, for autorestart (default 0)
;stopsignal=QUIT               ; signal that asks it to stop (default TERM)
;stopwaitsecs=10               ; seconds to wait after that signal before SIGKILL (default 10)
;stopasgroup=false             ; send the stop signal to its whole process group (default false)
;killasgroup=false             ; send SIGKILL to its whole process group (default false)
;user=chrism                   ; account to run it as (supervisord must run as root)
;redirect_stderr=true          ; send its stderr into the stdout log (default false)
;stdout_logfile=/a/path        ; file for its stdout, NONE for none (default AUTO)
;stdout_logfile_maxbytes=1MB   ; rotate that file at this size (default 50MB)
;stdout_logfile_backups=10     ; rotated files to keep, 0 keeps none (default 10)
;stdout_capture_maxbytes=1MB   ; buffer for capture mode, 0 turns it off (default 0)
;stdout_events_enabled=false   ; emit an event for every stdout write (default false)
;stdout_syslog=false           ; also send stdout to syslog, tagged with its name (default false)
;stderr_logfile=/a/path        ; file for its stderr, NONE for none (default AUTO)
;stderr_logfile_maxbytes=1MB   ; rotate that file at this size (default 50MB)
;stderr_logfile_backups=10     ; rotated files to keep, 0 keeps none (default 10)
;stderr_capture_maxbytes=1MB   ; buffer for capture mode, 0 turns it off (default 0)
;stderr_events_enabled=false   ; emit an event for every stderr write (default false)
;stderr_syslog=false           ; also send stderr to syslog, tagged with its name (default false)
;environment=A="1",B="2"       ; variables added to its environment (default: none)
;serverurl=AUTO                ; SUPERVISOR_SERVER_URL passed to it (default AUTO: computed)

; An event listener section with every option it accepts. Each [eventlistener:NAME]
; section runs a pool of processes that receive the events named in events=.

;[eventlistener:theeventlistenername]
;command=/bin/eventlistener    ; what to run, with arguments; looked up in PATH if no '/'
;process_name=%(program_name)s ; name of each process; include %(process_num)s if numprocs > 1
;numprocs=1                    ; number of listener processes in the pool (default 1)
;events=EVENT                  ; comma-separated event types to receive (required)
;buffer_size=10                ; events queued while all listeners are busy (default 10)
;directory=/tmp                ; working directory of the process (default: not changed)
;umask=022                     ; umask of the process (default: inherited)
;priority=-1                   ; lower values start first and stop last (default -1)
;autostart=true                ; start when supervisord starts (default true)
;startsecs=1                   ; seconds it must stay up to count as started (default 1)
;startretries=3                ; failed starts in a row before giving up (default 3)
;autorestart=unexpected        ; restart after it exits: true, false, unexpected (default)
;exitcodes=0                   ; exit codes that are expected, for autorestart (default 0)
;stopsignal=QUIT               ; signal that asks it to stop (default TERM)
;stopwaitsecs=10               ; seconds to wait after that signal before SIGKILL (default 10)
;stopasgroup=false             ; send the stop signal to its whole process group (default false)
;killasgroup=false             ; send SIGKILL to its whole process group (default false)
;user=chrism                   ; account to run it as (supervisord must run as root)
;redirect_stderr=false         ; must stay false: stderr would corrupt the event protocol
;stdout_logfile=/a/path        ; file for its stdout, NONE for none (default AUTO)
;stdout_logfile_maxbytes=1MB   ; rotate that file at this size (default 50MB)
;stdout_logfile_backups=10     ; rotated files to keep, 0 keeps none (default 10)
;stdout_events_enabled=false   ; emit an event for every stdout write (default false)
;stdout_syslog=false           ; also send stdout to syslog, tagged with its name (default false)
;stderr_logfile=/a/path        ; file for its stderr, NONE for none (default AUTO)
;stderr_logfile_maxbytes=1MB   ; rotate that file at this size (default 50MB)
;stderr_logfile_backups=10     ; rotated files to keep, 0 keeps none (default 10)
;stderr_events_enabled=false   ; emit an event for every stderr write (default false)
;stderr_syslog=false           ; also send stderr to syslog, tagged with its name (default false)
;environment=A="1",B="2"       ; variables added to its environment
;serverurl=AUTO                ; SUPERVISOR_SERVER_URL passed to it (default AUTO: computed)

; A group section. Programs listed in a [group:NAME] section are controlled together
; under that name (NAME:process) instead of each forming a group of its own.

;[group:thegroupname]
;programs=progname1,progname2  ; the NAMEs of [program:NAME] sections in this group
;priority=999                  ; lower values start first and stop last (default 999)

; The [include] section reads more configuration files. files= takes any number of
; paths or glob patterns, separated by spaces or newlines and relative to this file;
; matching files are read in sorted order. Included files cannot include others.

;[include]
;files = relative/directory/*.ini
"#;

#[cfg(test)]
mod tests {
    use super::SAMPLE_CONF;

    /// A comment after a value needs whitespace in front of it, or it becomes part of the
    /// value once a user uncomments the line.
    #[test]
    fn inline_comments_are_preceded_by_whitespace() {
        for line in SAMPLE_CONF.lines() {
            let body = line.strip_prefix(';').unwrap_or(line);
            if body.starts_with(' ') || body.starts_with('[') || !body.contains('=') {
                continue;
            }
            let value = body.split_once('=').map_or("", |(_, v)| v);
            // Only the first ';' or '#' matters: everything after it is comment anyway.
            if let Some(i) = value.find([';', '#']) {
                let before = value[..i].chars().last();
                assert!(
                    before.is_some_and(char::is_whitespace),
                    "comment not preceded by whitespace: {line:?}"
                );
            }
        }
    }

    #[test]
    fn names_supervisor_rs_and_ends_with_a_newline() {
        assert!(SAMPLE_CONF.starts_with("; Sample supervisord.conf"));
        assert!(SAMPLE_CONF.contains("supervisor-rs"));
        assert!(SAMPLE_CONF.ends_with(".ini\n"));
    }
}
